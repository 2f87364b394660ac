import {
  defineOutputs,
  errorMessage,
  formatDuration,
  group,
  inputConflict,
  log,
  parseInputs,
  runAction,
} from '@swiss-deploy/kit';
import {
  LockSession,
  deploySummary,
  loadManifests,
  lockHolderFromEnv,
  runBlueGreen,
  runInfoFromEnv,
  validateManifests,
} from '@swiss-deploy/bluegreen';
import { GitHubClient, GitHubDeployment } from '@swiss-deploy/github';
import { Kube } from '@swiss-deploy/kube';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    if (values.action === 'deploy' && values.manifests.length === 0) {
      throw inputConflict(
        'Input "manifests" is required when action is deploy: expected manifest files or folders, one per line.',
      );
    }
    const previousReplicas =
      values['previous-replicas'] === 'all' ? 'all' : Number(values['previous-replicas']);
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const manifests = values.action === 'deploy' ? loadManifests(values.manifests, workspace) : undefined;
    if (manifests) validateManifests(manifests, { app: values.app, namespace: values.namespace });

    const session = LockSession.open(values.kubeconfig, values.context);
    const kube = await Kube.connect({ kubeconfigFile: session.kubeconfigFile, context: values.context });

    const run = runInfoFromEnv();
    let deployment: GitHubDeployment | undefined;
    if (values.environment && values['github-token'] && values.action !== 'abort') {
      deployment = await group(`GitHub Deployment to ${values.environment}`, async () => {
        const client = new GitHubClient({
          token: values['github-token'],
          repository: process.env.GITHUB_REPOSITORY ?? '',
          apiUrl: process.env.GITHUB_API_URL,
        });
        const created = await GitHubDeployment.create(client, {
          ref: process.env.GITHUB_SHA ?? process.env.GITHUB_REF ?? 'HEAD',
          environment: values.environment!,
          description: `${values.action} ${values.app} to ${values.namespace}`,
          payload: { app: values.app, namespace: values.namespace },
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

    try {
      const report = await runBlueGreen(kube, {
        app: values.app,
        namespace: values.namespace,
        manifests,
        action: values.action,
        timeoutMs: values.timeout,
        promotion: values.promotion,
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
      out.set('duration', formatDuration(report.durationMs));
      await deploySummary(report, { environmentUrl: values['environment-url'] }).write();
      if (deployment) {
        await deployment.setStatus({
          state: report.status === 'preview' ? 'in_progress' : 'success',
          description: `${report.app} revision ${report.revision}: ${report.color} ${report.status}`,
          environmentUrl: values['environment-url'],
          logUrl: run.runUrl,
        });
        if (report.status !== 'preview') await deployment.deactivatePrevious();
      }
    } catch (error) {
      out.set('status', 'failed');
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
  post: () => LockSession.releaseAfterInterruption('deploy', (line) => log.info(line)),
});
