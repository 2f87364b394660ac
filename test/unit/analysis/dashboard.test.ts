// The Grafana dashboard shipped in docs/dashboards: valid JSON Grafana can import, every panel with a
// Prometheus query, and every query using only the dashboard's variables and the series the suite defines
// (the example app's exposition and the deploy metrics).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { type: string; uid: string } }>;
}

const dashboard = JSON.parse(
  readFileSync(path.join(repoRoot, 'docs', 'dashboards', 'swiss-deploy.json'), 'utf8'),
) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string }> };
};

const queries = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);
const SERIES = [
  'http_requests_total',
  'http_request_duration_seconds_bucket',
  'app_info',
  'swiss_deploy_deployments_total',
  'swiss_deploy_last_duration_seconds',
  'swiss_deploy_revision',
];
const FUNCTIONS = new Set(['sum', 'rate', 'histogram_quantile', 'increase', 'max', 'by', 'label_values']);
const GRAFANA_VARIABLES = new Set(['__rate_interval', '__range']);

describe('the Grafana dashboard', () => {
  it('is a dashboard Grafana imports: uid, title, schema version, unique panel ids on a 24-column grid', () => {
    expect(dashboard.uid).toBe('swiss-deploy-app');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
  });

  it('gives every panel but the rows a Prometheus query through the datasource variable', () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({
        panel: panel.title,
        datasource: { type: 'prometheus', uid: '${datasource}' },
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('covers the app RED metrics and the deploy metrics', () => {
    const all = queries.map((q) => q.expr).join('\n');
    for (const series of SERIES) expect(all).toContain(series);
    expect(all).toMatch(/code=~"5\.\."/);
    expect(all).toContain('histogram_quantile(0.95');
  });

  it.each(queries)(
    '$panel: balanced, selects by namespace and app, uses only known names and variables',
    ({ expr }) => {
      const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
      const stack: string[] = [];
      for (const c of expr.replace(/"[^"]*"/g, '""')) {
        if ('({['.includes(c)) stack.push(c);
        else if (c in pairs) expect(stack.pop()).toBe(pairs[c]);
      }
      expect(stack).toEqual([]);
      expect(expr).toContain('namespace="$namespace",app="$app"');
      const variables = [...expr.matchAll(/\$(\w+)/g)].map((m) => m[1] as string);
      const defined = new Set(dashboard.templating.list.map((v) => v.name));
      expect(variables.filter((v) => !defined.has(v) && !GRAFANA_VARIABLES.has(v))).toEqual([]);
      const names = [
        ...expr
          .replace(/"[^"]*"/g, '""')
          .replace(/\{[^}]*\}/g, '{}')
          .replace(/\[[^\]]*\]/g, '[]')
          .matchAll(/\b([a-z_][a-z0-9_]*)\b/g),
      ]
        .map((m) => m[1] as string)
        .filter(
          (n) => !FUNCTIONS.has(n) && !['color', 'le', 'code', 'outcome', 'version', 'revision'].includes(n),
        );
      expect(names.filter((n) => !SERIES.includes(n))).toEqual([]);
    },
  );
});
