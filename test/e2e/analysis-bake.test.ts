// swiss/deploy@v1 with metric analysis on the real node: the example app, scraped by the environment's real
// Prometheus through its pod annotations, takes live traffic from this test through its ClusterIP. A healthy
// version passes its bake window; a version that answers half its requests with 500 (FAIL_RATIO) breaches the
// bake's error ratio after the switch and is switched back automatically. Meanwhile the chart's own
// PrometheusRule, loaded into Prometheus, fires its error-ratio alert into Alertmanager, which posts it to a
// receiver this test runs (every payload checked against Alertmanager's webhook format).
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { testEnv } from '../support/env';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { installRules, startAlertReceiver, type AlertReceiver } from '../support/observability';
import { createNamespace, nodesByKind, waitFor } from '../integration/env/kube';
import { clusterIp, httpGet } from '../integration/env/dataplane';
import { runOk } from '../integration/env/run';
import { buildExample, loginRegistry, prepareRealNodeApp } from './example-app';

jest.setTimeout(15 * 60_000);

const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-analysis-'));
const app = 'shop';
const fullname = 'shop-swiss-app';
let namespace = '';
let removeNamespace: (() => Promise<void>) | undefined;
let removeRules: (() => Promise<void>) | undefined;
let receiver: AlertReceiver | undefined;
let image = '';
let load: { stop: () => Promise<{ sent: number; byStatus: Record<number, number> }> } | undefined;

// The error ratio of the color under test; no data (no request yet, or one sample only) is inconclusive.
const SPEC = stringify({
  metrics: [
    {
      name: 'scraped',
      query: 'up{namespace="${namespace}",swiss_deploy_color="${color}",swiss_deploy_revision="${revision}"}',
      successCondition: 'len(result) >= 1 and result == 1',
      count: 8,
      interval: '2s',
      // the first scrapes may predate the pod's readiness (up = 0): tolerate a few, not most
      failureLimit: 3,
      inconclusiveLimit: 4,
      phases: ['preview'],
    },
    {
      name: 'error-ratio',
      query:
        // `or vector(0)`: without a single 5xx the numerator has no series at all, and a healthy color would
        // have no data instead of a ratio of 0
        '(sum(rate(http_requests_total{namespace="${namespace}",color="${color}",code=~"5.."}[20s])) or vector(0)) / sum(rate(http_requests_total{namespace="${namespace}",color="${color}"}[20s]))',
      successCondition: 'result < 0.1',
      noData: 'inconclusive',
      interval: '2s',
      failureLimit: 1,
      inconclusiveLimit: 8,
      phases: ['bake'],
    },
  ],
});

/** Requests to the stable Service's ClusterIP every 50 ms, from the first moment it exists. */
function startLoad(): { stop: () => Promise<{ sent: number; byStatus: Record<number, number> }> } {
  let running = true;
  const byStatus: Record<number, number> = {};
  let sent = 0;
  const loop = (async () => {
    let ip = '';
    while (running) {
      if (!ip) {
        ip = await clusterIp(namespace, fullname).catch(() => '');
        if (!ip) await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const answer = await httpGet(`http://${ip}/`);
      sent++;
      byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { sent, byStatus };
    },
  };
}

function deploy(failRatio: string, bake: string) {
  const values = path.join(work, `fail-${failRatio}.yaml`);
  writeFileSync(
    values,
    stringify({
      env: [
        { name: 'NODE_ENV', value: 'production' },
        { name: 'PORT', value: '8080' },
        { name: 'FAIL_RATIO', value: failRatio },
      ],
    }),
  );
  return runAction({
    actionDir: repoRoot,
    inputs: {
      app,
      namespace,
      'image-ref': image,
      'values-files': ['values.yaml', 'real-node.yaml', path.basename(values)].join('\n'),
      'smoke-retries': '5',
      'smoke-timeout': '5s',
      timeout: '5m',
      analysis: SPEC,
      'prometheus-url': testEnv('PROMETHEUS_URL'),
      bake,
    },
    workspace: work,
    env: { KUBECONFIG: testEnv('KUBECONFIG'), PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}` },
    timeoutMs: 10 * 60_000,
  });
}

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.real.length === 0)
    throw new Error(`The test cluster has no real node (KUBE_MODE=${nodes.mode}); run npm run env:up.`);
  await loginRegistry(work);
  image = await buildExample(work, '5.0.0');
  const created = await createNamespace('analysis-e2e');
  namespace = created.name;
  removeNamespace = created.remove;
  await prepareRealNodeApp(work, namespace, { metrics: { scrapeAnnotations: true } });

  // The chart's own alert rules, as the Prometheus Operator would load its PrometheusRule, with a short
  // window and no wait so the test sees them fire.
  const rendered = await runOk(testEnv('HELM'), [
    'template',
    app,
    path.join(repoRoot, 'charts', 'swiss-app'),
    '--namespace',
    namespace,
    '--show-only',
    'templates/prometheusrule.yaml',
    '--set',
    'prometheusRule.enabled=true',
    '--set',
    'prometheusRule.errorRatio.window=20s',
    '--set',
    'prometheusRule.errorRatio.for=0s',
  ]);
  const rule = parse(rendered.stdout) as { spec: unknown };
  removeRules = await installRules(namespace, stringify(rule.spec));
  receiver = await startAlertReceiver();
  load = startLoad();
}, 10 * 60_000);

afterAll(async () => {
  await load?.stop();
  await receiver?.close();
  await removeRules?.();
  await removeNamespace?.();
});

describe('swiss/deploy@v1 with a bake analysis on the real node', () => {
  it('passes the bake window of a healthy version under live traffic', async () => {
    const { main } = await deploy('0', '30s');
    expect({ exitCode: main.exitCode, errors: main.annotations.filter((a) => a.level === 'error') }).toEqual({
      exitCode: 0,
      errors: [],
    });
    expect(main.outputs).toMatchObject({ color: 'blue', status: 'succeeded', 'rolled-back': 'false' });
    expect(main.summary).toContain('Analysis of the new color before the switch: successful');
    expect(main.summary).toContain('Bake analysis after the switch: successful');
    expect(main.log).toMatch(/error-ratio #\d+: \[0\] → success/);
  });

  it('switches back a version whose error ratio rises after the switch, and its alert reaches Alertmanager', async () => {
    const { main, post } = await deploy('0.5', '90s');
    expect(main.exitCode).toBe(1);
    const error = main.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toContain('failed its live bake analysis after the switch: failed: error-ratio failed');
    expect(main.outputs).toMatchObject({ color: 'blue', status: 'rolled-back', 'rolled-back': 'true' });
    expect(main.summary).toContain('Bake analysis after the switch: failed');
    expect(post?.exitCode).toBe(0);

    // live traffic is back on blue, which answers without injected failures
    const ip = await clusterIp(namespace, fullname);
    const answer = await httpGet(`http://${ip}/version`);
    expect(JSON.parse(answer.body)).toMatchObject({ color: 'blue', version: '5.0.0' });

    const r = receiver as AlertReceiver;
    const firing = await waitFor(
      'the error-ratio alert at the receiver',
      () =>
        Promise.resolve(
          r.payloads.flatMap((p) =>
            p.alerts.filter(
              (a) => a.labels.alertname === 'AppHighErrorRatio' && a.labels.namespace === namespace,
            ),
          ),
        ),
      (alerts) => alerts.some((a) => a.status === 'firing'),
      120_000,
    );
    expect(firing.find((a) => a.status === 'firing')?.labels).toMatchObject({
      app: fullname,
      color: 'green',
      severity: 'warning',
    });
    expect(r.refused).toEqual([]);
    const traffic = await (load as NonNullable<typeof load>).stop();
    load = undefined;
    expect(traffic.byStatus[500] ?? 0).toBeGreaterThan(0);
  });
});
