// The built-in chart's observability conventions rendered by the real helm: health probes, scrape
// annotations, the downward-API identity of each pod, and the PrometheusRule's default alerts, which the
// real promtool must accept.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { prepareChart, renderChart } from '@swiss-deploy/helm';
import { testEnv } from '../../support/env';
import { runOk } from '../env/run';
import { IMAGE_REF, helmHome, plan, realHelm, workspaceWithFixtures } from './harness';

jest.setTimeout(60_000);

const home = helmHome();
const helm = () => realHelm(home.env);
let workspace: string;

beforeAll(() => {
  workspace = workspaceWithFixtures();
});
afterAll(() => home.remove());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered objects are read field by field
type K8s = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: any };

async function render(set: string[]): Promise<K8s[]> {
  const renderPlan = plan(workspace, { set, imageRef: IMAGE_REF });
  const chart = await prepareChart(helm(), renderPlan);
  const rendered = await renderChart(helm(), chart, renderPlan);
  return rendered.documents.map((d) => d.object as unknown as K8s);
}

describe('the chart for Prometheus', () => {
  it('probes /healthz and /readyz, annotates pods for scraping and gives each pod its identity', async () => {
    const objects = await render(['metrics.scrapeAnnotations=true']);
    const deployment = objects.find((o) => o.kind === 'Deployment') as K8s;
    const pod = deployment.spec.template;
    expect(pod.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'prometheus.io/path': '/metrics',
    });
    const container = pod.spec.containers[0];
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const env = Object.fromEntries(
      (
        container.env as Array<{
          name: string;
          value?: string;
          valueFrom?: { fieldRef: { fieldPath: string } };
        }>
      ).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef.fieldPath]),
    );
    expect(env).toEqual({
      APP_NAME: 'shop-swiss-app',
      DEPLOY_COLOR: "metadata.labels['swiss-deploy/color']",
      APP_REVISION: "metadata.labels['swiss-deploy/revision']",
      POD_NAMESPACE: 'metadata.namespace',
    });
  });

  it('renders no annotations, rule or identity when they are turned off', async () => {
    const objects = await render(['deployInfoEnv=false']);
    const deployment = objects.find((o) => o.kind === 'Deployment') as K8s;
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    expect(deployment.spec.template.spec.containers[0].env).toBeUndefined();
    expect(objects.some((o) => o.kind === 'PrometheusRule')).toBe(false);
  });

  it('ships a PrometheusRule with the four default alerts that promtool accepts', async () => {
    const objects = await render(['prometheusRule.enabled=true', 'prometheusRule.errorRatio.for=30s']);
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as K8s;
    const rules = rule.spec.groups[0].rules as Array<{
      alert: string;
      expr: string;
      labels: Record<string, string>;
    }>;
    expect(rules.map((r) => r.alert)).toEqual([
      'AppHighErrorRatio',
      'AppHighLatencyP95',
      'AppContainerRestarts',
      'AppPodNotReady',
    ]);
    expect(rules[0]?.expr).toContain(
      'http_requests_total{namespace="shop",app="shop-swiss-app",code=~"5.."}[2m]',
    );
    expect(rules[0]).toMatchObject({ for: '30s' });
    expect(rules[2]?.expr).toContain(
      'kube_pod_container_status_restarts_total{namespace="shop",pod=~"shop-swiss-app-.*"}',
    );
    expect(rules.every((r) => r.labels.severity === 'warning')).toBe(true);
    const file = path.join(workspace, 'out', 'rules.yml');
    writeFileSync(file, stringify(rule.spec));
    const checked = await runOk(testEnv('PROMTOOL'), ['check', 'rules', file]);
    expect(checked.stdout).toContain('SUCCESS: 4 rules found');
  });

  it('takes a selector of its own for apps whose series carry other labels', async () => {
    const objects = await render(['prometheusRule.enabled=true', 'prometheusRule.selector=job="shop"']);
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as K8s;
    expect(rule.spec.groups[0].rules[0].expr).toContain('http_requests_total{job="shop",code=~"5.."}');
  });
});
