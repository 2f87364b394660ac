import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '@swiss-deploy/kit';
import { planSmokeTest } from '@swiss-deploy/smoke';
import { isInlineChecks, type SmokeSettings } from '../../../packages/smoke/plan';
import { parseLoadSpec } from '../../../packages/smoke/load-spec';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'smoke-plan-'));
writeFileSync(path.join(workspace, 'checks.yml'), '- path: /healthz\n');
writeFileSync(path.join(workspace, 'not-a-cert.pem'), 'hello\n');

function symlinkOnce(target: string, link: string): void {
  if (!existsSync(link)) symlinkSync(target, link);
}

const base: SmokeSettings = {
  headers: [],
  timeoutMs: 10_000,
  intervalMs: 2000,
  retries: 10,
  consecutiveSuccesses: 1,
  concurrency: 4,
  insecure: false,
  workspace,
};

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('planSmokeTest', () => {
  it.each([
    ['checks', { checks: '../outside-checks.yml' }],
    ['checks', { checks: '/etc/hostname' }],
    ['ca-file', { url: 'https://shop.example.test/', caFile: '/etc/ssl/certs/ca-certificates.crt' }],
    ['ca-file', { url: 'https://shop.example.test/', caFile: 'escape/passwd' }],
  ])('keeps the %s file inside the workspace: %j', (input, settings) => {
    symlinkOnce('/etc', path.join(workspace, 'escape'));
    const given = 'checks' in settings ? settings.checks : settings.caFile;
    expect(message(() => planSmokeTest({ url: 'http://127.0.0.1:1', ...base, ...settings }))).toMatch(
      new RegExp(`^Input "${input}" is "${given}": it must stay inside the workspace ${workspace}[ .]`),
    );
  });

  it('reads a checks file an earlier step wrote into RUNNER_TEMP', () => {
    const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'smoke-runner-temp-'));
    writeFileSync(path.join(runnerTemp, 'generated.yml'), '- path: /generated\n');
    const checks = path.join(runnerTemp, 'generated.yml');
    const plan = planSmokeTest({ ...base, url: 'http://127.0.0.1:1', checks, runnerTemp });
    expect(plan.checks.map((c) => c.target)).toEqual(['/generated']);
    expect(message(() => planSmokeTest({ ...base, url: 'http://127.0.0.1:1', checks }))).toContain(
      'it must stay inside the workspace',
    );
  });

  it('makes one GET check expecting 2xx or 3xx of a bare url', () => {
    const plan = planSmokeTest({ ...base, url: 'https://shop.example.test/' });
    expect(plan.target).toEqual({ kind: 'url', baseUrl: 'https://shop.example.test/' });
    expect(plan.checks).toHaveLength(1);
    expect(plan.checks[0]).toMatchObject({
      method: 'GET',
      target: 'https://shop.example.test/',
      followRedirects: true,
    });
    expect(plan.checks[0]?.expect.status).toEqual([{ min: 200, max: 399, text: '2xx or 3xx' }]);
  });

  it('reads the checks from a file in the workspace, or inline YAML', () => {
    const fromFile = planSmokeTest({ ...base, url: 'http://127.0.0.1:1', checks: 'checks.yml' });
    expect(fromFile.checksSource).toBe('checks.yml');
    expect(fromFile.checks[0]?.location).toEqual({ file: 'checks.yml', line: 1, column: 3 });
    const inline = planSmokeTest({ ...base, url: 'http://127.0.0.1:1', checks: '- path: /a\n- path: /b' });
    expect(inline.checks.map((c) => c.target)).toEqual(['/a', '/b']);
    expect(isInlineChecks('checks/smoke.yml')).toBe(false);
    expect(isInlineChecks('[{path: /}]')).toBe(true);
  });

  it('plans a port-forward for a service, with GET / when there are no checks', () => {
    const plan = planSmokeTest({ ...base, service: 'shop/web-preview:http', kubeconfig: '/k' });
    expect(plan.target).toEqual({ kind: 'service', service: 'shop/web-preview:http', kubeconfig: '/k' });
    expect(plan.checks[0]).toMatchObject({ name: 'GET / on shop/web-preview:http', target: '' });
  });

  it('adds the headers input to every check and masks credentials', () => {
    const plan = planSmokeTest({
      ...base,
      url: 'http://127.0.0.1:1',
      checks: '- path: /a',
      headers: ['Authorization: Bearer abc-secret-1', 'X-Env: ci'],
    });
    expect(plan.checks[0]?.headers).toEqual({ Authorization: 'Bearer abc-secret-1', 'X-Env': 'ci' });
  });

  it('refuses what it cannot run, before any request', () => {
    expect(message(() => planSmokeTest(base))).toContain('"url", "checks" or "service"');
    expect(message(() => planSmokeTest({ ...base, url: 'http://a.test', service: 'a/b:80' }))).toContain(
      'give one',
    );
    expect(message(() => planSmokeTest({ ...base, service: 'web:80' }))).toContain(
      'expected namespace/name:port',
    );
    expect(message(() => planSmokeTest({ ...base, checks: '- path: /a\n- url: http://x.test/' }))).toBe(
      'Check "GET /a" has a path but no base to resolve it against.',
    );
    expect(message(() => planSmokeTest({ ...base, checks: 'missing.yml', url: 'http://x.test' }))).toContain(
      'names missing.yml, which does not exist',
    );
    expect(
      message(() => planSmokeTest({ ...base, url: 'http://x.test', caFile: 'not-a-cert.pem' })),
    ).toContain('holds no PEM certificate');
    expect(message(() => planSmokeTest({ ...base, url: 'http://x.test', headers: ['no colon'] }))).toContain(
      'line 1 is not "Name: value"',
    );
    expect(message(() => planSmokeTest({ ...base, url: 'http://x.test', hostHeader: 'a b' }))).toContain(
      'host-header',
    );
  });
});

describe('parseLoadSpec', () => {
  it('reads requests, rate, error rate as fraction or percent, and the p95 budget', () => {
    expect(
      parseLoadSpec({ requests: 200, rate: '50/s', 'max-error-rate': '1%', 'p95-budget': '300ms' }),
    ).toEqual({
      requests: 200,
      rate: 50,
      maxErrorRate: 0.01,
      p95BudgetMs: 300,
    });
    expect(parseLoadSpec({ requests: 10, 'max-error-rate': 0.05 })).toEqual({
      requests: 10,
      rate: undefined,
      maxErrorRate: 0.05,
      p95BudgetMs: undefined,
    });
  });

  it('names unknown fields and bad values, and refuses a burst over the limits', () => {
    expect(message(() => parseLoadSpec({ requests: 10, 'p95-budgte': '1s', rate: 0 }))).toBe(
      [
        'Input "load" has 2 problems:',
        '  - unknown field "p95-budgte": did you mean "p95-budget"?',
        '  - "rate" is 0: expected requests per second, more than 0 and at most 1000',
      ].join('\n'),
    );
    expect(message(() => parseLoadSpec({ rate: 5 }))).toContain('"requests" is required');
    expect(message(() => parseLoadSpec({ requests: 100000 }))).toContain('from 1 to 10000');
    expect(message(() => parseLoadSpec({ requests: 10000, rate: 1 }))).toContain(
      'longer than the 10 minutes allowed',
    );
    expect(message(() => parseLoadSpec({ requests: 10, 'p95-budget': 300 }))).toContain(
      'add a unit, e.g. 300ms',
    );
  });
});
