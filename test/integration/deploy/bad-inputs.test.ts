import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UserError } from '@swiss-deploy/kit';
import { loadManifests } from '@swiss-deploy/bluegreen';
import { KNOWN, Kube, type Kube as KubeType } from '@swiss-deploy/kube';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
  snapshotNamespace,
  writeManifests,
} from './cluster';

jest.setTimeout(180_000);

let kube: KubeType;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-bad');
  await deploy(kube, namespace, appObjects({ version: '1' }));
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

/** Runs a deploy that must fail, and proves the namespace holds exactly what it held before. */
async function failsWithoutChange(run: () => Promise<unknown>): Promise<UserError> {
  const before = await snapshotNamespace(kube, namespace);
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect(await snapshotNamespace(kube, namespace)).toEqual(before);
  return error as UserError;
}

/** A kubeconfig for a service account that may take the lock and read, but not write Deployments. */
async function restrictedKube(): Promise<KubeType> {
  const account = 'reader';
  await kube.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, {
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account } },
  });
  await kube.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: account },
      rules: [
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'create', 'update', 'delete', 'watch', 'list'],
        },
        {
          apiGroups: [''],
          resources: ['services', 'secrets', 'configmaps', 'pods'],
          verbs: ['get', 'list', 'watch', 'patch'],
        },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  });
  await kube.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: account },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
    },
  });
  const token = await kube.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    },
  );
  const admin = parse(readFileSync(testEnv('KUBECONFIG'), 'utf8')) as { clusters: unknown[] };
  const file = writeManifests(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: admin.clusters,
      users: [{ name: account, user: { token: token.status.token } }],
      contexts: [{ name: account, context: { cluster: 'swiss-deploy', user: account } }],
      'current-context': account,
    }),
  );
  return Kube.connect({ kubeconfigFile: file });
}

describe('a deploy with bad inputs changes nothing in the cluster', () => {
  it('names a namespace that does not exist', async () => {
    const error = await deploy(kube, 'no-such-namespace', appObjects({ version: '2' })).then(
      () => undefined,
      (e: unknown) => e as UserError,
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toBe(
      'Input "namespace" is "no-such-namespace": that namespace does not exist in the cluster.',
    );
    await expect(kube.request('GET', KNOWN.namespace('no-such-namespace'))).rejects.toMatchObject({
      code: 404,
    });
  });

  it('names a kind the cluster does not know, at its line', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} };
    const error = await failsWithoutChange(() =>
      deploy(kube, namespace, appObjects({ version: '2', extra: [widget] })),
    );
    expect(error.message).toMatch(
      /manifests\.yaml:\d+: Widget\/w: the cluster does not know kind Widget in example.com\/v1/,
    );
    expect(error.location?.line).toBeGreaterThan(1);
  });

  it('names what RBAC forbids', async () => {
    const restricted = await restrictedKube();
    const error = await failsWithoutChange(() => deploy(restricted, namespace, appObjects({ version: '2' })));
    expect(error.message).toContain(
      `Deployment/shop-green: the deploying identity cannot patch deployments.apps in namespace ${namespace} (`,
    );
    expect(error.hint).toContain(`Grant patch deployments.apps in namespace ${namespace}`);
  });

  it('names malformed YAML by file and line', async () => {
    const file = writeManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n');
    const error = await failsWithoutChange(async () => loadManifests([file]));
    expect(error.message).toMatch(/manifests\.yaml is not valid YAML at line 5, column \d+: /);
  });

  it('refuses empty manifests', async () => {
    const file = writeManifests('---\n# nothing\n---\n');
    const error = await failsWithoutChange(async () => loadManifests([file]));
    expect(error.message).toMatch(/hold no Kubernetes objects/);
  });

  it('refuses an object the API server finds invalid, in a dry run', async () => {
    const objects = appObjects({ version: '2' });
    (objects[1]!.spec as { replicas: unknown }).replicas = -3;
    const error = await failsWithoutChange(() => deploy(kube, namespace, objects));
    expect(error.message).toMatch(/Deployment\/shop-green is invalid: .*replicas/);
  });
});
