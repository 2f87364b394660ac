// The analysis engine against the environment's real Prometheus: real answers, real errors, real no-data.
import { runAnalysis } from '@swiss-deploy/analysis';
import { parseAnalysisSpec } from '../../../packages/analysis/spec';
import type { PrometheusConfig } from '../../../packages/analysis/prometheus';
import { testEnv } from '../../support/env';

jest.setTimeout(60_000);

const target = { color: 'green', namespace: 'analysis-nowhere', app: 'web', revision: 3 };
const prometheus = (): PrometheusConfig => ({ url: testEnv('PROMETHEUS_URL'), timeoutMs: 5000 });
const spec = (metrics: string) => parseAnalysisSpec(`metrics:\n${metrics}`, { input: 'analysis' });

describe('analysis against the real Prometheus', () => {
  it('succeeds when every measurement of a real series holds', async () => {
    const report = await runAnalysis(
      spec(
        '  - {name: self, query: \'up{job="prometheus"}\', successCondition: result == 1 and len(result) == 1, count: 2, interval: 1s}',
      ),
      { phase: 'preview', target, prometheus: prometheus() },
    );
    expect(report.metrics[0]?.measurements.map((m) => [m.values, m.verdict])).toEqual([
      [[1], 'success'],
      [[1], 'success'],
    ]);
    expect(report.verdict).toBe('successful');
  });

  it('fails on a breached condition and is inconclusive on no data, with placeholders filled in', async () => {
    const report = await runAnalysis(
      spec(
        [
          '  - {name: breach, query: \'up{job="prometheus"}\', failureCondition: result > 0, count: 1}',
          '  - {name: absent, query: \'up{namespace="${namespace}",color="${color}"}\', successCondition: result == 1, count: 1}',
        ].join('\n'),
      ),
      { phase: 'preview', target, prometheus: prometheus() },
    );
    expect(report.metrics.map((m) => [m.name, m.verdict, m.measurements[0]?.reason])).toEqual([
      ['breach', 'failed', 'failureCondition result > 0 is true'],
      ['absent', 'inconclusive', 'the query returned no data'],
    ]);
    expect(report.metrics[1]?.query).toBe('up{namespace="analysis-nowhere",color="green"}');
    expect(report.verdict).toBe('failed');
  });

  it("records Prometheus' own words for a query it refuses", async () => {
    const report = await runAnalysis(
      spec("  - {name: broken, query: 'sum(rate(up[1m]', successCondition: result < 1, count: 1}"),
      {
        phase: 'preview',
        target,
        prometheus: prometheus(),
      },
    );
    expect(report.metrics[0]?.measurements[0]).toMatchObject({
      verdict: 'error',
      reason: expect.stringContaining('bad_data'),
    });
    expect(report.verdict).toBe('inconclusive');
  });

  it('reports an unreachable Prometheus as an error measurement, within the deadline', async () => {
    const report = await runAnalysis(
      spec('  - {name: up, query: up, successCondition: result == 1, count: 1}'),
      {
        phase: 'preview',
        target,
        prometheus: { url: 'http://127.0.0.1:9', timeoutMs: 2000 },
      },
    );
    expect(report.metrics[0]?.measurements[0]?.reason).toContain('did not answer');
  });
});
