import {
  defineOutputs,
  errorMessage,
  formatDuration,
  group,
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
    // Loaded once the inputs are good: a bad input fails without loading the strategy and the client.
    const {
      LockSession,
      failureSummary,
      lockHolderFromEnv,
      parseRollbackTarget,
      rollbackSummary,
      runInfoFromEnv,
      runRollback,
    } = await import('@swiss-deploy/bluegreen');
    const { checkImages, parseVerifyPolicy } = await import('@swiss-deploy/supplychain');
    const policy = parseVerifyPolicy(values);
    const { recordDeployment } = await import('@swiss-deploy/github');
    const { Kube } = await import('@swiss-deploy/kube');
    const { observeRun, startTrace } = await import('@swiss-deploy/telemetry');
    const to = parseRollbackTarget(values.to)!;
    const dryRun = values['dry-run'];
    const observer = observeRun(
      values,
      { action: 'rollback', app: values.app, namespace: values.namespace, environment: values.environment },
      log,
      // A dry run changes nothing, so it tells no one.
      { enabled: !dryRun },
    );

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
    observer.traceWith(trace);
    let failure: string | undefined;
    try {
      const kube = await Kube.connect({
        kubeconfigFile: session.kubeconfigFile,
        context: values.context,
        // No single API request may outlast the step: a silent server fails it in time.
        stepTimeoutMs: values.timeout,
      });
      // A dry run writes nothing, on GitHub either.
      const deployment = await recordDeployment({
        token: dryRun ? undefined : values['github-token'],
        environment: values.environment,
        environmentUrl: values['environment-url'],
        description: `rollback ${values.app} to ${values.to}: ${values.reason}`,
        payload: { app: values.app, namespace: values.namespace, rollback: values.to },
        logUrl: run.runUrl,
        warn: log.warning,
        info: log.info,
      });
      await observer.started(`to ${values.to}: ${values.reason}`);
      try {
        const report = await runRollback(kube, {
          app: values.app,
          namespace: values.namespace,
          to,
          reason: values.reason,
          dryRun,
          traffic,
          timeoutMs: values.timeout,
          unschedulableGraceMs: values['unschedulable-grace'],
          lockWaitMs: values['lock-timeout'],
          historyLimit: values['history-limit'],
          holder: lockHolderFromEnv(),
          run,
          log,
          phase: trace.phase(group),
          onLocked: session.onLocked,
          // A redeploy brings back images that may have been re-signed, revoked or re-pushed since.
          verifyImages: policy
            ? async (images) => {
                await checkImages(policy, images, {
                  cosignVersion: values['cosign-version'],
                  cosignMirror: values['cosign-mirror'],
                });
              }
            : undefined,
        });
        out.set('color', report.color);
        out.set('previous-color', report.previousColor);
        out.set('revision', report.revision);
        out.set('target-revision', report.to.revision);
        out.set('mode', report.mode);
        out.set('duration', formatDuration(report.durationMs));
        await rollbackSummary(report).write();
        await deployment.finish(
          'success',
          `${report.app} back to revision ${report.to.revision} (${report.mode}), recorded as ${report.revision}`,
        );
        await observer.finished(kube, {
          outcome: 'rolled-back',
          revision: report.revision,
          color: report.color,
          durationMs: report.durationMs,
          message: `back to revision ${report.to.revision} (${report.mode}): ${values.reason}`,
        });
      } catch (error) {
        await deployment.finish('failure', errorMessage(error).split('\n')[0] ?? '');
        await observer.finished(kube, {
          outcome: 'failed',
          error,
          durationMs: Date.now() - started,
          message: errorMessage(error).split('\n')[0],
        });
        throw error;
      }
    } catch (error) {
      out.set('duration', formatDuration(Date.now() - started));
      await failureSummary(`Rollback of ${values.app} failed`, {
        app: values.app,
        namespace: values.namespace,
        error: error as Error,
      }).write();
      failure = errorMessage(error);
      throw error;
    } finally {
      session.finish();
      await trace.end(failure === undefined ? 'ok' : 'error', failure);
    }
  },

  // Runs after main, also when the job failed or was cancelled: releases a lock main did not release.
  post: async () =>
    (await import('@swiss-deploy/bluegreen')).LockSession.releaseAfterInterruption('rollback', (line) =>
      log.info(line),
    ),
});
