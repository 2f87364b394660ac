import { defineOutputs, errorMessage, log, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    // Loaded once the inputs parse: a bad input fails without loading the strategy and the client.
    const { planDeploy } = await import('./plan');
    const plan = await planDeploy(values, {
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      runnerTemp: process.env.RUNNER_TEMP || undefined,
    });
    const { openDeployRun, reportDeployed, reportFailed, runDeploy, verifyManifestImages } =
      await import('./run');
    await verifyManifestImages(plan, values);

    const run = await openDeployRun(plan, values);
    let failure: string | undefined;
    try {
      const report = await runDeploy(run, plan, values);
      await reportDeployed(run, report, values, plan, out);
    } catch (error) {
      await reportFailed(run, error, values, plan, out, started);
      failure = errorMessage(error);
      throw error;
    } finally {
      run.session.finish();
      await run.trace.end(failure === undefined ? 'ok' : 'error', failure);
    }
  },

  // Runs after main, also when the job failed or was cancelled: releases a lock main did not release.
  post: async () =>
    (await import('@swiss-deploy/bluegreen')).LockSession.releaseAfterInterruption('deploy', (line) =>
      log.info(line),
    ),
});
