// The example app as the e2e tests deploy it: built and pushed by digest to the environment's registry,
// rendered with the built-in chart onto the real node.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { testEnv } from '../support/env';
import { realNodeScheduling } from '../support/real-node';
import { repoRoot } from '../support/versions';
import { kubectl } from '../integration/env/kube';
import { runOk } from '../integration/env/run';

const stamp = randomBytes(4).toString('hex');

const dockerEnv = (work: string) => ({
  DOCKER_HOST: testEnv('DOCKER_HOST'),
  DOCKER_CONFIG: path.join(work, 'docker'),
});

/** Logs in to the environment's registry with a docker config of the test's own (in `work`). */
export async function loginRegistry(work: string): Promise<void> {
  await runOk(
    'docker',
    ['login', '--username', testEnv('REGISTRY_USER'), '--password-stdin', testEnv('REGISTRY')],
    { input: testEnv('REGISTRY_PASSWORD'), env: dockerEnv(work) },
  );
}

/** Builds examples/app (or another context) reporting `version` and pushes it; returns repo@sha256:… */
export async function buildExample(
  work: string,
  version: string,
  context = path.join(repoRoot, 'examples', 'app'),
  extraArgs: string[] = [],
): Promise<string> {
  const metadata = path.join(work, `metadata-${version}.json`);
  const repository = `${testEnv('REGISTRY')}/swiss-deploy-e2e/example-app`;
  await runOk(
    'docker',
    [
      'buildx',
      'build',
      '--push',
      '--provenance=false',
      '--metadata-file',
      metadata,
      '--build-arg',
      `BUILD_IMAGE=${testEnv('BASE_IMAGE_NODE')}`,
      '--build-arg',
      `RUNTIME_IMAGE=${testEnv('BASE_IMAGE_NODE')}`,
      '--build-arg',
      `APP_VERSION=${version}`,
      ...extraArgs,
      '--tag',
      `${repository}:${version}-${stamp}`,
      context,
    ],
    { env: dockerEnv(work) },
  );
  const digest = (JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, string>)[
    'containerimage.digest'
  ];
  return `${repository}@${digest}`;
}

/**
 * Makes `workspace` hold the example app's values.yaml and a real-node.yaml that puts the pods on the real
 * node (its label and taint), pulling with the registry Secret `registry` created in `namespace`.
 */
export async function prepareRealNodeApp(
  workspace: string,
  namespace: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await kubectl([
    'create',
    'secret',
    'docker-registry',
    'registry',
    '--namespace',
    namespace,
    `--docker-server=${testEnv('REGISTRY')}`,
    `--docker-username=${testEnv('REGISTRY_USER')}`,
    `--docker-password=${testEnv('REGISTRY_PASSWORD')}`,
  ]);
  copyFileSync(path.join(repoRoot, 'examples', 'app', 'values.yaml'), path.join(workspace, 'values.yaml'));
  writeFileSync(
    path.join(workspace, 'real-node.yaml'),
    stringify({
      replicaCount: 1,
      imagePullSecrets: [{ name: 'registry' }],
      ...realNodeScheduling(),
      pdb: { enabled: false },
      ...extra,
    }),
  );
}
