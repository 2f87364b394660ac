import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeReport, runAnalysis } from '@swiss-deploy/analysis';
import {
  QueryError,
  queryPrometheus,
  type PrometheusConfig,
  type QueryAnswer,
} from '../../../packages/analysis/prometheus';
import { parseAnalysisSpec } from '../../../packages/analysis/spec';

const prometheus: PrometheusConfig = { url: 'http://127.0.0.1:1', timeoutMs: 1000 };
const target = { color: 'green', namespace: 'shop', app: 'web', revision: 4 };

/** A clock that moves only when the analysis waits, and a query that answers from a script. */
function scripted(answers: Record<string, Array<number[] | Error>>) {
  let clock = 0;
  const asked: string[] = [];
  const calls: Record<string, number> = {};
  return {
    asked,
    now: () => clock,
    wait: (ms: number, signal?: AbortSignal) => {
      if (!signal?.aborted) clock += ms;
      return Promise.resolve();
    },
    query: (_: PrometheusConfig, query: string): Promise<QueryAnswer> => {
      asked.push(query);
      const name = Object.keys(answers).find((key) => query.includes(key)) as string;
      const list = answers[name] as Array<number[] | Error>;
      const i = calls[name] ?? 0;
      calls[name] = i + 1;
      const answer = list[Math.min(i, list.length - 1)] as number[] | Error;
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve({ values: answer, series: answer.map(() => ({})) });
    },
  };
}

const spec = (body: string) => parseAnalysisSpec(`metrics:\n${body}`, { input: 'analysis' });

describe('running an analysis', () => {
  it('takes count measurements before the switch and succeeds when each holds', async () => {
    const s = scripted({ errors: [[0.001], [0.002], [0]] });
    const report = await runAnalysis(
      spec(
        '  - {name: errors, query: \'errors{color="${color}",ns="${namespace}"}\', successCondition: result < 0.01, count: 3, interval: 5s}',
      ),
      { phase: 'preview', target, prometheus, ...s },
    );
    expect(s.asked).toEqual(Array(3).fill('errors{color="green",ns="shop"}'));
    expect(report.verdict).toBe('successful');
    expect(report.metrics[0]?.measurements.map((m) => [m.values, m.verdict])).toEqual([
      [[0.001], 'success'],
      [[0.002], 'success'],
      [[0], 'success'],
    ]);
    expect(report.metrics[0]?.reason).toBe('3 of 3 measurements passed');
  });

  it('fails a metric once its failures exceed the failure limit, and stops measuring it', async () => {
    const s = scripted({ errors: [[0.5], [0.001], [0.4], [0]] });
    const report = await runAnalysis(
      spec('  - {name: errors, query: errors, successCondition: result < 0.01, count: 4, failureLimit: 1}'),
      { phase: 'preview', target, prometheus, ...s },
    );
    expect(report.verdict).toBe('failed');
    expect(report.metrics[0]?.measurements).toHaveLength(3);
    expect(report.metrics[0]?.reason).toBe('2 failed measurements, failureLimit 1');
    expect(describeReport(report)).toBe('failed: errors failed (2 failed measurements, failureLimit 1)');
  });

  it('calls no data inconclusive by default, and failure or success when the metric says so', async () => {
    const s = scripted({ a: [[]], b: [[]], c: [[]] });
    const report = await runAnalysis(
      spec(
        [
          '  - {name: a, query: a, successCondition: result < 1, count: 1}',
          '  - {name: b, query: b, successCondition: result < 1, count: 1, noData: failure}',
          '  - {name: c, query: c, successCondition: result < 1, count: 1, noData: success}',
        ].join('\n'),
      ),
      { phase: 'preview', target, prometheus, ...s },
    );
    expect(report.metrics.map((m) => [m.name, m.verdict, m.measurements[0]?.reason])).toEqual([
      ['a', 'inconclusive', 'the query returned no data'],
      ['b', 'failed', 'no data (noData: failure)'],
      ['c', 'successful', 'no data (noData: success)'],
    ]);
    expect(report.verdict).toBe('failed');
  });

  it('counts a query error as inconclusive, within the inconclusive limit', async () => {
    const s = scripted({
      up: [new QueryError('Prometheus at x did not answer: refused', 'unreachable'), [1], [1]],
    });
    const report = await runAnalysis(
      spec('  - {name: up, query: up, successCondition: result == 1, count: 3, inconclusiveLimit: 1}'),
      {
        phase: 'preview',
        target,
        prometheus,
        ...s,
      },
    );
    expect(report.metrics[0]?.measurements.map((m) => m.verdict)).toEqual(['error', 'success', 'success']);
    expect(report.verdict).toBe('successful');
  });

  it('applies failureCondition before successCondition', async () => {
    const s = scripted({ x: [[5], [0.5], [2]] });
    const report = await runAnalysis(
      spec(
        '  - {name: x, query: x, successCondition: result < 1, failureCondition: result > 3, count: 3, failureLimit: 5}',
      ),
      { phase: 'preview', target, prometheus, ...s },
    );
    expect(report.metrics[0]?.measurements.map((m) => m.reason)).toEqual([
      'failureCondition result > 3 is true',
      'result < 1 holds',
      'successCondition result < 1 is false',
    ]);
  });

  it('measures through the bake window and stops every metric at the first breach', async () => {
    const s = scripted({ errors: [[0], [0], [0.2]], latency: [[0.1]] });
    const report = await runAnalysis(
      spec(
        [
          '  - {name: errors, query: errors, successCondition: result < 0.01, interval: 10s}',
          '  - {name: latency, query: latency, successCondition: result < 0.5, interval: 10s}',
        ].join('\n'),
      ),
      { phase: 'bake', target, prometheus, windowMs: 300_000, ...s },
    );
    expect(report.verdict).toBe('failed');
    expect(report.metrics[0]?.measurements.map((m) => m.values[0])).toEqual([0, 0, 0.2]);
    expect(report.metrics[1]?.verdict).toBe('successful');
    expect(report.metrics[1]?.measurements.length).toBeLessThan(30);
  });

  it('passes a bake window whose measurements all hold, measuring to its end', async () => {
    const s = scripted({ errors: [[0]] });
    const report = await runAnalysis(
      spec('  - {name: errors, query: errors, successCondition: result < 0.01, interval: 10s}'),
      {
        phase: 'bake',
        target,
        prometheus,
        windowMs: 60_000,
        ...s,
      },
    );
    expect(report.verdict).toBe('successful');
    expect(report.metrics[0]?.measurements).toHaveLength(7);
  });

  it('runs only the metrics of the phase', async () => {
    const s = scripted({ a: [[0]], b: [[0]] });
    const report = await runAnalysis(
      spec(
        '  - {name: a, query: a, successCondition: result < 1, count: 1, phases: [bake]}\n  - {name: b, query: b, successCondition: result < 1, count: 1}',
      ),
      { phase: 'preview', target, prometheus, ...s },
    );
    expect(report.metrics.map((m) => m.name)).toEqual(['b']);
  });
});

describe('the Prometheus client', () => {
  let server: Server;
  let seen: IncomingMessage[] = [];
  let reply: (url: URL) => { status: number; body: string } | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      const answer = reply(new URL(request.url ?? '/', 'http://x'));
      if (!answer) return; // silent: the client's deadline must end the wait
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen = [];
  });
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;

  it('sends an instant query with a bearer token and reads a vector', async () => {
    reply = () => ({
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { a: '1' }, value: [1, '0.25'] },
            { metric: {}, value: [1, 'NaN'] },
          ],
        },
      }),
    });
    const answer = await queryPrometheus({ url: url(), token: 's3cret', timeoutMs: 2000 }, 'up{a="1"}');
    expect(answer.values[0]).toBe(0.25);
    expect(answer.values[1]).toBeNaN();
    expect(answer.series[0]).toEqual({ a: '1' });
    expect(seen[0]?.url).toBe('/prom/api/v1/query?query=up%7Ba%3D%221%22%7D');
    expect(seen[0]?.headers.authorization).toBe('Bearer s3cret');
  });

  it('sends basic auth and reads a scalar', async () => {
    reply = () => ({
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '+Inf'] } }),
    });
    const answer = await queryPrometheus(
      { url: url(), username: 'u', password: 'p', timeoutMs: 2000 },
      'vector(1)',
    );
    expect(answer.values).toEqual([Number.POSITIVE_INFINITY]);
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('names a bad query, a range vector and refused credentials', async () => {
    reply = () => ({
      status: 400,
      body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }),
    });
    await expect(queryPrometheus({ url: url(), timeoutMs: 2000 }, 'up{')).rejects.toMatchObject({
      kind: 'bad-query',
      message: expect.stringContaining('parse error'),
    });
    reply = () => ({
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }),
    });
    await expect(queryPrometheus({ url: url(), timeoutMs: 2000 }, 'up[5m]')).rejects.toThrow(
      'not an instant vector or scalar',
    );
    reply = () => ({ status: 401, body: '{}' });
    await expect(queryPrometheus({ url: url(), timeoutMs: 2000 }, 'up')).rejects.toThrow(
      'refused the credentials (HTTP 401)',
    );
  });

  it('gives up on a silent server at its deadline', async () => {
    reply = () => undefined;
    await expect(queryPrometheus({ url: url(), timeoutMs: 300 }, 'up')).rejects.toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('no answer within 300 ms'),
    });
  });
});
