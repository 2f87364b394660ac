// deploy/rbac.yaml against the real API server (RBAC authorizer, ServiceAccount tokens from the TokenRequest
// API, kwok nodes): the whole deploy → preview → promote → rollback chain runs as that ServiceAccount, and
// taking away any one verb of the Role fails the chain with an error naming exactly that permission.
import { type DeployOptions } from '@swiss-deploy/bluegreen';
import { lockName } from '../../../packages/bluegreen/session';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import { KNOWN, type Kube, type KubeObject, type Service } from '@swiss-deploy/kube';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
} from '../deploy/cluster';
import { rollback } from '../rollback/rollback-cluster';
import {
  deployerKube,
  deployerObjects,
  grants,
  installDeployer,
  permissionName,
  roleRules,
  withoutGrant,
} from './deployer';

jest.setTimeout(900_000);

let admin: Kube;
const namespaces: string[] = [];

beforeAll(async () => {
  requireKwok();
  admin = await adminKube();
});

afterAll(async () => {
  for (const namespace of namespaces) await deleteNamespace(admin, namespace);
});

async function namespace(): Promise<string> {
  const name = await createNamespace(admin, 'envs-rbac');
  namespaces.push(name);
  return name;
}

/** What the built-in chart renders around the app: every kind the Role grants writes on. */
function chartKinds(): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'shop' };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'shop', labels } },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'shop', labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'shop', labels },
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop', labels },
      spec: {
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'shop', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'shop', labels },
      spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{}] },
    },
  ];
}

const app = (version: string): KubeObject[] =>
  appObjects({ version, readsConfig: true, extra: chartKinds() });

/**
 * The chain as a team runs it, as the deployer: a deploy that waits for another run's lock and takes it
 * over once it expires, a second one left as a preview, its promotion (scaling the previous color down), a
 * third, a rollback to the second, with a history of two so the revision store and the config copies are
 * pruned, and a deploy whose image cannot be pulled (the gate reads pods and events; the color goes to zero).
 * Housekeeping after a switch only warns when it fails: the warnings are returned with the steps.
 */
async function chain(kube: Kube, ns: string, warnings: string[] = []): Promise<string[]> {
  const steps: string[] = [];
  const log = { info: () => undefined, warning: (line: string) => void warnings.push(line) };
  const common: Partial<DeployOptions> = { namespace: ns, historyLimit: 2, previousReplicas: 1, log };
  await admin.request('POST', KNOWN.leases(ns), {
    body: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: lockName('shop') },
      spec: {
        holderIdentity: 'swiss/example-app/runs/1/attempts/1/deploy/crashed',
        leaseDurationSeconds: 2,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    },
  });
  const first = await deploy(kube, ns, app('1'), { ...common, lockWaitMs: 60_000 });
  steps.push(`deploy ${first.status}`);
  const second = await deploy(kube, ns, app('2'), { ...common, promotion: 'manual' });
  steps.push(`deploy ${second.status}`);
  const promoted = await deploy(kube, ns, app('2'), { ...common, action: 'promote' });
  steps.push(`promote ${promoted.status}`);
  const third = await deploy(kube, ns, app('3'), common);
  steps.push(`deploy ${third.status}`);
  const back = await rollback(kube, ns, { historyLimit: 2, log });
  steps.push(`rollback ${back.mode} to ${back.revision}`);
  const broken = appObjects({ version: '4', readsConfig: true, fail: 'image-pull', extra: chartKinds() });
  const failed = await deploy(kube, ns, broken, common).then(
    (report) => `deploy ${report.status}`,
    (error: Error) => {
      if (!/ImagePull|ErrImagePull/.test(error.message)) throw error;
      return 'deploy failed: image pull';
    },
  );
  steps.push(failed);
  return steps;
}

/**
 * Grants the chain above cannot prove indispensable on kwok, and why. The watches are opened only when the
 * list before them does not show the end state yet (kwok pods are ready or failed by the first list);
 * events are read for the reason of a pod problem the pod's own status does not name.
 */
const OUTSIDE_THE_CHAIN: Record<string, string> = {
  'watch pods': 'the gate watches pods only while they are still starting',
  'list events': 'read when a pod problem is not in its status (Unschedulable, probe failures)',
  'watch events': 'the autoscaler wait watches events',
  'watch endpointslices.discovery.k8s.io': 'watched only while the switch waits for endpoints',
  'get pods/portforward': 'smoke-test through the API server: test/integration/rbac/smoke-role.test.ts',
  'create pods/portforward': 'smoke-test through the API server: test/integration/rbac/smoke-role.test.ts',
  'create events.events.k8s.io':
    'the actions tell each run as an Event (best effort): test/integration/telemetry',
  'get httproutes.gateway.networking.k8s.io': 'traffic: gateway',
  'list httproutes.gateway.networking.k8s.io': 'traffic: gateway',
  'watch httproutes.gateway.networking.k8s.io': 'traffic: gateway',
  'create httproutes.gateway.networking.k8s.io': 'traffic: gateway',
  'patch httproutes.gateway.networking.k8s.io': 'traffic: gateway',
};

const live = async (ns: string): Promise<string | undefined> =>
  (await admin.request<Service>('GET', `${KNOWN.services(ns)}/shop`)).spec?.selector?.['swiss-deploy/color'];

describe('the deployer Role of deploy/rbac.yaml', () => {
  it('holds a ServiceAccount, a Role and its RoleBinding, and nothing cluster-wide', () => {
    expect(deployerObjects('x').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/swiss-deploy',
      'Role/swiss-deploy',
      'RoleBinding/swiss-deploy',
    ]);
  });

  it('is enough for the whole chain: lock wait, deploy, preview, promote, rollback, pruning', async () => {
    const ns = await namespace();
    await installDeployer(admin, ns);
    const kube = await deployerKube(admin, ns);
    const warnings: string[] = [];
    expect({ steps: await chain(kube, ns, warnings), warnings }).toEqual({
      steps: [
        'deploy succeeded',
        'deploy preview',
        'promote promoted',
        'deploy succeeded',
        'rollback scale-up to 4',
        'deploy failed: image pull',
      ],
      warnings: [expect.stringMatching(/^Took over an expired deploy lock from .*\/deploy\/crashed /)],
    });
    expect(await live(ns)).toBe('green');
    // Pruned to two at the rollback (4, 3); the failed deploy's record (5) comes after that prune.
    expect((await readRevisions(admin, ns, 'shop')).map((r) => [r.revision, r.outcome])).toEqual([
      [5, 'failed'],
      [4, 'succeeded'],
      [3, 'succeeded'],
    ]);
  });

  const rules = roleRules(deployerObjects('x'));
  it('leaves out of the chain only the grants named below, each of them in the Role', () => {
    const granted = grants(rules).map((g) => permissionName(g.verb, g.group, g.resource));
    expect(Object.keys(OUTSIDE_THE_CHAIN).filter((name) => !granted.includes(name))).toEqual([]);
  });

  it.each(
    grants(rules)
      .filter((g) => !(permissionName(g.verb, g.group, g.resource) in OUTSIDE_THE_CHAIN))
      .map((grant) => [permissionName(grant.verb, grant.group, grant.resource), grant]),
  )('without %s the chain fails naming it', async (name, grant) => {
    const ns = await namespace();
    await installDeployer(admin, ns, withoutGrant(rules, grant));
    const kube = await deployerKube(admin, ns);
    const warnings: string[] = [];
    const outcome = await chain(kube, ns, warnings).then(
      (steps) => `the chain passed: ${steps.join(', ')}`,
      (error: Error) => error.message,
    );
    const said = [outcome, ...warnings].join('\n');
    expect(said).toContain(`cannot ${name} in namespace ${ns}`);
  });
});
