import { UserError, errorMessage, formatDuration, sleep } from '@swiss-deploy/kit';
import { scaleDeployment } from '@swiss-deploy/kube';
import { abortedError, setCanaryWeight, withdrawCanary, type CanaryStep } from './canary';
import { finish, switchAndRecord, type DeployRun } from './deploy-run';
import { withOutcome } from './errors';
import type { ColorPlan } from './plan';
import { readRevisions, recordRevision } from './revisions';
import { gate, gatewayRoute, liveRoute, scaleToZero } from './switch';
import type { Color, DeployReport, RevisionRecord } from './types';

export const DEFAULT_STEPS = [10, 25, 50, 100];

/**
 * The canary from step `from` on: each step gives the canary its weight in one write and holds it for the
 * step pause; with promotion manual the run stops after one step (status paused, recorded as a preview), and
 * `action: promote` takes the next. The last step, 100, is the switch, by the same path as blue-green. A step
 * that fails aborts: all traffic back on the stable color in one write, the canary scaled to 0, the revision
 * recorded as aborted.
 */
export async function canarySteps(
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
