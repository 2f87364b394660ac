import { WorldError, errorMessage, formatDuration } from '@swiss-deploy/kit';
import {
  Discovery,
  KNOWN,
  applyObject,
  isNotFound,
  scaleDeployment,
  selectorString,
  waitForEndpoints,
  waitForRollout,
  type KubeList,
  type Pod,
  type RolloutResult,
} from '@swiss-deploy/kube';
import { explainApplyError } from './errors';
import { planColor, type ColorPlan, type PlannedObject } from './plan';
import { revisionManifests } from './revisions';
import {
  allOn,
  checkExternalRoute,
  coloredRoute,
  confirmRoute,
  describeWeights,
  findRoute,
  gatewayObjects,
  prepareBackends,
  restoreRoute,
  writeRoute,
  type GatewayRoute,
  type HTTPRoute,
  type RouteWrite,
} from './traffic';
import type { DeploySession } from './session';
import { LABELS, type Color, type LiveRoute, type RevisionRecord, type StepContext } from './types';

/** The context of one deploy, promote, abort or rollback, under the session's lock. */
export function stepContext(
  session: DeploySession,
  options: Pick<StepContext, 'unschedulableGraceMs' | 'traffic'>,
): StepContext {
  return {
    kube: session.kube,
    discovery: new Discovery(session.kube),
    lock: session.lease,
    log: session.log,
    phase: session.phase,
    namespace: session.namespace,
    unschedulableGraceMs: options.unschedulableGraceMs,
    traffic: options.traffic,
  };
}

/** The route a gateway step moves, or undefined with traffic: service. */
export function gatewayRoute(
  context: Pick<StepContext, 'traffic'>,
  plan: ColorPlan,
): GatewayRoute | undefined {
  return context.traffic?.mode === 'gateway' ? findRoute(plan, context.traffic.route) : undefined;
}

/** The plan's traffic objects other than the route a gateway step writes itself. */
function otherTraffic(plan: ColorPlan, gateway: GatewayRoute | undefined): PlannedObject[] {
  return gateway?.planned ? plan.traffic.filter((t) => t !== gateway.planned) : plan.traffic;
}

const planned = <T extends { source: PlannedObject['source'] }>(
  items: readonly T[],
  object: (item: T) => PlannedObject['object'],
): PlannedObject[] => items.map((item) => ({ object: object(item), source: item.source }));

/** The idle color's own objects, in apply order: config copies first, so the pods find them. */
export function colorObjects(plan: ColorPlan): PlannedObject[] {
  return [
    ...plan.others,
    ...planned(plan.configs, (c) => c.object),
    ...planned(plan.workloads, (w) => w.object),
    ...plan.attached,
  ];
}

export const previewObjects = (plan: ColorPlan): PlannedObject[] => planned(plan.services, (s) => s.preview);

/** What the switch writes: the stable Services, then the objects that shape live traffic. */
export const switchObjects = (plan: ColorPlan): PlannedObject[] => [
  ...planned(plan.services, (s) => s.stable),
  ...plan.traffic,
];

/**
 * Every object of a plan, for the dry run that checks them all before anything changes; with a gateway route,
 * the colored backend Services and the route as the switch writes them.
 */
export const allObjects = (plan: ColorPlan, gateway?: GatewayRoute): PlannedObject[] => [
  ...colorObjects(plan),
  ...previewObjects(plan),
  ...planned(plan.services, (s) => s.stable),
  ...otherTraffic(plan, gateway),
  ...(gateway ? gatewayObjects(plan, gateway) : []),
];

/** The dry run of a whole plan: every object, and the patch of a route outside the manifests. */
export async function dryRunPlan(context: StepContext, plan: ColorPlan): Promise<number> {
  const gateway = gatewayRoute(context, plan);
  const all = allObjects(plan, gateway);
  await applyPlanned(context, all, { dryRun: true });
  if (gateway) await checkExternalRoute(context, plan, gateway);
  return all.length;
}

/**
 * Server-side applies each object, holding the lock, with errors pointing at the manifest line. Real applies
 * go one by one, in order (config copies before the pods that read them); a dry run persists nothing, so its
 * objects are checked all at once, and the first failing object in manifest order is the one reported.
 */
export async function applyPlanned(
  context: StepContext,
  objects: readonly PlannedObject[],
  options: { dryRun?: boolean; purpose?: string } = {},
): Promise<void> {
  const apply = (item: PlannedObject): Promise<unknown> => {
    context.lock.assertHeld();
    return applyObject(context.kube, context.discovery, item.object, {
      force: true,
      dryRun: options.dryRun,
      purpose: options.purpose,
    }).catch((error: unknown) => {
      throw explainApplyError(error, item, context.namespace);
    });
  };
  if (options.dryRun) {
    const settled = await Promise.allSettled(objects.map(apply));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return;
  }
  for (const item of objects) await apply(item);
}

/** The live revision's traffic objects, from the store: what a switch back must restore. */
export function liveRoute(
  revisions: readonly RevisionRecord[],
  color: Color | undefined,
  app: string,
  namespace: string,
): LiveRoute | undefined {
  if (!color) return undefined;
  const live = revisions.find((r) => r.color === color && r.outcome === 'succeeded');
  if (!live) return { color, traffic: [] };
  const plan = planColor(revisionManifests(live), { app, namespace, color, revision: live.revision });
  if (live.traffic !== 'gateway') return { color, traffic: plan.traffic };
  // The live revision's route as it wrote it: colored, all on its color.
  let gateway: GatewayRoute | undefined;
  try {
    gateway = findRoute(plan, live.route ? parseRoute(live.route) : undefined);
  } catch {
    return { color, traffic: plan.traffic };
  }
  const traffic = plan.traffic.map((t) =>
    t === gateway.planned
      ? { ...t, object: coloredRoute(t.object as HTTPRoute, gateway, allOn(color), namespace) }
      : t,
  );
  return { color, traffic };
}

function parseRoute(text: string): { namespace?: string; name: string } {
  const [first, second] = text.split('/');
  return second === undefined ? { name: first! } : { namespace: first, name: second };
}

/** Readiness gate over every workload of the color; the first failure stops the others. */
export async function gate(
  context: StepContext,
  plan: ColorPlan,
  deadline: number,
): Promise<RolloutResult[]> {
  const controller = new AbortController();
  try {
    return await Promise.all(
      plan.workloads.map((workload) =>
        waitForRollout(context.kube, {
          namespace: plan.namespace,
          name: workload.object.metadata.name as string,
          podSelector: selectorString(workload.podSelector),
          revision: plan.revision,
          unschedulableGraceMs: context.unschedulableGraceMs,
          deadline,
          signal: controller.signal,
          onProgress: (line) => context.log.info(line),
        }),
      ),
    );
  } finally {
    controller.abort();
  }
}

/**
 * The readiness gate (docs/architecture.md §4.3) in its own phase, then the preview Services, which select the
 * new pods only once they are ready.
 */
export async function gateAndPreview(
  context: StepContext,
  plan: ColorPlan,
  deadline: number,
  timeoutMs: number,
): Promise<RolloutResult[]> {
  const gated = await context.phase(
    `Gate: wait until ${plan.color} is ready (timeout ${formatDuration(timeoutMs)})`,
    () => gate(context, plan, deadline),
  );
  if (plan.services.length > 0) {
    await applyPlanned(context, previewObjects(plan));
    context.log.info(
      `Preview ${plan.services.map((s) => s.preview.metadata.name).join(', ')} now select${plan.services.length === 1 ? 's' : ''} the ready pods of revision ${plan.revision}.`,
    );
  }
  return gated;
}

/**
 * The switch of docs/architecture.md §4.4. With traffic: gateway, first the route: the new color's backend
 * Service must hold its ready pods, then ONE write moves the route's weights to it (live 100 / idle 0 → idle
 * 100 / live 0), confirmed when every parent reports the new generation Accepted and ResolvedRefs. Then, in
 * both modes, one server-side apply per stable Service moves its selector to the new color, the plan's other
 * Ingresses, routes and policies are applied, and the Services' EndpointSlices must hold the new pods only.
 * If any of it fails, the route, the Services and the previous revision's traffic objects go back to the
 * previous color before the error is raised, which says exactly what serves.
 */
export async function switchTraffic(
  context: StepContext,
  plan: ColorPlan,
  previous: LiveRoute | undefined,
  deadline: number,
): Promise<number> {
  const { kube, log, lock } = context;
  const started = Date.now();
  const switched: typeof plan.services = [];
  const gateway = gatewayRoute(context, plan);
  const traffic = otherTraffic(plan, gateway);
  const done: SwitchDone = { switched, trafficApplied: false };
  try {
    if (gateway) {
      await prepareBackends(context, plan, gateway, deadline);
      done.route = { gateway, write: undefined };
      const write = await writeRoute(context, plan, gateway, allOn(plan.color));
      done.route.write = write;
      log.info(
        `HTTPRoute ${gateway.namespace}/${gateway.name}: weights now ${describeWeights(allOn(plan.color))} (generation ${write.after.metadata.generation}).`,
      );
      await confirmRoute(
        context,
        gateway,
        write.after.metadata.generation,
        Math.max(deadline, Date.now() + 60_000),
      );
      log.info(
        `HTTPRoute ${gateway.namespace}/${gateway.name} is accepted by every parent with its refs resolved.`,
      );
    }
    for (const service of plan.services) {
      lock.assertHeld();
      await applyObject(kube, context.discovery, service.stable, { force: true, purpose: 'switch' });
      switched.push(service);
      log.info(`Service ${service.name} now selects ${plan.color}.`);
    }
    if (traffic.length > 0) {
      done.trafficApplied = true;
      await applyPlanned(context, traffic, { purpose: 'switch' });
      log.info(
        `Applied ${traffic.map((t) => `${t.object.kind}/${t.object.metadata.name}`).join(', ')} of revision ${plan.revision}.`,
      );
    }
    for (const service of plan.services) {
      const selector = { ...service.baseSelector, [LABELS.color]: plan.color };
      const pods = await kube.request<KubeList<Pod>>('GET', KNOWN.pods(plan.namespace), {
        query: { labelSelector: selectorString(selector) },
        purpose: 'list',
      });
      const expected = new Set(pods.items.map((p) => p.metadata.name as string));
      const desired = plan.workloads
        .filter((w) =>
          Object.entries(service.baseSelector).every(
            ([k, v]) => w.object.spec?.template?.metadata?.labels?.[k] === v,
          ),
        )
        .reduce((sum, w) => sum + (w.object.spec?.replicas ?? 1), 0);
      const state = await waitForEndpoints(kube, {
        namespace: plan.namespace,
        service: service.name,
        expectedPods: expected,
        minReady: Math.min(desired, expected.size),
        deadline: Math.max(deadline, Date.now() + 60_000),
      });
      log.info(`Service ${service.name}: ${state.ready} ready endpoints, all ${plan.color}.`);
    }
  } catch (error) {
    throw await switchBack(context, plan, previous, done, error);
  }
  return Date.now() - started;
}

/** What a switch changed so far. */
interface SwitchDone {
  switched: ColorPlan['services'];
  trafficApplied: boolean;
  /** Set once the route is about to be written; `write` once it was. */
  route?: { gateway: GatewayRoute; write: RouteWrite | undefined };
}

/**
 * Puts a written route back on the previous color in one write: the previous revision's route as it wrote
 * it, a patch of the weights when that revision had none, or the backendRefs as read before, for a route
 * outside the manifests.
 */
async function restoreRouteWeights(
  context: StepContext,
  plan: ColorPlan,
  previous: LiveRoute,
  route: NonNullable<SwitchDone['route']>,
): Promise<void> {
  const { gateway } = route;
  if (!gateway.planned) {
    if (route.write) await restoreRoute(context, plan, gateway, route.write);
    return;
  }
  const own = previous.traffic.find(
    (t) =>
      t.object.kind === 'HTTPRoute' &&
      t.object.metadata.name === gateway.name &&
      (t.object.metadata.namespace ?? plan.namespace) === gateway.namespace,
  );
  if (own) {
    await applyObject(context.kube, context.discovery, own.object, { force: true, purpose: 'switch' });
    return;
  }
  // The route is new in this revision: the previous color keeps the share it had, all of it.
  const back = { ...plan, color: previous.color };
  await writeRoute(context, back, { ...gateway, planned: gateway.planned }, allOn(previous.color));
}

/** Puts back what a failed switch changed, and says truthfully what serves afterwards. */
async function switchBack(
  context: StepContext,
  plan: ColorPlan,
  previous: LiveRoute | undefined,
  done: SwitchDone,
  error: unknown,
): Promise<WorldError> {
  const { kube, log } = context;
  const { switched, trafficApplied } = done;
  const reason = `The switch to ${plan.color} failed: ${errorMessage(error)}`;
  if (switched.length === 0 && !trafficApplied && !done.route) {
    return new WorldError(reason, {
      cause: error,
      untouched: previous ? `live traffic: still ${previous.color}` : 'nothing was live yet',
      hint: 'Check the API server and the manifests, then deploy again.',
    });
  }
  if (!previous) {
    return new WorldError(reason, {
      cause: error,
      untouched: `nothing: this was the first deploy, and ${
        [
          ...(done.route ? [`HTTPRoute ${done.route.gateway.name}`] : []),
          ...switched.map((s) => `Service ${s.name}`),
        ].join(', ') || 'nothing'
      } now send${switched.length + (done.route ? 1 : 0) === 1 ? 's' : ''} to ${plan.color}`,
      hint: 'Check the endpointslice controller, the gateway and the pods of the new color, then deploy again.',
    });
  }
  const stuck: string[] = [];
  if (done.route) {
    const { gateway } = done.route;
    await restoreRouteWeights(context, plan, previous, done.route).then(
      () => log.info(`HTTPRoute ${gateway.namespace}/${gateway.name} is back on ${previous.color}.`),
      (undo: unknown) => {
        stuck.push(`HTTPRoute ${gateway.namespace}/${gateway.name} may still send to ${plan.color}`);
        log.warning(
          `Could not put HTTPRoute ${gateway.name} back on ${previous.color}: ${errorMessage(undo)}`,
        );
      },
    );
  }
  for (const service of switched) {
    const back = structuredClone(service.stable);
    back.spec = { ...back.spec, selector: { ...service.baseSelector, [LABELS.color]: previous.color } };
    await applyObject(kube, context.discovery, back, { force: true, purpose: 'switch' }).catch(
      (undo: unknown) => {
        stuck.push(`Service ${service.name} still selects ${plan.color}`);
        log.warning(`Could not switch ${service.name} back to ${previous.color}: ${errorMessage(undo)}`);
      },
    );
  }
  if (trafficApplied) {
    const route = done.route?.gateway.planned ? done.route.gateway : undefined;
    for (const item of previous.traffic) {
      if (route && item.object.kind === 'HTTPRoute' && item.object.metadata.name === route.name) continue;
      await applyObject(kube, context.discovery, item.object, { force: true, purpose: 'switch' }).catch(
        (undo: unknown) => {
          stuck.push(
            `${item.object.kind}/${item.object.metadata.name} holds revision ${plan.revision}'s version`,
          );
          log.warning(
            `Could not restore ${item.object.kind}/${item.object.metadata.name}: ${errorMessage(undo)}`,
          );
        },
      );
    }
  }
  return new WorldError(reason, {
    cause: error,
    untouched:
      stuck.length === 0
        ? `live traffic: switched back to ${previous.color}`
        : `not all of it: ${stuck.join('; ')}; the rest is back on ${previous.color}`,
    hint:
      stuck.length === 0
        ? 'Check the endpointslice controller, the gateway and the pods of the new color, then deploy again.'
        : `Run the rollback workflow (to: previous) to put everything back on ${previous.color}.`,
  });
}

/** Scales the previous color to `keep` replicas, unless it stays whole for an instant rollback. */
export async function keepPrevious(
  context: StepContext,
  plan: ColorPlan,
  previous: Color | undefined,
  keep: number | 'all',
): Promise<void> {
  if (!previous || keep === 'all') return;
  for (const workload of plan.workloads) {
    const name = `${workload.baseName}-${previous}`;
    try {
      await scaleDeployment(context.kube, plan.namespace, name, keep);
      context.log.info(`Scaled the previous color's ${name} to ${keep} replicas.`);
    } catch (error) {
      if (!isNotFound(error))
        context.log.warning(`Could not scale ${name} to ${keep}: ${errorMessage(error)}`);
    }
  }
}

/** Scales a color's workloads to zero (a failed or aborted revision); a missing one is fine. */
export async function scaleToZero(context: StepContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await scaleDeployment(context.kube, context.namespace, name, 0).catch((error: unknown) => {
      if (!isNotFound(error)) context.log.warning(`Could not scale ${name} to 0: ${errorMessage(error)}`);
    });
  }
}
