import {
  defineOutputs,
  errorMessage,
  formatDuration,
  group,
  log,
  parseInputs,
  runAction,
} from '@swiss-deploy/kit';
import {
  LockSession,
  lockHolderFromEnv,
  parseRollbackTarget,
  rollbackSummary,
  runInfoFromEnv,
  runRollback,
} from '@swiss-deploy/bluegreen';
import { GitHubClient, GitHubDeployment } from '@swiss-deploy/github';
import { Kube } from '@swiss-deploy/kube';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    const to = parseRollbackTarget(values.to)!;
    const dryRun = values['dry-run'];

    const session = LockSession.open(values.kubeconfig, values.context);

    const run = runInfoFromEnv();
    let deployment: GitHubDeployment | undefined;
    try {
      const kube = await Kube.connect({ kubeconfigFile: session.kubeconfigFile, context: values.context });
      // A dry run writes nothing, on GitHub either.
      if (values.environment && values['github-token'] && !dryRun) {
        deployment = await group(`GitHub Deployment to ${values.environment}`, async () => {
          const client = new GitHubClient({
            token: values['github-token'],
            repository: process.env.GITHUB_REPOSITORY ?? '',
            apiUrl: process.env.GITHUB_API_URL,
          });
          const created = await GitHubDeployment.create(client, {
            ref: process.env.GITHUB_SHA ?? process.env.GITHUB_REF ?? 'HEAD',
            environment: values.environment!,
            description: `rollback ${values.app} to ${values.to}: ${values.reason}`,
            payload: { app: values.app, namespace: values.namespace, rollback: values.to },
          });
          await created.setStatus({
            state: 'in_progress',
            logUrl: run.runUrl,
            environmentUrl: values['environment-url'],
          });
          log.info(`GitHub Deployment ${created.id} is in progress.`);
          return created;
        });
      }

      const report = await runRollback(kube, {
        app: values.app,
        namespace: values.namespace,
        to,
        reason: values.reason,
        dryRun,
        timeoutMs: values.timeout,
        lockWaitMs: values['lock-timeout'],
        historyLimit: values['history-limit'],
        holder: lockHolderFromEnv(),
        run,
        log,
        phase: group,
        onLocked: session.onLocked,
      });
      out.set('color', report.color);
      out.set('previous-color', report.previousColor);
      out.set('revision', report.revision);
      out.set('target-revision', report.to.revision);
      out.set('mode', report.mode);
      out.set('duration', formatDuration(report.durationMs));
      await rollbackSummary(report).write();
      if (deployment) {
        await deployment.setStatus({
          state: 'success',
          description: `${report.app} back to revision ${report.to.revision} (${report.mode}), recorded as ${report.revision}`,
          environmentUrl: values['environment-url'],
          logUrl: run.runUrl,
        });
        await deployment.deactivatePrevious();
      }
    } catch (error) {
      out.set('duration', formatDuration(Date.now() - started));
      if (deployment) {
        await deployment
          .setStatus({
            state: 'failure',
            description: errorMessage(error).split('\n')[0],
            logUrl: run.runUrl,
          })
          .catch((statusError: unknown) =>
            log.warning(`Could not mark the GitHub Deployment failed: ${errorMessage(statusError)}`),
          );
      }
      throw error;
    } finally {
      session.finish();
    }
  },

  // Runs after main, also when the job failed or was cancelled: releases a lock main did not release.
  post: () => LockSession.releaseAfterInterruption('rollback', (line) => log.info(line)),
});
