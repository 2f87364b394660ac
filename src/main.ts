// swiss/deploy@v1: render → deploy blue/green → smoke-test the preview → promote → smoke-test live, or roll back.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  JobSummary,
  code,
  defineOutputs,
  errorMessage,
  formatDuration,
  group,
  parseInputs,
  runAction,
  safe,
  UserError,
  trafficChoice,
} from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';
import type { SmokeReport } from '@swiss-deploy/smoke';
import type { AnalysisReport } from '@swiss-deploy/analysis';
import { deployChain, log, planChart, render, smokePlan, type ChainSteps } from './pipeline';

const out = defineOutputs(outputs);

/** charts/swiss-app, found from the bundle (dist/deploy/index.js) two folders up. */
function builtinChart(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'swiss-app');
}

function writeOutputs(steps: ChainSteps, started: number): void {
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

async function writeSummary(
  steps: ChainSteps,
  imageRef: string,
  digest: string,
  analyses: readonly AnalysisReport[],
): Promise<void> {
  const { canaryTable } = await import('@swiss-deploy/bluegreen');
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

/** Any analysis input set: only then is the analysis package loaded (startup stays lean without it). */
function analysisAsked(values: Record<string, unknown>): boolean {
  return (
    [
      'analysis',
      'prometheus-url',
      'prometheus-token',
      'prometheus-username',
      'prometheus-password',
      'prometheus-ca',
    ].some((name) => Boolean(values[name])) || Number(values.bake) > 0
  );
}

/** What a notification tells of a chain that ran: the serving revision and color, how long it took. */
function chainFacts(steps: ChainSteps, started: number, failure?: string) {
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

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    const traffic = trafficChoice(values);
    const { checkImages, parseVerifyPolicy } = await import('@swiss-deploy/supplychain');
    const policy = parseVerifyPolicy(values);
    const previousReplicas: number | 'all' =
      values['previous-replicas'] === 'all' ? 'all' : Number(values['previous-replicas']);
    // Everything that can be wrong with the inputs fails here, before any request: the chart inputs,
    // the smoke checks (planned against a placeholder Service) and the kubeconfig.
    const chart = await planChart(values, builtinChart());
    await smokePlan(values, { service: `${values.namespace}/${values.app}:80` }, undefined);
    if (values['smoke-url']) await smokePlan(values, { url: values['smoke-url'] }, undefined);
    else if (values['smoke-host-header'])
      throw new UserError(
        `Input "smoke-host-header" is "${safe(values['smoke-host-header'])}": it applies to smoke-url, which is empty.`,
        { hint: 'Set smoke-url to the live route the Host header is for, or leave smoke-host-header empty.' },
      );
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const analysisPlan = analysisAsked(values)
      ? (await import('@swiss-deploy/analysis')).planAnalysis(values, {
          workspace,
          runnerTemp: process.env.RUNNER_TEMP || undefined,
        })
      : undefined;
    const analyses: AnalysisReport[] = [];

    const { observeRun, startTrace } = await import('@swiss-deploy/telemetry');
    const observer = observeRun(
      values,
      {
        action: 'chain',
        app: values.app,
        namespace: values.namespace,
        environment: values.environment,
        images: [values['image-ref']],
      },
      log,
    );

    const {
      CanaryAbortedError,
      LockSession,
      RolledBackError,
      addAnalysisReports,
      canaryTable,
      failureSummary,
      loadManifests,
      lockHolderFromEnv,
      runInfoFromEnv,
      workloadImages,
    } = await import('@swiss-deploy/bluegreen');
    const session = LockSession.open(values.kubeconfig, values.context);
    const kubeconfigFile = session.kubeconfigFile;
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
    observer.traceWith(trace);
    // For a later job: the deploy job passes it on as an output, the next job sets TRACEPARENT from it.
    if (trace.traceId) out.set('traceparent', process.env.TRACEPARENT ?? '');
    let failure: string | undefined;
    try {
      const { Kube } = await import('@swiss-deploy/kube');
      const kube = await Kube.connect({
        kubeconfigFile,
        context: values.context,
        stepTimeoutMs: values.timeout,
      });
      const manifests = await render(chart, trace.phase(group));
      out.set('manifests', manifests.file);
      out.set('manifest-digest', manifests.digest);
      // Every image the rendered workloads run, image-ref and any other, before the lock and the first apply.
      if (policy) {
        const objects = loadManifests([manifests.file], process.env.GITHUB_WORKSPACE ?? process.cwd());
        const images = workloadImages(objects.map((m) => m.object)).map((i) => i.image);
        await checkImages(policy, [values['image-ref'], ...images], {
          cosignVersion: values['cosign-version'],
          cosignMirror: values['cosign-mirror'],
        });
      }

      const common = {
        previousReplicas,
        traffic,
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
      const { recordDeployment } = await import('@swiss-deploy/github');
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
      await observer.started();
      let steps: ChainSteps;
      try {
        steps = await deployChain(
          kube,
          values,
          manifests.file,
          kubeconfigFile,
          common,
          analysisPlan ? { plan: analysisPlan, reports: analyses } : undefined,
        );
      } catch (error) {
        await record.finish('failure', `${values.app}: ${errorMessage(error).split('\n')[0]}`);
        if (error instanceof RolledBackError) {
          const rolledBack = error as InstanceType<typeof RolledBackError<SmokeReport>>;
          writeOutputs(rolledBack.steps, started);
          await writeSummary(rolledBack.steps, values['image-ref'], manifests.digest, analyses);
          await observer.finished(kube, chainFacts(rolledBack.steps, started, errorMessage(error)));
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
          await observer.finished(kube, {
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
          await observer.finished(kube, {
            outcome: 'failed',
            error,
            durationMs: Date.now() - started,
            message: errorMessage(error).split('\n')[0],
          });
        }
        failure = errorMessage(error);
        throw error;
      }
      writeOutputs(steps, started);
      await writeSummary(steps, values['image-ref'], manifests.digest, analyses);
      await record.finish(
        'success',
        `${values.app} revision ${steps.deploy.revision} on ${steps.deploy.color}`,
      );
      await observer.finished(kube, chainFacts(steps, started));
    } catch (error) {
      failure ??= errorMessage(error);
      throw error;
    } finally {
      session.finish();
      await trace.end(failure === undefined ? 'ok' : 'error', failure);
    }
  },

  // Also after a failure or cancellation: release a deploy lock the main step could not release.
  post: async () => {
    const { LockSession } = await import('@swiss-deploy/bluegreen');
    await LockSession.releaseAfterInterruption('run', (line) => log.info(line));
  },
});
