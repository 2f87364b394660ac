// A bounded load generator for the zero-downtime tests: a fixed request rate (an open model: requests start
// on schedule whatever the answers take), kept-alive and fresh connections mixed, every answer recorded with
// the version it came from. A failure is a connection error, a reset, a timeout or a 5xx.
import * as http from 'node:http';

export interface LoadOptions {
  /** http:// URL to GET. */
  url: string;
  /** Extra request headers (a Host header for a route). */
  headers?: Record<string, string>;
  /** Requests started per second. */
  ratePerSecond: number;
  /** Every n-th request opens a fresh connection (Connection: close); the others reuse kept-alive ones. Default 4. */
  freshEvery?: number;
  /** Deadline of one request. Default 5 s. */
  requestTimeoutMs?: number;
  /** The generator stops by itself after this long, stopped or not. Default 5 min. */
  maxDurationMs?: number;
  /** The version an answer came from. Default: `version` of a JSON body, else the trimmed body. */
  versionOf?: (status: number, body: string) => string | undefined;
}

export interface LoadSample {
  /** When the request started, ms since the run started. */
  startedMs: number;
  latencyMs: number;
  fresh: boolean;
  status?: number;
  version?: string;
  /** Why the request failed: a network error, a timeout or a 5xx status. */
  failure?: string;
}

export interface LoadReport {
  sent: number;
  failed: number;
  samples: LoadSample[];
  failures: LoadSample[];
  /** The run's wall-clock start (Date.now()), so events can be placed on the samples' time line. */
  startedAt: number;
  durationMs: number;
}

export interface LoadRun {
  /** Stops starting requests, waits for those in flight, and reports. */
  stop(): Promise<LoadReport>;
  /** Samples so far (a copy). */
  samples(): LoadSample[];
}

function defaultVersion(_status: number, body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { version?: unknown };
    if (typeof parsed.version === 'string') return parsed.version;
  } catch {
    // not JSON: the body is the version
  }
  const text = body.trim();
  return text === '' ? undefined : text;
}

export function startLoad(options: LoadOptions): LoadRun {
  if (!(options.ratePerSecond > 0 && options.ratePerSecond <= 1000))
    throw new Error(`ratePerSecond must be in (0, 1000], got ${options.ratePerSecond}`);
  const url = new URL(options.url);
  if (url.protocol !== 'http:') throw new Error(`load: only http:// URLs, got ${options.url}`);
  const freshEvery = options.freshEvery ?? 4;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const versionOf = options.versionOf ?? defaultVersion;
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const startedAt = Date.now();
  const samples: LoadSample[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let stopped = false;

  const one = (fresh: boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      const sample: LoadSample = { startedMs: started - startedAt, latencyMs: 0, fresh };
      let settled = false;
      const finish = (failure?: string) => {
        if (settled) return;
        settled = true;
        sample.latencyMs = Date.now() - started;
        if (failure) sample.failure = failure;
        samples.push(sample);
        resolve();
      };
      const request = http.request(
        url,
        {
          method: 'GET',
          agent: fresh ? false : keepAlive,
          headers: { ...options.headers, ...(fresh ? { connection: 'close' } : {}) },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => finish(`response: ${error.message}`));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            sample.status = status;
            sample.version = versionOf(status, Buffer.concat(chunks).toString('utf8'));
            finish(status >= 500 ? `HTTP ${status}` : undefined);
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
      request.end();
    });

  // Requests start on a fixed schedule (n / rate), corrected for timer drift, not one after another.
  const interval = 1000 / options.ratePerSecond;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const due = Math.floor((Date.now() - startedAt) / interval) + 1;
    while (sent < due) {
      const fresh = freshEvery > 0 && sent % freshEvery === freshEvery - 1;
      sent++;
      const running = one(fresh).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    if (Date.now() - startedAt >= (options.maxDurationMs ?? 300_000)) stopped = true;
    else timer = setTimeout(tick, Math.max(1, startedAt + sent * interval - Date.now()));
  };
  tick();

  return {
    samples: () => [...samples],
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.all([...inFlight]);
      keepAlive.destroy();
      const ordered = [...samples].sort((a, b) => a.startedMs - b.startedMs);
      const failures = ordered.filter((s) => s.failure !== undefined);
      return {
        sent,
        failed: failures.length,
        samples: ordered,
        failures,
        startedAt,
        durationMs: Date.now() - startedAt,
      };
    },
  };
}

/**
 * When the answers settled on `version`: the start time (ms since the run started) of the first request
 * after which every answer came from it, or undefined if the last answer did not.
 */
export function convergedAt(report: LoadReport, version: string): number | undefined {
  let since: number | undefined;
  for (const sample of report.samples) {
    if (sample.version === version && !sample.failure) since ??= sample.startedMs;
    else since = undefined;
  }
  return since;
}

/** Answers after `fromMs` (run time) that did not come from `version`: what a settled switch must not have. */
export function strayAfter(report: LoadReport, fromMs: number, version: string): LoadSample[] {
  return report.samples.filter((s) => s.startedMs >= fromMs && s.version !== version);
}

/** One line per failure, for an assertion message. */
export function describeFailures(report: LoadReport): string[] {
  return report.failures.map(
    (s) => `+${s.startedMs} ms ${s.fresh ? 'fresh' : 'kept-alive'}: ${s.failure} (${s.latencyMs} ms)`,
  );
}
