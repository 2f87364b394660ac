// Every query of the shipped Grafana dashboard is valid PromQL to the real Prometheus, with the dashboard's
// variables filled in as Grafana would.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';

const dashboard = JSON.parse(
  readFileSync(path.join(repoRoot, 'docs', 'dashboards', 'swiss-deploy.json'), 'utf8'),
) as {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
};
const queries = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

describe('the Grafana dashboard against the real Prometheus', () => {
  it.each(queries)('$panel: Prometheus accepts the query', async ({ expr }) => {
    const filled = expr
      .replace(/\$__rate_interval/g, '1m')
      .replace(/\$__range/g, '6h')
      .replace(/\$namespace/g, 'shop')
      .replace(/\$app/g, 'shop-swiss-app');
    const url = new URL('/api/v1/query', testEnv('PROMETHEUS_URL'));
    url.searchParams.set('query', filled);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; error?: string };
    expect({ status: body.status, error: body.error }).toEqual({ status: 'success', error: undefined });
  });
});
