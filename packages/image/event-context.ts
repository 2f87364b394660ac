import { readFileSync } from 'node:fs';
import { UserError } from '@swiss-deploy/kit';
import type { EventContext } from './types';

type Payload = Record<string, unknown>;

function record(value: unknown): Payload | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Payload)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The build's event context from what the runner provides: GITHUB_* variables and the event payload.
 * Pure apart from reading the payload file, so tag rules can be tested with any event.
 */
export function eventContextFrom(
  env: NodeJS.ProcessEnv,
  payload: Payload,
  now: Date = new Date(),
): EventContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const repo = record(payload.repository);
  const pr = record(payload.pull_request);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF ?? '';
  const fromRef = /^refs\/pull\/(\d+)\//.exec(ref);
  const prNumber = typeof pr?.number === 'number' ? pr.number : fromRef ? Number(fromRef[1]) : undefined;
  return {
    eventName,
    ref,
    sha: env.GITHUB_SHA ?? '',
    repository,
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
    defaultBranch: text(repo?.default_branch),
    prNumber,
    baseRef: text(env.GITHUB_BASE_REF) ?? text(record(pr?.base)?.ref),
    licenseSpdx: text(record(repo?.license)?.spdx_id),
    description: text(repo?.description),
    now,
  };
}

/** Reads the runner's event payload and variables. Outside a runner (no payload file) the payload is empty. */
export function readEventContext(env: NodeJS.ProcessEnv = process.env): EventContext {
  let payload: Payload = {};
  const file = env.GITHUB_EVENT_PATH;
  if (file) {
    try {
      payload = record(JSON.parse(readFileSync(file, 'utf8'))) ?? {};
    } catch (error) {
      throw new UserError(`The event payload ${file} could not be read: ${String(error)}`, {
        hint: 'Run this action inside a GitHub Actions job, where GITHUB_EVENT_PATH points to the event.',
      });
    }
  }
  if (!env.GITHUB_SHA) {
    throw new UserError('GITHUB_SHA is not set, so the image cannot be tagged or labelled with its commit.', {
      hint: 'Run this action inside a GitHub Actions job.',
    });
  }
  return eventContextFrom(env, payload);
}

/** `main` for `refs/heads/main`, `v1.2.3` for `refs/tags/v1.2.3`; undefined for other kinds of ref. */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

export function tagOf(ref: string): string | undefined {
  return ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
}

export function isPullRequest(context: EventContext): boolean {
  return (
    context.eventName === 'pull_request' ||
    context.eventName === 'pull_request_target' ||
    /^refs\/pull\//.test(context.ref)
  );
}
