import { randomBytes } from 'node:crypto';
import type { LockHolder } from '@swiss-deploy/kube';
import type { RunInfo } from './types';

/** The workflow run behind this deploy, from the runner's GITHUB_* variables. */
export function runInfoFromEnv(env: NodeJS.ProcessEnv = process.env): RunInfo {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
  return {
    commit: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    repository: env.GITHUB_REPOSITORY,
    runUrl,
    actor: env.GITHUB_ACTOR,
  };
}

/** Who takes the lock: the run, its attempt and job, plus a nonce so two steps of one job never share it. */
export function lockHolderFromEnv(env: NodeJS.ProcessEnv = process.env): LockHolder {
  const run = runInfoFromEnv(env);
  const nonce = randomBytes(4).toString('hex');
  const identity = env.GITHUB_RUN_ID
    ? `${env.GITHUB_REPOSITORY ?? 'local'}/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? '1'}/${env.GITHUB_JOB ?? 'job'}/${nonce}`
    : `local/${process.pid}/${nonce}`;
  return {
    identity,
    repository: env.GITHUB_REPOSITORY,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    runUrl: run.runUrl,
    job: env.GITHUB_JOB,
  };
}
