// smoke-test's `service:` input as the deployer of deploy/rbac.yaml: the bundle, as the runner runs it,
// reaches a pod on the real node through the API server's port-forward with the Role's three grants for it
// (get services, list endpointslices, get and create pods/portforward), and without any one of them fails naming it.
import * as path from 'node:path';
import { KNOWN } from '@swiss-deploy/kube';
import type { Kube } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { httpdDeployment, realNodeScheduling, requireRealNode } from '../../support/real-node';
import { testEnv } from '../../support/env';
import { adminKube, createNamespace, deleteNamespace } from '../deploy/cluster';
import {
  deployerObjects,
  deployerToken,
  installDeployer,
  kubeconfigWith,
  roleRules,
  withoutGrant,
} from './deployer';

jest.setTimeout(600_000);

const actionDir = path.join(repoRoot, 'actions', 'smoke-test');
let admin: Kube;
let namespace: string;

async function waitReady(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const d = await admin.request<{ status?: { readyReplicas?: number } }>(
      'GET',
      `${KNOWN.deployments(namespace)}/web`,
    );
    if ((d.status?.readyReplicas ?? 0) >= 1) return;
    if (Date.now() > deadline) throw new Error(`web in ${namespace} was not ready within 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  requireRealNode(testEnv('KUBE_MODE'));
  admin = await adminKube();
  namespace = await createNamespace(admin, 'envs-smoke-rbac');
  const labels = { app: 'web' };
  const deployment = httpdDeployment({
    name: 'web',
    labels,
    setup: 'mkdir -p /www && echo "served as the deployer" > /www/index.html',
    readyPath: '/',
    pod: realNodeScheduling(),
  });
  await admin.request('POST', KNOWN.deployments(namespace), { body: deployment });
  await admin.request('POST', KNOWN.services(namespace), {
    body: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  });
  await waitReady();
});

afterAll(async () => {
  await deleteNamespace(admin, namespace);
});

async function smokeAsDeployer(): Promise<Awaited<ReturnType<typeof runAction>>['main']> {
  const kubeconfig = kubeconfigWith({ token: await deployerToken(admin, namespace) });
  const { main } = await runAction({
    actionDir,
    inputs: {
      service: `${namespace}/web:80`,
      kubeconfig,
      checks: '- path: /\n  expect: { status: 200, body-contains: served as the deployer }',
      retries: '2',
      interval: '200ms',
    },
    env: { KUBECONFIG: '' },
  });
  return main;
}

const rules = roleRules(deployerObjects('x'));
const smokeGrants = [
  { verb: 'get', group: '', resource: 'services', name: 'get services' },
  {
    verb: 'list',
    group: 'discovery.k8s.io',
    resource: 'endpointslices',
    name: 'list endpointslices.discovery.k8s.io',
  },
  { verb: 'get', group: '', resource: 'pods/portforward', name: 'get pods/portforward' },
  { verb: 'create', group: '', resource: 'pods/portforward', name: 'create pods/portforward' },
];

/** A refused WebSocket upgrade carries no Status: the message names both verbs the tunnel needs. */
const expected = (name: string): string =>
  name.endsWith('pods/portforward')
    ? `cannot get or cannot create pods/portforward in namespace ${namespace}: it needs both`
    : `cannot ${name} in namespace ${namespace}`;

describe('smoke-test through the port-forward as the deployer', () => {
  it('passes with the Role of deploy/rbac.yaml', async () => {
    await installDeployer(admin, namespace);
    const main = await smokeAsDeployer();
    expect([main.exitCode, main.annotations.map((a) => a.message)]).toEqual([0, []]);
    expect(main.outputs.passed).toBe('true');
  });

  it.each(smokeGrants.map((grant) => [grant.name, grant]))(
    'without %s fails naming it',
    async (name, grant) => {
      const index = rules.findIndex(
        (r) => r.apiGroups.includes(grant.group) && r.resources.includes(grant.resource),
      );
      expect(index).toBeGreaterThanOrEqual(0);
      await installDeployer(admin, namespace, withoutGrant(rules, { rule: index, ...grant }));
      const main = await smokeAsDeployer();
      expect(main.exitCode).toBe(1);
      expect(main.log).toContain(expected(name));
    },
  );
});
