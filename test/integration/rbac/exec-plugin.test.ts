// Cloud-cluster credentials: a kubeconfig whose user is an exec credential plugin (the form EKS, GKE and AKS
// use), here the project's own test/fixtures/exec-plugin/token-plugin.mjs, which trades a client identity
// for a ServiceAccount token from the TokenRequest API. The real API server checks that token; the
// deployer Role of deploy/rbac.yaml decides what it may do. The bundles run as the runner runs them, and
// the token the plugin issued appears nowhere: not in the log, the outputs, the summary or the saved state.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { containsSecret } from '../../../packages/kit/secrets';
import { Kube, KNOWN, type Kube as KubeType, type Service } from '@swiss-deploy/kube';
import { runAction, type StepResult } from '../../support/runner';
import { ensureNode24 } from '../../support/node24';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  requireKwok,
  writeManifests,
} from '../deploy/cluster';
import { installDeployer, kubeconfigWith } from './deployer';

jest.setTimeout(300_000);

const plugin = path.join(repoRoot, 'test', 'fixtures', 'exec-plugin', 'token-plugin.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'envs-exec-plugin-'));
const record = path.join(dir, 'issued-tokens');
const workspace = mkdtempSync(path.join(os.tmpdir(), 'envs-exec-workspace-'));
let admin: KubeType;
let namespace: string;
let server = '';

/** The plugin's own identity: the environment's admin certificate, as files, the way a cloud CLI keeps its login. */
function pluginIdentity(): Record<string, string> {
  const config = parse(readFileSync(testEnv('KUBECONFIG'), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const cluster = config.clusters[0]!.cluster;
  const user = config.users[0]!.user;
  const file = (name: string, base64: string): string => {
    const target = path.join(dir, name);
    writeFileSync(target, Buffer.from(base64, 'base64'), { mode: 0o600 });
    return target;
  };
  server = cluster.server;
  return {
    PLUGIN_CA: file('ca.crt', cluster['certificate-authority-data']),
    PLUGIN_CERT: file('identity.crt', user['client-certificate-data']),
    PLUGIN_KEY: file('identity.key', user['client-key-data']),
  };
}

function execKubeconfig(extraArgs: string[] = []): string {
  const env = { ...pluginIdentity(), PLUGIN_RECORD: record };
  return kubeconfigWith({
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: ensureNode24(),
      args: [plugin, '--server', server, '--namespace', namespace, '--account', 'swiss-deploy', ...extraArgs],
      env: Object.entries(env).map(([name, value]) => ({ name, value })),
      interactiveMode: 'Never',
      provideClusterInfo: false,
    },
  });
}

const issued = (): string[] => {
  try {
    return readFileSync(record, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** Every place a step leaves text: what the runner shows and keeps, and the raw streams it reads. */
const traces = (step: StepResult): string =>
  [
    step.log,
    step.stderr,
    JSON.stringify(step.outputs),
    JSON.stringify(step.state),
    JSON.stringify(step.env),
    step.summary,
  ].join('\n');

/** The tokens the plugin issued to `step`: those recorded since `before` of them were. */
function expectTokensHidden(step: StepResult, before: number): void {
  const tokens = issued().slice(before);
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) {
    // Announced to the runner, so its log shows *** …
    expect(step.masks).toContain(token);
    // … and in no output, state, summary or stream of ours, masked or not.
    expect(traces(step)).not.toContain(token);
    expect(
      step.stdout.split('\n').filter((line) => line.includes(token) && !line.startsWith('::add-mask::')),
    ).toEqual([]);
  }
}

beforeAll(async () => {
  requireKwok();
  admin = await adminKube();
  namespace = await createNamespace(admin, 'envs-exec');
  await installDeployer(admin, namespace);
});

afterAll(async () => {
  await deleteNamespace(admin, namespace);
});

describe('a kubeconfig with an exec credential plugin', () => {
  it('signs the client in as the ServiceAccount the plugin got a token for, and masks that token', async () => {
    const file = writeManifests(execKubeconfig());
    const kube = await Kube.connect({ kubeconfigFile: file });
    const review = await kube.request<{ status: { userInfo: { username: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${namespace}:swiss-deploy`);
    const [token] = issued();
    expect(token).toMatch(/^eyJ/);
    expect(containsSecret(`Authorization: Bearer ${token}`)).toBe(true);
    // The Role applies: this identity may not read Secrets one by one.
    await expect(kube.request('GET', `${KNOWN.secrets(namespace)}/anything`)).rejects.toThrow(
      `cannot get secrets in namespace ${namespace}`,
    );
  });

  it('deploys with deploy-blue-green and rolls back with rollback, as workflow steps, and no token leaks', async () => {
    const kubeconfig = execKubeconfig();
    for (const version of ['1', '2']) {
      const before = issued().length;
      const { main, post } = await runAction({
        actionDir: path.join(repoRoot, 'actions', 'deploy-blue-green'),
        workspace,
        inputs: {
          manifests: writeManifests(appObjects({ version }), workspace),
          app: 'shop',
          namespace,
          kubeconfig,
        },
        env: { KUBECONFIG: '' },
      });
      expect([main.exitCode, main.annotations]).toEqual([0, []]);
      expect(main.outputs.status).toBe('succeeded');
      expectTokensHidden(main, before);
      expect(post?.exitCode).toBe(0);
    }
    const before = issued().length;
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'rollback'),
      workspace,
      inputs: {
        app: 'shop',
        namespace,
        to: 'previous',
        reason: 'checkout fails since revision 2',
        kubeconfig,
      },
      env: { KUBECONFIG: '' },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.color).toBe('blue');
    expectTokensHidden(main, before);
    const service = await admin.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
    expect(service.spec?.selector?.['swiss-deploy/color']).toBe('blue');
  });

  it('fails with the plugin named and its reason when it cannot log in, changing nothing', async () => {
    const before = await admin.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'deploy-blue-green'),
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ version: '3' }), workspace),
        app: 'shop',
        namespace,
        kubeconfig: execKubeconfig(['--fail', 'the SSO session has expired, run the login again']),
      },
      env: { KUBECONFIG: '' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(
      `The kubeconfig's credential plugin "${ensureNode24()}" gave no credential: error: the SSO session has expired, run the login again.`,
    );
    const after = await admin.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});
