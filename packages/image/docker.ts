import { UserError, WorldError, exec } from '@swiss-deploy/kit';

export interface DockerTools {
  /** Client version, e.g. `26.1.5`. */
  client: string;
  server: string;
  buildx: string;
}

const INSTALL_DOCKER =
  'Use a GitHub-hosted Ubuntu runner (Docker and buildx are preinstalled), or install Docker Engine ' +
  '(docker-ce, or Debian/Ubuntu docker.io) with the buildx plugin (docker-buildx-plugin, or docker-buildx) on this runner.';

/**
 * Checks that `docker` and its buildx plugin are there and the engine answers, before anything else,
 * so a missing tool fails with what to install instead of a build error.
 */
export async function checkDocker(env: Record<string, string | undefined> = {}): Promise<DockerTools> {
  const client = await exec('docker', ['version', '--format', '{{.Client.Version}}'], {
    env,
    timeoutMs: 30_000,
    okExitCodes: 'any',
    missingHint: INSTALL_DOCKER,
  });
  const clientVersion = client.stdout.trim().split('\n')[0] ?? '';
  if (clientVersion === '') {
    throw new UserError('The docker command is there but does not report a version.', {
      hint: INSTALL_DOCKER,
    });
  }
  const buildx = await exec('docker', ['buildx', 'version'], { env, timeoutMs: 30_000, okExitCodes: 'any' });
  if (buildx.exitCode !== 0) {
    throw new UserError(`docker ${clientVersion} has no buildx plugin (docker buildx version failed).`, {
      hint:
        'Install the buildx plugin: docker-buildx-plugin (Docker packages) or docker-buildx (Debian/Ubuntu), ' +
        'or add docker/setup-buildx-action before this step.',
    });
  }
  const server = await exec('docker', ['version', '--format', '{{.Server.Version}}'], {
    env,
    timeoutMs: 30_000,
    okExitCodes: 'any',
  });
  if (server.exitCode !== 0 || server.stdout.trim() === '') {
    throw new WorldError('The Docker engine does not answer.', {
      cause: new Error((server.stderr || server.stdout).trim() || `exit code ${server.exitCode}`),
      untouched: 'nothing was built or pushed',
      hint: `Start the Docker daemon, or point DOCKER_HOST at it (now ${process.env.DOCKER_HOST ?? 'the default socket'}).`,
    });
  }
  const version = /v?(\d+\.\d+\.\d+[^\s]*)/.exec(buildx.stdout)?.[1] ?? buildx.stdout.trim();
  return { client: clientVersion, server: server.stdout.trim(), buildx: version };
}
