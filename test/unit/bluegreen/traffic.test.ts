import {
  allOn,
  coloredBackendRefs,
  findRoute,
  parseRouteName,
  routeState,
  routeWeights,
  weightPatch,
  type HTTPRoute,
} from '../../../packages/bluegreen/traffic';
import { planColor } from '../../../packages/bluegreen/plan';
import type { ManifestObject } from '../../../packages/bluegreen/types';
import { parseSteps, trafficChoice } from '@swiss-deploy/kit';
import { canaryReplicas, podShare } from '../../../packages/bluegreen/canary';
import type { KubeObject } from '@swiss-deploy/kube';

const labels = { 'app.kubernetes.io/name': 'shop' };
const source = (line: number) => ({ file: 'manifests.yaml', line });
const objects = (routes: KubeObject[]): ManifestObject[] =>
  [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'shop:1' }] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop' },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] },
    },
    ...routes,
  ].map((object, index) => ({ object: object as KubeObject, source: source(index + 1) }));

const route = (
  name: string,
  backend = 'shop',
  parent: Record<string, unknown> = { name: 'gw' },
): HTTPRoute => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, generation: 4 },
  spec: {
    parentRefs: [parent as { name: string }],
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: backend, port: 80 }] },
      { backendRefs: [{ name: 'other', port: 80 }] },
    ],
  },
});

const plan = (routes: KubeObject[]) =>
  planColor(objects(routes), { app: 'shop', namespace: 'shop-ns', color: 'green', revision: 2 });

describe('the gateway route of a plan', () => {
  it('is the one HTTPRoute of the manifests that sends to the app Service', () => {
    const found = findRoute(plan([route('web'), route('unrelated', 'other')]), undefined);
    expect(found).toMatchObject({ namespace: 'shop-ns', name: 'web' });
    expect(found.planned?.object.metadata.name).toBe('web');
    expect(found.services.map((s) => s.name)).toEqual(['shop']);
  });

  it('is refused, naming the inputs, when the manifests hold none or two', () => {
    expect(() => findRoute(plan([]), undefined)).toThrow(
      'Input "traffic" is "gateway", but no HTTPRoute in the manifests sends to Service/shop, and the "route" input names none.',
    );
    expect(() => findRoute(plan([route('a'), route('b')]), undefined)).toThrow(
      'Input "traffic" is "gateway", and 2 HTTPRoutes of the manifests send to Service/shop: a, b.',
    );
  });

  it('is the named one, from the manifests or outside them', () => {
    expect(findRoute(plan([route('a'), route('b')]), { name: 'b' }).planned?.object.metadata.name).toBe('b');
    const outside = findRoute(plan([]), { namespace: 'edge', name: 'shared' });
    expect(outside).toMatchObject({ namespace: 'edge', name: 'shared', planned: undefined });
  });
});

describe('route weights', () => {
  it('turn each ref to the app Service into a colored pair at the weights, other refs untouched', () => {
    const refs = coloredBackendRefs(
      [
        { name: 'shop', port: 80, filters: [{ type: 'RequestHeaderModifier' }] },
        { name: 'other', port: 80, weight: 5 },
      ],
      ['shop'],
      { blue: 90, green: 10 },
      'shop-ns',
      'shop-ns',
    );
    expect(refs).toEqual([
      { name: 'shop-blue', port: 80, weight: 90, filters: [{ type: 'RequestHeaderModifier' }] },
      { name: 'shop-green', port: 80, weight: 10, filters: [{ type: 'RequestHeaderModifier' }] },
      { name: 'other', port: 80, weight: 5 },
    ]);
    // Already colored refs are rewritten, not doubled; a ref to the Service in another namespace is not the app's.
    expect(
      coloredBackendRefs(
        [
          { name: 'shop-blue', port: 80, weight: 100 },
          { name: 'shop-green', port: 80, weight: 0 },
          { name: 'shop', namespace: 'elsewhere', port: 80 },
        ],
        ['shop'],
        allOn('green'),
        'shop-ns',
        'shop-ns',
      ),
    ).toEqual([
      { name: 'shop-blue', port: 80, weight: 0 },
      { name: 'shop-green', port: 80, weight: 100 },
      { name: 'shop', namespace: 'elsewhere', port: 80 },
    ]);
  });

  it('are read back in percent, and are unknown while the refs are not colored', () => {
    const gateway = findRoute(plan([route('web')]), undefined);
    const live = route('web');
    live.metadata.namespace = 'shop-ns';
    expect(routeWeights(live, ['shop'], 'shop-ns')).toBeUndefined();
    const patch = weightPatch(live, gateway, { blue: 75, green: 25 }, 'shop-ns');
    expect(patch).toEqual([
      { op: 'test', path: '/metadata/generation', value: 4 },
      {
        op: 'replace',
        path: '/spec/rules/0/backendRefs',
        value: [
          { name: 'shop-blue', port: 80, weight: 75 },
          { name: 'shop-green', port: 80, weight: 25 },
        ],
      },
    ]);
    live.spec!.rules![0]!.backendRefs = patch[1]!.value as never;
    expect(routeWeights(live, ['shop'], 'shop-ns')).toEqual({ blue: 75, green: 25 });
  });
});

describe('route status', () => {
  const accepted = (generation: number, resolved = 'True') => [
    { type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: generation },
    {
      type: 'ResolvedRefs',
      status: resolved,
      reason: resolved === 'True' ? 'ResolvedRefs' : 'BackendNotFound',
      observedGeneration: generation,
    },
  ];

  it('is ready when every parent accepts the current generation with its refs resolved', () => {
    const r = route('web', 'shop', { name: 'gw', namespace: 'gateways', sectionName: 'web' });
    r.metadata.namespace = 'shop-ns';
    expect(routeState(r)).toEqual({
      ready: false,
      waiting: ['Gateway gateways/gw#web: no status yet'],
      rejected: [],
    });
    r.status = {
      parents: [
        {
          controllerName: 'traefik.io/gateway-controller',
          parentRef: {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            namespace: 'gateways',
            name: 'gw',
            sectionName: 'web',
          },
          conditions: accepted(3),
        },
      ],
    };
    expect(routeState(r).waiting).toEqual([
      'Gateway gateways/gw#web: Accepted is for generation 3, not 4',
      'Gateway gateways/gw#web: ResolvedRefs is for generation 3, not 4',
    ]);
    r.status.parents![0]!.conditions = accepted(4, 'False');
    expect(routeState(r).waiting).toEqual(['Gateway gateways/gw#web: ResolvedRefs=False (BackendNotFound)']);
    r.status.parents![0]!.conditions = accepted(4);
    expect(routeState(r)).toEqual({ ready: true, waiting: [], rejected: [] });
  });

  it('reads a Service parent (the mesh profile) the same way', () => {
    const r = route('web', 'shop', { group: '', kind: 'Service', name: 'shop', port: 80 });
    r.metadata.namespace = 'shop-ns';
    r.status = {
      parents: [
        {
          controllerName: 'mesh.example/controller',
          parentRef: { group: '', kind: 'Service', name: 'shop', port: 80 },
          conditions: accepted(4),
        },
      ],
    };
    expect(routeState(r)).toEqual({ ready: true, waiting: [], rejected: [] });
    r.status.parents![0]!.parentRef.port = 8080;
    expect(routeState(r).waiting).toEqual(['Service shop-ns/shop:80: no status yet']);
  });
});

describe('traffic inputs', () => {
  it('parse route names and refuse a route without traffic gateway', () => {
    expect(parseRouteName('edge/shared')).toEqual({ namespace: 'edge', name: 'shared' });
    expect(parseRouteName('web')).toEqual({ name: 'web' });
    expect(parseRouteName('a/b/c')).toBeUndefined();
    expect(trafficChoice({ traffic: 'gateway', route: 'edge/shared' })).toEqual({
      mode: 'gateway',
      route: { namespace: 'edge', name: 'shared' },
    });
    expect(() => trafficChoice({ traffic: 'service', route: 'web' })).toThrow(
      'Input "route" is "web", but input "traffic" is "service": a route is only moved with traffic: gateway.',
    );
  });
});

describe('canary steps', () => {
  it('are whole percentages, increasing, ending at 100', () => {
    expect(parseSteps('10, 25,50,100')).toEqual({ steps: [10, 25, 50, 100] });
    expect(parseSteps('100')).toEqual({ steps: [100] });
    expect(parseSteps('10,10,100')).toEqual({ reason: '10 does not come after 10' });
    expect(parseSteps('10,50')).toEqual({ reason: 'the last step must be 100' });
    expect(parseSteps('0,100')).toEqual({ reason: '0 is outside 1..100' });
    expect(parseSteps('5%,100')).toEqual({ reason: '"5%" is not a whole percentage' });
  });

  it('give a service canary the replicas closest to its weight, at least one pod', () => {
    expect(canaryReplicas(4, 50)).toBe(4);
    expect(canaryReplicas(9, 10)).toBe(1);
    expect(canaryReplicas(2, 10)).toBe(1);
    expect(canaryReplicas(3, 25)).toBe(1);
    expect(canaryReplicas(4, 100)).toBe(4);
    expect(podShare(2, 1)).toBe(33.33);
    expect(podShare(4, 4)).toBe(50);
  });
});
