import { jsonEqual, parseJsonPath, valueAt } from './json-path';
import type { Expectations, ProbeResponse, StatusRange } from './types';

/** A short, one-line piece of a body for messages: whitespace folded, cut at `max` characters. */
export function excerpt(text: string, max = 200): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded;
}

export function describeStatuses(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => r.text).join(' or ');
}

export function statusAllowed(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * Every expectation the response does not meet, each worded "expected …, got …". An empty list means the
 * response passes. A wrong status is reported alone. `latency: false` leaves out the latency budget (load mode gates on p95 instead).
 */
export function unmetExpectations(
  expect: Expectations,
  response: ProbeResponse,
  options: { latency?: boolean } = {},
): string[] {
  const problems: string[] = [];
  if (!statusAllowed(response.status, expect.status)) {
    // The body of an error page says nothing about the body expectations: report the status alone.
    return [
      `expected status ${describeStatuses(expect.status)}, got ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    ];
  }
  for (const text of expect.bodyContains) {
    if (!response.body.includes(text)) problems.push(`expected the body to contain ${show(text)}`);
  }
  for (const pattern of expect.bodyMatches) {
    pattern.lastIndex = 0;
    if (!pattern.test(response.body)) problems.push(`expected the body to match ${pattern}`);
  }
  if (expect.json.length > 0) {
    let document: unknown;
    let parsed = true;
    try {
      document = JSON.parse(response.body);
    } catch {
      parsed = false;
    }
    if (!parsed) {
      const type = response.headers['content-type'];
      problems.push(
        `expected a JSON body for ${expect.json.map((j) => j.path).join(', ')}, got ${response.bodyTruncated ? 'a body too large to read whole' : `something else${type ? ` (${type})` : ''}`}`,
      );
    } else {
      for (const { path, equals } of expect.json) {
        const steps = parseJsonPath(path);
        if ('error' in steps) continue; // refused when the checks were read
        const found = valueAt(document, steps.steps);
        if (!found.found)
          problems.push(`expected ${path} to be ${show(equals)}, but the body has no ${path}`);
        else if (!jsonEqual(found.value, equals))
          problems.push(`expected ${path} to be ${show(equals)}, got ${show(found.value)}`);
      }
    }
  }
  for (const header of expect.headers) {
    const value = response.headers[header.name];
    if (header.present === false) {
      if (value !== undefined) problems.push(`expected no header ${header.name}, got ${show(value)}`);
    } else if (value === undefined) {
      problems.push(`expected header ${header.name}, got none`);
    } else if (header.equals !== undefined && value !== header.equals) {
      problems.push(`expected header ${header.name} to be ${show(header.equals)}, got ${show(value)}`);
    } else if (header.matches) {
      header.matches.lastIndex = 0;
      if (!header.matches.test(value))
        problems.push(`expected header ${header.name} to match ${header.matches}, got ${show(value)}`);
    }
  }
  if (
    (options.latency ?? true) &&
    expect.maxLatencyMs !== undefined &&
    response.latencyMs > expect.maxLatencyMs
  ) {
    problems.push(
      `expected an answer within ${expect.maxLatencyMs}ms, took ${Math.round(response.latencyMs)}ms`,
    );
  }
  return problems;
}
