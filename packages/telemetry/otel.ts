// The OpenTelemetry side of tracing; imported only when an OTLP endpoint is configured (see trace.ts).
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { errorMessage } from '@swiss-deploy/kit';
import type { Phase, RunTrace } from './trace';

const EXPORT_TIMEOUT_MS = 5_000;

export interface OtelTraceOptions {
  url: string;
  step: string;
  attributes: Record<string, string | number | undefined>;
  /** The job's TRACEPARENT, when it has one. */
  parent?: string;
  warn: (line: string) => void;
}

function parentContext(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const [, traceId, spanId, flags] = traceparent.split('-') as [string, string, string, string];
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16),
    isRemote: true,
  });
}

function clean(attributes: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(attributes).filter(
      (entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

export function openOtelTrace(options: OtelTraceOptions): RunTrace & { traceparent: string } {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'swiss-deploy', 'service.namespace': 'ci' }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: options.url, timeoutMillis: EXPORT_TIMEOUT_MS }),
        scheduledDelayMillis: 1_000,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  const tracer = provider.getTracer('swiss-deploy');
  const root: Span = tracer.startSpan(
    options.step,
    { attributes: clean(options.attributes) },
    parentContext(options.parent),
  );
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  const { traceId, spanId } = root.spanContext();
  return {
    traceId,
    traceparent: `00-${traceId}-${spanId}-01`,
    phase(inner: Phase): Phase {
      return (title, work) =>
        inner(title, async () => {
          const span = tracer.startSpan(title, {}, rootContext);
          try {
            const result = await work();
            span.setStatus({ code: SpanStatusCode.OK });
            return result;
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error).split('\n')[0] });
            throw error;
          } finally {
            span.end();
          }
        });
    },
    async end(outcome, message) {
      root.setStatus(
        outcome === 'ok'
          ? { code: SpanStatusCode.OK }
          : { code: SpanStatusCode.ERROR, message: message?.split('\n')[0] },
      );
      root.end();
      try {
        await Promise.race([
          provider.shutdown(),
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`no answer within ${EXPORT_TIMEOUT_MS} ms`)),
              EXPORT_TIMEOUT_MS + 1_000,
            ).unref(),
          ),
        ]);
      } catch (error) {
        options.warn(`Could not export the trace to ${new URL(options.url).host}: ${errorMessage(error)}`);
      }
    },
  };
}
