import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError, WorldError, exec, registerSecret } from '@swiss-deploy/kit';
import { loginHost } from './image-name';

/** Where `docker` keeps its configuration unless DOCKER_CONFIG says otherwise. */
export function defaultDockerConfig(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/**
 * A DOCKER_CONFIG of our own for this run, so logging in never touches the runner's own credentials.
 * It keeps what the runner set up besides credentials: buildx builders (docker/setup-buildx-action),
 * CLI plugins, contexts and the proxy settings, by linking or copying them from the runner's config.
 */
export function isolatedDockerConfig(tempDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = mkdtempSync(path.join(tempDir, 'swiss-deploy-docker-'));
  const original = defaultDockerConfig(env);
  for (const shared of ['buildx', 'cli-plugins', 'contexts']) {
    const from = path.join(original, shared);
    if (existsSync(from)) symlinkSync(from, path.join(dir, shared));
  }
  const config: Record<string, unknown> = { auths: {} };
  const originalFile = path.join(original, 'config.json');
  if (existsSync(originalFile)) {
    try {
      const parsed = JSON.parse(readFileSync(originalFile, 'utf8')) as Record<string, unknown>;
      for (const key of ['currentContext', 'proxies', 'cliPluginsExtraDirs']) {
        if (parsed[key] !== undefined) config[key] = parsed[key];
      }
    } catch {
      // An unreadable runner config only costs us its non-credential settings.
    }
  }
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  return dir;
}

/** Logs in with the password on stdin, never in argv; a refusal is the user's to fix, anything else the world's. */
export async function loginToRegistry(
  dockerConfig: string,
  registry: string,
  username: string,
  password: string,
): Promise<void> {
  registerSecret(password);
  const host = loginHost(registry);
  const result = await exec(
    'docker',
    ['login', '--username', username, '--password-stdin', ...(host ? [host] : [])],
    { env: { DOCKER_CONFIG: dockerConfig }, input: password, timeoutMs: 120_000, okExitCodes: 'any' },
  );
  if (result.exitCode === 0) return;
  const said = (result.stderr || result.stdout).trim().split('\n').filter(Boolean).pop() ?? '';
  if (/\b401\b|unauthori[sz]ed|denied|incorrect username or password|authentication required/i.test(said)) {
    throw new UserError(`The registry ${registry} refused the login of "${username}": ${said}`, {
      hint:
        'Check the username and the password secret. For ghcr.io use GITHUB_TOKEN with "packages: write" ' +
        'permission or a token with write:packages; for Docker Hub an access token, not the account password.',
    });
  }
  throw new WorldError(`Could not log in to ${registry}.`, {
    cause: new Error(said || `docker login exited with ${result.exitCode}`),
    untouched: 'nothing was built or pushed',
    hint: 'Check that the registry address is right and reachable from the runner.',
  });
}

/** Logs out and removes the isolated config. Never fails the job: cleanup reports, it does not throw. */
export async function logoutFromRegistry(
  dockerConfig: string,
  registry: string,
): Promise<{ loggedOut: boolean; detail: string }> {
  const host = loginHost(registry);
  let loggedOut = false;
  let detail = '';
  if (existsSync(dockerConfig)) {
    const result = await exec('docker', ['logout', ...(host ? [host] : [])], {
      env: { DOCKER_CONFIG: dockerConfig },
      timeoutMs: 60_000,
      okExitCodes: 'any',
    }).catch((error: unknown) => ({ exitCode: 1, stdout: '', stderr: String(error) }));
    loggedOut = result.exitCode === 0;
    detail = (result.stderr || result.stdout).trim();
    rmSync(dockerConfig, { recursive: true, force: true });
  }
  return { loggedOut, detail };
}
