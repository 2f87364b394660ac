// The load generator against real HTTP servers on loopback: it must count what it sends, tell every kind of
// failure, mix kept-alive and fresh connections, and find when answers settled on a version.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { convergedAt, describeFailures, startLoad, strayAfter } from '../../support/load';

let server: http.Server;
let base = '';
let connections = 0;
let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) =>
  res.end('{"version":"v1"}');

beforeAll(async () => {
  server = http.createServer((req, res) => handler(req, res));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  connections = 0;
  handler = (_req, res) => res.end('{"version":"v1"}');
});

const run = async (ms: number, options: Partial<Parameters<typeof startLoad>[0]> = {}) => {
  const load = startLoad({ url: `${base}/`, ratePerSecond: 100, ...options });
  await new Promise((resolve) => setTimeout(resolve, ms));
  return load.stop();
};

describe('the load generator', () => {
  it('sends on a fixed schedule and records every answer with its version', async () => {
    const report = await run(300);
    expect(report.sent).toBe(report.samples.length);
    expect(report.sent).toBeGreaterThanOrEqual(20);
    expect(report.failed).toBe(0);
    expect(new Set(report.samples.map((s) => s.version))).toEqual(new Set(['v1']));
  });

  it('mixes fresh connections into kept-alive ones', async () => {
    const report = await run(300, { freshEvery: 4 });
    const fresh = report.samples.filter((s) => s.fresh).length;
    expect(fresh).toBe(Math.floor(report.sent / 4));
    // Each fresh request is a connection of its own; kept-alive ones share a few.
    expect(connections).toBeGreaterThanOrEqual(fresh);
    expect(connections).toBeLessThan(report.sent);
  });

  it('counts 5xx answers as failures, but not 4xx', async () => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      res.statusCode = n % 5 === 0 ? 503 : n % 7 === 0 ? 404 : 200;
      res.end('v1');
    };
    const report = await run(250);
    expect(report.failed).toBe(report.samples.filter((s) => s.status === 503).length);
    expect(report.failed).toBeGreaterThan(0);
    expect(describeFailures(report)[0]).toMatch(/HTTP 503/);
  });

  it('counts resets and timeouts as failures', async () => {
    let n = 0;
    handler = (req, res) => {
      n++;
      if (n % 4 === 0) req.socket.destroy();
      else if (n % 9 === 0)
        return; // never answers
      else res.end('v1');
    };
    const report = await run(300, { requestTimeoutMs: 150 });
    const reasons = new Set(report.failures.map((f) => f.failure));
    expect(reasons.has('ECONNRESET')).toBe(true);
    expect([...reasons].some((r) => /no answer within 150 ms/.test(r ?? ''))).toBe(true);
  });

  it('counts refused connections as failures', async () => {
    const report = await (async () => {
      const load = startLoad({ url: 'http://127.0.0.1:9/', ratePerSecond: 50, freshEvery: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return load.stop();
    })();
    expect(report.failed).toBe(report.sent);
    expect(report.failures[0]?.failure).toBe('ECONNREFUSED');
  });

  it('finds when the answers settled on a new version, and what strayed after', async () => {
    let version = 'v1';
    handler = (_req, res) => res.end(JSON.stringify({ version }));
    const load = startLoad({ url: `${base}/`, ratePerSecond: 100 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const switched = Date.now() - load.samples()[0]!.startedMs;
    version = 'v2';
    await new Promise((resolve) => setTimeout(resolve, 150));
    const report = await load.stop();
    const settled = convergedAt(report, 'v2');
    expect(settled).toBeDefined();
    expect(convergedAt(report, 'v1')).toBeUndefined();
    expect(strayAfter(report, settled!, 'v2')).toEqual([]);
    expect(strayAfter(report, 0, 'v2').length).toBeGreaterThan(0);
    expect(switched).toBeGreaterThan(0);
  });

  it('refuses a rate it cannot keep and URLs it does not speak', () => {
    expect(() => startLoad({ url: `${base}/`, ratePerSecond: 0 })).toThrow(/ratePerSecond/);
    expect(() => startLoad({ url: 'https://127.0.0.1/', ratePerSecond: 1 })).toThrow(/only http/);
  });
});
