// traffic: gateway on the kwok cluster: the HTTPRoute's weights move in one patch, confirmed by the status
// Traefik writes for its Gateway, and by a mesh controller's status for a route whose parent is a Service
// (the Gateway API mesh profile; no mesh runs here, so the test writes that status as a mesh controller does).
import { CanaryAbortedError, RolledBackError, loadManifests, runDeployChain } from '@swiss-deploy/bluegreen';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import { routeWeights, type HTTPRoute } from '../../../packages/bluegreen/traffic';
import { KNOWN, type KubeObject, type Service } from '@swiss-deploy/kube';
import type { Kube } from '@swiss-deploy/kube';
import { testEnv } from '../../support/env';
import { rollback } from '../rollback/rollback-cluster';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
  writeManifests,
} from './cluster';

jest.setTimeout(240_000);

let kube: Kube;
const namespaces: string[] = [];

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
});

afterAll(async () => {
  for (const namespace of namespaces) await deleteNamespace(kube, namespace);
});

const routePath = (namespace: string, name: string) =>
  `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes/${name}`;

function httpRoute(name: string, parentRefs: Record<string, unknown>[], hostname?: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'shop' } },
    spec: {
      parentRefs,
      ...(hostname ? { hostnames: [hostname] } : {}),
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'shop', port: 80 }],
        },
      ],
    },
  };
}

const gatewayParent = () => ({
  group: 'gateway.networking.k8s.io',
  kind: 'Gateway',
  namespace: testEnv('GATEWAY_NAMESPACE'),
  name: testEnv('GATEWAY_NAME'),
  sectionName: testEnv('GATEWAY_LISTENER'),
});

async function readRoute(namespace: string, name: string): Promise<HTTPRoute> {
  return kube.request<HTTPRoute>('GET', routePath(namespace, name));
}

async function selectorColor(namespace: string, name: string): Promise<string | undefined> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/${name}`);
  return service.spec?.selector?.['swiss-deploy/color'];
}

/**
 * What a mesh controller (Istio, Linkerd, Cilium) does for a route whose parent is a Service: it writes a
 * status.parents entry for that parent with Accepted and ResolvedRefs for the generation it programmed.
 * `refuse` makes it reject new generations, as a mesh does a route it cannot attach.
 */
function fakeMeshController(namespace: string, name: string) {
  const state = { refuse: false, stopped: false, written: 0 };
  const loop = (async () => {
    const observer = await adminKube();
    while (!state.stopped) {
      const route = await observer
        .request<HTTPRoute>('GET', routePath(namespace, name))
        .catch(() => undefined);
      const generation = route?.metadata.generation;
      const current = route?.status?.parents?.[0]?.conditions?.[0]?.observedGeneration;
      if (route && generation !== undefined && current !== generation) {
        const condition = (type: string, ok: boolean, reason: string) => ({
          type,
          status: ok ? 'True' : 'False',
          reason,
          message: ok ? '' : 'the mesh cannot attach this route',
          observedGeneration: generation,
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        });
        await observer.request('PATCH', `${routePath(namespace, name)}/status`, {
          contentType: 'application/merge-patch+json',
          body: {
            status: {
              parents: (route.spec?.parentRefs ?? []).map((parentRef) => ({
                parentRef,
                controllerName: 'mesh.swiss-deploy.test/controller',
                conditions: state.refuse
                  ? [
                      condition('Accepted', false, 'NotAllowedByParent'),
                      condition('ResolvedRefs', true, 'ResolvedRefs'),
                    ]
                  : [
                      condition('Accepted', true, 'Accepted'),
                      condition('ResolvedRefs', true, 'ResolvedRefs'),
                    ],
              })),
            },
          },
        });
        state.written++;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return { state, stop: async () => ((state.stopped = true), await loop) };
}

describe('traffic: gateway', () => {
  it('moves the Gateway route of the manifests in one patch per switch, confirmed by Traefik', async () => {
    const namespace = await createNamespace(kube, 'traffic-gw');
    namespaces.push(namespace);
    const hostname = `${namespace}.swiss-deploy.test`;
    const objects = (version: string) =>
      appObjects({ version, extra: [httpRoute('shop', [gatewayParent()], hostname)] });
    const gateway = { traffic: { mode: 'gateway' as const } };

    const first = await deploy(kube, namespace, objects('1'), gateway);
    expect(first).toMatchObject({ status: 'succeeded', color: 'blue', revision: 1 });
    let route = await readRoute(namespace, 'shop');
    expect(route.spec?.rules?.[0]?.backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'shop-blue', port: 80, weight: 100 },
      { group: '', kind: 'Service', name: 'shop-green', port: 80, weight: 0 },
    ]);
    // Traefik wrote the status for the route's generation, with its kwok-backed Services resolved.
    const parent = route.status?.parents?.find((p) => p.parentRef.name === testEnv('GATEWAY_NAME'));
    expect(parent?.controllerName).toBe('traefik.io/gateway-controller');
    expect(parent?.conditions?.map((c) => [c.type, c.status, c.observedGeneration])).toEqual(
      expect.arrayContaining([
        ['Accepted', 'True', route.metadata.generation],
        ['ResolvedRefs', 'True', route.metadata.generation],
      ]),
    );
    expect(await selectorColor(namespace, 'shop-blue')).toBe('blue');
    expect(await selectorColor(namespace, 'shop-green')).toBe('green');
    const generation = route.metadata.generation!;

    const second = await deploy(kube, namespace, objects('2'), gateway);
    expect(second).toMatchObject({ status: 'succeeded', color: 'green', previousColor: 'blue', revision: 2 });
    route = await readRoute(namespace, 'shop');
    expect(routeWeights(route, ['shop'], namespace)).toEqual({ blue: 0, green: 100 });
    // One write of the route's spec: its generation moved by exactly one.
    expect(route.metadata.generation).toBe(generation + 1);
    expect(await selectorColor(namespace, 'shop')).toBe('green');
    const revisions = await readRevisions(kube, namespace, 'shop');
    expect(revisions[0]).toMatchObject({ revision: 2, traffic: 'gateway', route: `${namespace}/shop` });

    // Rollback is a switch too: blue takes it all back in one write of the route.
    const back = await rollback(kube, namespace, { traffic: { mode: 'gateway' } });
    expect(back).toMatchObject({ mode: 'switch', color: 'blue', revision: 3 });
    expect(back.steps).toContain(
      `write HTTPRoute ${namespace}/shop in one patch: weights green 0 / blue 100, then wait until every parent accepts it`,
    );
    route = await readRoute(namespace, 'shop');
    expect(routeWeights(route, ['shop'], namespace)).toEqual({ blue: 100, green: 0 });
    expect(route.metadata.generation).toBe(generation + 2);
    expect(await selectorColor(namespace, 'shop')).toBe('blue');
  });

  it('patches only the weights of a route outside the manifests, named by the route input', async () => {
    const namespace = await createNamespace(kube, 'traffic-ext');
    namespaces.push(namespace);
    const shared = httpRoute('edge', [gatewayParent()], `${namespace}.swiss-deploy.test`);
    (shared.spec as { rules: { backendRefs: unknown[] }[] }).rules.push({
      matches: [{ path: { type: 'PathPrefix', value: '/static' } }],
      backendRefs: [{ name: 'static-files', port: 80 }],
    } as never);
    await kube.request('POST', KNOWN.services(namespace), {
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'static-files', namespace },
        spec: { selector: { app: 'static-files' }, ports: [{ port: 80 }] },
      },
    });
    await kube.request('POST', `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes`, {
      body: { ...shared, metadata: { ...shared.metadata, namespace } },
    });
    const gateway = { traffic: { mode: 'gateway' as const, route: { namespace, name: 'edge' } } };
    await deploy(kube, namespace, appObjects({ version: '1' }), gateway);
    const first = await readRoute(namespace, 'edge');
    expect(routeWeights(first, ['shop'], namespace)).toEqual({ blue: 100, green: 0 });
    await deploy(kube, namespace, appObjects({ version: '2' }), gateway);
    const second = await readRoute(namespace, 'edge');
    expect(routeWeights(second, ['shop'], namespace)).toEqual({ blue: 0, green: 100 });
    expect(second.metadata.generation).toBe(first.metadata.generation! + 1);
    // The rule for another backend and the route's hostnames are as they were made.
    expect(second.spec?.rules?.[1]?.backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'static-files', port: 80, weight: 1 },
    ]);
    expect(second.spec?.hostnames).toEqual([`${namespace}.swiss-deploy.test`]);
  });

  it('moves a mesh route (parent: a Service) the same way, and puts the weights back in one patch when the mesh refuses', async () => {
    const namespace = await createNamespace(kube, 'traffic-mesh');
    namespaces.push(namespace);
    const mesh = fakeMeshController(namespace, 'shop-mesh');
    try {
      const objects = (version: string) =>
        appObjects({
          version,
          extra: [httpRoute('shop-mesh', [{ group: '', kind: 'Service', name: 'shop', port: 80 }])],
        });
      const gateway = { traffic: { mode: 'gateway' as const, route: { name: 'shop-mesh' } } };
      await deploy(kube, namespace, objects('1'), gateway);
      const second = await deploy(kube, namespace, objects('2'), gateway);
      expect(second).toMatchObject({ status: 'succeeded', color: 'green' });
      const before = await readRoute(namespace, 'shop-mesh');
      expect(routeWeights(before, ['shop'], namespace)).toEqual({ blue: 0, green: 100 });
      expect(mesh.state.written).toBeGreaterThanOrEqual(2);

      mesh.state.refuse = true;
      await expect(deploy(kube, namespace, objects('3'), gateway)).rejects.toThrow(
        /The switch to blue failed: HTTPRoute .*\/shop-mesh is refused by its parents: Service .*\/shop:80: Accepted=False \(NotAllowedByParent/,
      );
      const after = await readRoute(namespace, 'shop-mesh');
      expect(routeWeights(after, ['shop'], namespace)).toEqual({ blue: 0, green: 100 });
      // The switch's write and the one that put it back: two generations, nothing else.
      expect(after.metadata.generation).toBe(before.metadata.generation! + 2);
      expect(await selectorColor(namespace, 'shop')).toBe('green');
      const revisions = await readRevisions(kube, namespace, 'shop');
      expect(revisions[0]).toMatchObject({ revision: 3, outcome: 'failed' });
    } finally {
      await mesh.stop();
    }
  });

  it('refuses a named route that does not exist before anything changes', async () => {
    const namespace = await createNamespace(kube, 'traffic-none');
    namespaces.push(namespace);
    await expect(
      deploy(kube, namespace, appObjects({ version: '1' }), {
        traffic: { mode: 'gateway', route: { namespace, name: 'nowhere' } },
      }),
    ).rejects.toThrow(`Input "route" is "${namespace}/nowhere": there is no HTTPRoute ${namespace}/nowhere`);
    expect(await readRevisions(kube, namespace, 'shop')).toEqual([]);
  });
});

describe('strategy: canary', () => {
  async function replicasOf(namespace: string, name: string): Promise<number | undefined> {
    const deployment = await kube.request<{ spec?: { replicas?: number } } & KubeObject>(
      'GET',
      `${KNOWN.deployments(namespace)}/${name}`,
    );
    return deployment.spec?.replicas;
  }

  it('steps the route weights one promote at a time, and an abort puts 100 % back on stable in one patch', async () => {
    const namespace = await createNamespace(kube, 'traffic-canary');
    namespaces.push(namespace);
    const objects = (version: string) =>
      appObjects({
        version,
        extra: [httpRoute('shop', [gatewayParent()], `${namespace}.swiss-deploy.test`)],
      });
    const canary = {
      traffic: { mode: 'gateway' as const },
      strategy: 'canary' as const,
      steps: [10, 50, 100],
      promotion: 'manual' as const,
    };
    // The first deploy has no stable color to share with: it goes live at once.
    const first = await deploy(kube, namespace, objects('1'), { ...canary, promotion: 'auto' });
    expect(first).toMatchObject({ status: 'succeeded', color: 'blue', strategy: 'blue-green' });

    const preview = await deploy(kube, namespace, objects('2'), canary);
    expect(preview).toMatchObject({ status: 'preview', color: 'blue', step: 0, weight: 0 });
    expect(routeWeights(await readRoute(namespace, 'shop'), ['shop'], namespace)).toEqual({
      blue: 100,
      green: 0,
    });

    const step1 = await deploy(kube, namespace, objects('2'), { ...canary, action: 'promote' });
    expect(step1).toMatchObject({ status: 'paused', step: 1, weight: 10, color: 'blue' });
    expect(step1.canary).toEqual([
      { step: 1, weight: 10, actual: 10, checks: 'weight confirmed', passed: true },
    ]);
    const at10 = await readRoute(namespace, 'shop');
    expect(routeWeights(at10, ['shop'], namespace)).toEqual({ blue: 90, green: 10 });
    let revisions = await readRevisions(kube, namespace, 'shop');
    expect(revisions[0]).toMatchObject({
      revision: 2,
      outcome: 'preview',
      strategy: 'canary',
      steps: [10, 50, 100],
      step: 1,
      weight: 10,
    });
    // A re-run of the same deploy is a no-op that says where the canary is.
    const rerun = await deploy(kube, namespace, objects('2'), canary);
    expect(rerun).toMatchObject({ status: 'paused', step: 1, weight: 10, color: 'blue', revision: 2 });
    // While a canary holds live traffic, a new deploy is refused before it changes anything.
    await expect(deploy(kube, namespace, objects('3'), canary)).rejects.toThrow(
      'Revision 2 of shop is a canary paused at step 1 of 3, with 10 % of live traffic on green.',
    );

    const step2 = await deploy(kube, namespace, objects('2'), { ...canary, action: 'promote' });
    expect(step2).toMatchObject({ status: 'paused', step: 2, weight: 50 });
    const at50 = await readRoute(namespace, 'shop');
    expect(routeWeights(at50, ['shop'], namespace)).toEqual({ blue: 50, green: 50 });
    expect(at50.metadata.generation).toBe(at10.metadata.generation! + 1);

    const aborted = await deploy(kube, namespace, objects('2'), { ...canary, action: 'abort' });
    expect(aborted).toMatchObject({ status: 'aborted', color: 'blue', weight: 0 });
    const after = await readRoute(namespace, 'shop');
    expect(routeWeights(after, ['shop'], namespace)).toEqual({ blue: 100, green: 0 });
    expect(after.metadata.generation).toBe(at50.metadata.generation! + 1);
    expect(await replicasOf(namespace, 'shop-green')).toBe(0);
    expect(await selectorColor(namespace, 'shop')).toBe('blue');
    revisions = await readRevisions(kube, namespace, 'shop');
    expect(revisions[0]).toMatchObject({ revision: 2, outcome: 'aborted', strategy: 'canary' });

    // Steps through to the end: the last one is the switch.
    const auto = await deploy(kube, namespace, objects('4'), { ...canary, promotion: 'auto' });
    expect(auto).toMatchObject({ status: 'succeeded', color: 'green', step: 3, weight: 100 });
    expect(auto.canary?.map((s) => [s.step, s.weight, s.passed])).toEqual([
      [1, 10, true],
      [2, 50, true],
      [3, 100, true],
    ]);
    expect(routeWeights(await readRoute(namespace, 'shop'), ['shop'], namespace)).toEqual({
      blue: 0,
      green: 100,
    });
    expect(await selectorColor(namespace, 'shop')).toBe('green');
  });

  it('aborts a step the route parents refuse: all back on stable, canary at 0, recorded as aborted', async () => {
    const namespace = await createNamespace(kube, 'traffic-abort');
    namespaces.push(namespace);
    const mesh = fakeMeshController(namespace, 'shop-mesh');
    try {
      const objects = (version: string) =>
        appObjects({
          version,
          extra: [httpRoute('shop-mesh', [{ group: '', kind: 'Service', name: 'shop', port: 80 }])],
        });
      const options = {
        traffic: { mode: 'gateway' as const },
        strategy: 'canary' as const,
        steps: [25, 100],
      };
      await deploy(kube, namespace, objects('1'), options);
      mesh.state.refuse = true;
      await expect(deploy(kube, namespace, objects('2'), options)).rejects.toThrow(
        /^Canary step 1 \(25 %\) of revision 2 failed: HTTPRoute .*shop-mesh is refused by its parents/,
      );
      mesh.state.refuse = false;
      const route = await readRoute(namespace, 'shop-mesh');
      expect(routeWeights(route, ['shop'], namespace)).toEqual({ blue: 100, green: 0 });
      expect(await replicasOf(namespace, 'shop-green')).toBe(0);
      const revisions = await readRevisions(kube, namespace, 'shop');
      expect(revisions[0]).toMatchObject({ revision: 2, outcome: 'aborted', strategy: 'canary' });
      expect(revisions[0]?.error).toMatch(/^canary step 1 \(25 %\)/);
    } finally {
      await mesh.stop();
    }
  });

  it('with traffic: service, shares by replica ratio behind the stable Service, and an abort restores its selector', async () => {
    const namespace = await createNamespace(kube, 'traffic-ratio');
    namespaces.push(namespace);
    const options = { strategy: 'canary' as const, steps: [50, 100], promotion: 'manual' as const };
    await deploy(kube, namespace, appObjects({ version: '1', replicas: 2 }), {
      ...options,
      promotion: 'auto',
    });
    await deploy(kube, namespace, appObjects({ version: '2', replicas: 2 }), options);
    const step = await deploy(kube, namespace, appObjects({ version: '2', replicas: 2 }), {
      ...options,
      action: 'promote',
    });
    expect(step).toMatchObject({ status: 'paused', step: 1, weight: 50 });
    const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
    expect(service.spec?.selector).toEqual({ 'app.kubernetes.io/name': 'shop' });
    expect(await replicasOf(namespace, 'shop-green')).toBe(2);
    const aborted = await deploy(kube, namespace, appObjects({ version: '2', replicas: 2 }), {
      ...options,
      action: 'abort',
    });
    expect(aborted).toMatchObject({ status: 'aborted', color: 'blue' });
    expect(await selectorColor(namespace, 'shop')).toBe('blue');
    expect(await replicasOf(namespace, 'shop-green')).toBe(0);

    // To the end: the canary back at full size, gated, then the selector switch.
    const done = await deploy(kube, namespace, appObjects({ version: '3', replicas: 2 }), {
      ...options,
      promotion: 'auto',
    });
    expect(done).toMatchObject({ status: 'succeeded', color: 'green', step: 2, weight: 100 });
    expect(done.canary?.[0]).toMatchObject({ step: 1, weight: 50, actual: 50 });
    expect(await selectorColor(namespace, 'shop')).toBe('green');
    expect(await replicasOf(namespace, 'shop-green')).toBe(2);
  });
});

describe('the chain of swiss/deploy@v1 with strategy: canary', () => {
  it('checks the canary after each step and aborts in one write at the first failing check', async () => {
    const namespace = await createNamespace(kube, 'traffic-chain');
    namespaces.push(namespace);
    const objects = (version: string) =>
      appObjects({
        version,
        extra: [httpRoute('shop', [gatewayParent()], `${namespace}.swiss-deploy.test`)],
      });
    await deploy(kube, namespace, objects('1'), { traffic: { mode: 'gateway' } });
    const before = await readRoute(namespace, 'shop');
    // The chain's check, as the root action wires the smoke test in: here it passes the preview and the
    // first step, and fails the second (the weights it saw are kept to show what each check ran against).
    const seen: string[] = [];
    const check = {
      run: async (target: 'preview' | 'live', service: string) => {
        const route = await readRoute(namespace, 'shop');
        const weights = routeWeights(route, ['shop'], namespace);
        seen.push(`${target} ${service} green ${weights?.green}`);
        return { passed: seen.length < 3 };
      },
      passed: (report: { passed: boolean }) => report.passed,
      describe: () => '1 of 1 checks failed on the canary',
    };
    const error = await runDeployChain(kube, {
      app: 'shop',
      namespace,
      manifests: loadManifests([writeManifests(objects('2'))]),
      timeoutMs: 60_000,
      holder: { identity: `swiss/example-app/runs/77/attempts/1/deploy/${namespace}` },
      traffic: { mode: 'gateway' },
      strategy: 'canary',
      steps: [10, 50, 100],
      check,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanaryAbortedError);
    expect((error as Error).message).toBe(
      'Canary step 2 (50 %) of revision 2 failed its smoke test: 1 of 1 checks failed on the canary.',
    );
    expect(seen).toEqual([
      `preview ${namespace}/shop-preview:80 green 0`,
      `preview ${namespace}/shop-preview:80 green 10`,
      `preview ${namespace}/shop-preview:80 green 50`,
    ]);
    const rows = (error as InstanceType<typeof CanaryAbortedError>).report.canary;
    expect(rows?.map((r) => [r.step, r.weight, r.passed])).toEqual([
      [1, 10, true],
      [2, 50, false],
    ]);
    const after = await readRoute(namespace, 'shop');
    expect(routeWeights(after, ['shop'], namespace)).toEqual({ blue: 100, green: 0 });
    // Step 1, step 2, and the abort: three writes of the route.
    expect(after.metadata.generation).toBe(before.metadata.generation! + 3);
    const revisions = await readRevisions(kube, namespace, 'shop');
    expect(revisions[0]).toMatchObject({ revision: 2, outcome: 'aborted', strategy: 'canary', step: 2 });
  });

  it('switches the route back in one write when the live check fails after a blue/green switch', async () => {
    const namespace = await createNamespace(kube, 'traffic-back');
    namespaces.push(namespace);
    const objects = (version: string) =>
      appObjects({
        version,
        extra: [httpRoute('shop', [gatewayParent()], `${namespace}.swiss-deploy.test`)],
      });
    await deploy(kube, namespace, objects('1'), { traffic: { mode: 'gateway' } });
    const before = await readRoute(namespace, 'shop');
    const error = await runDeployChain(kube, {
      app: 'shop',
      namespace,
      manifests: loadManifests([writeManifests(objects('2'))]),
      timeoutMs: 60_000,
      holder: { identity: `swiss/example-app/runs/78/attempts/1/deploy/${namespace}` },
      traffic: { mode: 'gateway' },
      check: {
        run: async (target: 'preview' | 'live') => Promise.resolve({ passed: target === 'preview' }),
        passed: (report: { passed: boolean }) => report.passed,
        describe: () => '1 of 1 checks failed on the live route',
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolledBackError);
    const after = await readRoute(namespace, 'shop');
    expect(routeWeights(after, ['shop'], namespace)).toEqual({ blue: 100, green: 0 });
    // The switch and the switch back: two writes of the route.
    expect(after.metadata.generation).toBe(before.metadata.generation! + 2);
    expect(await selectorColor(namespace, 'shop')).toBe('blue');
  });
});
