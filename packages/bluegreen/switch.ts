import { WorldError, errorMessage } from '@swiss-deploy/kit';
import {
  KNOWN,
  applyObject,
  isNotFound,
  scaleDeployment,
  selectorString,
  waitForEndpoints,
  waitForRollout,
  type Discovery,
  type Kube,
  type KubeList,
  type LeaseLock,
  type Pod,
  type RolloutResult,
} from '@swiss-deploy/kube';
import { explainApplyError } from './errors';
import { planColor, type ColorPlan, type PlannedObject } from './plan';
import { revisionManifests } from './revisions';
import { LABELS, type Color, type Logger, type Phase, type RevisionRecord } from './types';

/** The steps shared by deploy, promote, rollback and the chain: one client, one lock, one logger. */
export interface StepContext {
  kube: Kube;
  discovery: Discovery;
  lock: LeaseLock;
  log: Logger;
  phase: Phase;
  namespace: string;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler. */
  unschedulableGraceMs?: number;
}

/** What serves now, so that a switch that fails half-way can put all of it back in the same step. */
export interface LiveRoute {
  color: Color;
  /** The live revision's Ingresses, routes and policies, as that revision applied them. */
  traffic: PlannedObject[];
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

/** Every object of a plan, for the dry run that checks them all before anything changes. */
export const allObjects = (plan: ColorPlan): PlannedObject[] => [
  ...colorObjects(plan),
  ...previewObjects(plan),
  ...switchObjects(plan),
];

/** Server-side applies each object, holding the lock, with errors pointing at the manifest line. */
export async function applyPlanned(
  context: StepContext,
  objects: readonly PlannedObject[],
  options: { dryRun?: boolean; purpose?: string } = {},
): Promise<void> {
  for (const item of objects) {
    context.lock.assertHeld();
    await applyObject(context.kube, context.discovery, item.object, {
      force: true,
      dryRun: options.dryRun,
      purpose: options.purpose,
    }).catch((error: unknown) => {
      throw explainApplyError(error, item, context.namespace);
    });
  }
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
  const traffic = live
    ? planColor(revisionManifests(live), { app, namespace, color, revision: live.revision }).traffic
    : [];
  return { color, traffic };
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
 * The switch of docs/architecture.md §4.4: one server-side apply per stable Service moves its selector to the new
 * color, then the plan's Ingresses, routes and policies are applied; the Services' EndpointSlices must
 * then hold the new pods only. If any of it fails, the Services go back to the previous color and the
 * previous revision's traffic objects are applied again, before the error is raised, which says exactly
 * what serves.
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
  let trafficApplied = false;
  try {
    for (const service of plan.services) {
      lock.assertHeld();
      await applyObject(kube, context.discovery, service.stable, { force: true, purpose: 'switch' });
      switched.push(service);
      log.info(`Service ${service.name} now selects ${plan.color}.`);
    }
    if (plan.traffic.length > 0) {
      trafficApplied = true;
      await applyPlanned(context, plan.traffic, { purpose: 'switch' });
      log.info(
        `Applied ${plan.traffic.map((t) => `${t.object.kind}/${t.object.metadata.name}`).join(', ')} of revision ${plan.revision}.`,
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
    throw await switchBack(context, plan, previous, switched, trafficApplied, error);
  }
  return Date.now() - started;
}

/** Puts back what a failed switch changed, and says truthfully what serves afterwards. */
async function switchBack(
  context: StepContext,
  plan: ColorPlan,
  previous: LiveRoute | undefined,
  switched: ColorPlan['services'],
  trafficApplied: boolean,
  error: unknown,
): Promise<WorldError> {
  const { kube, log } = context;
  const reason = `The switch to ${plan.color} failed: ${errorMessage(error)}`;
  if (switched.length === 0 && !trafficApplied) {
    return new WorldError(reason, {
      cause: error,
      untouched: previous ? `live traffic: still ${previous.color}` : 'nothing was live yet',
      hint: 'Check the API server and the manifests, then deploy again.',
    });
  }
  if (!previous) {
    return new WorldError(reason, {
      cause: error,
      untouched: `nothing: this was the first deploy, and ${switched.map((s) => s.name).join(', ')} now select${switched.length === 1 ? 's' : ''} ${plan.color}`,
      hint: 'Check the endpointslice controller and the pods of the new color, then deploy again.',
    });
  }
  const stuck: string[] = [];
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
    for (const item of previous.traffic) {
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
        ? 'Check the endpointslice controller and the pods of the new color, then deploy again.'
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
