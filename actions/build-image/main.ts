import * as os from 'node:os';
import { SavedState, defineOutputs, log, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

/** What post needs to log out: where the login lives and for which registry. Never the password. */
const session = new SavedState<{ dockerConfig: string; registry: string }>('build-image-login');

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    const started = new Date();
    // Loaded once the inputs parse: a bad input fails without loading the build and signing code.
    const { planBuildImage } = await import('./plan');
    const plan = await planBuildImage(values, {
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      tempDir: process.env.RUNNER_TEMP || os.tmpdir(),
    });
    // A digest already built and signed elsewhere: checked in the registry, not rebuilt.
    if (plan.kind === 'promote') return (await import('./promote')).promoteImage(plan, out);

    const { buildAndPush, summariseBuild, writeImageOutputs } = await import('./build');
    const built = await buildAndPush(plan, values, session);
    await summariseBuild(plan, built, values.push);
    await (await import('./sign')).signImage(plan, built, values, started, out);
    writeImageOutputs(plan, built, out);
  },
  post: async () => {
    const saved = session.load();
    if (!saved) return;
    const { logoutFromRegistry } = await import('@swiss-deploy/image');
    const { loggedOut, detail } = await logoutFromRegistry(saved.dockerConfig, saved.registry);
    log.info(loggedOut ? `logged out of ${saved.registry}` : `logout of ${saved.registry}: ${detail}`);
  },
});
