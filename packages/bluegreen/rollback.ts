import { UserError, WorldError, formatDuration } from '@swiss-deploy/kit';
import { LeaseLock, describeHolder, scaleDeployment, type Kube } from '@swiss-deploy/kube';
import { explainKubeError, explainLockError } from './errors';
import { workloadImages } from './plan';
import { pruneRevisions, recordRevision } from './revisions';
import { planRollback, type RollbackPlan } from './rollback-plan';
import { baseReport, failBeforeSwitch, finish, recordFailure, rollbackRecord } from './rollback-record';
import { lockName, withSession, type DeploySession } from './session';
import {
  applyPlanned,
  colorObjects,
  dryRunPlan,
  gate,
  gatewayRoute,
  liveRoute,
  previewObjects,
  stepContext,
  switchTraffic,
} from './switch';
import { checkExternalRoute, gatewayObjects } from './traffic';
import {
  directPhase,
  silentLogger,
  type Logger,
  type Phase,
  type RollbackOptions,
  type RollbackReport,
  type RollbackSpec,
} from './types';

/**
 * Rolls an app back to a recorded revision (docs/architecture.md §1, §4): plans with reads only, takes the deploy
 * lock, re-plans under it, then switches, scales up or redeploys the idle color, and records the rollback
 * as a new revision with who, why, from and to. A failure before the switch leaves live traffic as it was.
 */
export async function runRollback(kube: Kube, options: RollbackOptions): Promise<RollbackReport> {
  const started = Date.now();
  const log = options.log ?? silentLogger;
  const first = await planPhase(kube, options, log, options.phase ?? directPhase, options.dryRun === true);
  if (options.dryRun) {
    const name = lockName(options.app);
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
  return withSession(kube, options, async (session) => {
    try {
      // A deploy may have finished while this run waited for the lock: decide again on what is now true.
      const plan = await planRollback(kube, options).catch((error: unknown) => {
        throw explainPlanError(error, options.namespace);
      });
      if (plan.mode !== first.mode || plan.target.revision !== first.target.revision)
        logPlan(plan, log, false);
      return await execute(session, plan, options, started);
    } catch (error) {
      throw explainKubeError(error);
    }
  });
}

/** A rollback by a run that holds the lock from before it plans (the chain's switch back). */
export async function rollbackHeld(
  session: DeploySession,
  options: RollbackSpec,
  started = Date.now(),
): Promise<RollbackReport> {
  const plan = await planPhase(session.kube, options, session.log, session.phase, false);
  try {
    return await execute(session, plan, options, started);
  } catch (error) {
    throw explainKubeError(error);
  }
}

async function planPhase(
  kube: Kube,
  options: RollbackSpec,
  log: Logger,
  phase: Phase,
  dryRun: boolean,
): Promise<RollbackPlan> {
  const plan = await phase('Plan the rollback', async () => {
    try {
      return await planRollback(kube, options);
    } catch (error) {
      throw explainPlanError(error, options.namespace);
    }
  });
  logPlan(plan, log, dryRun);
  return plan;
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

async function execute(
  session: DeploySession,
  plan: RollbackPlan,
  options: RollbackSpec & Pick<RollbackOptions, 'dryRun'>,
  started: number,
): Promise<RollbackReport> {
  const { kube, log, phase } = session;
  const step = stepContext(session, options);
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
              step.lock.assertHeld();
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
