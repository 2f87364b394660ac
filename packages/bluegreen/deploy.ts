import { UserError, errorMessage, formatDuration, manifestDigest, sleep } from '@swiss-deploy/kit';
import { Discovery, scaleDeployment, type Kube, type RolloutResult } from '@swiss-deploy/kube';
import { explainKubeError, withOutcome } from './errors';
import { readLiveState } from './live';
import { withDeployLock, type LockOptions } from './lock';
import { planColor, validateManifests, workloadImages, type ColorPlan } from './plan';
import { pruneRevisions, readRevisions, recordRevision, revisionManifests } from './revisions';
import { findRoute, type TrafficOptions } from './traffic';
import { decideDeploy, pausedCanary } from './deploy-decision';
import { abortedError, setCanaryWeight, withdrawCanary, type CanaryStep, type Strategy } from './canary';
import {
  applyPlanned,
  colorObjects,
  dryRunPlan,
  gatewayRoute,
  gate,
  keepPrevious,
  liveRoute,
  previewObjects,
  scaleToZero,
  switchTraffic,
  type StepContext,
} from './switch';
import {
  directPhase,
  otherColor,
  silentLogger,
  type Color,
  type DeployAction,
  type DeployReport,
  type Logger,
  type ManifestObject,
  type Phase,
  type PromotionMode,
  type RevisionRecord,
  type RunInfo,
} from './types';

export interface DeployOptions extends Omit<LockOptions, 'log' | 'phase'> {
  /** Required for `deploy`; `promote` and `abort` work from the revision store. */
  manifests?: readonly ManifestObject[];
  action?: DeployAction;
  timeoutMs: number;
  promotion?: PromotionMode;
  /** Replicas the previous color keeps after a switch; `all` leaves it as it was (instant rollback). */
  previousReplicas?: number | 'all';
  historyLimit?: number;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler (default 2 min). */
  unschedulableGraceMs?: number;
  /** How live traffic reaches a color (default: the stable Services' selectors). */
  traffic?: TrafficOptions;
  /** blue-green (default) switches at once; canary goes through `steps`. */
  strategy?: Strategy;
  /** Canary weights in percent, increasing, the last one 100 (default 10, 25, 50, 100). */
  steps?: number[];
  /** How long each canary step holds its weight before the next (default 0). */
  stepPauseMs?: number;
  run?: RunInfo;
  log?: Logger;
  phase?: Phase;
}

/**
 * Checks, without the cluster, that the manifests give a gateway deploy its route: the one HTTPRoute that
 * sends to the app's Services, or the one the `route` input names.
 */
export function validateTraffic(
  manifests: readonly ManifestObject[],
  options: { app: string; namespace: string; traffic?: TrafficOptions },
): void {
  if (options.traffic?.mode !== 'gateway') return;
  findRoute(planColor(manifests, { ...options, color: 'blue', revision: 0 }), options.traffic.route);
}

/** One deploy, promote or abort under the lock. */
interface DeployRun {
  step: StepContext;
  options: DeployOptions;
  started: number;
}

/**
 * The blue/green deploy of docs/architecture.md §4: lock, plan and apply the idle color with its own config copies,
 * gate on readiness with watches, point the preview at the ready pods, switch the stable Services and the
 * traffic objects in one step, confirm their endpoints, keep the previous color, record the revision.
 * A failure before the switch leaves everything live pods read and live traffic goes through as it was.
 */
export async function runBlueGreen(kube: Kube, options: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  const log = options.log ?? silentLogger;
  const phase = options.phase ?? directPhase;
  const action = options.action ?? 'deploy';
  if (action === 'deploy') {
    if (!options.manifests) throw new UserError('Input "manifests" is required to deploy.');
    validateManifests(options.manifests, options);
    validateTraffic(options.manifests, options);
  }
  return withDeployLock(kube, { ...options, log, phase }, async (lock) => {
    const run: DeployRun = {
      step: {
        kube,
        discovery: new Discovery(kube),
        lock,
        log,
        phase,
        namespace: options.namespace,
        unschedulableGraceMs: options.unschedulableGraceMs,
        traffic: options.traffic,
      },
      options,
      started,
    };
    try {
      if (action === 'promote') return await promote(run);
      if (action === 'abort') return await abort(run);
      return await deploy(run);
    } catch (error) {
      throw explainKubeError(error);
    }
  });
}

function newRecord(
  run: DeployRun,
  plan: ColorPlan,
  manifests: readonly ManifestObject[],
  previousColor?: Color,
): RevisionRecord {
  const objects = manifests.map((m) => m.object);
  return {
    app: plan.app,
    namespace: plan.namespace,
    revision: plan.revision,
    color: plan.color,
    previousColor,
    outcome: 'deploying',
    manifestDigest: manifestDigest(objects),
    manifests: objects,
    images: workloadImages(objects),
    configs: plan.configs.map((c) => `${c.kind}/${c.name}`),
    ...trafficRecord(run.step, plan),
    ...run.options.run,
    startedAt: new Date(run.started).toISOString(),
  };
}

/** What the record keeps of the traffic mode: enough for a later switch back to write the route as this one did. */
function trafficRecord(step: StepContext, plan: ColorPlan): Pick<RevisionRecord, 'traffic' | 'route'> {
  const gateway = gatewayRoute(step, plan);
  return gateway ? { traffic: 'gateway', route: `${gateway.namespace}/${gateway.name}` } : {};
}

function baseReport(
  run: DeployRun,
  plan: ColorPlan,
  color: Color,
  previousColor: Color | undefined,
): DeployReport {
  return {
    app: plan.app,
    namespace: plan.namespace,
    status: 'succeeded',
    color,
    previousColor,
    revision: plan.revision,
    previewServices: plan.services.map(
      (s) => `${plan.namespace}/${s.preview.metadata.name}:${s.preview.spec?.ports?.[0]?.port ?? 80}`,
    ),
    stableServices: plan.services.map(
      (s) => `${plan.namespace}/${s.name}:${s.stable.spec?.ports?.[0]?.port ?? 80}`,
    ),
    images: workloadImages(plan.workloads.map((w) => w.object)),
    replicas: plan.workloads.map((w) => ({
      workload: w.object.metadata.name as string,
      ready: 0,
      desired: w.object.spec?.replicas ?? 1,
    })),
    durationMs: 0,
    requests: {},
    runUrl: run.options.run?.runUrl,
  };
}

function finish(run: DeployRun, report: DeployReport): DeployReport {
  report.durationMs = Date.now() - run.started;
  report.requests = run.step.kube.requestCounts();
  return report;
}

async function deploy(run: DeployRun): Promise<DeployReport> {
  const { step, options } = run;
  const { kube, log, phase } = step;
  const manifests = options.manifests!;

  // Plan: the live color decides the idle one; the store gives the next number.
  const probe = planColor(manifests, { ...options, color: 'blue', revision: 0 });
  const { live, revisions } = await phase('Read the live state', async () => {
    const live = await readLiveState(kube, options.namespace, probe.services);
    const revisions = await readRevisions(kube, options.namespace, options.app);
    log.info(
      live.activeColor ? `Live color: ${live.activeColor}.` : 'No live color yet: this is the first deploy.',
    );
    return { live, revisions };
  });
  const active = live.activeColor;
  const digest = manifestDigest(manifests.map((m) => m.object));
  const decision = decideDeploy(revisions, digest, active);
  if (decision.kind === 'blocked') {
    const { paused } = decision;
    throw new UserError(
      `Revision ${paused.revision} of ${options.app} is a canary paused at step ${paused.step} of ${paused.steps?.length ?? '?'}, with ${paused.weight} % of live traffic on ${paused.color}.`,
      {
        hint: 'Finish it first: run with action: promote to go on, or action: abort to take its traffic away. Nothing was changed.',
      },
    );
  }
  if (decision.kind === 'unchanged') {
    const same = decision.revision;
    log.info(
      `Revision ${same.revision} has the same manifests (${digest.slice(0, 19)}…) and is ${same.outcome === 'preview' ? 'waiting in preview' : 'live'}: nothing to do.`,
    );
    const plan = planColor(manifests, { ...options, color: same.color, revision: same.revision });
    const report = baseReport(run, plan, decision.color, same.previousColor);
    report.status = decision.status;
    if (same.strategy === 'canary') {
      report.strategy = 'canary';
      report.step = same.step;
      report.weight = same.weight;
    }
    return finish(run, report);
  }
  const color: Color = active ? otherColor(active) : 'blue';
  const revision = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
  const plan = planColor(manifests, { ...options, color, revision });

  // Dry run of everything, the switch's objects included: unknown kinds, RBAC and invalid objects fail
  // here, before the revision is recorded or anything else changes.
  await phase(`Check revision ${revision} (${color}) with a server-side dry run`, async () => {
    const count = await dryRunPlan(step, plan);
    log.info(`${count} objects pass the API server's validation, admission and RBAC.`);
  });

  const record = newRecord(run, plan, manifests, active);
  const report = baseReport(run, plan, active ?? color, active);
  // A canary needs a stable color to share traffic with: the first deploy of an app switches at once.
  const canary = options.strategy === 'canary' && active !== undefined;
  if (options.strategy === 'canary' && !canary)
    log.info(
      'No live color yet: the first deploy goes live at once, later ones go through the canary steps.',
    );
  record.strategy = canary ? 'canary' : 'blue-green';
  report.strategy = record.strategy;
  if (canary) {
    record.steps = options.steps ?? DEFAULT_STEPS;
    record.step = record.weight = 0;
  }
  for (const stale of revisions.filter((r) => r.outcome === 'preview' || r.outcome === 'deploying')) {
    await recordRevision(kube, { ...stale, outcome: 'superseded', finishedAt: new Date().toISOString() });
  }
  await recordRevision(kube, record);
  // The timeout covers the gate and the switch, not the wait for the lock.
  const deadline = Date.now() + options.timeoutMs;
  try {
    await phase(`Apply revision ${revision} to the idle color, ${color}`, async () => {
      await applyPlanned(step, colorObjects(plan));
      log.info(
        `Applied ${plan.workloads.map((w) => w.object.metadata.name).join(', ')}` +
          (plan.configs.length
            ? ` reading ${plan.configs.map((c) => `${c.kind}/${c.name}`).join(', ')}`
            : '') +
          (plan.others.length ? `, and ${plan.others.length} other objects` : '') +
          '.',
      );
    });
    await gateAndPreview(run, plan, deadline, report, color);
    record.gateMs = report.gateMs;
    if (canary) report.step = report.weight = 0;
    record.images = report.images.map((image) => ({
      ...image,
      workload: image.workload.replace(new RegExp(`-${color}$`), ''),
    }));
  } catch (error) {
    throw await failBeforeSwitch(run, plan, record, active, error);
  }

  if ((options.promotion ?? 'auto') === 'manual') {
    record.outcome = 'preview';
    record.finishedAt = new Date().toISOString();
    await recordRevision(kube, record);
    log.info(
      `Revision ${revision} is ready in ${color} behind ${report.previewServices.join(', ')}; live traffic stays on ${active ?? 'nothing yet'}. Run again with action: promote (or abort).`,
    );
    report.status = 'preview';
    return finish(run, report);
  }
  if (canary) return canarySteps(run, plan, record, report, revisions, active!, deadline, 0);
  return switchAndRecord(run, plan, record, report, revisions, active, deadline);
}

export const DEFAULT_STEPS = [10, 25, 50, 100];

/**
 * The canary from step `from` on: each step gives the canary its weight in one write and holds it for the
 * step pause; with promotion manual the run stops after one step (status paused, recorded as a preview), and
 * `action: promote` takes the next. The last step, 100, is the switch, by the same path as blue-green. A step
 * that fails aborts: all traffic back on the stable color in one write, the canary scaled to 0, the revision
 * recorded as aborted.
 */
async function canarySteps(
  run: DeployRun,
  plan: ColorPlan,
  record: RevisionRecord,
  report: DeployReport,
  revisions: readonly RevisionRecord[],
  stable: Color,
  deadline: number,
  from: number,
): Promise<DeployReport> {
  const { step, options } = run;
  const steps = record.steps ?? DEFAULT_STEPS;
  const manual = (options.promotion ?? 'auto') === 'manual';
  const pauseMs = options.stepPauseMs ?? 0;
  report.strategy = 'canary';
  report.canary ??= [];
  for (let index = from; index < steps.length; index++) {
    const weight = steps[index]!;
    const number = index + 1;
    if (weight === 100) {
      if (!gatewayRoute(step, plan)) await restoreCanaryReplicas(run, plan, deadline);
      const done = await switchAndRecord(
        run,
        plan,
        { ...record, step: number, weight: 100 },
        report,
        revisions,
        stable,
        deadline,
      );
      done.step = number;
      done.weight = 100;
      done.canary!.push({ step: number, weight, actual: 100, checks: 'switch confirmed', passed: true });
      return done;
    }
    let actual: number;
    try {
      actual = await step.phase(
        `Canary step ${number} of ${steps.length}: ${weight} % of the traffic to ${plan.color}`,
        async () => {
          const share = await setCanaryWeight(step, plan, stable, weight, deadline);
          if (pauseMs > 0) {
            step.log.info(`Holding ${weight} % for ${formatDuration(pauseMs)}.`);
            await sleep(pauseMs);
            step.lock.assertHeld();
          }
          return share;
        },
      );
    } catch (error) {
      const failed: CanaryStep = {
        step: number,
        weight,
        actual: 0,
        checks: 'weight not confirmed',
        passed: false,
      };
      report.canary.push(failed);
      throw await abortCanary(run, plan, record, stable, failed, errorMessage(error));
    }
    report.canary.push({
      step: number,
      weight,
      actual,
      checks: pauseMs > 0 ? `held ${formatDuration(pauseMs)}` : 'weight confirmed',
      passed: true,
    });
    report.step = record.step = number;
    report.weight = actual;
    record.weight = weight;
    if (manual) {
      record.outcome = 'preview';
      record.finishedAt = new Date().toISOString();
      await recordRevision(step.kube, record);
      step.log.info(
        `Canary of revision ${plan.revision} paused at step ${number} of ${steps.length} (${weight} % to ${plan.color}). Run again with action: promote for the next step, or abort.`,
      );
      report.status = 'paused';
      return finish(run, report);
    }
    await recordRevision(step.kube, record);
  }
  throw new UserError(
    `The canary steps of revision ${plan.revision} do not end at 100: ${steps.join(', ')}.`,
  );
}

/** Before the last step of a service canary: the canary color back to its full replicas, gated. */
async function restoreCanaryReplicas(run: DeployRun, plan: ColorPlan, deadline: number): Promise<void> {
  const { step } = run;
  for (const workload of plan.workloads) {
    step.lock.assertHeld();
    await scaleDeployment(
      step.kube,
      plan.namespace,
      workload.object.metadata.name as string,
      workload.object.spec?.replicas ?? 1,
    );
  }
  await step.phase(`Gate: ${plan.color} back at full size before the switch`, () =>
    gate(step, plan, deadline),
  );
}

/** A failed canary step: traffic back to the stable color in one write, canary to 0, recorded as aborted. */
async function abortCanary(
  run: DeployRun,
  plan: ColorPlan,
  record: RevisionRecord,
  stable: Color,
  failed: CanaryStep,
  why: string,
): Promise<Error> {
  const { step } = run;
  let left = '';
  try {
    const revisions = await readRevisions(step.kube, plan.namespace, plan.app);
    await withdrawCanary(step, plan, stable, liveRoute(revisions, stable, plan.app, plan.namespace));
  } catch (error) {
    left = errorMessage(error);
    step.log.warning(`Could not put all traffic back on ${stable}: ${left}`);
  }
  await scaleToZero(
    step,
    plan.workloads.map((w) => w.object.metadata.name as string),
  );
  await recordRevision(step.kube, {
    ...record,
    outcome: 'aborted',
    error: `canary step ${failed.step} (${failed.weight} %): ${why}`,
    finishedAt: new Date().toISOString(),
  }).catch((recordError: unknown) =>
    step.log.warning(`Could not record the aborted revision: ${errorMessage(recordError)}`),
  );
  const error = abortedError(failed, stable, plan.revision, why);
  if (!left) return error;
  return withOutcome(error, error.message, {
    untouched: `not all of it: taking the canary's traffic away failed (${left})`,
    hint: `Run the rollback workflow, or abort again, to put everything back on ${stable}.`,
  });
}

/** The readiness gate, then the preview Services, which select the new pods only once they are ready. */
async function gateAndPreview(
  run: DeployRun,
  plan: ColorPlan,
  deadline: number,
  report: DeployReport,
  color: Color,
): Promise<void> {
  const { step, options } = run;
  const gated = await step.phase(
    `Gate: wait until ${color} is ready (timeout ${formatDuration(options.timeoutMs)})`,
    () => gate(step, plan, deadline),
  );
  report.gateMs = Math.max(...gated.map((g) => g.durationMs));
  report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
  report.images = withRunningDigests(report.images, gated, color);
  if (plan.services.length > 0) {
    await applyPlanned(step, previewObjects(plan));
    step.log.info(
      `Preview ${plan.services.map((s) => s.preview.metadata.name).join(', ')} now select${plan.services.length === 1 ? 's' : ''} the ready pods of revision ${plan.revision}.`,
    );
  }
}

/** Switch, keep the previous color, record success and prune; a failed switch is recorded too. */
async function switchAndRecord(
  run: DeployRun,
  plan: ColorPlan,
  record: RevisionRecord,
  report: DeployReport,
  revisions: readonly RevisionRecord[],
  active: Color | undefined,
  deadline: number,
): Promise<DeployReport> {
  const { step, options } = run;
  const { kube } = step;
  try {
    report.switchMs = await step.phase(`Switch live traffic to ${plan.color}`, () =>
      switchTraffic(step, plan, liveRoute(revisions, active, options.app, options.namespace), deadline),
    );
  } catch (error) {
    await recordRevision(kube, {
      ...record,
      outcome: 'failed',
      error: (error as Error).message,
      finishedAt: new Date().toISOString(),
    }).catch((recordError: unknown) =>
      step.log.warning(`Could not record the failed revision: ${(recordError as Error).message}`),
    );
    throw error;
  }
  report.color = plan.color;
  await keepPrevious(step, plan, active, options.previousReplicas ?? 'all');
  await recordRevision(kube, {
    ...record,
    outcome: 'succeeded',
    previousColor: active,
    switchMs: report.switchMs,
    finishedAt: new Date().toISOString(),
  });
  await pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10, undefined, step.log);
  report.status = record.outcome === 'preview' ? 'promoted' : 'succeeded';
  return finish(run, report);
}

/** Digests of what really runs, from the pods' imageIDs, where the manifest named a tag. */
function withRunningDigests(
  images: DeployReport['images'],
  gated: readonly RolloutResult[],
  color: Color,
): DeployReport['images'] {
  return images.map((image) => {
    if (image.digest) return image;
    const pods =
      gated.find((g) => g.name === image.workload || g.name === `${image.workload}-${color}`)?.pods ?? [];
    for (const pod of pods) {
      const status = pod.status?.containerStatuses?.find((c) => c.name === image.container);
      const digest = /(sha256:[a-f0-9]{64})$/.exec(status?.imageID ?? '')?.[1];
      if (digest && !/^0+$/.test(digest.slice(7))) return { ...image, digest };
    }
    return image;
  });
}

/** Before the switch nothing live changed: scale the new color to zero and record the failure. */
async function failBeforeSwitch(
  run: DeployRun,
  plan: ColorPlan,
  record: RevisionRecord,
  active: Color | undefined,
  error: unknown,
): Promise<Error> {
  const { step } = run;
  await scaleToZero(
    step,
    plan.workloads.map((w) => w.object.metadata.name as string),
  );
  await recordRevision(step.kube, {
    ...record,
    outcome: 'failed',
    error: (error as Error).message ?? String(error),
    finishedAt: new Date().toISOString(),
  }).catch((recordError: unknown) =>
    step.log.warning(`Could not record the failed revision: ${(recordError as Error).message}`),
  );
  const left =
    `Live traffic is untouched: ${active ? `the stable Services still select ${active}, and its routes and the config its pods read are as they were` : 'no stable Service was created'}. ` +
    `${plan.workloads.map((w) => w.object.metadata.name).join(', ')} ${plan.workloads.length > 1 ? 'were' : 'was'} scaled to 0; revision ${plan.revision} is recorded as failed.`;
  return withOutcome(explainKubeError(error), `The deploy of revision ${plan.revision} failed`, {
    untouched: active ? `live traffic (still ${active})` : 'nothing was live',
    hint: `${left}\nFix the cause above and deploy again (same commit re-runs are fine: a failed revision is not a no-op).`,
  });
}

async function latestPreview(
  run: DeployRun,
  verb: string,
): Promise<{ record: RevisionRecord; plan: ColorPlan; revisions: RevisionRecord[] }> {
  const { step, options } = run;
  const revisions = await readRevisions(step.kube, options.namespace, options.app);
  const latest = revisions[0];
  if (!latest || latest.outcome !== 'preview') {
    throw new UserError(
      `Nothing to ${verb}: ${latest ? `the latest revision of ${options.app}, ${latest.revision}, is ${latest.outcome}` : `${options.app} has no recorded revision in ${options.namespace}`}, not waiting in preview.`,
      {
        hint: 'Deploy with promotion: manual first; promote and abort finish that preview. Nothing was changed.',
      },
    );
  }
  const plan = planColor(revisionManifests(latest), {
    app: options.app,
    namespace: options.namespace,
    color: latest.color,
    revision: latest.revision,
  });
  return { record: latest, plan, revisions };
}

async function promote(run: DeployRun): Promise<DeployReport> {
  const { step, options } = run;
  const deadline = Date.now() + options.timeoutMs;
  const { record, plan, revisions } = await latestPreview(run, 'promote');
  const live = await readLiveState(step.kube, options.namespace, plan.services);
  // A service canary's stable Services select both colors: the record knows which one is stable.
  const active = pausedCanary(record) ? record.previousColor : live.activeColor;
  const report = baseReport(run, plan, active ?? plan.color, active);
  const gated = await step.phase(`Gate: check that ${plan.color} is still ready`, () =>
    gate(step, plan, deadline),
  );
  report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
  report.gateMs = record.gateMs;
  report.images = record.images;
  if (record.strategy === 'canary' && active) {
    const stepped = await canarySteps(
      run,
      plan,
      record,
      report,
      revisions,
      active,
      deadline,
      record.step ?? 0,
    );
    if (stepped.status === 'promoted')
      step.log.info(`Promoted revision ${record.revision}: ${plan.color} is live.`);
    return stepped;
  }
  const promoted = await switchAndRecord(run, plan, record, report, revisions, active, deadline);
  step.log.info(`Promoted revision ${record.revision}: ${plan.color} is live.`);
  return promoted;
}

async function abort(run: DeployRun): Promise<DeployReport> {
  const { step, options } = run;
  const { record, plan, revisions } = await latestPreview(run, 'abort');
  const live = await readLiveState(step.kube, options.namespace, plan.services);
  const stable = pausedCanary(record) ? record.previousColor : live.activeColor;
  // A paused canary has a share of live traffic: take it away, in one write, before the pods go.
  if (pausedCanary(record) && stable)
    await withdrawCanary(step, plan, stable, liveRoute(revisions, stable, options.app, options.namespace));
  await scaleToZero(
    step,
    plan.workloads.map((w) => w.object.metadata.name as string),
  );
  await recordRevision(step.kube, { ...record, outcome: 'aborted', finishedAt: new Date().toISOString() });
  step.log.info(
    `Aborted revision ${record.revision}: ${plan.color} scaled to 0; live traffic ${pausedCanary(record) ? 'is all back' : 'stays'} on ${stable ?? 'nothing'}.`,
  );
  const report = baseReport(run, plan, stable ?? plan.color, undefined);
  report.status = 'aborted';
  if (record.strategy === 'canary') {
    report.strategy = 'canary';
    report.step = record.step;
    report.weight = 0;
  }
  report.images = record.images;
  return finish(run, report);
}
