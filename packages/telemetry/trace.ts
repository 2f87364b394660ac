import { JobSummary, code, errorMessage, exportVariable } from '@swiss-deploy/kit';

/** A phase runner, as the strategy takes it (`group` from the kit, or a test's). */
export type Phase = <T>(title: string, work: () => Promise<T>) => Promise<T>;

/** One action's trace: a span for the step and one per phase, or nothing when tracing is off. */
export interface RunTrace {
  /** 32 hex digits, when tracing is on. */
  readonly traceId?: string;
  /** Wraps a phase runner so each phase is also a span under the step's. */
  phase(inner: Phase): Phase;
  /** Ends the step's span and sends what is left, within a deadline; never throws. */
  end(outcome: 'ok' | 'error', message?: string): Promise<void>;
}

const off: RunTrace = { phase: (inner) => inner, end: async () => undefined };

/** W3C traceparent: version 00, trace id, parent id, flags. */
export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceOptions {
  /** The otlp-endpoint input; without it OTEL_EXPORTER_OTLP_ENDPOINT (or its traces variant). */
  endpoint?: string;
  /** The span of the step: `deploy-blue-green`, `rollback`, `swiss/deploy`. */
  step: string;
  attributes: Record<string, string | number | undefined>;
  warn: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The OTLP/HTTP traces URL the run exports to, or undefined when tracing is off. */
export function tracesUrl(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (endpoint) return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT)
    return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Starts the step's trace when an OTLP endpoint is configured. The OpenTelemetry SDK is loaded only then
 * (a dynamic import: a step without tracing does not pay for it). The step joins the trace of TRACEPARENT
 * when the job carries one, and exports its own span as TRACEPARENT for the job's later steps, so a
 * chain of steps (and jobs that pass it on) is one trace.
 */
export async function startTrace(options: TraceOptions): Promise<RunTrace> {
  const env = options.env ?? process.env;
  const url = tracesUrl(options.endpoint, env);
  if (!url) return off;
  try {
    const { openOtelTrace } = await import('./otel');
    const parent = TRACEPARENT.exec(env.TRACEPARENT ?? '') ? env.TRACEPARENT : undefined;
    const trace = openOtelTrace({
      url,
      step: options.step,
      attributes: options.attributes,
      parent,
      warn: options.warn,
    });
    exportVariable('TRACEPARENT', trace.traceparent);
    return {
      traceId: trace.traceId,
      phase: (inner) => trace.phase(inner),
      async end(outcome, message) {
        await trace.end(outcome, message);
        // The summary names the trace, so a reader can find the run's spans in the trace backend.
        await new JobSummary().facts({ trace: code(trace.traceId ?? '') }).write();
      },
    };
  } catch (error) {
    options.warn(`Tracing is off for this step: ${errorMessage(error)}`);
    return off;
  }
}
