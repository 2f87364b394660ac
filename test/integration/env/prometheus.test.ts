// The environment's Prometheus: it finds the real node's annotated pods through the Kubernetes service
// discovery and scrapes them, loads rule files tests write, and sends what fires to Alertmanager.
import { realNodeScheduling, requireRealNode, httpdDeployment } from '../../support/real-node';
import { testEnv } from '../../support/env';
import { activeAlerts, installRules, loadedRuleGroups, promQuery } from '../../support/observability';
import { applyJson, createNamespace, waitAvailable, waitFor } from './kube';

jest.setTimeout(240_000);

let ns = '';
let removeNamespace: (() => Promise<void>) | undefined;
let removeRules: (() => Promise<void>) | undefined;

beforeAll(async () => {
  requireRealNode(testEnv('KUBE_MODE'));
  const created = await createNamespace('analysis-prom');
  ns = created.name;
  removeNamespace = created.remove;
  const deployment = httpdDeployment({
    name: 'exporter',
    labels: { app: 'exporter' },
    namespace: ns,
    readyPath: '/metrics',
    setup:
      'mkdir -p /www && printf "# TYPE swiss_env_test_value gauge\\nswiss_env_test_value{kind=\\"probe\\"} 42\\n" > /www/metrics',
  });
  const template = (deployment.spec.template as { metadata: Record<string, unknown> }).metadata;
  template.annotations = {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '8080',
    'prometheus.io/path': '/metrics',
  };
  // a pod without the annotation, to show it is left alone
  const unannotated = httpdDeployment({
    name: 'quiet',
    labels: { app: 'quiet' },
    namespace: ns,
    readyPath: '/',
    setup: 'mkdir -p /www && echo ok > /www/index.html',
  });
  expect(realNodeScheduling().nodeSelector).toBeDefined();
  await applyJson([deployment, unannotated]);
  await waitAvailable(ns, 'exporter', 120);
  await waitAvailable(ns, 'quiet', 120);
});

afterAll(async () => {
  await removeRules?.();
  await removeNamespace?.();
});

describe('the prometheus component', () => {
  it('scrapes an annotated pod of the real node, found through the pod service discovery', async () => {
    const samples = await waitFor(
      'the pod metric in Prometheus',
      () => promQuery(`swiss_env_test_value{namespace="${ns}"}`),
      (result) => result.length === 1,
      90_000,
    );
    expect(samples[0]?.value[1]).toBe('42');
    expect(samples[0]?.metric).toMatchObject({
      app: 'exporter',
      kind: 'probe',
      job: 'kubernetes-pods',
      namespace: ns,
    });
    expect(samples[0]?.metric.pod).toMatch(/^exporter-/);
    const up = await promQuery(`up{namespace="${ns}"}`);
    expect(up.map((s) => [s.metric.app, s.value[1]])).toEqual([['exporter', '1']]);
  });

  it('loads a rule file written by a test on reload and sends its alert to Alertmanager', async () => {
    const alertname = `SwissEnvTest${ns.replace(/[^a-z0-9]/g, '')}`;
    removeRules = await installRules(
      ns,
      [
        'groups:',
        `  - name: ${ns}`,
        '    rules:',
        `      - alert: ${alertname}`,
        `        expr: swiss_env_test_value{namespace="${ns}"} > 40`,
        '        labels: { severity: test }',
        '        annotations: { summary: "the test value is above 40" }',
        '',
      ].join('\n'),
    );
    const groups = await loadedRuleGroups();
    expect(groups.map((g) => g.name)).toContain(ns);
    const received = await waitFor(
      'the alert in Alertmanager',
      () => activeAlerts(`alertname="${alertname}"`),
      (alerts) => alerts.length === 1,
      60_000,
    );
    expect(received[0]?.labels).toMatchObject({
      alertname,
      namespace: ns,
      severity: 'test',
      app: 'exporter',
    });
  });
});
