import { parseJsonPath, valueAt } from '../../../packages/smoke/json-path';
import { percentile, summariseLatencies } from '../../../packages/smoke/percentiles';
import { unmetExpectations } from '../../../packages/smoke/expectations';
import { closest } from '../../../packages/smoke/suggest';
import type { Expectations, ProbeResponse } from '../../../packages/smoke/types';

function response(overrides: Partial<ProbeResponse> = {}): ProbeResponse {
  return {
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      status: 'ok',
      version: '1.2.3',
      items: [{ name: 'a' }, { name: 'b' }],
      ready: true,
    }),
    bodyTruncated: false,
    latencyMs: 12,
    url: 'http://127.0.0.1:1/health',
    redirects: [],
    ...overrides,
  };
}

const none: Expectations = {
  status: [{ min: 200, max: 299, text: '2xx' }],
  bodyContains: [],
  bodyMatches: [],
  json: [],
  headers: [],
};

describe('unmetExpectations', () => {
  it('passes a response that meets every expectation', () => {
    expect(
      unmetExpectations(
        {
          status: [{ min: 200, max: 200, text: '200' }],
          bodyContains: ['"status":"ok"'],
          bodyMatches: [/version":"1\.\d+/],
          json: [
            { path: '$.items[-1].name', equals: 'b' },
            { path: 'ready', equals: true },
            { path: '$.items[0]', equals: { name: 'a' } },
          ],
          headers: [
            { name: 'content-type', matches: /^application\/json/ },
            { name: 'x-debug', present: false },
          ],
          maxLatencyMs: 50,
        },
        response(),
      ),
    ).toEqual([]);
  });

  it('reports a wrong status alone: an error page says nothing about the body', () => {
    expect(
      unmetExpectations(
        {
          ...none,
          status: [
            { min: 200, max: 200, text: '200' },
            { min: 204, max: 204, text: '204' },
          ],
          bodyContains: ['healthy'],
        },
        response({ status: 503, statusText: 'Service Unavailable', body: 'down' }),
      ),
    ).toEqual(['expected status 200 or 204, got 503 Service Unavailable']);
  });

  it('says what was expected and what came back, for each miss', () => {
    expect(
      unmetExpectations(
        {
          status: [{ min: 200, max: 200, text: '200' }],
          bodyContains: ['healthy'],
          bodyMatches: [/^\{"status":"up"/],
          json: [
            { path: '$.version', equals: '2.0.0' },
            { path: '$.missing', equals: 1 },
          ],
          headers: [
            { name: 'content-type', equals: 'application/json' },
            { name: 'x-version', present: true },
          ],
          maxLatencyMs: 5,
        },
        response(),
      ),
    ).toEqual([
      'expected the body to contain "healthy"',
      'expected the body to match /^\\{"status":"up"/',
      'expected $.version to be "2.0.0", got "1.2.3"',
      'expected $.missing to be 1, but the body has no $.missing',
      'expected header content-type to be "application/json", got "application/json; charset=utf-8"',
      'expected header x-version, got none',
      'expected an answer within 5ms, took 12ms',
    ]);
  });

  it('reports a body that is not JSON once, naming its content type', () => {
    expect(
      unmetExpectations(
        {
          ...none,
          json: [
            { path: '$.a', equals: 1 },
            { path: '$.b', equals: 2 },
          ],
        },
        response({ body: '<html>', headers: { 'content-type': 'text/html' } }),
      ),
    ).toEqual(['expected a JSON body for $.a, $.b, got something else (text/html)']);
  });

  it('can leave the latency budget to the load gate', () => {
    expect(unmetExpectations({ ...none, maxLatencyMs: 1 }, response(), { latency: false })).toEqual([]);
  });
});

describe('JSON paths', () => {
  it('read dots, indexes, quoted keys and negative indexes', () => {
    expect(parseJsonPath('$.a[\'b c\'][0]["d"]')).toEqual({ steps: ['a', 'b c', 0, 'd'] });
    expect(parseJsonPath('a.b[-1]')).toEqual({ steps: ['a', 'b', -1] });
    expect(parseJsonPath('$')).toEqual({ steps: [] });
    expect(parseJsonPath('$.a[x]')).toEqual({ error: 'cannot read "[x]" in JSON path "$.a[x]"' });
  });

  it('find values, and tell a missing step from a null value', () => {
    const doc = { a: { b: [1, null] } };
    expect(valueAt(doc, ['a', 'b', 1])).toEqual({ found: true, value: null });
    expect(valueAt(doc, ['a', 'b', 2])).toEqual({ found: false });
    expect(valueAt(doc, ['a', 'c'])).toEqual({ found: false });
    expect(valueAt(doc, ['a', 'b', 'length'])).toEqual({ found: false });
  });
});

describe('percentiles (nearest rank)', () => {
  it('are latencies that were really measured', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('do not depend on the order of the samples', () => {
    expect(percentile([30, 10, 20, 40], 50)).toBe(20);
    expect(percentile([30, 10, 20, 40], 95)).toBe(40);
    expect(summariseLatencies([1.4, 2.6, 3.5])).toEqual({ count: 3, p50: 3, p95: 4, p99: 4, max: 4 });
  });
});

describe('closest', () => {
  it('suggests a likely typo and nothing for a stranger', () => {
    expect(closest('staus', ['status', 'headers'])).toBe('status');
    expect(closest('max_latency', ['max-latency', 'json'])).toBe('max-latency');
    expect(closest('consecutive-sucesses', ['consecutive-successes'])).toBe('consecutive-successes');
    expect(closest('frobnicate', ['status', 'headers'])).toBeUndefined();
  });
});
