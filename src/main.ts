// swiss/deploy@v1: render → deploy blue/green → smoke-test the preview → promote → smoke-test live, or roll back.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineOutputs, errorMessage, log, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

/** charts/swiss-app, found from the bundle (dist/deploy/index.js) two folders up. */
function builtinChart(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'swiss-app');
}

void runAction({
  main: async () => {
    const started = Date.now();
    const values = parseInputs(inputs);
    // Loaded once the inputs parse; the plan checks the rest of them before any request.
    const plan = await (await import('./plan')).planChain(values, builtinChart());
    const { openChainRun, runChain } = await import('./run');

    const run = await openChainRun(plan, values, out);
    let failure: string | undefined;
    try {
      await runChain(run, plan, values, out, started);
    } catch (error) {
      failure = errorMessage(error);
      throw error;
    } finally {
      run.session.finish();
      await run.trace.end(failure === undefined ? 'ok' : 'error', failure);
    }
  },

  // Also after a failure or cancellation: release a deploy lock the main step could not release.
  post: async () => {
    const { LockSession } = await import('@swiss-deploy/bluegreen');
    await LockSession.releaseAfterInterruption('run', (line) => log.info(line));
  },
});
