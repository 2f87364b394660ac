import { UserError, WorldError, formatDuration } from '@swiss-deploy/kit';
import {
  FIELD_MANAGER,
  KNOWN,
  applyObject,
  collectionPath,
  isConflict,
  isNotFound,
  objectPath,
  selectorString,
  waitForEndpoints,
  watchUntil,
  type Discovery,
  type Kube,
  type KubeList,
  type KubeObject,
  type Pod,
  type Service,
} from '@swiss-deploy/kube';
import type { ColorPlan, PlannedObject, PlannedService } from './plan';
import { COLORS, LABELS, otherColor, type Color, type Logger } from './types';

/**
 * How live traffic reaches a color. `service`: the stable Services' selectors (kube-proxy, and every
 * Ingress or route that names them). `gateway`: the weights of the app's HTTPRoute over one colored backend
 * Service per color, `<svc>-blue` and `<svc>-green`; the same code serves a route whose parent is a Gateway
 * (north-south) and one whose parent is a Service (the Gateway API mesh profile). See docs/traffic.md.
 */
export type TrafficMode = 'service' | 'gateway';
export const TRAFFIC_MODES: readonly TrafficMode[] = ['service', 'gateway'];

/** An HTTPRoute named by the `route` input: `namespace/name`, or `name` in the deploy's namespace. */
export interface RouteName {
  namespace?: string;
  name: string;
}

export interface TrafficOptions {
  mode: TrafficMode;
  route?: RouteName;
}

/** The share of the app's requests each color gets, in percent (they add up to 100). */
export type Weights = Record<Color, number>;

export const HTTPROUTE_API = 'gateway.networking.k8s.io/v1';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** `namespace/name` or `name`; undefined when it is neither. */
export function parseRouteName(text: string): RouteName | undefined {
  const parts = text.trim().split('/');
  if (parts.length > 2) return undefined;
  const name = parts.pop()!;
  const namespace = parts.pop();
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) return undefined;
  if (namespace !== undefined && (!DNS_LABEL.test(namespace) || namespace.length > 63)) return undefined;
  return namespace === undefined ? { name } : { namespace, name };
}

/** All traffic on one color. */
export const allOn = (color: Color): Weights => ({ [color]: 100, [otherColor(color)]: 0 }) as Weights;

export const coloredServiceName = (service: string, color: Color): string => `${service}-${color}`;

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [field: string]: unknown;
}

interface RouteRule {
  backendRefs?: BackendRef[];
  [field: string]: unknown;
}

interface ParentRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface HTTPRoute extends KubeObject {
  spec?: { parentRefs?: ParentRef[]; rules?: RouteRule[]; [field: string]: unknown };
  status?: { parents?: { parentRef: ParentRef; controllerName?: string; conditions?: Condition[] }[] };
}

/** The route a gateway deploy moves: where it is, whether the manifests define it, which Services it splits. */
export interface GatewayRoute {
  namespace: string;
  name: string;
  /** The route as the manifests define it (written whole, colored, at the switch); undefined for a route outside them. */
  planned?: PlannedObject;
  /** The app's stable Services whose backendRefs become colored pairs. */
  services: PlannedService[];
}

const isHTTPRoute = (object: KubeObject): boolean =>
  object.kind === 'HTTPRoute' && object.apiVersion.startsWith(`${GATEWAY_GROUP}/`);

const isServiceRef = (ref: BackendRef): boolean =>
  (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';

/** The app Service a backendRef sends to (by its stable or a colored name), if any. */
function appServiceOf(
  ref: BackendRef,
  services: readonly string[],
  routeNamespace: string,
  namespace: string,
): string | undefined {
  if (!isServiceRef(ref) || (ref.namespace ?? routeNamespace) !== namespace) return undefined;
  if (services.includes(ref.name)) return ref.name;
  for (const color of COLORS) {
    const suffix = `-${color}`;
    if (ref.name.endsWith(suffix) && services.includes(ref.name.slice(0, -suffix.length)))
      return ref.name.slice(0, -suffix.length);
  }
  return undefined;
}

const refsOf = (route: HTTPRoute): RouteRule[] => route.spec?.rules ?? [];

/** Whether a route sends any request to one of the Services. */
export function routesTo(route: HTTPRoute, services: readonly string[], namespace: string): boolean {
  const routeNs = route.metadata.namespace ?? namespace;
  return refsOf(route).some((rule) =>
    (rule.backendRefs ?? []).some((ref) => appServiceOf(ref, services, routeNs, namespace) !== undefined),
  );
}

/**
 * The rule's backendRefs with every ref to an app Service replaced by its colored pair at the weights, in
 * the order they first appear; refs to anything else stay as they are.
 */
export function coloredBackendRefs(
  refs: readonly BackendRef[],
  services: readonly string[],
  weights: Weights,
  routeNamespace: string,
  namespace: string,
): BackendRef[] {
  const out: BackendRef[] = [];
  const done = new Set<string>();
  for (const ref of refs) {
    const service = appServiceOf(ref, services, routeNamespace, namespace);
    if (service === undefined) {
      out.push(ref);
      continue;
    }
    const key = `${service}:${ref.port ?? ''}`;
    if (done.has(key)) continue;
    done.add(key);
    for (const color of COLORS)
      out.push({ ...ref, name: coloredServiceName(service, color), weight: weights[color] });
  }
  return out;
}

/** A copy of the route whose refs to the app's Services are colored pairs at the weights. */
export function coloredRoute(
  route: HTTPRoute,
  gateway: GatewayRoute,
  weights: Weights,
  namespace: string,
): HTTPRoute {
  const copy = structuredClone(route);
  const names = gateway.services.map((s) => s.name);
  const routeNs = copy.metadata.namespace ?? namespace;
  for (const rule of copy.spec?.rules ?? []) {
    if (rule.backendRefs)
      rule.backendRefs = coloredBackendRefs(rule.backendRefs, names, weights, routeNs, namespace);
  }
  return copy;
}

/** The weights the route gives the colors now; undefined while its refs are not colored pairs. */
export function routeWeights(
  route: HTTPRoute,
  services: readonly string[],
  namespace: string,
): Weights | undefined {
  const routeNs = route.metadata.namespace ?? namespace;
  for (const rule of refsOf(route)) {
    const weights: Partial<Weights> = {};
    for (const ref of rule.backendRefs ?? []) {
      const service = appServiceOf(ref, services, routeNs, namespace);
      if (service === undefined) continue;
      const color = COLORS.find((c) => ref.name === coloredServiceName(service, c));
      if (!color) return undefined;
      weights[color] = (weights[color] ?? 0) + (ref.weight ?? 1);
    }
    if (weights.blue !== undefined || weights.green !== undefined) {
      const blue = weights.blue ?? 0;
      const green = weights.green ?? 0;
      const total = blue + green;
      return total === 0
        ? { blue: 0, green: 0 }
        : { blue: (100 * blue) / total, green: (100 * green) / total };
    }
  }
  return undefined;
}

export type JsonPatch = { op: 'test' | 'replace'; path: string; value: unknown }[];

/**
 * One JSON patch that sets the weights of a route outside the manifests: the backendRefs of every rule that
 * sends to the app, and a test of the generation read, so a route changed in between is refused, not
 * overwritten. Status writes do not move the generation.
 */
export function weightPatch(
  route: HTTPRoute,
  gateway: GatewayRoute,
  weights: Weights,
  namespace: string,
): JsonPatch {
  const names = gateway.services.map((s) => s.name);
  const routeNs = route.metadata.namespace ?? namespace;
  const patch: JsonPatch = [{ op: 'test', path: '/metadata/generation', value: route.metadata.generation }];
  refsOf(route).forEach((rule, index) => {
    const refs = rule.backendRefs ?? [];
    if (!refs.some((ref) => appServiceOf(ref, names, routeNs, namespace) !== undefined)) return;
    patch.push({
      op: 'replace',
      path: `/spec/rules/${index}/backendRefs`,
      value: coloredBackendRefs(refs, names, weights, routeNs, namespace),
    });
  });
  return patch;
}

/** The patch that puts back the backendRefs of a route as they were read before a write. */
export function restorePatch(
  before: HTTPRoute,
  now: HTTPRoute,
  gateway: GatewayRoute,
  namespace: string,
): JsonPatch {
  const names = gateway.services.map((s) => s.name);
  const routeNs = before.metadata.namespace ?? namespace;
  const patch: JsonPatch = [{ op: 'test', path: '/metadata/generation', value: now.metadata.generation }];
  refsOf(before).forEach((rule, index) => {
    const refs = rule.backendRefs ?? [];
    if (refs.some((ref) => appServiceOf(ref, names, routeNs, namespace) !== undefined))
      patch.push({ op: 'replace', path: `/spec/rules/${index}/backendRefs`, value: refs });
  });
  return patch;
}

const defaultsOf = (ref: ParentRef, routeNamespace: string): string =>
  [
    ref.group ?? GATEWAY_GROUP,
    ref.kind ?? 'Gateway',
    ref.namespace ?? routeNamespace,
    ref.name,
    ref.sectionName ?? '',
    ref.port ?? '',
  ].join('/');

const describeParent = (ref: ParentRef, routeNamespace: string): string =>
  `${ref.kind ?? 'Gateway'} ${ref.namespace ?? routeNamespace}/${ref.name}${ref.sectionName ? `#${ref.sectionName}` : ''}${ref.port ? `:${ref.port}` : ''}`;

export interface RouteState {
  /** Every parent accepts the route and resolved its refs, for the route's current generation. */
  ready: boolean;
  /** What each parent that is not there yet says. */
  waiting: string[];
  /** Parents that refuse the current generation (Accepted=False for it): waiting longer will not help. */
  rejected: string[];
}

/**
 * Whether every parent of the route (a Gateway, or a Service in the mesh profile) has taken its current
 * generation: Accepted=True and ResolvedRefs=True, each observed for metadata.generation, as the Gateway API
 * asks every implementation to report per parent in status.parents.
 */
export function routeState(route: HTTPRoute): RouteState {
  const routeNs = route.metadata.namespace ?? '';
  const generation = route.metadata.generation;
  const waiting: string[] = [];
  const rejected: string[] = [];
  const parents = route.spec?.parentRefs ?? [];
  if (parents.length === 0)
    return { ready: false, waiting: ['the route has no parentRefs: nothing serves it'], rejected };
  for (const parent of parents) {
    const key = defaultsOf(parent, routeNs);
    const statuses = (route.status?.parents ?? []).filter((s) => defaultsOf(s.parentRef, routeNs) === key);
    const name = describeParent(parent, routeNs);
    if (statuses.length === 0) {
      waiting.push(`${name}: no status yet`);
      continue;
    }
    for (const status of statuses) {
      for (const type of ['Accepted', 'ResolvedRefs']) {
        const condition = status.conditions?.find((c) => c.type === type);
        if (!condition) waiting.push(`${name}: no ${type} condition`);
        else if (condition.observedGeneration !== undefined && condition.observedGeneration !== generation)
          waiting.push(
            `${name}: ${type} is for generation ${condition.observedGeneration}, not ${generation}`,
          );
        else if (condition.status !== 'True') {
          const said = `${name}: ${type}=${condition.status}${condition.reason ? ` (${condition.reason}${condition.message ? `: ${condition.message}` : ''})` : ''}`;
          waiting.push(said);
          if (type === 'Accepted' && condition.status === 'False' && condition.reason !== 'Pending')
            rejected.push(said);
        }
      }
    }
  }
  return { ready: waiting.length === 0, waiting, rejected };
}

/**
 * The route a gateway deploy of this plan moves. Named by the `route` input, it may be one of the manifests'
 * HTTPRoutes or one outside them; otherwise it is the one HTTPRoute of the manifests that sends to the app's
 * Services. Refuses before anything changes when there is none, or more than one to choose from.
 */
export function findRoute(plan: ColorPlan, route: RouteName | undefined): GatewayRoute {
  const namespace = plan.namespace;
  const names = plan.services.map((s) => s.name);
  if (plan.services.length === 0) {
    throw new UserError(
      'Input "traffic" is "gateway": the manifests hold no Service with a selector, so there is nothing to give the route as colored backends.',
      { hint: "Add the app's Service to the manifests, or use traffic: service. Nothing was changed." },
    );
  }
  const routes = plan.traffic.filter((t) => isHTTPRoute(t.object));
  if (route) {
    const routeNs = route.namespace ?? namespace;
    const planned = routes.find(
      (t) => t.object.metadata.name === route.name && (t.object.metadata.namespace ?? namespace) === routeNs,
    );
    return { namespace: routeNs, name: route.name, planned, services: plan.services };
  }
  const candidates = routes.filter((t) => routesTo(t.object as HTTPRoute, names, namespace));
  if (candidates.length === 1) {
    const planned = candidates[0]!;
    return {
      namespace: planned.object.metadata.namespace ?? namespace,
      name: planned.object.metadata.name as string,
      planned,
      services: plan.services,
    };
  }
  const list = names.map((n) => `Service/${n}`).join(', ');
  if (candidates.length === 0) {
    throw new UserError(
      `Input "traffic" is "gateway", but no HTTPRoute in the manifests sends to ${list}, and the "route" input names none.`,
      {
        hint: "Add an HTTPRoute with a backendRef to the app's Service (render-helm: httpRoute.enabled), or set route to namespace/name of an existing HTTPRoute. Nothing was changed.",
      },
    );
  }
  throw new UserError(
    `Input "traffic" is "gateway", and ${candidates.length} HTTPRoutes of the manifests send to ${list}: ${candidates.map((c) => c.object.metadata.name).join(', ')}.`,
    { hint: 'Set the "route" input to the one whose weights the deploy moves. Nothing was changed.' },
  );
}

/** The colored backend Service of one color: the stable Service's ports, selecting that color's pods. */
export function coloredService(service: PlannedService, color: Color, namespace: string): Service {
  const ports = (service.stable.spec?.ports ?? []).map((port) => {
    const { nodePort: _nodePort, ...rest } = port;
    return rest;
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: coloredServiceName(service.name, color),
      namespace,
      labels: {
        ...service.stable.metadata.labels,
        [LABELS.role]: 'backend',
        [LABELS.color]: color,
      },
    },
    spec: { type: 'ClusterIP', selector: { ...service.baseSelector, [LABELS.color]: color }, ports },
  };
}

/** What a gateway switch writes, for the dry run before anything changes: both colored Services and the route. */
export function gatewayObjects(plan: ColorPlan, gateway: GatewayRoute): PlannedObject[] {
  const objects: PlannedObject[] = [];
  for (const service of gateway.services)
    for (const color of COLORS)
      objects.push({ object: coloredService(service, color, plan.namespace), source: service.source });
  if (gateway.planned)
    objects.push({
      object: coloredRoute(gateway.planned.object as HTTPRoute, gateway, allOn(plan.color), plan.namespace),
      source: gateway.planned.source,
    });
  return objects;
}

export const routePath = (gateway: Pick<GatewayRoute, 'namespace' | 'name'>): string =>
  objectPath(HTTPROUTE_API, 'httproutes', gateway.name, gateway.namespace);

export interface RouteContext {
  kube: Kube;
  discovery: Discovery;
  log: Logger;
  lock: { assertHeld(): void };
  namespace: string;
}

/** Reads the route; a route the `route` input names that does not exist is the user's to fix. */
export async function readRoute(
  context: RouteContext,
  gateway: GatewayRoute,
): Promise<HTTPRoute | undefined> {
  try {
    return await context.kube.request<HTTPRoute>('GET', routePath(gateway), { purpose: 'read' });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Checks, with reads and dry runs only, that the route outside the manifests can be moved: it exists, it
 * sends to the app, and the deployer may patch it.
 */
export async function checkExternalRoute(
  context: RouteContext,
  plan: ColorPlan,
  gateway: GatewayRoute,
): Promise<void> {
  if (gateway.planned) return;
  const route = await readRoute(context, gateway);
  const named = `${gateway.namespace}/${gateway.name}`;
  if (!route) {
    throw new UserError(
      `Input "route" is "${named}": there is no HTTPRoute ${named}, and the manifests define none by that name.`,
      {
        hint: 'Name an existing HTTPRoute (namespace/name), or leave route empty to use the one in the manifests. Nothing was changed.',
      },
    );
  }
  if (
    !routesTo(
      route,
      gateway.services.map((s) => s.name),
      plan.namespace,
    )
  ) {
    throw new UserError(
      `Input "route" is "${named}": HTTPRoute ${named} has no backendRef to ${gateway.services.map((s) => `Service ${plan.namespace}/${s.name}`).join(', ')}.`,
      {
        hint: "Point a rule of the route at the app's Service first, or name the right route. Nothing was changed.",
      },
    );
  }
  await context.kube.request('PATCH', routePath(gateway), {
    body: weightPatch(route, gateway, allOn(plan.color), plan.namespace),
    contentType: 'application/json-patch+json',
    query: { fieldManager: FIELD_MANAGER, dryRun: 'All' },
    purpose: 'dry-run',
  });
}

/** What a route write changed, so a failed switch can put exactly that back in one patch. */
export interface RouteWrite {
  before?: HTTPRoute;
  after: HTTPRoute;
}

/**
 * The one write that moves the route to the weights: the manifests' route applied whole and colored (its
 * rules as the revision defines them, at the new weights), or one JSON patch of the backendRefs of a route
 * outside the manifests.
 */
export async function writeRoute(
  context: RouteContext,
  plan: ColorPlan,
  gateway: GatewayRoute,
  weights: Weights,
  purpose = 'switch',
): Promise<RouteWrite> {
  context.lock.assertHeld();
  const before = await readRoute(context, gateway);
  if (gateway.planned) {
    const object = coloredRoute(gateway.planned.object as HTTPRoute, gateway, weights, plan.namespace);
    const after = await applyObject<HTTPRoute>(context.kube, context.discovery, object, {
      force: true,
      purpose,
    });
    return { before, after };
  }
  if (!before) throw new WorldError(`HTTPRoute ${gateway.namespace}/${gateway.name} is gone.`);
  const after = await context.kube.request<HTTPRoute>('PATCH', routePath(gateway), {
    body: weightPatch(before, gateway, weights, plan.namespace),
    contentType: 'application/json-patch+json',
    query: { fieldManager: FIELD_MANAGER },
    purpose,
  });
  return { before, after };
}

/** Puts a route outside the manifests back as it was before `write`, in one patch. */
export async function restoreRoute(
  context: RouteContext,
  plan: ColorPlan,
  gateway: GatewayRoute,
  write: RouteWrite,
): Promise<void> {
  if (!write.before) return;
  await context.kube.request('PATCH', routePath(gateway), {
    body: restorePatch(write.before, write.after, gateway, plan.namespace),
    contentType: 'application/json-patch+json',
    query: { fieldManager: FIELD_MANAGER },
    purpose: 'switch',
  });
}

/**
 * Waits until every parent of the route reports the generation `write` made Accepted and ResolvedRefs: the
 * proof that the gateway or mesh took the new weights, not only the API server.
 */
export async function confirmRoute(
  context: RouteContext,
  gateway: GatewayRoute,
  generation: number | undefined,
  deadline: number,
): Promise<void> {
  const started = Date.now();
  let last: RouteState = { ready: false, waiting: ['no answer from the API server yet'], rejected: [] };
  await watchUntil(
    context.kube,
    {
      path: collectionPath(HTTPROUTE_API, 'httproutes', gateway.namespace),
      fieldSelector: `metadata.name=${gateway.name}`,
    },
    {
      deadline,
      onTimeout: () =>
        new WorldError(
          `HTTPRoute ${gateway.namespace}/${gateway.name} was not accepted by its parents within ${formatDuration(Date.now() - started)}: ${last.waiting.join('; ')}`,
        ),
      decide: (objects) => {
        const route = [...objects.values()][0] as HTTPRoute | undefined;
        if (!route) {
          throw new WorldError(
            `HTTPRoute ${gateway.namespace}/${gateway.name} was deleted during the switch.`,
          );
        }
        if (generation !== undefined && (route.metadata.generation ?? 0) < generation) return undefined;
        last = routeState(route);
        if (last.rejected.length > 0)
          throw new WorldError(
            `HTTPRoute ${gateway.namespace}/${gateway.name} is refused by its parents: ${last.rejected.join('; ')}`,
          );
        return last.ready ? true : undefined;
      },
    },
  );
}

/**
 * Readies the colored backend Services before the route sends anything to them: the target color's is
 * applied (it is idle, so this changes no live traffic) and must hold the color's ready pods; the other
 * color's is created when missing (never changed: it may be live).
 */
export async function prepareBackends(
  context: RouteContext,
  plan: ColorPlan,
  gateway: GatewayRoute,
  deadline: number,
): Promise<void> {
  const { kube, log } = context;
  for (const service of gateway.services) {
    context.lock.assertHeld();
    const target = coloredService(service, plan.color, plan.namespace);
    await applyObject(kube, context.discovery, target, { force: true, purpose: 'apply' });
    const other = coloredService(service, otherColor(plan.color), plan.namespace);
    await kube
      .request('POST', KNOWN.services(plan.namespace), { body: other, purpose: 'apply' })
      .catch((error: unknown) => {
        if (!isConflict(error)) throw error;
      });
    const selector = { ...service.baseSelector, [LABELS.color]: plan.color };
    const pods = await kube.request<KubeList<Pod>>('GET', KNOWN.pods(plan.namespace), {
      query: { labelSelector: selectorString(selector) },
      purpose: 'list',
    });
    const expected = new Set(
      pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string),
    );
    const state = await waitForEndpoints(kube, {
      namespace: plan.namespace,
      service: target.metadata.name as string,
      expectedPods: expected,
      minReady: Math.min(1, expected.size),
      deadline: Math.max(deadline, Date.now() + 60_000),
    });
    log.info(`Service ${target.metadata.name}: ${state.ready} ready endpoints of ${plan.color}.`);
  }
}

export const describeWeights = (weights: Weights): string =>
  COLORS.map((c) => `${c} ${Math.round(weights[c] * 100) / 100}`).join(' / ');
