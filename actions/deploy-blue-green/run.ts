import { errorMessage, formatDuration, group, log, type defineOutputs } from '@swiss-deploy/kit';
import type { AnalysisReport } from '@swiss-deploy/analysis';
import {
  LockSession,
  RolledBackError,
  addAnalysisReports,
  analysisCheck,
  deploySummary,
  failureSummary,
  lockHolderFromEnv,
  runBlueGreen,
  runDeployChain,
  runInfoFromEnv,
  workloadImages,
} from '@swiss-deploy/bluegreen';
import { recordDeployment } from '@swiss-deploy/github';
import { Kube } from '@swiss-deploy/kube';
import { imageRefs } from '@swiss-deploy/notify';
import { checkImages } from '@swiss-deploy/supplychain';
import { outcomeOfStatus, startTrace } from '@swiss-deploy/telemetry';
import type { outputs } from './contract';
import type { DeployPlan, Values } from './plan';

type Out = ReturnType<typeof defineOutputs<(typeof outputs)[number]>>;
type DeployReport = Awaited<ReturnType<typeof runBlueGreen>>;
type DeploymentRecord = Awaited<ReturnType<typeof recordDeployment>>;
type RunTrace = Awaited<ReturnType<typeof startTrace>>;

/** What one deploy step holds from the lock's kubeconfig to the trace's end. */
export interface DeployRun {
  session: LockSession;
  kube: Kube;
  run: ReturnType<typeof runInfoFromEnv>;
  deployment: DeploymentRecord;
  trace: RunTrace;
  analysisReports: AnalysisReport[];
}

/** Before the lock and the first apply: a refused image leaves the cluster exactly as it was. */
export async function verifyManifestImages(plan: DeployPlan, values: Values): Promise<void> {
  if (!plan.manifests || !plan.policy) return;
  const images = workloadImages(plan.manifests.map((m) => m.object)).map((i) => i.image);
  await checkImages(plan.policy, images, {
    cosignVersion: values['cosign-version'],
    cosignMirror: values['cosign-mirror'],
  });
}

/** The cluster client, the GitHub Deployment and the trace; the observer told the run started. */
export async function openDeployRun(plan: DeployPlan, values: Values): Promise<DeployRun> {
  const session = LockSession.open(values.kubeconfig, values.context);
  const kube = await Kube.connect({
    kubeconfigFile: session.kubeconfigFile,
    context: values.context,
    // No single API request may outlast the step: a silent server fails it in time.
    stepTimeoutMs: values.timeout,
  });
  const run = runInfoFromEnv();
  const deployment = await recordDeployment({
    token: values.action === 'abort' ? undefined : values['github-token'],
    environment: values.environment,
    environmentUrl: values['environment-url'],
    description: `${values.action} ${values.app} to ${values.namespace}`,
    payload: { app: values.app, namespace: values.namespace },
    logUrl: run.runUrl,
    warn: log.warning,
    info: log.info,
  });
  const trace = await startTrace({
    endpoint: values['otlp-endpoint'],
    step: 'deploy-blue-green',
    attributes: {
      'swiss_deploy.app': values.app,
      'swiss_deploy.namespace': values.namespace,
      'swiss_deploy.action': values.action,
    },
    warn: log.warning,
  });
  plan.observer.traceWith(trace);
  await plan.observer.started();
  return { session, kube, run, deployment, trace, analysisReports: [] };
}

/** The blue/green step the inputs ask for; with an analysis, the chain: preview → analysis → switch → bake. */
export async function runDeploy(ctx: DeployRun, plan: DeployPlan, values: Values): Promise<DeployReport> {
  const options = {
    app: values.app,
    namespace: values.namespace,
    timeoutMs: values.timeout,
    unschedulableGraceMs: values['unschedulable-grace'],
    promotion: values.promotion,
    traffic: plan.traffic,
    strategy: values.strategy,
    steps: values.steps,
    stepPauseMs: values['step-pause'],
    previousReplicas: plan.previousReplicas,
    historyLimit: values['history-limit'],
    lockWaitMs: values['lock-timeout'],
    holder: lockHolderFromEnv(),
    run: ctx.run,
    log,
    phase: ctx.trace.phase(group),
    onLocked: ctx.session.onLocked,
  };
  const { analysis, manifests } = plan;
  if (analysis && manifests) {
    const check = analysisCheck(ctx.kube, analysis, {
      app: values.app,
      namespace: values.namespace,
      log,
      phase: group,
      onReport: (r) => ctx.analysisReports.push(r),
    });
    return (await runDeployChain(ctx.kube, { ...options, manifests, check })).deploy;
  }
  return runBlueGreen(ctx.kube, {
    ...options,
    manifests,
    action: values.action,
    promotion: values.promotion,
  });
}

/** Outputs, summary, the GitHub Deployment's state and the observer, for a step that did what it was asked. */
export async function reportDeployed(
  ctx: DeployRun,
  report: DeployReport,
  values: Values,
  plan: DeployPlan,
  out: Out,
) {
  out.set('color', report.color);
  out.set('previous-color', report.previousColor ?? '');
  out.set('revision', report.revision);
  out.set('preview-service', report.previewServices[0] ?? '');
  out.set('stable-service', report.stableServices[0] ?? '');
  out.set('status', report.status);
  if (report.step !== undefined) out.set('step', report.step);
  if (report.weight !== undefined) out.set('weight', report.weight);
  out.set('duration', formatDuration(report.durationMs));
  const summary = deploySummary(report, { environmentUrl: values['environment-url'] });
  (await addAnalysisReports(summary, ctx.analysisReports)).write();
  const description = `${report.app} revision ${report.revision}: ${report.color} ${report.status}`;
  if (report.status === 'preview' || report.status === 'paused') await ctx.deployment.progress(description);
  else await ctx.deployment.finish('success', description);
  await plan.observer.finished(ctx.kube, {
    outcome: outcomeOfStatus(report.status),
    revision: report.revision,
    color: report.color,
    images: imageRefs(report.images),
    deployments: report.replicas.map((r) => r.workload),
    durationMs: report.durationMs,
    message: description,
  });
}

/** The same for a failed step; a bake breach that switched traffic back says where it is now. */
export async function reportFailed(
  ctx: DeployRun,
  error: unknown,
  values: Values,
  plan: DeployPlan,
  out: Out,
  started: number,
): Promise<void> {
  if (error instanceof RolledBackError) {
    const { rollback } = error.steps;
    out.set('color', rollback?.color ?? '');
    out.set('revision', rollback?.revision ?? '');
    out.set('status', 'rolled-back');
  } else out.set('status', 'failed');
  out.set('duration', formatDuration(Date.now() - started));
  const summary = failureSummary(`Blue/green deploy of ${values.app} failed`, {
    app: values.app,
    namespace: values.namespace,
    error: error as Error,
  });
  (await addAnalysisReports(summary, ctx.analysisReports)).write();
  await ctx.deployment.finish('failure', errorMessage(error).split('\n')[0] ?? '');
  await plan.observer.finished(ctx.kube, {
    // a bake breach switched traffic back: the deploy metrics count a restore, not a plain failure
    outcome: error instanceof RolledBackError ? 'rolled-back' : 'failed',
    error,
    durationMs: Date.now() - started,
    message: errorMessage(error).split('\n')[0],
  });
}
