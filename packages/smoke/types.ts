import type { SourceLocation } from '@swiss-deploy/kit';

/** An inclusive range of HTTP status codes: `200`, `2xx` and `200-299` all become one. */
export interface StatusRange {
  min: number;
  max: number;
  /** As the user wrote it, for messages. */
  text: string;
}

/** A header that must be present with a value, match a pattern, or be absent. */
export interface HeaderExpectation {
  /** Lower-cased. */
  name: string;
  equals?: string;
  matches?: RegExp;
  present?: boolean;
}

/** The value found at a JSON path must deep-equal this. */
export interface JsonExpectation {
  path: string;
  equals: unknown;
}

export interface Expectations {
  status: StatusRange[];
  bodyContains: string[];
  bodyMatches: RegExp[];
  json: JsonExpectation[];
  headers: HeaderExpectation[];
  maxLatencyMs?: number;
}

/** How hard to try before a check fails. */
export interface RetryPolicy {
  /** Longest one attempt may take, redirects included. */
  timeoutMs: number;
  /** Failed attempts tolerated before the check fails. */
  retries: number;
  /** Pause between attempts. */
  intervalMs: number;
  /** Passing attempts in a row needed to pass. */
  consecutiveSuccesses: number;
}

/** One HTTP check, fully resolved: defaults applied, environment references expanded. */
export interface Check {
  name: string;
  method: string;
  /** A path (resolved against the target's base URL) or an absolute URL. */
  target: string;
  headers: Record<string, string>;
  body?: string;
  expect: Expectations;
  policy: RetryPolicy;
  followRedirects: boolean;
  maxRedirects: number;
  /** Where the check is written, for annotations. */
  location?: SourceLocation;
}

/** Load mode: a bounded burst of requests over the checks, with gates on errors and p95 latency. */
export interface LoadSpec {
  requests: number;
  /** Requests started per second; undefined means as fast as `concurrency` allows. */
  rate?: number;
  /** Fraction 0..1 of requests allowed to fail. */
  maxErrorRate: number;
  p95BudgetMs?: number;
}

/** TLS settings for https targets. */
export interface TlsOptions {
  /** PEM text of extra certificate authorities, trusted besides the system ones. */
  ca?: string;
  /** Skip certificate verification (the action warns). */
  insecure: boolean;
}

/** What one HTTP exchange returned. */
export interface ProbeResponse {
  status: number;
  statusText: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as text, cut at the capture limit. */
  body: string;
  bodyTruncated: boolean;
  /** Request start to the last byte of the body, redirects included. */
  latencyMs: number;
  /** The URL that answered, after redirects. */
  url: string;
  /** Every URL that redirected, in order. */
  redirects: string[];
}

export type ProbeFailureKind =
  | 'connection-refused'
  | 'connection-reset'
  | 'timeout'
  | 'dns'
  | 'tls'
  | 'redirect-loop'
  | 'too-many-redirects'
  | 'network';

/** One attempt of one check, judged. */
export interface AttemptResult {
  attempt: number;
  passed: boolean;
  /** The URL requested first. */
  url: string;
  response?: ProbeResponse;
  failure?: { kind: ProbeFailureKind; message: string };
  /** Expectations that were not met, worded "expected …, got …". */
  problems: string[];
  latencyMs: number;
  /** False for failures no retry can mend (a TLS verification error, a redirect loop). */
  retryable: boolean;
}

export interface CheckResult {
  check: Check;
  passed: boolean;
  tries: number;
  /** The attempt that decided the outcome. */
  last: AttemptResult;
  /** Latency of every attempt that got a response. */
  latencies: number[];
  durationMs: number;
  /** Most passing attempts in a row seen, for flapping targets. */
  bestStreak: number;
  /** What else is known about the failure, e.g. what the port-forward reported. */
  hint?: string;
}

export interface LoadResult {
  spec: LoadSpec;
  requests: number;
  errors: number;
  errorRate: number;
  p50?: number;
  p95?: number;
  p99?: number;
  maxMs?: number;
  durationMs: number;
  /** Requests actually started per second. */
  achievedRate: number;
  /** A few distinct error messages with their counts. */
  errorSamples: { message: string; count: number }[];
  passed: boolean;
  /** Why the load gate failed, one sentence each. */
  problems: string[];
}

/** Where lines go: the action passes the runner's log, tests pass an array. */
export interface SmokeLog {
  info(line: string): void;
  warning(line: string): void;
}

/** Where and how the checks are sent. */
export interface RunContext {
  /** The base URL paths are resolved against: the `url` input, or the port-forward's local address. */
  baseUrl?: string;
  hostHeader?: string;
  tls: TlsOptions;
  log: SmokeLog;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
}
