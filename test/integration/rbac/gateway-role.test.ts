// deploy/rbac.yaml for traffic: gateway against the real API server and Traefik: a canary whose HTTPRoute
// (parent: the environment's Gateway) is created, stepped one promote at a time, aborted and stepped to the
// end, all as the Role's ServiceAccount; without any one of the Role's grants on httproutes it fails with an
// error naming exactly that permission. The watch is proven with a parent slower than Traefik (a mesh).
import type { DeployOptions } from '@swiss-deploy/bluegreen';
import { routeWeights, type HTTPRoute } from '../../../packages/bluegreen/traffic';
import type { Kube, KubeObject } from '@swiss-deploy/kube';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
} from '../deploy/cluster';
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

const ROUTE_GROUP = 'gateway.networking.k8s.io';
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
  const name = await createNamespace(admin, 'promote-rbac-gw');
  namespaces.push(name);
  return name;
}

/** The app with an HTTPRoute of its own on the environment's Gateway, which Traefik programs and reports on. */
function objects(ns: string, version: string): KubeObject[] {
  const route: KubeObject = {
    apiVersion: `${ROUTE_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: 'shop', labels: { 'app.kubernetes.io/name': 'shop' } },
    spec: {
      parentRefs: [
        {
          group: ROUTE_GROUP,
          kind: 'Gateway',
          namespace: testEnv('GATEWAY_NAMESPACE'),
          name: testEnv('GATEWAY_NAME'),
          sectionName: testEnv('GATEWAY_LISTENER'),
        },
      ],
      hostnames: [`${ns}.swiss-deploy.test`],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'shop', port: 80 }],
        },
      ],
    },
  };
  return appObjects({ version, extra: [route] });
}

const weights = async (ns: string): Promise<unknown> =>
  routeWeights(
    await admin.request<HTTPRoute>('GET', `/apis/${ROUTE_GROUP}/v1/namespaces/${ns}/httproutes/shop`),
    ['shop'],
    ns,
  );

/**
 * A canary as a team runs it, as the deployer: the first deploy creates the route (server-side apply) and
 * waits for Traefik to accept it; the second is left as a preview, promoted one step (10 %), aborted (all
 * back on stable in one write, the canary scaled to zero); the third steps through to the switch. Each
 * route write is confirmed by a list and a watch of the route's status.
 */
async function canaryChain(kube: Kube, ns: string): Promise<string[]> {
  const steps: string[] = [];
  const canary: Partial<DeployOptions> = {
    namespace: ns,
    traffic: { mode: 'gateway' },
    strategy: 'canary',
    steps: [10, 100],
    promotion: 'manual',
  };
  const first = await deploy(kube, ns, objects(ns, '1'), { ...canary, promotion: 'auto' });
  steps.push(`deploy ${first.status} ${JSON.stringify(await weights(ns))}`);
  const preview = await deploy(kube, ns, objects(ns, '2'), canary);
  steps.push(`deploy ${preview.status}`);
  const step = await deploy(kube, ns, objects(ns, '2'), { ...canary, action: 'promote' });
  steps.push(`promote ${step.status} at ${step.weight} ${JSON.stringify(await weights(ns))}`);
  const aborted = await deploy(kube, ns, objects(ns, '2'), { ...canary, action: 'abort' });
  steps.push(`abort ${aborted.status} ${JSON.stringify(await weights(ns))}`);
  const done = await deploy(kube, ns, objects(ns, '3'), { ...canary, promotion: 'auto' });
  steps.push(`deploy ${done.status} ${JSON.stringify(await weights(ns))}`);
  return steps;
}

/**
 * A mesh controller that takes its time: it writes Accepted and ResolvedRefs for a route's generation a
 * second after it first sees it (as a mesh does once its proxies are programmed), so the deployer's list
 * right after its write finds no status for that generation yet and it has to watch. Traefik, on the same
 * machine, has written its status before that list, so the Gateway chain above never needs the watch.
 */
function slowMeshController(ns: string) {
  const state = { stopped: false };
  const path = `/apis/${ROUTE_GROUP}/v1/namespaces/${ns}/httproutes/shop`;
  const seen = new Map<number, number>();
  const loop = (async () => {
    while (!state.stopped) {
      const route = await admin.request<HTTPRoute>('GET', path).catch(() => undefined);
      const generation = route?.metadata.generation;
      const written = route?.status?.parents?.[0]?.conditions?.[0]?.observedGeneration;
      if (route && generation !== undefined && written !== generation) {
        if (!seen.has(generation)) seen.set(generation, Date.now());
        if (Date.now() - seen.get(generation)! >= 1000) {
          const condition = (type: string) => ({
            type,
            status: 'True',
            reason: type,
            message: '',
            observedGeneration: generation,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          });
          await admin.request('PATCH', `${path}/status`, {
            contentType: 'application/merge-patch+json',
            body: {
              status: {
                parents: (route.spec?.parentRefs ?? []).map((parentRef) => ({
                  parentRef,
                  controllerName: 'mesh.swiss-deploy.test/slow-controller',
                  conditions: [condition('Accepted'), condition('ResolvedRefs')],
                })),
              },
            },
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return { stop: async () => ((state.stopped = true), await loop) };
}

/** One deploy with a mesh route (parent: the app's Service), confirmed by the slow controller above. */
async function meshDeploy(kube: Kube, ns: string): Promise<string> {
  const route: KubeObject = {
    apiVersion: `${ROUTE_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: 'shop', labels: { 'app.kubernetes.io/name': 'shop' } },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'shop', port: 80 }],
      rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }],
    },
  };
  const mesh = slowMeshController(ns);
  try {
    const report = await deploy(kube, ns, appObjects({ version: '1', extra: [route] }), {
      namespace: ns,
      traffic: { mode: 'gateway' },
    });
    return `deploy ${report.status} ${JSON.stringify(await weights(ns))}`;
  } finally {
    await mesh.stop();
  }
}

const rules = roleRules(deployerObjects('x'));
const routeGrants = grants(rules).filter((g) => g.group === ROUTE_GROUP);
const watchGrant = routeGrants.find((g) => g.verb === 'watch')!;

describe('the deployer Role of deploy/rbac.yaml with traffic: gateway', () => {
  it('grants on HTTPRoutes exactly what the canary uses: get, list, watch, create, patch', () => {
    expect(routeGrants.map((g) => permissionName(g.verb, g.group, g.resource))).toEqual([
      'get httproutes.gateway.networking.k8s.io',
      'list httproutes.gateway.networking.k8s.io',
      'watch httproutes.gateway.networking.k8s.io',
      'create httproutes.gateway.networking.k8s.io',
      'patch httproutes.gateway.networking.k8s.io',
    ]);
  });

  it('is enough for a canary on the Gateway: route created, stepped, aborted, stepped to the switch', async () => {
    const ns = await namespace();
    await installDeployer(admin, ns);
    const kube = await deployerKube(admin, ns);
    expect(await canaryChain(kube, ns)).toEqual([
      'deploy succeeded {"blue":100,"green":0}',
      'deploy preview',
      'promote paused at 10 {"blue":90,"green":10}',
      'abort aborted {"blue":100,"green":0}',
      'deploy succeeded {"blue":0,"green":100}',
    ]);
  });

  it.each(
    routeGrants
      .filter((grant) => grant !== watchGrant)
      .map((grant) => [permissionName(grant.verb, grant.group, grant.resource), grant]),
  )('without %s the canary fails naming it', async (name, grant) => {
    const ns = await namespace();
    await installDeployer(admin, ns, withoutGrant(rules, grant));
    const kube = await deployerKube(admin, ns);
    const outcome = await canaryChain(kube, ns).then(
      (steps) => `the canary passed: ${steps.join(', ')}`,
      (error: Error) => error.message,
    );
    expect(outcome).toContain(`cannot ${name} in namespace ${ns}`);
  });

  it('waits for a slower parent (a mesh) with a watch: passes with the Role, fails naming watch without it', async () => {
    const ns = await namespace();
    await installDeployer(admin, ns);
    expect(await meshDeploy(await deployerKube(admin, ns), ns)).toBe(
      'deploy succeeded {"blue":100,"green":0}',
    );

    const other = await namespace();
    await installDeployer(admin, other, withoutGrant(rules, watchGrant));
    const outcome = await meshDeploy(await deployerKube(admin, other), other).catch(
      (error: Error) => error.message,
    );
    expect(outcome).toContain(`cannot watch httproutes.gateway.networking.k8s.io in namespace ${other}`);
  });
});
