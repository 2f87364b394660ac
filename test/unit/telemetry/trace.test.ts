import { startTrace } from '@swiss-deploy/telemetry';
import { tracesUrl, type Phase } from '../../../packages/telemetry/trace';

describe('tracing', () => {
  it('is off without an endpoint: phases run as they are, no trace id, nothing exported', async () => {
    const warnings: string[] = [];
    const trace = await startTrace({
      step: 'deploy-blue-green',
      attributes: {},
      warn: (w) => warnings.push(w),
      env: {},
    });
    const inner: Phase = (_title, work) => work();
    expect(trace.phase(inner)).toBe(inner);
    expect(trace.traceId).toBeUndefined();
    await trace.end('ok');
    expect(warnings).toEqual([]);
    expect(process.env.TRACEPARENT).toBeUndefined();
  });

  it('exports to the input, else to the OTLP environment variables', () => {
    expect(tracesUrl('http://collector:4318/', {})).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example' })).toBe(
      'https://otel.example/v1/traces',
    );
    expect(tracesUrl(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example/t' })).toBe(
      'https://otel.example/t',
    );
    expect(tracesUrl(undefined, {})).toBeUndefined();
  });
});
