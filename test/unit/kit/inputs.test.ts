import { InputError, input, parseInputs } from '@swiss-deploy/kit';
import { inputEnvName } from '../../../packages/kit/inputs';
import { aliasBomb } from '../../support/yaml-bombs';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return [...error.problems];
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('inputEnvName', () => {
  it('names variables as the runner does: spaces to underscores, upper case, hyphens kept', () => {
    expect(inputEnvName('cache-from')).toBe('INPUT_CACHE-FROM');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });
});

describe('parseInputs', () => {
  it('returns one typed object keyed by the action.yml names', () => {
    const values = parseInputs(
      {
        'image-name': input.string({ required: true }),
        push: input.boolean({ default: 'true' }),
        replicas: input.integer({ min: 0, max: 10, default: '2' }),
        timeout: input.duration({ default: '10m' }),
        tags: input.list(),
        promotion: input.enum(['auto', 'manual'], { default: 'auto' }),
        values: input.yaml({ shape: 'object' }),
      },
      {
        'INPUT_IMAGE-NAME': 'ghcr.io/swiss/app',
        INPUT_PUSH: 'false',
        INPUT_TIMEOUT: '1h30m',
        INPUT_TAGS: 'a, b\nc',
        INPUT_PROMOTION: 'Manual',
        INPUT_VALUES: 'replicas: 3\nimage: {tag: x}',
      },
    );
    expect(values).toEqual({
      'image-name': 'ghcr.io/swiss/app',
      push: false,
      replicas: 2,
      timeout: 90 * 60_000,
      tags: ['a', 'b', 'c'],
      promotion: 'manual',
      values: { replicas: 3, image: { tag: 'x' } },
    });
  });

  it('leaves optional inputs without a default undefined and lists empty', () => {
    const values = parseInputs({ name: input.string(), tags: input.list() }, {});
    expect(values.name).toBeUndefined();
    expect(values.tags).toEqual([]);
  });

  it('names the input, the bad value and what is allowed, for every bad input at once', () => {
    const problems = problemsOf(() =>
      parseInputs(
        {
          replicas: input.integer({ min: 0, max: 10 }),
          timeout: input.duration(),
          promotion: input.enum(['auto', 'manual']),
          push: input.boolean(),
          app: input.string({ required: true }),
        },
        { INPUT_REPLICAS: '11', INPUT_TIMEOUT: '5 minutes', INPUT_PROMOTION: 'yolo', INPUT_PUSH: 'yes' },
      ),
    );
    expect(problems).toEqual([
      'Input "replicas" is "11": expected a whole number from 0 to 10.',
      'Input "timeout" is "5 minutes": expected a duration such as 90s, 5m or 1h30m.',
      'Input "promotion" is "yolo": expected one of "auto", "manual".',
      'Input "push" is "yes": expected true or false.',
      'Input "app" is required: expected one line of text.',
    ]);
  });

  it('asks for one of a set of inputs when none is given, with the other problems', () => {
    const target = input.oneOf('Give the check something to test');
    const specs = {
      url: input.string({ oneOf: target }),
      service: input.string({ oneOf: target }),
      retries: input.integer({ min: 0 }),
    };
    expect(problemsOf(() => parseInputs(specs, { INPUT_RETRIES: '-1' }))).toEqual([
      'Input "retries" is "-1": expected a whole number ≥ 0.',
      'Give the check something to test: "url" or "service".',
    ]);
    expect(parseInputs(specs, { INPUT_SERVICE: 'shop/web:80' }).service).toBe('shop/web:80');
  });

  it('counts a default as given for a set of inputs', () => {
    const target = input.oneOf('Give a target');
    const specs = { a: input.string({ oneOf: target }), b: input.string({ oneOf: target, default: 'x' }) };
    expect(parseInputs(specs, {})).toEqual({ a: undefined, b: 'x' });
  });

  it('asks for a unit when a duration is a bare number', () => {
    expect(problemsOf(() => parseInputs({ timeout: input.duration() }, { INPUT_TIMEOUT: '90' }))).toEqual([
      'Input "timeout" is "90": expected a duration such as 90s, 5m or 1h30m (add a unit, e.g. 90s).',
    ]);
  });

  it('enforces duration bounds', () => {
    const spec = { timeout: input.duration({ min: '1s', max: '1h' }) };
    expect(problemsOf(() => parseInputs(spec, { INPUT_TIMEOUT: '2h' }))[0]).toContain(
      'between 1.0s and 1h 00m',
    );
    expect(parseInputs(spec, { INPUT_TIMEOUT: '59m' }).timeout).toBe(59 * 60_000);
  });

  it('keeps commas inside items when a list is newline-separated', () => {
    const values = parseInputs(
      { set: input.list({ separator: 'newline' }) },
      { INPUT_SET: 'env={a,b}\n# a comment\n\nlabels.team=x,y' },
    );
    expect(values.set).toEqual(['env={a,b}', 'labels.team=x,y']);
  });

  it('checks each list item', () => {
    const spec = {
      args: input.list({
        separator: 'newline',
        item: (item) => (item.includes('=') ? undefined : 'is not KEY=VALUE'),
        itemAllowed: 'KEY=VALUE',
      }),
    };
    expect(problemsOf(() => parseInputs(spec, { INPUT_ARGS: 'A=1\nB' }))).toEqual([
      'Input "args" is "A=1 B": expected one item per line, each KEY=VALUE (item "B" is not KEY=VALUE).',
    ]);
  });

  it('reports where YAML is malformed', () => {
    const [problem] = problemsOf(() =>
      parseInputs({ values: input.yaml() }, { INPUT_VALUES: 'a: 1\nb: [1, 2\n' }),
    );
    expect(problem).toMatch(/^Input "values" is .*: expected YAML or JSON \(.*line \d+, column \d+\)\.$/);
  });

  it('refuses a YAML value of the wrong shape', () => {
    expect(
      problemsOf(() => parseInputs({ values: input.yaml({ shape: 'object' }) }, { INPUT_VALUES: '- a' })),
    ).toEqual(['Input "values" is "- a": expected a YAML or JSON mapping (the top level is not a mapping).']);
  });

  it('never prints a secret input in its error', () => {
    const problems = problemsOf(() =>
      parseInputs(
        { password: input.string({ secret: true, pattern: /^\S+$/, allowed: 'no spaces' }) },
        { INPUT_PASSWORD: 'hunter two' },
      ),
    );
    expect(problems).toEqual(['Input "password" is "***": expected no spaces.']);
  });

  it('never prints the password of a URL it refuses, and keeps the rest of the URL to see what is wrong', () => {
    const url = input.string({ pattern: /^https?:\/\/[^\s/]+\/?$/, allowed: 'a base URL (no path)' });
    const problems = problemsOf(() =>
      parseInputs(
        { 'smoke-url': url, mirror: url },
        {
          'INPUT_SMOKE-URL': 'https://admin:s3cr3t-pw@shop.example.com/healthz',
          INPUT_MIRROR: 'see http://:tok@127.0.0.1:9/x\nand ftp://u:p%40ss@h/',
        },
      ),
    );
    expect(problems).toEqual([
      'Input "smoke-url" is "https://admin:***@shop.example.com/healthz": expected a base URL (no path).',
      'Input "mirror" is "see http://:***@127.0.0.1:9/x and ftp://u:***@h/": expected a base URL (no path) (it holds a line break; this input takes one line).',
    ]);
  });

  it('parses defaults with the same rules as user text', () => {
    expect(parseInputs({ wait: input.duration({ default: '90s' }) }, {}).wait).toBe(90_000);
  });

  it('accepts exactly the boolean words the runner accepts', () => {
    const spec = { flag: input.boolean() };
    for (const word of ['true', 'True', 'TRUE'])
      expect(parseInputs(spec, { INPUT_FLAG: word }).flag).toBe(true);
    for (const word of ['false', 'False', 'FALSE'])
      expect(parseInputs(spec, { INPUT_FLAG: word }).flag).toBe(false);
    for (const word of ['1', 'yes', 'on'])
      expect(() => parseInputs(spec, { INPUT_FLAG: word })).toThrow(InputError);
  });

  it('refuses a line break in a single-line string input, naming the input and what is allowed', () => {
    const spec = {
      chart: input.string(),
      'smoke-path': input.string({ pattern: /^\//, allowed: 'a path starting with /' }),
    };
    expect(
      problemsOf(() =>
        parseInputs(spec, {
          INPUT_CHART: 'charts/app\n::set-output name=x::y',
          'INPUT_SMOKE-PATH': '/healthz\r\n- url: http://evil',
        }),
      ),
    ).toEqual([
      'Input "chart" is "charts/app ::set-output name=x::y": expected one line of text (it holds a line break; this input takes one line).',
      'Input "smoke-path" is "/healthz - url: http://evil": expected a path starting with / (it holds a line break; this input takes one line).',
    ]);
  });

  it('keeps line breaks in inputs declared multi-line, and in secrets such as a kubeconfig', () => {
    const spec = {
      checks: input.string({ multiline: true }),
      kubeconfig: input.string({ secret: true }),
    };
    const values = parseInputs(spec, {
      INPUT_CHECKS: '- path: /\n- path: /ready',
      INPUT_KUBECONFIG: 'apiVersion: v1\nkind: Config',
    });
    expect(values.checks).toBe('- path: /\n- path: /ready');
    expect(values.kubeconfig).toBe('apiVersion: v1\nkind: Config');
  });

  it('names the alias limit when a YAML input is an alias bomb', () => {
    const [problem] = problemsOf(() => parseInputs({ values: input.yaml() }, { INPUT_VALUES: aliasBomb() }));
    expect(problem).toMatch(
      /^Input "values" is .*: expected YAML or JSON \(it expands more than 100 aliases, the limit that stops an alias bomb .*at line 1\)\.$/,
    );
  });
});
