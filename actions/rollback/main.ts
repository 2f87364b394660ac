import { defineOutputs, errorMessage, log, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    // Loaded once the inputs parse: a bad input fails without loading the strategy and the client.
    const plan = await (await import('./plan')).planRollbackStep(values);
    const { openRollbackRun, reportRollbackFailure, rollBack } = await import('./run');

    const run = await openRollbackRun(plan, values);
    let failure: string | undefined;
    try {
      await rollBack(run, plan, values, out, started);
    } catch (error) {
      await reportRollbackFailure(values, error, out, started);
      failure = errorMessage(error);
      throw error;
    } finally {
      run.session.finish();
      await run.trace.end(failure === undefined ? 'ok' : 'error', failure);
    }
  },

  // Runs after main, also when the job failed or was cancelled: releases a lock main did not release.
  post: async () =>
    (await import('@swiss-deploy/bluegreen')).LockSession.releaseAfterInterruption('rollback', (line) =>
      log.info(line),
    ),
});
