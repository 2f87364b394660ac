import { errorMessage } from '@swiss-deploy/kit';
import { isNotFound, scaleDeployment, type Kube } from '@swiss-deploy/kube';
import { explainKubeError, withOutcome } from './errors';
import { recordRevision } from './revisions';
import type { RollbackPlan, RollbackRecord } from './rollback-plan';
import type { Logger, RollbackOptions, RollbackReport, RollbackSpec } from './types';

// What a rollback records (the revision with its audit) and reports, and how a failure before the switch ends.

export function baseReport(
  plan: RollbackPlan,
  options: RollbackSpec & Pick<RollbackOptions, 'dryRun'>,
  started: number,
): RollbackReport {
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

export function finish(kube: Kube, report: RollbackReport, started: number): RollbackReport {
  report.durationMs = Date.now() - started;
  report.requests = kube.requestCounts();
  return report;
}

export function rollbackRecord(plan: RollbackPlan, options: RollbackSpec, started: number): RollbackRecord {
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

export async function recordFailure(
  kube: Kube,
  record: RollbackRecord,
  error: unknown,
  log: Logger,
): Promise<void> {
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
export async function failBeforeSwitch(
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
