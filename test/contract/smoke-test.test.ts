// The smoke-test bundle run as the runner runs it (Node 24, INPUT_*, file commands) against loopback servers.
import { copyFileSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { json, startServer, text, type TestServer } from '../fixtures/smoke/servers';

const actionDir = path.join(repoRoot, 'actions', 'smoke-test');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'smoke');

/** A workspace holding the fixture checks files, as a checked-out repository would. */
function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smoke-workspace-'));
  for (const name of ['checks.yml', 'malformed.yml.txt', 'unknown-field.yml']) {
    copyFileSync(path.join(fixtures, name), path.join(dir, name));
  }
  return dir;
}

let server: TestServer;
let broken: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/healthz') text(res, 200, 'ok');
    else if (req.url === '/version')
      json(res, 200, {
        version: '1.2.3',
        features: ['blue-green'],
        ready: true,
        sawToken: Boolean(req.headers.authorization),
      });
    else if (req.url === '/orders' && req.method === 'POST') text(res, 201, 'Created order');
    else text(res, 404, 'not found');
  });
  broken = await startServer((req, res) => {
    if (req.url === '/healthz') text(res, 200, 'ok');
    else json(res, 500, { error: 'database down', token: req.headers.authorization ?? null });
  });
});
afterAll(async () => {
  await Promise.all([server.close(), broken.close()]);
});

const quick = { retries: '1', interval: '50ms', timeout: '3s' };

describe('the smoke-test action', () => {
  it('passes a checks file against a healthy service and writes outputs and a summary table', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { url: server.url, checks: 'checks.yml', ...quick },
      env: { SMOKE_TOKEN: 'tok-contract-123' },
    });
    expect(main.exitCode).toBe(0);
    expect(main.annotations).toEqual([]);
    expect(main.outputs).toEqual({
      passed: 'true',
      'failed-checks': '[]',
      p50: expect.stringMatching(/^\d+$/),
      p95: expect.stringMatching(/^\d+$/),
      requests: '4', // health, version twice (two passes in a row), create order
    });
    expect(main.summary).toContain('<h3>Smoke test passed</h3>');
    expect(main.summary).toContain('<td>3 of 3 passed</td>');
    expect(main.summary).toMatch(
      /<tr><td><code>version<\/code><\/td><td>✅ passed<\/td><td>200<\/td><td>\d+ms<\/td><td>2<\/td>/,
    );
    expect(main.log).toContain('::group::3 checks against http://127.0.0.1:');
    expect(main.masks).toEqual(expect.arrayContaining(['tok-contract-123', 'Bearer tok-contract-123']));
  });

  it('fails with one annotation per failed check, on its line, saying what came back; the token stays masked', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: {
        url: broken.url,
        checks: 'checks.yml',
        headers: 'X-Api-Key: key-should-not-leak',
        ...quick,
      },
      env: { SMOKE_TOKEN: 'tok-contract-456' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs.passed).toBe('false');
    expect(JSON.parse(main.outputs['failed-checks'] as string)).toEqual(['version', 'create order']);
    expect(main.outputs.requests).toBe('7'); // the file's defaults allow 2 retries

    const [version, order, summary] = main.annotations;
    expect(version).toMatchObject({
      level: 'error',
      title: 'Smoke check failed: version',
      file: 'checks.yml',
      line: 15,
      column: 5,
    });
    expect(version?.message).toMatch(
      /^Check "version" failed after 3 tries in [\d.]+m?s: GET http:\/\/127\.0\.0\.1:\d+\/version\n/,
    );
    expect(version?.message).toContain(
      '  expected status 200 or 2xx or 200-204, got 500 Internal Server Error',
    );
    expect(version?.message).toContain('  Got 500 Internal Server Error in');
    expect(version?.message).toContain('body: "{\\"error\\":\\"database down\\",\\"token\\":\\"***\\"}"');
    expect(order).toMatchObject({ file: 'checks.yml', line: 30 });
    expect(summary?.message).toMatch(
      /^Smoke test of http:\/\/127\.0\.0\.1:\d+ failed: 2 of 3 checks failed \(version, create order\)\./,
    );
    expect(summary?.message).toContain('Left untouched: everything: the smoke test only sends requests');

    expect(main.summary).toContain('<h3>Smoke test failed</h3>');
    expect(main.summary).toContain('<td>❌ failed</td>');
    expect(main.summary).toContain('<summary>Why "version" failed</summary>');
    for (const secret of ['tok-contract-456', 'key-should-not-leak']) {
      expect(main.log).not.toContain(secret);
      expect(main.summary).not.toContain(secret);
    }
  });

  it('points at the line of a malformed checks file, before sending anything', async () => {
    const before = server.count;
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { url: server.url, checks: 'malformed.yml.txt' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    expect(main.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        file: 'malformed.yml.txt',
        line: 6,
        message: expect.stringMatching(/^malformed\.yml\.txt, line 6: /),
      }),
    ]);
    expect(server.count).toBe(before);
  });

  it('names an unknown field and suggests the one meant', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { url: server.url, checks: 'unknown-field.yml' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]).toMatchObject({ file: 'unknown-field.yml', line: 5 });
    expect(main.annotations[0]?.message).toContain(
      'line 5: unknown field "staus" in "expect" of check 1: did you mean "status"?',
    );
    expect(main.annotations[0]?.message).toContain(
      'line 7: unknown field "pathh" in check 2: did you mean "path"?',
    );
  });

  it('runs the load burst and reports p50, p95 and the request count', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: {
        url: `${server.url}/healthz`,
        load: '{requests: 60, rate: 300, max-error-rate: 0, p95-budget: 2s}',
      },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.requests).toBe('61');
    expect(main.summary).toContain('<h3>Load</h3>');
    expect(main.summary).toMatch(/<td>60<\/td><td>0<\/td><td>0% \(≤ 0%\)<\/td>/);
  });

  describe('credentials in the URL', () => {
    const password = 'pw-in-url-7f3a9c';
    let seen: (string | undefined)[];
    let guarded: TestServer;
    beforeAll(async () => {
      guarded = await startServer((req, res) => {
        seen.push(req.headers.authorization);
        // Failing on purpose, so the name and URL land in the annotations and failed-checks too.
        text(res, 503, 'not yet');
      });
    });
    beforeEach(() => {
      seen = [];
    });
    afterAll(() => guarded.close());

    /** Everything a person or a later step can read: the raw stdout less mask commands, summary, outputs… */
    const readable = (main: Awaited<ReturnType<typeof runAction>>['main']) =>
      [
        main.stdout
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'))
          .join('\n'),
        main.stderr,
        main.summary,
        JSON.stringify(main.outputs),
        JSON.stringify(main.annotations),
        JSON.stringify(main.state),
      ].join('\n');

    it('sends userinfo as Basic auth, as curl does, and shows the password nowhere', async () => {
      const url = `http://ops:${password}@127.0.0.1:${guarded.port}/healthz`;
      const { main } = await runAction({ actionDir, inputs: { url, retries: '1', interval: '10ms' } });
      expect(main.exitCode).toBe(1);
      const basic = `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
      expect(seen).toEqual([basic, basic]);
      expect(main.masks).toEqual(expect.arrayContaining([password]));
      expect(JSON.parse(main.outputs['failed-checks'] as string)).toEqual([
        `http://127.0.0.1:${guarded.port}/healthz`,
      ]);
      const everything = readable(main);
      expect(everything).not.toContain(password);
      expect(everything).not.toContain(basic.slice('Basic '.length));
      expect(everything).not.toContain('ops:');
    });

    it('does the same for a check URL in the checks file', async () => {
      const checks = `- name: guarded\n  url: http://ops:${password}@127.0.0.1:${guarded.port}/x\n`;
      const { main } = await runAction({ actionDir, inputs: { checks, retries: '0' } });
      expect(main.exitCode).toBe(1);
      expect(seen).toEqual([`Basic ${Buffer.from(`ops:${password}`).toString('base64')}`]);
      expect(readable(main)).not.toContain(password);
    });
  });

  it('sends no runner credential or step input a checks file asks for, and names the reference', async () => {
    const before = server.count;
    const checks = 'checks:\n  - name: steal\n    url: ${ACTIONS_RUNTIME_TOKEN}\n';
    const { main } = await runAction({
      actionDir,
      inputs: { url: server.url, checks },
      env: { ACTIONS_RUNTIME_TOKEN: 'runtime-token-canary' },
    });
    expect(main.exitCode).toBe(1);
    expect(server.count).toBe(before);
    expect(main.annotations[0]?.message).toContain(
      'check "steal" "url" uses ${ACTIONS_RUNTIME_TOKEN}, which a checks file may not read',
    );
    expect(main.stdout).not.toContain('runtime-token-canary');
  });

  it('refuses inputs it cannot use, all at once', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: { service: 'web:80', retries: 'lots', load: '{requests: 10}' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toBe(
      [
        '2 inputs are invalid:',
        '  - Input "service" is "web:80": expected namespace/name:port, e.g. shop/web-preview:80.',
        '  - Input "retries" is "lots": expected a whole number from 0 to 1000.',
        'Fix the inputs in the workflow step; nothing was changed.',
      ].join('\n'),
    );
  });
});
