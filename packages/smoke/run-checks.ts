import { performance } from 'node:perf_hooks';
import { formatDuration, sleep as realSleep } from '@swiss-deploy/kit';
import { describeStatuses, excerpt, unmetExpectations } from './expectations';
import { ProbeError, probe } from './http-probe';
import type { AttemptResult, Check, CheckResult, RunContext } from './types';

/** A check's target as a URL: absolute targets as they are, paths appended to the base URL's path. */
export function resolveUrl(target: string, baseUrl: string | undefined): string {
  if (/^https?:\/\//i.test(target)) return target;
  if (!baseUrl) throw new Error(`no base URL to resolve "${target}" against`);
  if (target === '') return baseUrl;
  const base = new URL(baseUrl);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${target}`;
}

/** Sends the check once and judges the answer. */
export async function attemptCheck(
  check: Check,
  context: RunContext,
  attempt: number,
): Promise<AttemptResult> {
  const url = resolveUrl(check.target, context.baseUrl);
  try {
    const response = await probe({
      method: check.method,
      url,
      headers: check.headers,
      body: check.body,
      timeoutMs: check.policy.timeoutMs,
      followRedirects: check.followRedirects,
      maxRedirects: check.maxRedirects,
      hostHeader: context.hostHeader,
      tls: context.tls,
    });
    const problems = unmetExpectations(check.expect, response);
    return {
      attempt,
      passed: problems.length === 0,
      url,
      response,
      problems,
      latencyMs: response.latencyMs,
      retryable: true,
    };
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    return {
      attempt,
      passed: false,
      url,
      failure: { kind: error.kind, message: error.message },
      problems: [],
      latencyMs: error.latencyMs,
      retryable: error.retryable,
    };
  }
}

/** One line about one attempt: `503 Service Unavailable in 3ms` or `connection refused after 1ms`. */
export function describeAttempt(attempt: AttemptResult): string {
  const ms = `${Math.round(attempt.latencyMs)}ms`;
  if (attempt.failure) return `${attempt.failure.message} (after ${ms})`;
  const response = attempt.response;
  if (!response) return 'no answer';
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const problems = attempt.problems.length ? `: ${attempt.problems.join('; ')}` : '';
  return `${status} in ${ms}${problems}`;
}

/** What makes two attempts "the same" for the log: it prints a line only when this changes. */
function signature(attempt: AttemptResult): string {
  if (attempt.passed) return 'passed';
  if (attempt.failure) return attempt.failure.kind;
  return `${attempt.response?.status}|${attempt.problems.map((p) => p.replace(/\d+ms/g, '')).join('|')}`;
}

/**
 * Tries a check until it passes `consecutiveSuccesses` times in a row, or it has failed `retries + 1`
 * times, or it fails in a way no retry mends (TLS verification, a redirect loop). Every other failure is
 * retried: connection refused, resets, timeouts, 5xx, and wrong answers too, since right after a deploy
 * or a switch an old pod may still answer for a moment. Logs one line per change, not per try.
 */
export async function runCheck(check: Check, context: RunContext): Promise<CheckResult> {
  const wait = context.sleep ?? realSleep;
  const { retries, intervalMs, consecutiveSuccesses } = check.policy;
  const started = performance.now();
  const latencies: number[] = [];
  let failures = 0;
  let streak = 0;
  let bestStreak = 0;
  let lastSignature = '';
  for (let attempt = 1; ; attempt++) {
    const result = await attemptCheck(check, context, attempt);
    if (result.response) latencies.push(result.latencyMs);
    const finish = (passed: boolean): CheckResult => ({
      check,
      passed,
      tries: attempt,
      last: result,
      latencies,
      durationMs: performance.now() - started,
      bestStreak,
    });
    if (result.passed) {
      streak++;
      bestStreak = Math.max(bestStreak, streak);
      if (streak >= consecutiveSuccesses) {
        const inARow = consecutiveSuccesses > 1 ? `, ${consecutiveSuccesses} times in a row` : '';
        context.log.info(`✓ ${check.name}: passed on try ${attempt}${inARow} (${describeAttempt(result)})`);
        return finish(true);
      }
    } else {
      streak = 0;
      failures++;
      if (!result.retryable || failures > retries) {
        context.log.info(`✗ ${check.name}: try ${attempt}: ${describeAttempt(result)}`);
        return finish(false);
      }
    }
    const now = signature(result);
    if (now !== lastSignature) {
      const mark = result.passed ? '·' : '✗';
      const progress = result.passed
        ? `passed ${streak} of ${consecutiveSuccesses} in a row`
        : `${retries - failures + 1} ${retries - failures + 1 === 1 ? 'retry' : 'retries'} left, every ${formatDuration(intervalMs)}`;
      context.log.info(`${mark} ${check.name}: try ${attempt}: ${describeAttempt(result)} (${progress})`);
      lastSignature = now;
    }
    await wait(intervalMs);
  }
}

/** Runs every check, at most `concurrency` at a time; results come back in the checks' order. */
export async function runChecks(
  checks: readonly Check[],
  context: RunContext,
  concurrency: number,
): Promise<CheckResult[]> {
  return mapConcurrently(checks, concurrency, (check) => runCheck(check, context));
}

export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Why a check failed, for a person: which check, what was expected, what came back (status, a body
 * excerpt, latency), after how many tries.
 */
export function describeFailure(result: CheckResult): string {
  const { check, last } = result;
  const tries = `${result.tries} ${result.tries === 1 ? 'try' : 'tries'}`;
  const lines = [
    `Check "${check.name}" failed after ${tries} in ${formatDuration(result.durationMs)}: ${check.method} ${last.url}`,
  ];
  if (last.failure) {
    lines.push(`  ${last.failure.message} (after ${Math.round(last.latencyMs)}ms)`);
    if (!last.retryable) lines.push('  Not tried again: this failure does not mend itself.');
  } else if (last.response) {
    for (const problem of last.problems) lines.push(`  ${problem}`);
    const response = last.response;
    const body = excerpt(response.body);
    lines.push(
      `  Got ${response.status}${response.statusText ? ` ${response.statusText}` : ''} in ${Math.round(response.latencyMs)}ms` +
        (response.redirects.length
          ? ` from ${response.url} after ${response.redirects.length} redirect(s)`
          : '') +
        `, body: ${body ? JSON.stringify(body) : '(empty)'}`,
    );
  }
  if (result.hint) lines.push(`  ${result.hint}`);
  if (check.policy.consecutiveSuccesses > 1) {
    lines.push(
      `  Needed ${check.policy.consecutiveSuccesses} passes in a row; the longest run was ${result.bestStreak}.`,
    );
  }
  return lines.join('\n');
}

/** The status column of the summary: what came back last, in a few words. */
export function outcomeCell(result: CheckResult): string {
  const last = result.last;
  if (last.failure) return last.failure.kind.replace(/-/g, ' ');
  return last.response ? String(last.response.status) : '–';
}

export function expectedCell(check: Check): string {
  const parts = [describeStatuses(check.expect.status)];
  if (check.expect.bodyContains.length)
    parts.push(`body ∋ ${check.expect.bodyContains.map((t) => JSON.stringify(t)).join(', ')}`);
  if (check.expect.bodyMatches.length) parts.push(`body ~ ${check.expect.bodyMatches.join(', ')}`);
  for (const json of check.expect.json) parts.push(`${json.path} = ${JSON.stringify(json.equals)}`);
  for (const header of check.expect.headers) parts.push(`header ${header.name}`);
  if (check.expect.maxLatencyMs !== undefined) parts.push(`≤ ${check.expect.maxLatencyMs}ms`);
  return parts.join('; ');
}
