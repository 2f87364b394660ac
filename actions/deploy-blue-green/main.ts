import {
  defineOutputs,
  errorMessage,
  formatDuration,
  group,
  inputConflict,
  log,
  parseInputs,
  runAction,
  trafficChoice,
} from '@swiss-deploy/kit';
import type { AnalysisReport } from '@swiss-deploy/analysis';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

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

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    const traffic = trafficChoice(values);
    if (values.action === 'deploy' && values.manifests.length === 0) {
      throw inputConflict(
        'Input "manifests" is required when action is deploy: expected manifest files or folders, one per line.',
      );
    }
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    // Manifests come from the repository or from render-helm, which writes into the workspace or RUNNER_TEMP.
    const confine = { workspace, runnerTemp: process.env.RUNNER_TEMP || undefined };
    // The analysis spec and the Prometheus inputs are checked here too, before any request.
    const analysis = analysisAsked(values)
      ? (await import('@swiss-deploy/analysis')).planAnalysis(values, confine)
      : undefined;
    if (analysis && (values.action !== 'deploy' || values.promotion !== 'auto')) {
      throw inputConflict(
        `Input "analysis" runs with action deploy and promotion auto (here: action ${values.action}, promotion ${values.promotion}): it judges the new color before the switch and bakes it after, in one step.`,
        'Use promotion auto with the analysis, or run the analysis in the step that promotes; nothing was changed.',
      );
    }
    // Loaded once the inputs are good: a bad input fails without loading the strategy and the client.
    const {
      LockSession,
      RolledBackError,
      addAnalysisReports,
      analysisCheck,
      runDeployChain,
      deploySummary,
      failureSummary,
      loadManifests,
      lockHolderFromEnv,
      runBlueGreen,
      runInfoFromEnv,
      validateManifests,
      validateTraffic,
      workloadImages,
    } = await import('@swiss-deploy/bluegreen');
    const { checkImages, parseVerifyPolicy } = await import('@swiss-deploy/supplychain');
    const policy = parseVerifyPolicy(values);
    const { recordDeployment } = await import('@swiss-deploy/github');
    const { Kube } = await import('@swiss-deploy/kube');
    const { imageRefs } = await import('@swiss-deploy/notify');
    const { observeRun, outcomeOfStatus, startTrace } = await import('@swiss-deploy/telemetry');
    const observer = observeRun(
      values,
      {
        action: values.action,
        app: values.app,
        namespace: values.namespace,
        environment: values.environment,
      },
      log,
    );
    const previousReplicas: number | 'all' =
      values['previous-replicas'] === 'all' ? 'all' : Number(values['previous-replicas']);
    const manifests =
      values.action === 'deploy' ? loadManifests(values.manifests, workspace, { confine }) : undefined;
    if (manifests) {
      validateManifests(manifests, { app: values.app, namespace: values.namespace });
      validateTraffic(manifests, { app: values.app, namespace: values.namespace, traffic });
    }
    // Before the lock and the first apply: a refused image leaves the cluster exactly as it was.
    if (manifests && policy) {
      const images = workloadImages(manifests.map((m) => m.object)).map((i) => i.image);
      await checkImages(policy, images, {
        cosignVersion: values['cosign-version'],
        cosignMirror: values['cosign-mirror'],
      });
    }

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

    const analysisReports: AnalysisReport[] = [];
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
    observer.traceWith(trace);
    await observer.started();
    let failure: string | undefined;
    try {
      const options = {
        app: values.app,
        namespace: values.namespace,
        timeoutMs: values.timeout,
        unschedulableGraceMs: values['unschedulable-grace'],
        promotion: values.promotion,
        traffic,
        strategy: values.strategy,
        steps: values.steps,
        stepPauseMs: values['step-pause'],
        previousReplicas,
        historyLimit: values['history-limit'],
        lockWaitMs: values['lock-timeout'],
        holder: lockHolderFromEnv(),
        run,
        log,
        phase: trace.phase(group),
        onLocked: session.onLocked,
      };
      // With an analysis, the deploy is the chain: preview → analysis → switch → bake → switch back on a breach.
      const report =
        analysis && manifests
          ? (
              await runDeployChain(kube, {
                ...options,
                manifests,
                check: analysisCheck(kube, analysis, {
                  app: values.app,
                  namespace: values.namespace,
                  log,
                  phase: group,
                  onReport: (r) => analysisReports.push(r),
                }),
              })
            ).deploy
          : await runBlueGreen(kube, {
              ...options,
              manifests,
              action: values.action,
              promotion: values.promotion,
            });
      out.set('color', report.color);
      out.set('previous-color', report.previousColor ?? '');
      out.set('revision', report.revision);
      out.set('preview-service', report.previewServices[0] ?? '');
      out.set('stable-service', report.stableServices[0] ?? '');
      out.set('status', report.status);
      if (report.step !== undefined) out.set('step', report.step);
      if (report.weight !== undefined) out.set('weight', report.weight);
      out.set('duration', formatDuration(report.durationMs));
      (
        await addAnalysisReports(
          deploySummary(report, { environmentUrl: values['environment-url'] }),
          analysisReports,
        )
      ).write();
      const description = `${report.app} revision ${report.revision}: ${report.color} ${report.status}`;
      if (report.status === 'preview' || report.status === 'paused') await deployment.progress(description);
      else await deployment.finish('success', description);
      await observer.finished(kube, {
        outcome: outcomeOfStatus(report.status),
        revision: report.revision,
        color: report.color,
        images: imageRefs(report.images),
        deployments: report.replicas.map((r) => r.workload),
        durationMs: report.durationMs,
        message: description,
      });
    } catch (error) {
      if (error instanceof RolledBackError) {
        // the bake analysis breached after the switch and traffic went back: say where it is now
        const { rollback } = error.steps;
        out.set('color', rollback?.color ?? '');
        out.set('revision', rollback?.revision ?? '');
        out.set('status', 'rolled-back');
      } else out.set('status', 'failed');
      out.set('duration', formatDuration(Date.now() - started));
      (
        await addAnalysisReports(
          failureSummary(`Blue/green deploy of ${values.app} failed`, {
            app: values.app,
            namespace: values.namespace,
            error: error as Error,
          }),
          analysisReports,
        )
      ).write();
      await deployment.finish('failure', errorMessage(error).split('\n')[0] ?? '');
      await observer.finished(kube, {
        // a bake breach switched traffic back: the deploy metrics count a restore, not a plain failure
        outcome: error instanceof RolledBackError ? 'rolled-back' : 'failed',
        error,
        durationMs: Date.now() - started,
        message: errorMessage(error).split('\n')[0],
      });
      failure = errorMessage(error);
      throw error;
    } finally {
      session.finish();
      await trace.end(failure === undefined ? 'ok' : 'error', failure);
    }
  },

  // Runs after main, also when the job failed or was cancelled: releases a lock main did not release.
  post: async () =>
    (await import('@swiss-deploy/bluegreen')).LockSession.releaseAfterInterruption('deploy', (line) =>
      log.info(line),
    ),
});
