// An image built by the test environment's Docker and pushed to its registry, for tests that deploy by
// digest. The registry login lives in a Docker config folder of the test's own, never ~/.docker.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { testEnv } from './env';

export interface PushedImage {
  /** `registry/repository:tag`, as built and pushed (for clean-up with `docker rmi`). */
  image: string;
  /** `registry/repository@sha256:…`, what the registry stored. */
  ref: string;
}

/**
 * Builds `build` (docker build arguments after `--tag`; `-` reads the Dockerfile from `input`) as
 * `<registry>/<repository>:<tag>`, pushes it, and returns its digest reference.
 */
export function buildAndPush(options: {
  work: string;
  repository: string;
  tag: string;
  build: readonly string[];
  input?: string;
}): PushedImage {
  const registry = testEnv('REGISTRY');
  const image = `${registry}/${options.repository}:${options.tag}`;
  const env = {
    ...process.env,
    DOCKER_HOST: testEnv('DOCKER_HOST'),
    DOCKER_CONFIG: path.join(options.work, 'docker'),
  };
  mkdirSync(env.DOCKER_CONFIG, { recursive: true, mode: 0o700 });
  execFileSync('docker', ['login', registry, '--username', testEnv('REGISTRY_USER'), '--password-stdin'], {
    env,
    input: testEnv('REGISTRY_PASSWORD'),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  execFileSync('docker', ['build', '--quiet', '--tag', image, ...options.build], {
    env,
    input: options.input,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  execFileSync('docker', ['push', '--quiet', image], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const digests = JSON.parse(
    execFileSync('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', image], {
      env,
      encoding: 'utf8',
    }),
  ) as string[];
  const ref = digests.find((d) => d.startsWith(`${registry}/${options.repository}@sha256:`));
  if (!ref) throw new Error(`docker reports no digest of ${image} in ${registry}: ${digests.join(', ')}`);
  return { image, ref };
}
