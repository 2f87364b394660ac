import { errorMessage, group, log } from '@swiss-deploy/kit';
import type { AnalysisReport } from '@swiss-deploy/analysis';
import {
  LockSession,
  loadManifests,
  lockHolderFromEnv,
  runInfoFromEnv,
  workloadImages,
} from '@swiss-deploy/bluegreen';
import { recordDeployment } from '@swiss-deploy/github';
import { Kube } from '@swiss-deploy/kube';
import { checkImages } from '@swiss-deploy/supplychain';
import { startTrace } from '@swiss-deploy/telemetry';
import { deployChain, render, type ChainSteps, type Inputs } from './pipeline';
import type { ChainPlan } from './plan';
import { chainFacts, reportChainFailure, writeOutputs, writeSummary, type Out } from './report';

type RunTrace = Awaited<ReturnType<typeof startTrace>>;

/** What the step holds until it ends: the lock's kubeconfig and the chain's one trace. */
export interface ChainRun {
  session: LockSession;
  trace: RunTrace;
}

export async function openChainRun(plan: ChainPlan, values: Inputs, out: Out): Promise<ChainRun> {
  const session = LockSession.open(values.kubeconfig, values.context);
  // One trace for the chain: a span for the step, one per phase (render, deploy, smoke tests, switch).
  const trace = await startTrace({
    endpoint: values['otlp-endpoint'],
    step: 'swiss/deploy',
    attributes: {
      'swiss_deploy.app': values.app,
      'swiss_deploy.namespace': values.namespace,
      'swiss_deploy.action': 'chain',
    },
    warn: log.warning,
  });
  plan.observer.traceWith(trace);
  // For a later job: the deploy job passes it on as an output, the next job sets TRACEPARENT from it.
  if (trace.traceId) out.set('traceparent', process.env.TRACEPARENT ?? '');
  return { session, trace };
}

/**
 * Connects, renders the chart, verifies every image, opens the GitHub Deployment and runs the chain under
 * one lock; reports it (outputs, summary, Deployment, observer) whether it succeeds, switches back or fails.
 */
export async function runChain(
  ctx: ChainRun,
  plan: ChainPlan,
  values: Inputs,
  out: Out,
  started: number,
): Promise<void> {
  const { session, trace } = ctx;
  const kube = await Kube.connect({
    kubeconfigFile: session.kubeconfigFile,
    context: values.context,
    stepTimeoutMs: values.timeout,
  });
  const manifests = await render(plan.chart, trace.phase(group));
  out.set('manifests', manifests.file);
  out.set('manifest-digest', manifests.digest);
  // Every image the rendered workloads run, image-ref and any other, before the lock and the first apply.
  if (plan.policy) {
    const objects = loadManifests([manifests.file], process.env.GITHUB_WORKSPACE ?? process.cwd());
    const images = workloadImages(objects.map((m) => m.object)).map((i) => i.image);
    await checkImages(plan.policy, [values['image-ref'], ...images], {
      cosignVersion: values['cosign-version'],
      cosignMirror: values['cosign-mirror'],
    });
  }

  const common = {
    previousReplicas: plan.previousReplicas,
    traffic: plan.traffic,
    strategy: values.strategy,
    steps: values.steps,
    stepPauseMs: values['step-pause'],
    historyLimit: values['history-limit'],
    lockWaitMs: values['lock-timeout'],
    unschedulableGraceMs: values['unschedulable-grace'],
    holder: lockHolderFromEnv(),
    run: runInfoFromEnv(),
    log,
    phase: trace.phase(group),
    onLocked: session.onLocked,
  };
  const record = await recordDeployment({
    token: values['github-token'],
    environment: values.environment,
    environmentUrl: values['environment-url'],
    description: `deploy ${values.app} to ${values.namespace}`,
    payload: { app: values.app, namespace: values.namespace, image: values['image-ref'] },
    logUrl: common.run.runUrl,
    warn: log.warning,
    info: log.info,
  });
  await plan.observer.started();
  const analyses: AnalysisReport[] = [];
  const analysis = plan.analysis ? { plan: plan.analysis, reports: analyses } : undefined;
  let steps: ChainSteps;
  try {
    steps = await deployChain(kube, values, manifests.file, session.kubeconfigFile, common, analysis);
  } catch (error) {
    await record.finish('failure', `${values.app}: ${errorMessage(error).split('\n')[0]}`);
    const manifestDigest = manifests.digest;
    await reportChainFailure(error, { values, plan, kube, manifestDigest, analyses, out, started });
    throw error;
  }
  writeOutputs(out, steps, started);
  await writeSummary(steps, values['image-ref'], manifests.digest, analyses);
  await record.finish('success', `${values.app} revision ${steps.deploy.revision} on ${steps.deploy.color}`);
  await plan.observer.finished(kube, chainFacts(steps, started));
}
