import { YamlError } from '@swiss-deploy/kit';
import { AnalysisSpecError, parseAnalysisSpec, renderQuery } from '../../../packages/analysis/spec';

function problems(text: string): readonly string[] {
  try {
    parseAnalysisSpec(text, { input: 'analysis' });
  } catch (error) {
    if (error instanceof AnalysisSpecError) return error.problems;
    throw error;
  }
  throw new Error('the spec parsed');
}

const good = `
metrics:
  - name: error-ratio
    query: sum(rate(http_requests_total{namespace="\${namespace}",color="\${color}",code=~"5.."}[30s]))
    successCondition: result < 0.01
  - name: p95
    query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app="\${app}"}[1m])))
    failureCondition: result > 0.5
    interval: 2s
    count: 5
    failureLimit: 1
    inconclusiveLimit: 2
    noData: failure
    phases: [bake]
`;

describe('the analysis spec', () => {
  it('reads metrics with their defaults', () => {
    const spec = parseAnalysisSpec(good, { file: 'analysis.yml' });
    expect(spec.source).toBe('analysis.yml');
    expect(
      spec.metrics.map((m) => [
        m.name,
        m.intervalMs,
        m.count,
        m.failureLimit,
        m.inconclusiveLimit,
        m.noData,
        m.phases,
      ]),
    ).toEqual([
      ['error-ratio', 10_000, 3, 0, 0, 'inconclusive', ['preview', 'bake']],
      ['p95', 2000, 5, 1, 2, 'failure', ['bake']],
    ]);
    expect(spec.metrics[0]?.successCondition?.text).toBe('result < 0.01');
    expect(spec.metrics[1]?.failureCondition?.text).toBe('result > 0.5');
  });

  it('reports every problem at once, naming the metric and the field', () => {
    const found = problems(`
metrics:
  - name: Bad_Name
    query: up
    successCondition: result <
  - name: ok
    query: up{x="\${user}"}
    interval: 10
    count: 0
    noData: ignore
    phases: [canary]
    colour: blue
  - name: ok
    query: up
`);
    expect(found).toEqual([
      'metric "Bad_Name": "name" is "Bad_Name": give a lowercase name of letters, digits and "-" (at most 63)',
      'metric "Bad_Name": "successCondition" ("result <") is not a valid condition: the condition ends too early at character 9',
      'metric "ok": unknown field "colour" (allowed: name, query, successCondition, failureCondition, interval, count, failureLimit, inconclusiveLimit, noData, phases)',
      'metric "ok": "query" uses the placeholder ${user}; known ones: ${color}, ${namespace}, ${app}, ${revision}',
      'metric "ok": give a "successCondition", a "failureCondition" or both',
      'metric "ok": "interval" is 10: give a duration from 1.0s to 10m (e.g. 10s)',
      'metric "ok": "count" is 0: give a whole number from 1 to 100',
      'metric "ok": "noData" is "ignore": give one of inconclusive, failure, success',
      'metric "ok": "phases" is ["canary"]: give a list of preview and/or bake',
      'metric "ok": give a "successCondition", a "failureCondition" or both',
    ]);
  });

  it('names the input and refuses what is not a spec', () => {
    expect(() => parseAnalysisSpec('metrics: []', { input: 'analysis' })).toThrow(
      'Input "analysis": "metrics" must be a non-empty list of metrics',
    );
    expect(problems('- up')).toEqual(['it must be a map with a "metrics" list']);
    expect(problems(`metrics: [{name: a, query: up, successCondition: "true"}]\nextra: 1`)).toEqual([
      'unknown field "extra" (a spec has "metrics")',
    ]);
    expect(
      problems(`metrics:\n${'  - {name: m, query: up, successCondition: "true"}\n'.repeat(21)}`)[0],
    ).toBe('"metrics" has 21 entries, at most 20 are allowed');
  });

  it('keeps the YAML limits of the kit (an alias bomb is refused by name)', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ),
      'metrics: *i',
    ].join('\n');
    expect(() => parseAnalysisSpec(bomb, { input: 'analysis' })).toThrow(YamlError);
  });

  it('fills placeholders escaped for a PromQL string, so a value cannot add a matcher', () => {
    const query = 'up{namespace="${namespace}",color="${color}",app="${app}",revision="${revision}"}';
    expect(renderQuery(query, { namespace: 'shop', color: 'green', app: 'web', revision: '7' })).toBe(
      'up{namespace="shop",color="green",app="web",revision="7"}',
    );
    expect(renderQuery(query, { namespace: 'a",x="1', color: 'b\\', app: 'c\nd', revision: '1' })).toBe(
      'up{namespace="a\\",x=\\"1",color="b\\\\",app="c\\nd",revision="1"}',
    );
  });
});
