import { errorMessage, formatDuration, group, log, type defineOutputs } from '@swiss-deploy/kit';
import {
  LockSession,
  failureSummary,
  lockHolderFromEnv,
  rollbackSummary,
  runInfoFromEnv,
  runRollback,
} from '@swiss-deploy/bluegreen';
import { recordDeployment } from '@swiss-deploy/github';
import { Kube } from '@swiss-deploy/kube';
import { checkImages } from '@swiss-deploy/supplychain';
import { startTrace } from '@swiss-deploy/telemetry';
import type { outputs } from './contract';
import type { RollbackStepPlan, Values } from './plan';

type Out = ReturnType<typeof defineOutputs<(typeof outputs)[number]>>;
type RollbackReport = Awaited<ReturnType<typeof runRollback>>;
type RunTrace = Awaited<ReturnType<typeof startTrace>>;

/** What the step holds until it ends: the lock's kubeconfig, the run's identity and the trace. */
export interface RollbackRun {
  session: LockSession;
  run: ReturnType<typeof runInfoFromEnv>;
  trace: RunTrace;
}

export async function openRollbackRun(plan: RollbackStepPlan, values: Values): Promise<RollbackRun> {
  const session = LockSession.open(values.kubeconfig, values.context);
  const run = runInfoFromEnv();
  const trace = await startTrace({
    endpoint: values['otlp-endpoint'],
    step: 'rollback',
    attributes: {
      'swiss_deploy.app': values.app,
      'swiss_deploy.namespace': values.namespace,
      'swiss_deploy.action': 'rollback',
    },
    warn: log.warning,
  });
  plan.observer.traceWith(trace);
  return { session, run, trace };
}

/**
 * Connects, opens the GitHub Deployment, rolls back and reports it: outputs, summary, the Deployment's
 * state and the observer, also when the rollback fails after the Deployment was opened.
 */
export async function rollBack(
  ctx: RollbackRun,
  plan: RollbackStepPlan,
  values: Values,
  out: Out,
  started: number,
): Promise<void> {
  const kube = await Kube.connect({
    kubeconfigFile: ctx.session.kubeconfigFile,
    context: values.context,
    // No single API request may outlast the step: a silent server fails it in time.
    stepTimeoutMs: values.timeout,
  });
  // A dry run writes nothing, on GitHub either.
  const deployment = await recordDeployment({
    token: plan.dryRun ? undefined : values['github-token'],
    environment: values.environment,
    environmentUrl: values['environment-url'],
    description: `rollback ${values.app} to ${values.to}: ${values.reason}`,
    payload: { app: values.app, namespace: values.namespace, rollback: values.to },
    logUrl: ctx.run.runUrl,
    warn: log.warning,
    info: log.info,
  });
  await plan.observer.started(`to ${values.to}: ${values.reason}`);
  try {
    const report = await runRollback(kube, rollbackOptions(ctx, plan, values));
    writeRollbackOutputs(report, out);
    await rollbackSummary(report).write();
    await deployment.finish(
      'success',
      `${report.app} back to revision ${report.to.revision} (${report.mode}), recorded as ${report.revision}`,
    );
    await plan.observer.finished(kube, {
      outcome: 'rolled-back',
      revision: report.revision,
      color: report.color,
      durationMs: report.durationMs,
      message: `back to revision ${report.to.revision} (${report.mode}): ${values.reason}`,
    });
  } catch (error) {
    await deployment.finish('failure', errorMessage(error).split('\n')[0] ?? '');
    await plan.observer.finished(kube, {
      outcome: 'failed',
      error,
      durationMs: Date.now() - started,
      message: errorMessage(error).split('\n')[0],
    });
    throw error;
  }
}

function rollbackOptions(
  ctx: RollbackRun,
  plan: RollbackStepPlan,
  values: Values,
): Parameters<typeof runRollback>[1] {
  const { policy } = plan;
  return {
    app: values.app,
    namespace: values.namespace,
    to: plan.to,
    reason: values.reason,
    dryRun: plan.dryRun,
    traffic: plan.traffic,
    timeoutMs: values.timeout,
    unschedulableGraceMs: values['unschedulable-grace'],
    lockWaitMs: values['lock-timeout'],
    historyLimit: values['history-limit'],
    holder: lockHolderFromEnv(),
    run: ctx.run,
    log,
    phase: ctx.trace.phase(group),
    onLocked: ctx.session.onLocked,
    // A redeploy brings back images that may have been re-signed, revoked or re-pushed since.
    verifyImages: policy
      ? async (images) => {
          await checkImages(policy, images, {
            cosignVersion: values['cosign-version'],
            cosignMirror: values['cosign-mirror'],
          });
        }
      : undefined,
  };
}

function writeRollbackOutputs(report: RollbackReport, out: Out): void {
  out.set('color', report.color);
  out.set('previous-color', report.previousColor);
  out.set('revision', report.revision);
  out.set('target-revision', report.to.revision);
  out.set('mode', report.mode);
  out.set('duration', formatDuration(report.durationMs));
}

/** Whatever failed, from connecting on: the duration and a summary that says what happened and what is live. */
export async function reportRollbackFailure(values: Values, error: unknown, out: Out, started: number) {
  out.set('duration', formatDuration(Date.now() - started));
  await failureSummary(`Rollback of ${values.app} failed`, {
    app: values.app,
    namespace: values.namespace,
    error: error as Error,
  }).write();
}
