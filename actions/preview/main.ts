import { rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineOutputs, inputConflict, parseInputs, runAction } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import { inputs, outputs } from './contract';
import type { Context } from './operations';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    const pr = values['pr-number'];
    if (values.operation !== 'cleanup' && pr === undefined) {
      throw inputConflict(
        `Input "pr-number" is empty: operation "${values.operation}" needs the pull request number (a whole number from 1 to 999999999).`,
        'Pass ${{ github.event.pull_request.number }}. Nothing was changed.',
      );
    }
    if (values.operation === 'cleanup' && pr !== undefined) {
      throw inputConflict(
        `Input "pr-number" is ${pr}, but operation "cleanup" removes every expired preview, not one pull request.`,
        'Leave pr-number empty for cleanup, or use operation: teardown. Nothing was changed.',
      );
    }
    // Loaded once the inputs are good: a bad input fails without loading the clients.
    const ops = await import('./operations');
    const env = process.env;
    const repository = env.GITHUB_REPOSITORY ?? '';
    let kubeconfigFile: string | undefined;
    let kube: Kube | undefined;
    const connect = async (): Promise<Kube> => {
      if (kube) return kube;
      if (values.kubeconfig) {
        // The input goes to a 0600 file for the client, never to argv or a child's environment.
        kubeconfigFile = path.join(
          env.RUNNER_TEMP || os.tmpdir(),
          // node:crypto taken here: a start that fails on its inputs never needs it (docs/performance.md).
          `swiss-deploy-kubeconfig-${process.getBuiltinModule('node:crypto').randomBytes(6).toString('hex')}`,
        );
        writeFileSync(kubeconfigFile, values.kubeconfig, { mode: 0o600 });
      }
      const { Kube } = await import('@swiss-deploy/kube');
      kube = await Kube.connect({ kubeconfigFile, context: values.context, stepTimeoutMs: values.timeout });
      return kube;
    };
    const token = values['github-token'];
    const { GitHubClient } = await import('@swiss-deploy/github');
    const ctx: Context = {
      kube: connect,
      github: token ? new GitHubClient({ token, repository, apiUrl: env.GITHUB_API_URL }) : undefined,
      repository,
      commit: env.GITHUB_SHA,
      runUrl:
        env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
      now: new Date(),
      set: (name, value) => out.set(name, value),
    };
    try {
      if (values.operation === 'cleanup') await ops.cleanup(values, ctx);
      else {
        const id = { app: values.app, pr: pr as number };
        await ops[values.operation](values, id, ctx);
      }
    } finally {
      if (kubeconfigFile) rmSync(kubeconfigFile, { force: true });
    }
  },
});
