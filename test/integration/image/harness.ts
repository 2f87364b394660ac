// Runs the build-image bundle as the runner does, against the test environment's engine and registry.
import * as path from 'node:path';
import { runAction, type RunOptions } from '../../support/runner';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';

export const actionDir = path.join(repoRoot, 'actions', 'build-image');

/** Test images live under one namespace of the test registry, apart from the environment's own. */
export function testRepository(name: string): { image: string; path: string } {
  const repositoryPath = `swiss-deploy-test/${name}`;
  return { image: `${testEnv('REGISTRY')}/${repositoryPath}`, path: repositoryPath };
}

export function registryLogin(): Record<string, string> {
  return {
    username: testEnv('REGISTRY_USER'),
    password: testEnv('REGISTRY_PASSWORD'),
  };
}

export const TAG_PUSH = {
  event: {
    name: 'push',
    payload: {
      ref: 'refs/tags/v1.2.3',
      repository: {
        full_name: 'swiss/example-app',
        default_branch: 'main',
        license: { spdx_id: 'MIT' },
        description: 'The example app',
      },
    },
  },
  context: { GITHUB_REF: 'refs/tags/v1.2.3', GITHUB_REF_NAME: 'v1.2.3', GITHUB_REF_TYPE: 'tag' },
};

/** runAction with the engine's address, the repository as workspace, and room for slow builds. */
export function buildImage(options: Omit<RunOptions, 'actionDir'>) {
  return runAction({
    actionDir,
    workspace: repoRoot,
    timeoutMs: 600_000,
    ...options,
    env: { DOCKER_HOST: testEnv('DOCKER_HOST'), ...options.env },
  });
}

let baseNode: Promise<string> | undefined;

/**
 * The swiss Node.js base (docker/base/node) built on the environment's Node image and pushed through
 * the action itself; its image-ref is the runtime the example app is built on. Built once per file.
 */
export function swissNodeBase(): Promise<string> {
  baseNode ??= (async () => {
    const { main } = await buildImage({
      inputs: {
        context: 'docker/base/node',
        image: testRepository('base-node').image,
        tags: 'type=raw,value=18',
        'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_NODE')}`,
        ...registryLogin(),
      },
    });
    if (main.exitCode !== 0) throw new Error(`building docker/base/node failed:\n${main.log}`);
    return main.outputs['image-ref'] as string;
  })();
  return baseNode;
}
