import { JobSummary, code, errorMessage, formatDuration, type defineOutputs } from '@swiss-deploy/kit';
import type { AnalysisReport } from '@swiss-deploy/analysis';
import {
  CanaryAbortedError,
  RolledBackError,
  addAnalysisReports,
  canaryTable,
  failureSummary,
} from '@swiss-deploy/bluegreen';
import type { Kube } from '@swiss-deploy/kube';
import type { SmokeReport } from '@swiss-deploy/smoke';
import type { outputs } from './contract';
import type { ChainSteps, Inputs } from './pipeline';
import type { ChainPlan } from './plan';

export type Out = ReturnType<typeof defineOutputs<(typeof outputs)[number]>>;

export function writeOutputs(out: Out, steps: ChainSteps, started: number): void {
  const { deploy } = steps;
  out.set('color', steps.rollback?.color ?? deploy.color);
  out.set('previous-color', deploy.previousColor ?? '');
  out.set('revision', steps.rollback?.revision ?? deploy.revision);
  out.set('preview-service', deploy.previewServices[0] ?? '');
  out.set('stable-service', deploy.stableServices[0] ?? '');
  // A chain that got through its live check succeeded, whatever its last deploy step was called.
  out.set(
    'status',
    steps.rollback ? 'rolled-back' : deploy.status === 'promoted' ? 'succeeded' : deploy.status,
  );
  out.set('duration', formatDuration(Date.now() - started));
  out.set('rolled-back', Boolean(steps.rollback));
  if (deploy.step !== undefined) out.set('step', deploy.step);
  if (deploy.weight !== undefined) out.set('weight', steps.rollback ? 0 : deploy.weight);
}

export async function writeSummary(
  steps: ChainSteps,
  imageRef: string,
  digest: string,
  analyses: readonly AnalysisReport[],
): Promise<void> {
  const { deploy, preview, live, rollback } = steps;
  const smokeCell = (report: typeof preview) =>
    report
      ? `${report.passed ? 'passed' : 'failed'} (${report.results.length} checks, p95 ${report.p95 ?? '–'} ms)`
      : '–';
  const summary = new JobSummary().heading(`swiss/deploy: ${deploy.app} in ${deploy.namespace}`).facts({
    image: code(imageRef),
    'manifest digest': code(digest),
    revision: deploy.revision,
    'serving color': rollback?.color ?? deploy.color,
    'deploy status': deploy.status,
    'preview smoke test': smokeCell(preview),
    'live smoke test': smokeCell(live),
    'rolled back': rollback
      ? `yes, to revision ${rollback.to.revision} (${rollback.mode}), recorded as ${rollback.revision}`
      : 'no',
    'gate time': deploy.gateMs === undefined ? undefined : formatDuration(deploy.gateMs),
    strategy: deploy.strategy,
  });
  if (deploy.canary?.length) canaryTable(summary, deploy.canary);
  if (analyses.length > 0) {
    const { addAnalysisSummary } = await import('@swiss-deploy/analysis');
    for (const report of analyses) addAnalysisSummary(summary, report);
  }
  await summary.write();
}

/** What a notification tells of a chain that ran: the serving revision and color, how long it took. */
export function chainFacts(steps: ChainSteps, started: number, failure?: string) {
  const serving = steps.rollback ?? steps.deploy;
  return {
    outcome: steps.rollback ? ('rolled-back' as const) : ('succeeded' as const),
    deployments: steps.deploy.replicas.map((r) => r.workload),
    revision: steps.deploy.revision,
    color: serving.color,
    durationMs: Date.now() - started,
    message:
      failure?.split('\n')[0] ??
      `${steps.deploy.app} revision ${steps.deploy.revision} serves on ${serving.color}`,
  };
}

/**
 * A chain that failed, in its three kinds: switched back after the live check or the bake (the chain's
 * outputs and summary), a canary aborted (its steps), or failed before traffic moved.
 */
export async function reportChainFailure(
  error: unknown,
  context: {
    values: Inputs;
    plan: ChainPlan;
    kube: Kube;
    manifestDigest: string;
    analyses: readonly AnalysisReport[];
    out: Out;
    started: number;
  },
): Promise<void> {
  const { values, plan, kube, out, started, analyses } = context;
  if (error instanceof RolledBackError) {
    const rolledBack = error as InstanceType<typeof RolledBackError<SmokeReport>>;
    writeOutputs(out, rolledBack.steps, started);
    await writeSummary(rolledBack.steps, values['image-ref'], context.manifestDigest, analyses);
    await plan.observer.finished(kube, chainFacts(rolledBack.steps, started, errorMessage(error)));
  } else if (error instanceof CanaryAbortedError) {
    out.set('status', 'aborted');
    out.set('rolled-back', false);
    if (error.report.step !== undefined) out.set('step', error.report.step);
    out.set('weight', 0);
    out.set('color', error.report.color);
    await canaryTable(
      failureSummary(`swiss/deploy: the canary of ${values.app} was aborted`, {
        app: values.app,
        namespace: values.namespace,
        error: error as Error,
      }),
      error.report.canary ?? [],
    ).write();
    await plan.observer.finished(kube, {
      outcome: 'aborted',
      error,
      color: error.report.color,
      durationMs: Date.now() - started,
      message: errorMessage(error).split('\n')[0],
    });
  } else {
    out.set('status', 'failed');
    out.set('rolled-back', false);
    (
      await addAnalysisReports(
        failureSummary(`swiss/deploy: ${values.app} in ${values.namespace} failed`, {
          app: values.app,
          namespace: values.namespace,
          error: error as Error,
        }),
        analyses,
      )
    ).write();
    await plan.observer.finished(kube, {
      outcome: 'failed',
      error,
      durationMs: Date.now() - started,
      message: errorMessage(error).split('\n')[0],
    });
  }
}
