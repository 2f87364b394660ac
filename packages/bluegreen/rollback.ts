import { UserError, WorldError, errorMessage, formatDuration } from '@swiss-deploy/kit';
import {
  Discovery,
  KNOWN,
  KubeApiError,
  LeaseLock,
  describeHolder,
  isNotFound,
  rolloutProgress,
  scaleDeployment,
  type Deployment,
  type Kube,
} from '@swiss-deploy/kube';
import { explainKubeError, explainLockError, namespaceMissing, withOutcome } from './errors';
import { readLiveState } from './live';
import { acquireDeployLock, lockName, type LockOptions } from './lock';
import { planColor, workloadImages, type ColorPlan } from './plan';
import { pruneRevisions, readRevisions, recordRevision, revisionManifests } from './revisions';
import { checkExternalRoute, gatewayObjects, type TrafficOptions } from './traffic';
import {
  applyPlanned,
  colorObjects,
  dryRunPlan,
  gate,
  gatewayRoute,
  liveRoute,
  previewObjects,
  switchTraffic,
  type StepContext,
} from './switch';
import {
  chooseRollbackMode,
  chooseRollbackTarget,
  rollbackSteps,
  type IdleWorkload,
  type RollbackMode,
  type RollbackRecord,
  type RollbackTarget,
} from './rollback-plan';
import {
  LABELS,
  directPhase,
  otherColor,
  silentLogger,
  type Color,
  type Logger,
  type Phase,
  type RevisionRecord,
  type RunInfo,
} from './types';

export interface RollbackOptions extends Omit<LockOptions, 'log' | 'phase'> {
  to: RollbackTarget;
  /** Why, in the on-call engineer's words; recorded with the rollback revision. */
  reason: string;
  /** Print the plan and change nothing (no write request at all, not even the lock). */
  dryRun?: boolean;
  /** How long the readiness gate (scale-up, redeploy) and the switch may take. */
  timeoutMs: number;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler (default 2 min). */
  unschedulableGraceMs?: number;
  historyLimit?: number;
  /** How live traffic reaches a color (default: the stable Services' selectors). */
  traffic?: TrafficOptions;
  run?: RunInfo;
  log?: Logger;
  phase?: Phase;
  /**
   * Called with the images of the target revision before a redeploy writes anything (the revision record
   * included); throwing refuses the rollback with the cluster as it was.
   */
  verifyImages?: (images: readonly string[]) => Promise<void>;
}

/** What a rollback decided, before it does anything. */
export interface RollbackPlan {
  app: string;
  namespace: string;
  mode: RollbackMode;
  /** The live revision and color now. */
  from: { revision: number; color: Color };
  /** The revisions in the store, newest first, as read for this plan. */
  revisions: RevisionRecord[];
  /** The revision to return to (as recorded). */
  target: RevisionRecord;
  /** The color that will serve it: always the idle one. */
  color: Color;
  /** The number the rollback will be recorded under. */
  revision: number;
  /** The objects of the target in the idle color (for switch and scale-up, as the idle color holds them). */
  colorPlan: ColorPlan;
  idle: IdleWorkload[];
  /** Every write, in order. */
  steps: string[];
}

export interface RollbackReport {
  app: string;
  namespace: string;
  mode: RollbackMode;
  dryRun: boolean;
  /** The color serving after the rollback (the one that would serve, in a dry run). */
  color: Color;
  previousColor: Color;
  /** The revision recorded for the rollback (would be recorded, in a dry run). */
  revision: number;
  from: { revision: number; color: Color };
  to: { revision: number; color: Color };
  reason: string;
  actor?: string;
  steps: string[];
  /** Who holds the deploy lock now, when a dry run finds it held. */
  lockHeldBy?: string;
  gateMs?: number;
  switchMs?: number;
  durationMs: number;
  requests: Record<string, number>;
  runUrl?: string;
}

/**
 * Decides the rollback from the revision store and the cluster, with read requests only: which revision
 * is live, which one to return to, and whether the idle color can serve it at once (switch), after a
 * scale-up, or only after a redeploy.
 */
/**
 * Fails naming the input when the namespace does not exist. A deployer whose role may not read namespaces
 * (403) gets the usual "nothing to roll back" instead: that is true in its view as well.
 */
async function requireNamespace(kube: Kube, namespace: string): Promise<void> {
  try {
    await kube.request('GET', KNOWN.namespace(namespace), { purpose: 'read' });
  } catch (error) {
    if (isNotFound(error)) throw namespaceMissing(namespace);
    if (error instanceof KubeApiError && error.code === 403) return;
    throw explainKubeError(error);
  }
}

export async function planRollback(
  kube: Kube,
  options: Pick<RollbackOptions, 'app' | 'namespace' | 'to' | 'traffic'>,
): Promise<RollbackPlan> {
  const { app, namespace } = options;
  const revisions = await readRevisions(kube, namespace, app);
  // Listing a namespace that does not exist answers an empty list; say which input is wrong, as deploy does.
  if (revisions.length === 0) await requireNamespace(kube, namespace);
  const newest = revisions.find((r) => r.outcome === 'succeeded') ?? revisions[0];
  const services = newest
    ? planColor(revisionManifests(newest), { app, namespace, color: 'blue', revision: 0 }).services
    : [];
  const live = await readLiveState(kube, namespace, services);
  const { current, target } = chooseRollbackTarget(revisions, live.activeColor, options.to, options);
  const active = live.activeColor!;
  const color = otherColor(active);
  const revision = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
  const byNumber = new Map(revisions.map((r) => [r.revision, r]));

  // What the idle color holds decides the mode; a Deployment holds the target when the revision it was
  // applied for has the target's manifests (a rollback record carries the manifests it returned to).
  const probe = planColor(revisionManifests(target), { app, namespace, color, revision });
  const idle: IdleWorkload[] = [];
  for (const workload of probe.workloads) {
    const name = workload.object.metadata.name as string;
    const desired = workload.object.spec?.replicas ?? 1;
    let deployment: Deployment | undefined;
    try {
      deployment = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/${name}`, {
        purpose: 'read',
      });
    } catch (error) {
      if (!isNotFound(error)) throw explainKubeError(error);
    }
    if (!deployment) {
      idle.push({ name, desired, found: false, holdsTarget: false, replicas: 0, ready: false });
      continue;
    }
    const applied = Number(deployment.metadata.annotations?.[LABELS.revision]);
    const appliedRecord = Number.isInteger(applied) ? byNumber.get(applied) : undefined;
    const progress = rolloutProgress(deployment);
    idle.push({
      name,
      desired,
      found: true,
      holdsTarget: appliedRecord?.manifestDigest === target.manifestDigest,
      appliedRevision: Number.isInteger(applied) ? applied : undefined,
      replicas: deployment.spec?.replicas ?? 1,
      ready: progress.complete,
    });
  }
  const mode = chooseRollbackMode(idle);
  // Switch and scale-up judge the pods the idle color already runs, labelled with the revision they were
  // applied for; a redeploy labels new pods with the rollback's own number.
  const colorPlan =
    mode === 'redeploy'
      ? probe
      : planColor(revisionManifests(target), { app, namespace, color, revision: idle[0]!.appliedRevision! });
  const steps = rollbackSteps(mode, colorPlan, idle, {
    lock: lockName(app),
    revision,
    target: target.revision,
    active,
  });
  // A gateway rollback needs the target's route (or the named one): refused here, before any write.
  const route = gatewayRoute(options, colorPlan);
  if (route) {
    const at = steps.findIndex((s) => s.startsWith('patch Service'));
    steps.splice(
      at < 0 ? steps.length - 1 : at,
      0,
      `write HTTPRoute ${route.namespace}/${route.name} in one patch: weights ${active} 0 / ${color} 100, then wait until every parent accepts it`,
    );
  }
  return {
    app,
    namespace,
    mode,
    from: { revision: current.revision, color: active },
    revisions,
    target,
    color,
    revision,
    colorPlan,
    idle,
    steps,
  };
}

/**
 * Rolls an app back to a recorded revision (docs/architecture.md §1, §4): plans with reads only, takes the deploy
 * lock, re-plans under it, then switches, scales up or redeploys the idle color, and records the rollback
 * as a new revision with who, why, from and to. A failure before the switch leaves live traffic as it was.
 */
export async function runRollback(kube: Kube, options: RollbackOptions): Promise<RollbackReport> {
  const started = Date.now();
  const log = options.log ?? silentLogger;
  const phase = options.phase ?? directPhase;
  const name = lockName(options.app);
  const first = await phase('Plan the rollback', async () => {
    try {
      return await planRollback(kube, options);
    } catch (error) {
      throw explainPlanError(error, options.namespace);
    }
  });
  logPlan(first, log, options.dryRun === true);

  if (options.dryRun) {
    const report = baseReport(first, options, started);
    const held = await LeaseLock.inspect(kube, options.namespace, name).catch(() => undefined);
    if (held && !held.expired) {
      report.lockHeldBy = describeHolder(held);
      log.warning(
        `The deploy lock ${options.namespace}/${name} is held by ${report.lockHeldBy}: a real rollback would wait for it or fail.`,
      );
    }
    log.info('Dry run: nothing was changed.');
    return finish(kube, report, started);
  }

  // A chain holds its lease already; otherwise the rollback takes its own for its whole life.
  const lock = options.lock ?? (await acquireDeployLock(kube, { ...options, log, phase }));
  try {
    // A deploy may have finished while this run waited for the lock: decide again on what is now true.
    const plan = await planRollback(kube, options).catch((error: unknown) => {
      throw explainPlanError(error, options.namespace);
    });
    if (plan.mode !== first.mode || plan.target.revision !== first.target.revision) logPlan(plan, log, false);
    return await execute(kube, plan, options, lock, started);
  } catch (error) {
    throw explainKubeError(error);
  } finally {
    if (!options.lock)
      await lock
        .release()
        .catch((error) => log.warning(`Could not release the deploy lock: ${errorMessage(error)}`));
  }
}

function explainPlanError(error: unknown, namespace: string): unknown {
  if (error instanceof UserError || error instanceof WorldError) return error;
  return explainLockError(error, namespace);
}

function logPlan(plan: RollbackPlan, log: Logger, dryRun: boolean): void {
  log.info(
    `${dryRun ? 'Dry run: would roll' : 'Rolling'} ${plan.app} back from revision ${plan.from.revision} (${plan.from.color}) to revision ${plan.target.revision} in ${plan.color}, mode ${plan.mode}: ${modeWhy(plan)}.`,
  );
  plan.steps.forEach((step, index) => log.info(`  ${index + 1}. ${step}`));
}

function modeWhy(plan: RollbackPlan): string {
  if (plan.mode === 'switch') return `${plan.color} still runs revision ${plan.target.revision}, ready`;
  if (plan.mode === 'scale-up')
    return `${plan.color} holds revision ${plan.target.revision} but is scaled down (${plan.idle.map((w) => `${w.name} ${w.replicas}/${w.desired}`).join(', ')})`;
  const held = plan.idle.find((w) => !w.holdsTarget);
  return held?.found
    ? `${plan.color} holds revision ${held.appliedRevision ?? '?'}, not ${plan.target.revision}; it comes back from the revision store`
    : `${plan.color} has no Deployment of revision ${plan.target.revision}; it comes back from the revision store`;
}

function baseReport(plan: RollbackPlan, options: RollbackOptions, started: number): RollbackReport {
  return {
    app: plan.app,
    namespace: plan.namespace,
    mode: plan.mode,
    dryRun: options.dryRun === true,
    color: plan.color,
    previousColor: plan.from.color,
    revision: plan.revision,
    from: plan.from,
    to: { revision: plan.target.revision, color: plan.color },
    reason: options.reason,
    actor: options.run?.actor,
    steps: plan.steps,
    durationMs: Date.now() - started,
    requests: {},
    runUrl: options.run?.runUrl,
  };
}

function finish(kube: Kube, report: RollbackReport, started: number): RollbackReport {
  report.durationMs = Date.now() - started;
  report.requests = kube.requestCounts();
  return report;
}

async function execute(
  kube: Kube,
  plan: RollbackPlan,
  options: RollbackOptions,
  lock: LeaseLock,
  started: number,
): Promise<RollbackReport> {
  const log = options.log ?? silentLogger;
  const phase = options.phase ?? directPhase;
  const step: StepContext = {
    kube,
    discovery: new Discovery(kube),
    lock,
    unschedulableGraceMs: options.unschedulableGraceMs,
    log,
    phase,
    namespace: options.namespace,
    traffic: options.traffic,
  };
  const report = baseReport(plan, options, started);
  const { colorPlan } = plan;
  const deadline = Date.now() + options.timeoutMs;
  const record = rollbackRecord(plan, options, started);

  const route = gatewayRoute(step, colorPlan);
  if (route) {
    record.traffic = 'gateway';
    record.route = `${route.namespace}/${route.name}`;
  }
  // Before the first write of a redeploy: a refused image leaves no record, no object, no scale change.
  if (plan.mode === 'redeploy' && options.verifyImages) {
    await options.verifyImages(workloadImages(colorPlan.workloads.map((w) => w.object)).map((i) => i.image));
  }
  try {
    if (plan.mode === 'redeploy') {
      await phase(`Check revision ${plan.target.revision}'s objects with a server-side dry run`, () =>
        dryRunPlan(step, colorPlan),
      );
    } else if (route) {
      await phase(`Check HTTPRoute ${route.namespace}/${route.name} with a server-side dry run`, async () => {
        await applyPlanned(step, gatewayObjects(colorPlan, route), { dryRun: true });
        await checkExternalRoute(step, colorPlan, route);
      });
    }
    if (plan.mode !== 'switch') {
      await recordRevision(kube, record);
      await phase(
        plan.mode === 'redeploy'
          ? `Redeploy revision ${plan.target.revision} into ${plan.color}`
          : `Scale ${plan.color} back up`,
        async () => {
          if (plan.mode === 'redeploy') {
            await applyPlanned(step, colorObjects(colorPlan));
            log.info(
              `Applied ${colorPlan.workloads.map((w) => w.object.metadata.name).join(', ')} with revision ${plan.target.revision}'s manifests.`,
            );
          } else {
            // The idle Deployments still point at the target's config copies; make sure they exist.
            await applyPlanned(
              step,
              colorPlan.configs.map((c) => ({ object: c.object, source: c.source })),
            );
            for (const workload of plan.idle) {
              lock.assertHeld();
              await scaleDeployment(kube, plan.namespace, workload.name, workload.desired);
              log.info(`Scaled ${workload.name} from ${workload.replicas} to ${workload.desired} replicas.`);
            }
          }
        },
      );
      const gated = await phase(
        `Gate: wait until ${plan.color} is ready (timeout ${formatDuration(options.timeoutMs)})`,
        () => gate(step, colorPlan, deadline),
      );
      report.gateMs = Math.max(...gated.map((g) => g.durationMs));
      record.gateMs = report.gateMs;
      if (plan.mode === 'redeploy') await applyPlanned(step, previewObjects(colorPlan));
    }
  } catch (error) {
    throw await failBeforeSwitch(kube, plan, record, error, log);
  }

  try {
    // The target's routes and policies go back in the same step as the selectors.
    report.switchMs = await phase(`Switch live traffic back to ${plan.color}`, () =>
      switchTraffic(
        step,
        colorPlan,
        liveRoute(plan.revisions, plan.from.color, plan.app, plan.namespace),
        deadline,
      ),
    );
  } catch (error) {
    await recordFailure(kube, record, error, log);
    throw error;
  }
  record.switchMs = report.switchMs;
  if (colorPlan.others.length > 0) {
    // Off the critical path: config no pod template names, so later readers find the target's version.
    await phase(`Restore revision ${plan.target.revision}'s other objects`, () =>
      applyPlanned(step, colorPlan.others),
    );
  }
  record.outcome = 'succeeded';
  record.finishedAt = new Date().toISOString();
  await recordRevision(kube, record);
  await pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10, undefined, log);
  log.info(
    `Rolled back: revision ${plan.target.revision} serves from ${plan.color} (recorded as revision ${plan.revision}); ${plan.from.color} keeps running revision ${plan.from.revision}.`,
  );
  return finish(kube, report, started);
}

function rollbackRecord(plan: RollbackPlan, options: RollbackOptions, started: number): RollbackRecord {
  const { target } = plan;
  return {
    app: plan.app,
    namespace: plan.namespace,
    revision: plan.revision,
    color: plan.color,
    previousColor: plan.from.color,
    outcome: 'deploying',
    manifestDigest: target.manifestDigest,
    manifests: target.manifests,
    images: target.images,
    // What runs is the target's code; who did it and from which run is this rollback's.
    commit: target.commit,
    ref: target.ref,
    repository: target.repository ?? options.run?.repository,
    runUrl: options.run?.runUrl,
    actor: options.run?.actor,
    startedAt: new Date(started).toISOString(),
    rollback: {
      reason: options.reason,
      mode: plan.mode,
      actor: options.run?.actor,
      runUrl: options.run?.runUrl,
      from: plan.from,
      to: { revision: target.revision, color: plan.color },
      at: new Date(started).toISOString(),
    },
  };
}

async function recordFailure(kube: Kube, record: RollbackRecord, error: unknown, log: Logger): Promise<void> {
  await recordRevision(kube, {
    ...record,
    outcome: 'failed',
    error: errorMessage(error),
    finishedAt: new Date().toISOString(),
  }).catch((recordError) =>
    log.warning(`Could not record the failed rollback: ${errorMessage(recordError)}`),
  );
}

/** A rollback that fails before its switch: the idle color goes back to where it was, live is untouched. */
async function failBeforeSwitch(
  kube: Kube,
  plan: RollbackPlan,
  record: RollbackRecord,
  error: unknown,
  log: Logger,
): Promise<Error> {
  if (plan.mode !== 'switch') {
    for (const workload of plan.idle) {
      const back = plan.mode === 'scale-up' ? workload.replicas : 0;
      await scaleDeployment(kube, plan.namespace, workload.name, back).catch((scaleError) => {
        if (!isNotFound(scaleError))
          log.warning(`Could not scale ${workload.name} to ${back}: ${errorMessage(scaleError)}`);
      });
    }
  }
  await recordFailure(kube, record, error, log);
  const left = `Live traffic is untouched: the stable Services still select ${plan.from.color} (revision ${plan.from.revision}); the rollback is recorded as failed revision ${plan.revision}.`;
  return withOutcome(explainKubeError(error), `The rollback to revision ${plan.target.revision} failed`, {
    untouched: `live traffic (still ${plan.from.color})`,
    hint: `${left}\nFix the cause above, or roll back to another revision.`,
  });
}
