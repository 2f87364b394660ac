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
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

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
    // Loaded once the inputs are good: a bad input fails without loading the strategy and the client.
    const {
      LockSession,
      deploySummary,
      failureSummary,
      loadManifests,
      lockHolderFromEnv,
      runBlueGreen,
      runInfoFromEnv,
      validateManifests,
      validateTraffic,
    } = await import('@swiss-deploy/bluegreen');
    const { recordDeployment } = await import('@swiss-deploy/github');
    const { Kube } = await import('@swiss-deploy/kube');
    const previousReplicas =
      values['previous-replicas'] === 'all' ? 'all' : Number(values['previous-replicas']);
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    // Manifests come from the repository or from render-helm, which writes into the workspace or RUNNER_TEMP.
    const confine = { workspace, runnerTemp: process.env.RUNNER_TEMP || undefined };
    const manifests =
      values.action === 'deploy' ? loadManifests(values.manifests, workspace, { confine }) : undefined;
    if (manifests) {
      validateManifests(manifests, { app: values.app, namespace: values.namespace });
      validateTraffic(manifests, { app: values.app, namespace: values.namespace, traffic });
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

    try {
      const report = await runBlueGreen(kube, {
        app: values.app,
        namespace: values.namespace,
        manifests,
        action: values.action,
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
        phase: group,
        onLocked: session.onLocked,
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
      await deploySummary(report, { environmentUrl: values['environment-url'] }).write();
      const description = `${report.app} revision ${report.revision}: ${report.color} ${report.status}`;
      if (report.status === 'preview' || report.status === 'paused') await deployment.progress(description);
      else await deployment.finish('success', description);
    } catch (error) {
      out.set('status', 'failed');
      out.set('duration', formatDuration(Date.now() - started));
      await failureSummary(`Blue/green deploy of ${values.app} failed`, {
        app: values.app,
        namespace: values.namespace,
        error: error as Error,
      }).write();
      await deployment.finish('failure', errorMessage(error).split('\n')[0] ?? '');
      throw error;
    } finally {
      session.finish();
    }
  },

  // Runs after main, also when the job failed or was cancelled: releases a lock main did not release.
  post: async () =>
    (await import('@swiss-deploy/bluegreen')).LockSession.releaseAfterInterruption('deploy', (line) =>
      log.info(line),
    ),
});
