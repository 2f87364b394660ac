// The check engine against real HTTP(S) servers on loopback: retries, expectations, TLS, redirects, load.
import * as os from 'node:os';
import { planSmokeTest, runSmokeTest, describeFailure, type SmokeReport } from '@swiss-deploy/smoke';
import type { SmokeSettings } from '../../../packages/smoke/plan';
import {
  freePort,
  json,
  makeCertificates,
  startServer,
  text,
  type TestCertificates,
  type TestServer,
} from '../../fixtures/smoke/servers';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

interface Run {
  report: SmokeReport;
  info: string[];
  warnings: string[];
  failure: string;
}

/** Plans and runs a smoke test the way the action does, with quick retries, and keeps the log. */
async function smoke(settings: Partial<SmokeSettings>): Promise<Run> {
  const info: string[] = [];
  const warnings: string[] = [];
  const plan = planSmokeTest({
    headers: [],
    timeoutMs: 2000,
    intervalMs: 50,
    retries: 3,
    consecutiveSuccesses: 1,
    concurrency: 4,
    insecure: false,
    workspace: os.tmpdir(),
    ...settings,
  });
  const report = await runSmokeTest(plan, {
    log: { info: (line) => info.push(line), warning: (line) => warnings.push(line) },
  });
  const failure = report.results
    .filter((r) => !r.passed)
    .map(describeFailure)
    .join('\n');
  return { report, info, warnings, failure };
}

describe('smoke checks against real servers', () => {
  it('passes a healthy service at the first try', async () => {
    const server = await serve((_req, res) => text(res, 200, 'ok'));
    const { report, info } = await smoke({ url: server.url });
    expect(report.passed).toBe(true);
    expect(report.results[0]?.tries).toBe(1);
    expect(report.requests).toBe(1);
    expect(report.p50).toEqual(expect.any(Number));
    expect(info).toEqual([
      expect.stringMatching(/^✓ http:\/\/127\.0\.0\.1:\d+: passed on try 1 \(200 OK in \d+ms\)$/),
    ]);
  });

  it('retries a service that answers 503 while it warms up, until it is ready', async () => {
    const server = await serve((_req, res, n) =>
      n <= 3 ? text(res, 503, 'warming up') : text(res, 200, 'ok'),
    );
    const { report, info } = await smoke({ url: server.url, retries: 5 });
    expect(report.passed).toBe(true);
    expect(report.results[0]?.tries).toBe(4);
    // One line per change, not per try.
    expect(info).toHaveLength(2);
    expect(info[0]).toMatch(/try 1: 503 Service Unavailable in \d+ms: expected status 2xx or 3xx, got 503/);
    expect(info[1]).toMatch(/passed on try 4/);
  });

  it('keeps trying while the connection is refused, until the server starts', async () => {
    const port = await freePort();
    const starting = new Promise<void>((resolve) =>
      setTimeout(() => {
        void serve((_req, res) => text(res, 200, 'ok'), { port }).then(() => resolve());
      }, 700),
    );
    const { report, info } = await smoke({
      url: `http://127.0.0.1:${port}/healthz`,
      retries: 40,
      intervalMs: 100,
    });
    await starting;
    expect(report.passed).toBe(true);
    expect(report.results[0]?.tries).toBeGreaterThan(2);
    expect(info[0]).toMatch(/try 1: connection refused \(after \d+ms\)/);
  });

  it('needs consecutive successes from a flapping service, and fails one that keeps flapping', async () => {
    const flapping = await serve((_req, res, n) =>
      n % 2 === 1 ? text(res, 200, 'ok') : text(res, 500, 'boom'),
    );
    const failed = await smoke({ url: flapping.url, consecutiveSuccesses: 3, retries: 4 });
    expect(failed.report.passed).toBe(false);
    expect(failed.report.results[0]?.tries).toBe(10); // ok, 500 ×5: the fifth failure ends it
    expect(failed.failure).toContain('Needed 3 passes in a row; the longest run was 1.');

    const settling = await serve((_req, res, n) =>
      n <= 4 && n % 2 === 0 ? text(res, 500, 'boom') : text(res, 200, 'ok'),
    );
    const passed = await smoke({ url: settling.url, consecutiveSuccesses: 3, retries: 4 });
    expect(passed.report.passed).toBe(true);
    expect(passed.report.results[0]?.tries).toBe(7); // ok 500 ok 500 ok ok ok
  });

  it('fails on a 500 after every retry, saying what came back', async () => {
    const server = await serve((_req, res) => text(res, 500, 'database connection pool exhausted'));
    const { report, failure } = await smoke({ url: server.url, retries: 2 });
    expect(report.passed).toBe(false);
    expect(report.failedChecks).toEqual([server.url]);
    expect(report.requests).toBe(3);
    expect(failure).toMatch(
      new RegExp(`^Check "${server.url}" failed after 3 tries in [\\d.]+m?s: GET ${server.url}\\n`),
    );
    expect(failure).toContain('  expected status 2xx or 3xx, got 500 Internal Server Error\n');
    expect(failure).toMatch(
      / {2}Got 500 Internal Server Error in \d+ms, body: "database connection pool exhausted"$/,
    );
  });

  it('fails on a wrong body, with an excerpt of the body it got', async () => {
    const server = await serve((_req, res) =>
      text(res, 200, `<html><body>Down for maintenance ${'.'.repeat(400)}</body></html>`),
    );
    const { report, failure } = await smoke({
      url: server.url,
      checks: '- path: /\n  expect:\n    body-contains: Welcome\n    body-matches: /shop/i',
      retries: 1,
    });
    expect(report.passed).toBe(false);
    expect(failure).toContain('expected the body to contain "Welcome"');
    expect(failure).toContain('expected the body to match /shop/i');
    expect(failure).toMatch(/body: "<html><body>Down for maintenance \.+…"/);
  });

  it('fails on a JSON value that does not match', async () => {
    const server = await serve((_req, res) => json(res, 200, { version: '1.0.0', ready: true }));
    const { report, failure } = await smoke({
      url: server.url,
      checks: [
        '- name: version',
        '  path: /version',
        '  expect:',
        '    json:',
        '      $.version: 2.0.0',
        '      $.ready: true',
      ].join('\n'),
      retries: 0,
    });
    expect(report.passed).toBe(false);
    expect(failure).toContain('Check "version" failed after 1 try');
    expect(failure).toContain('expected $.version to be "2.0.0", got "1.0.0"');
    expect(failure).not.toContain('$.ready');
  });

  it('fails an answer slower than its latency budget', async () => {
    const server = await serve((_req, res) => setTimeout(() => text(res, 200, 'ok'), 300));
    const { report, failure } = await smoke({
      url: server.url,
      checks: '- path: /\n  expect:\n    max-latency: 100ms',
      retries: 1,
    });
    expect(report.passed).toBe(false);
    expect(failure).toMatch(/expected an answer within 100ms, took (\d{3})ms/);
  });

  it('gives up on a try that takes longer than the timeout, and retries it', async () => {
    const server = await serve((_req, res, n) => (n === 1 ? undefined : text(res, 200, 'ok')));
    const { report, info } = await smoke({ url: server.url, timeoutMs: 200 });
    expect(report.passed).toBe(true);
    expect(report.results[0]?.tries).toBe(2);
    expect(info[0]).toContain('try 1: no complete answer within 200ms');
  });

  describe('TLS', () => {
    let certs: TestCertificates;
    beforeAll(() => {
      certs = makeCertificates();
    });

    it('trusts a self-signed certificate through ca-file', async () => {
      const server = await serve((_req, res) => text(res, 200, 'secure ok'), { tls: certs });
      const { report, warnings } = await smoke({ url: server.url, caFile: certs.caFile });
      expect(report.passed).toBe(true);
      expect(warnings).toEqual([]);
    });

    it('fails at once without the CA: no retry mends a certificate', async () => {
      const server = await serve((_req, res) => text(res, 200, 'secure ok'), { tls: certs });
      const { report, failure } = await smoke({ url: server.url, retries: 5 });
      expect(report.results[0]?.tries).toBe(1);
      expect(failure).toContain('TLS verification failed');
      expect(failure).toContain('pass the issuing CA as ca-file');
      expect(failure).toContain('Not tried again');
    });

    it('sends the host header as the TLS server name, and skips verification only when insecure (with a warning)', async () => {
      const server = await serve((req, res) => text(res, 200, `host=${req.headers.host}`), { tls: certs });
      const named = await smoke({
        url: server.url.replace('127.0.0.1', 'localhost'),
        hostHeader: 'app.example.test',
        caFile: certs.caFile,
        checks: '- path: /\n  expect:\n    body-contains: host=app.example.test',
      });
      expect(named.report.passed).toBe(true);
      const insecure = await smoke({ url: server.url, insecure: true });
      expect(insecure.report.passed).toBe(true);
      expect(insecure.warnings).toEqual([expect.stringContaining('TLS certificates are not verified')]);
    });
  });

  describe('redirects', () => {
    it('follows redirects and judges the page they lead to', async () => {
      const server = await serve((req, res) => {
        if (req.url === '/') res.writeHead(302, { Location: '/login' }).end();
        else text(res, 200, 'login page');
      });
      const { report } = await smoke({
        url: server.url,
        checks: '- path: /\n  expect: { status: 200, body-contains: login }',
      });
      expect(report.passed).toBe(true);
    });

    it('detects a redirect loop at the first try, naming the hops', async () => {
      const server = await serve((req, res) =>
        res.writeHead(302, { Location: req.url === '/a' ? '/b' : '/a' }).end(),
      );
      const { report, failure } = await smoke({ url: `${server.url}/a`, retries: 5 });
      expect(report.results[0]?.tries).toBe(1);
      expect(failure).toContain(`redirect loop: ${server.url}/a → ${server.url}/b → ${server.url}/a`);
      expect(failure).toContain('Not tried again');
    });

    it('caps the number of redirects', async () => {
      const server = await serve((req, res) =>
        res.writeHead(301, { Location: `/${Number(req.url?.slice(1) || 0) + 1}` }).end(),
      );
      const { failure } = await smoke({ url: server.url, checks: '- path: /0\n  max-redirects: 3' });
      expect(failure).toContain(
        `more than 3 redirects: ${server.url}/0 → ${server.url}/1 → ${server.url}/2 → ${server.url}/3 → ${server.url}/4`,
      );
    });

    it('keeps a redirect to the virtual host on the same connection target', async () => {
      const server = await serve((req, res) => {
        if (req.url === '/') res.writeHead(302, { Location: `http://shop.example.test/home` }).end();
        else text(res, 200, `${req.headers.host}${req.url}`);
      });
      const { report } = await smoke({
        url: server.url,
        hostHeader: 'shop.example.test',
        checks: '- path: /\n  expect: { body-contains: shop.example.test/home }',
      });
      expect(report.passed).toBe(true);
    });
  });

  it('runs several checks at once and reports each', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/healthz') text(res, 200, 'ok');
      else if (req.url === '/version') json(res, 200, { version: '2.0.0' });
      else text(res, 404, 'not found');
    });
    const { report } = await smoke({
      url: server.url,
      retries: 1,
      checks: [
        '- { name: health, path: /healthz, expect: { body-contains: ok } }',
        '- { name: version, path: /version, expect: { json: { $.version: 2.0.0 } } }',
        '- { name: missing, path: /nope, expect: { status: 200 } }',
      ].join('\n'),
    });
    expect(report.results.map((r) => [r.check.name, r.passed])).toEqual([
      ['health', true],
      ['version', true],
      ['missing', false],
    ]);
    expect(report.failedChecks).toEqual(['missing']);
    expect(report.requests).toBe(4);
  });
});

describe('load mode', () => {
  it('reports p50 and p95 over the requests and passes within its budgets', async () => {
    // Every tenth request is slow: p50 stays small, p95 sees the slow ones.
    const server = await serve((_req, res, n) =>
      setTimeout(() => text(res, 200, 'ok'), n % 10 === 0 ? 120 : 0),
    );
    const { report } = await smoke({
      url: server.url,
      concurrency: 8,
      load: { requests: 100, rate: 400, 'max-error-rate': '1%', 'p95-budget': '2s' },
    });
    expect(report.passed).toBe(true);
    const load = report.load!;
    expect(load.requests).toBe(100);
    expect(load.errors).toBe(0);
    expect(load.p50).toBeLessThan(60);
    expect(load.p95).toBeGreaterThanOrEqual(115);
    expect(report.p50).toBe(load.p50);
    expect(report.p95).toBe(load.p95);
    expect(report.requests).toBe(101);
    expect(server.count).toBe(101);
  });

  it('fails when the error rate is over what is allowed', async () => {
    const server = await serve((_req, res, n) =>
      n > 1 && n % 5 === 0 ? text(res, 503, 'busy') : text(res, 200, 'ok'),
    );
    const { report } = await smoke({ url: server.url, load: { requests: 50, 'max-error-rate': 0.05 } });
    expect(report.passed).toBe(false);
    expect(report.load?.passed).toBe(false);
    expect(report.load?.errors).toBe(10);
    expect(report.load?.problems).toEqual(['error rate 20% (10 of 50) is over the 5% allowed']);
    expect(report.load?.errorSamples[0]).toEqual({
      message: `${server.url}: expected status 2xx or 3xx, got 503 Service Unavailable`,
      count: 10,
    });
  });

  it('fails when p95 is over its budget', async () => {
    const server = await serve((_req, res, n) => setTimeout(() => text(res, 200, 'ok'), n === 1 ? 0 : 60));
    const { report } = await smoke({
      url: server.url,
      concurrency: 10,
      load: { requests: 40, 'p95-budget': '20ms' },
    });
    expect(report.passed).toBe(false);
    expect(report.load?.problems).toEqual([
      expect.stringMatching(/^p95 latency \d+ms is over the 20ms budget$/),
    ]);
  });

  it('does not load a service whose checks failed', async () => {
    const server = await serve((_req, res) => text(res, 500, 'no'));
    const { report, info } = await smoke({ url: server.url, retries: 0, load: { requests: 50 } });
    expect(report.load).toBeUndefined();
    expect(server.count).toBe(1);
    expect(info).toContain('load: skipped, because a check failed');
  });
});
