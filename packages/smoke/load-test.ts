import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { sleep } from '@swiss-deploy/kit';
import { unmetExpectations } from './expectations';
import { ProbeError, probe } from './http-probe';
import { summariseLatencies } from './percentiles';
import { resolveUrl } from './run-checks';
import type { Check, LoadResult, LoadSpec, RunContext } from './types';

/** Hard limits, so a typo cannot turn a smoke test into a denial of service or an hour-long job. */
export const LOAD_LIMITS = { maxRequests: 10_000, maxRate: 1000, maxDurationMs: 10 * 60_000 } as const;

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 0.01 && fraction > 0 ? 2 : 1).replace(/\.0+$/, '')}%`;
}

/**
 * Sends `spec.requests` requests over the checks in turn, started at `spec.rate` per second (open loop:
 * a slow answer does not slow the schedule) with at most `concurrency` in flight, over keep-alive
 * connections. A request is an error when it gets no answer or an answer that misses the check's
 * expectations (its latency budget aside: here p95 is the gate). Latency percentiles are over the
 * requests that got an answer.
 */
export async function runLoad(
  checks: readonly Check[],
  spec: LoadSpec,
  context: RunContext & { concurrency: number },
): Promise<LoadResult> {
  const concurrency = Math.max(1, context.concurrency);
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
    https: new https.Agent({ keepAlive: true, maxSockets: concurrency }),
  };
  const latencies: number[] = [];
  const errorCounts = new Map<string, number>();
  let errors = 0;
  let started = 0;
  const planned = spec.rate ? (spec.requests / spec.rate) * 1000 : 0;
  // Without a rate the burst is bounded by time too: a slow target must not hold the job for long.
  const stopStartingAt = Math.min(LOAD_LIMITS.maxDurationMs, planned + 60_000);
  const t0 = performance.now();
  const inFlight = new Set<Promise<void>>();

  const send = async (index: number) => {
    const check = checks[index % checks.length] as Check;
    try {
      const response = await probe({
        method: check.method,
        url: resolveUrl(check.target, context.baseUrl),
        headers: check.headers,
        body: check.body,
        timeoutMs: check.policy.timeoutMs,
        followRedirects: check.followRedirects,
        maxRedirects: check.maxRedirects,
        hostHeader: context.hostHeader,
        tls: context.tls,
        agents,
      });
      latencies.push(response.latencyMs);
      const problems = unmetExpectations(check.expect, response, { latency: false });
      if (problems.length > 0) {
        errors++;
        const key = `${check.name}: ${problems[0]}`;
        errorCounts.set(key, (errorCounts.get(key) ?? 0) + 1);
      }
    } catch (error) {
      errors++;
      const key = `${check.name}: ${error instanceof ProbeError ? error.message : String(error)}`;
      errorCounts.set(key, (errorCounts.get(key) ?? 0) + 1);
    }
  };

  try {
    for (let index = 0; index < spec.requests; index++) {
      if (spec.rate) {
        const due = t0 + (index * 1000) / spec.rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (performance.now() - t0 > stopStartingAt) {
        context.log.warning(`load: stopped starting requests after ${index}, past the time limit`);
        break;
      }
      const request: Promise<void> = send(index).finally(() => inFlight.delete(request));
      inFlight.add(request);
      started++;
    }
    await Promise.all(inFlight);
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }

  const durationMs = performance.now() - t0;
  const summary = summariseLatencies(latencies);
  const errorRate = started === 0 ? 0 : errors / started;
  const problems: string[] = [];
  if (errorRate > spec.maxErrorRate) {
    problems.push(
      `error rate ${percent(errorRate)} (${errors} of ${started}) is over the ${percent(spec.maxErrorRate)} allowed`,
    );
  }
  if (spec.p95BudgetMs !== undefined) {
    if (summary.p95 === undefined)
      problems.push(`no request got an answer, so p95 cannot be within ${spec.p95BudgetMs}ms`);
    else if (summary.p95 > spec.p95BudgetMs)
      problems.push(`p95 latency ${summary.p95}ms is over the ${spec.p95BudgetMs}ms budget`);
  }
  return {
    spec,
    requests: started,
    errors,
    errorRate,
    p50: summary.p50,
    p95: summary.p95,
    p99: summary.p99,
    maxMs: summary.max,
    durationMs,
    achievedRate: durationMs > 0 ? (started / durationMs) * 1000 : 0,
    errorSamples: [...errorCounts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([message, count]) => ({ message, count })),
    passed: problems.length === 0,
    problems,
  };
}
