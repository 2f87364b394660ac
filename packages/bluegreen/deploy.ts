import { UserError, manifestDigest } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import { canarySteps, DEFAULT_STEPS } from './canary-steps';
import { withdrawCanary } from './canary';
import { decideDeploy, pausedCanary } from './deploy-decision';
import {
  baseReport,
  failBeforeSwitch,
  finish,
  newRecord,
  reportGate,
  switchAndRecord,
  unchangedReport,
  type DeployRun,
} from './deploy-run';
import { explainKubeError, pausedCanaryError } from './errors';
import { readLiveState } from './live';
import { planColor, validateManifests, type ColorPlan } from './plan';
import { readRevisions, recordRevision, revisionManifests } from './revisions';
import { withSession, type DeploySession } from './session';
import {
  applyPlanned,
  colorObjects,
  dryRunPlan,
  gate,
  gateAndPreview,
  liveRoute,
  scaleToZero,
  stepContext,
} from './switch';
import { findRoute, type TrafficOptions } from './traffic';
import {
  otherColor,
  type Color,
  type DeployOptions,
  type DeployReport,
  type DeploySpec,
  type ManifestObject,
  type RevisionRecord,
} from './types';

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

/** Everything a deploy's manifests can be refused for without the cluster, before the lock is taken. */
export function validateDeploy(options: DeploySpec): void {
  if ((options.action ?? 'deploy') !== 'deploy') return;
  if (!options.manifests) throw new UserError('Input "manifests" is required to deploy.');
  validateManifests(options.manifests, options);
  validateTraffic(options.manifests, options);
}

/**
 * The blue/green deploy of docs/architecture.md §4: lock, plan and apply the idle color with its own config copies,
 * gate on readiness with watches, point the preview at the ready pods, switch the stable Services and the
 * traffic objects in one step, confirm their endpoints, keep the previous color, record the revision.
 * A failure before the switch leaves everything live pods read and live traffic goes through as it was.
 */
export async function runBlueGreen(kube: Kube, options: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  validateDeploy(options);
  return withSession(kube, options, (session) => deployHeld(session, options, started));
}

/** A deploy, promote or abort by a run that holds the lock: runBlueGreen, or one step of the chain. */
export async function deployHeld(
  session: DeploySession,
  options: DeploySpec,
  started = Date.now(),
): Promise<DeployReport> {
  const run: DeployRun = { step: stepContext(session, options), options, started };
  try {
    if (options.action === 'promote') return await promote(run);
    if (options.action === 'abort') return await abort(run);
    return await deploy(run);
  } catch (error) {
    throw explainKubeError(error);
  }
}

async function deploy(run: DeployRun): Promise<DeployReport> {
  const { step, options } = run;
  const { kube, log, phase } = step;
  if (!options.manifests) throw new UserError('Input "manifests" is required to deploy.');
  const manifests = options.manifests;

  // Plan: the live color decides the idle one; the store gives the next number.
  const probe = planColor(manifests, { ...options, color: 'blue', revision: 0 });
  const { live, revisions } = await phase('Read the live state', async () => {
    // Independent reads, at once: the stable Services and the revision store. (Starting the dry run's
    // discovery here too measured slower: each parallel request opens a connection of its own.)
    const [live, revisions] = await Promise.all([
      readLiveState(kube, options.namespace, probe.services),
      readRevisions(kube, options.namespace, options.app),
    ]);
    log.info(
      live.activeColor ? `Live color: ${live.activeColor}.` : 'No live color yet: this is the first deploy.',
    );
    return { live, revisions };
  });
  const active = live.activeColor;
  const digest = manifestDigest(manifests.map((m) => m.object));
  const decision = decideDeploy(revisions, digest, active);
  if (decision.kind === 'blocked') throw pausedCanaryError(decision.paused);
  if (decision.kind === 'unchanged') {
    log.info(
      `Revision ${decision.revision.revision} has the same manifests (${digest.slice(0, 19)}…) and is ${decision.revision.outcome === 'preview' ? 'waiting in preview' : 'live'}: nothing to do.`,
    );
    return unchangedReport(run, manifests, decision);
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
    reportGate(report, await gateAndPreview(step, plan, deadline, options.timeoutMs), color);
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
