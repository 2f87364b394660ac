import { UserError, parseDuration } from '@swiss-deploy/kit';
import { LOAD_LIMITS } from './load-test';
import { closest } from './suggest';
import type { LoadSpec } from './types';

const LOAD_FIELDS = ['requests', 'rate', 'max-error-rate', 'p95-budget'] as const;

/**
 * Reads the `load` input: `requests` (required), `rate` (per second: `50` or `50/s`), `max-error-rate`
 * (`0.01` or `1%`, default 0) and `p95-budget` (a duration). Every problem is reported at once.
 */
export function parseLoadSpec(value: unknown): LoadSpec {
  const problems: string[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw loadError([
      'it must be a mapping such as {requests: 200, rate: 50, max-error-rate: 1%, p95-budget: 300ms}',
    ]);
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if ((LOAD_FIELDS as readonly string[]).includes(key)) continue;
    const suggestion = closest(key, LOAD_FIELDS);
    problems.push(
      `unknown field "${key}"${suggestion ? `: did you mean "${suggestion}"?` : `; known fields: ${LOAD_FIELDS.join(', ')}`}`,
    );
  }

  let requests = 0;
  const rawRequests = fields.requests;
  if (rawRequests === undefined) problems.push('"requests" is required: how many requests to send');
  else if (
    typeof rawRequests !== 'number' ||
    !Number.isInteger(rawRequests) ||
    rawRequests < 1 ||
    rawRequests > LOAD_LIMITS.maxRequests
  )
    problems.push(
      `"requests" is ${JSON.stringify(rawRequests)}: expected a whole number from 1 to ${LOAD_LIMITS.maxRequests}`,
    );
  else requests = rawRequests;

  let rate: number | undefined;
  if (fields.rate !== undefined) {
    const text = String(fields.rate)
      .trim()
      .replace(/\s*\/\s*s$/, '');
    const parsed = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (!(parsed > 0 && parsed <= LOAD_LIMITS.maxRate))
      problems.push(
        `"rate" is ${JSON.stringify(fields.rate)}: expected requests per second, more than 0 and at most ${LOAD_LIMITS.maxRate}`,
      );
    else rate = parsed;
  }

  let maxErrorRate = 0;
  if (fields['max-error-rate'] !== undefined) {
    const raw = fields['max-error-rate'];
    const text = String(raw).trim();
    const parsed = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
    if (text === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1)
      problems.push(
        `"max-error-rate" is ${JSON.stringify(raw)}: expected a fraction from 0 to 1, or a percentage such as 1%`,
      );
    else maxErrorRate = parsed;
  }

  let p95BudgetMs: number | undefined;
  if (fields['p95-budget'] !== undefined) {
    const raw = fields['p95-budget'];
    const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined || ms < 1)
      problems.push(
        `"p95-budget" is ${JSON.stringify(raw)}: expected a duration such as 300ms or 1s${typeof raw === 'number' ? ` (add a unit, e.g. ${raw}ms)` : ''}`,
      );
    else p95BudgetMs = ms;
  }

  if (rate && requests && (requests / rate) * 1000 > LOAD_LIMITS.maxDurationMs) {
    problems.push(
      `${requests} requests at ${rate}/s take longer than the ${LOAD_LIMITS.maxDurationMs / 60_000} minutes allowed: send fewer or faster`,
    );
  }
  if (problems.length > 0) throw loadError(problems);
  return { requests, rate, maxErrorRate, p95BudgetMs };
}

function loadError(problems: string[]): UserError {
  const message =
    problems.length === 1
      ? `Input "load": ${problems[0]}.`
      : `Input "load" has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new UserError(message, { hint: 'Fix the load input of the step; no request was sent.' });
}
