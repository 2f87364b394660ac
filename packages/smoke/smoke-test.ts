import { openPortForward, type PortForward } from '@swiss-deploy/kube';
import { summariseLatencies } from './percentiles';
import type { SmokePlan } from './plan';
import { runChecks } from './run-checks';
import { runLoad } from './load-test';
import type { CheckResult, LoadResult, RunContext, SmokeLog } from './types';

export interface SmokeReport {
  /** What was tested, in words: a URL, or the Service and the pod the port-forward reached. */
  target: string;
  results: CheckResult[];
  /** Present when load mode ran (it runs only after every check passed). */
  load?: LoadResult;
  passed: boolean;
  failedChecks: string[];
  /** HTTP requests sent: every try of every check, and the load requests. */
  requests: number;
  /** Latency percentiles in ms: of the load requests when load mode ran, else of the checks' tries. */
  p50?: number;
  p95?: number;
  durationMs: number;
}

export interface SmokeRunOptions {
  log: SmokeLog;
  /** Wraps each phase, e.g. in a collapsible log group. */
  phase?: <T>(title: string, work: () => Promise<T>) => Promise<T>;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Opens the port-forward of a Service target. The root action passes its one Kube client's
   * (`kube.portForward`), so the smoke test honours the same kubeconfig and `context` as the deploy.
   * Default: a port-forward from the plan's kubeconfig.
   */
  openForward?: (service: string, onEvent: (line: string) => void) => Promise<PortForward>;
}

/**
 * Runs a planned smoke test: opens the port-forward when the target is a Service, runs every check with
 * its retries, then (only when all passed) the load burst, and always closes what it opened.
 */
export async function runSmokeTest(plan: SmokePlan, options: SmokeRunOptions): Promise<SmokeReport> {
  const phase = options.phase ?? (<T>(_title: string, work: () => Promise<T>) => work());
  const { log } = options;
  const started = Date.now();
  if (plan.tls.insecure) {
    log.warning(
      'insecure is true: TLS certificates are not verified, so anything between the runner and the target could answer in its place. Pass the issuing CA as ca-file instead.',
    );
  }

  let forward: PortForward | undefined;
  let baseUrl = plan.target.kind === 'url' ? plan.target.baseUrl : undefined;
  let target = baseUrl ?? 'the URLs of the checks';
  if (plan.target.kind === 'service') {
    const { service, kubeconfig } = plan.target;
    const onEvent = (line: string) => log.info(line);
    forward = await phase(`Port-forward to ${service} through the API server`, () =>
      options.openForward
        ? options.openForward(service, onEvent)
        : openPortForward(service, { kubeConfig: kubeconfig, onEvent }),
    );
    baseUrl = forward.url;
    target = `Service ${service} (${forward.backends.ready.map((b) => `pod ${b.pod}:${b.port}`).join(', ')}) through the API server`;
  }

  try {
    const context: RunContext = {
      baseUrl,
      hostHeader: plan.hostHeader,
      tls: plan.tls,
      log,
      sleep: options.sleep,
    };
    const checkWord = plan.checks.length === 1 ? 'check' : 'checks';
    const results = await phase(`${plan.checks.length} ${checkWord} against ${target}`, () =>
      runChecks(plan.checks, context, plan.concurrency),
    );
    const failedChecks = results.filter((r) => !r.passed).map((r) => r.check.name);
    // A connection the port-forward could not carry ends as a bare reset here; say what the node said.
    const forwardProblem = forward?.lastProblem;
    if (forwardProblem) {
      for (const result of results) {
        if (!result.passed && result.last.failure)
          result.hint = `The port-forward reported: ${forwardProblem}`;
      }
    }
    let load: LoadResult | undefined;
    if (plan.load && failedChecks.length === 0) {
      const spec = plan.load;
      load = await phase(
        `Load: ${spec.requests} requests${spec.rate ? ` at ${spec.rate}/s` : ''}, ${plan.concurrency} at a time`,
        () => runLoad(plan.checks, spec, { ...context, concurrency: plan.concurrency }),
      );
      log.info(
        `load: ${load.requests} requests, ${load.errors} errors, p50 ${load.p50 ?? '–'}ms, p95 ${load.p95 ?? '–'}ms` +
          (load.passed ? '' : `: ${load.problems.join('; ')}`),
      );
    } else if (plan.load) {
      log.info('load: skipped, because a check failed');
    }
    const checkLatencies = results.flatMap((r) => r.latencies);
    const latency = load ? { p50: load.p50, p95: load.p95 } : summariseLatencies(checkLatencies);
    return {
      target,
      results,
      load,
      passed: failedChecks.length === 0 && (load?.passed ?? true),
      failedChecks,
      requests: results.reduce((sum, r) => sum + r.tries, 0) + (load?.requests ?? 0),
      p50: latency.p50,
      p95: latency.p95,
      durationMs: Date.now() - started,
    };
  } finally {
    await forward?.close();
  }
}
