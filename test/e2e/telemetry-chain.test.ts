// swiss/deploy@v1 on the real node with every side channel on: its trace in Jaeger (the step and its phases,
// render and smoke tests included), the signed webhook told it started and succeeded with the trace id, a
// DeploySucceeded Event on the colored Deployment, and its figures in the Pushgateway.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { testEnv } from '../support/env';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { createNamespace, getJson, nodesByKind } from '../integration/env/kube';
import { buildExample, loginRegistry, prepareRealNodeApp } from './example-app';
import { startNotifyFake, type NotifyFake } from '../support/notify-fake';

const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-telemetry-'));
const app = 'telemetry-chain';
const SECRET = 'telemetry-e2e-hmac-key-7c2a';
let namespace = '';
let removeNamespace: (() => Promise<void>) | undefined;
let image = '';
let fake: NotifyFake;

beforeAll(async () => {
  fake = await startNotifyFake({ secret: SECRET });
  const nodes = await nodesByKind();
  if (nodes.real.length === 0)
    throw new Error(`The test cluster has no real node (KUBE_MODE=${nodes.mode}); run npm run env:up.`);
  await loginRegistry(work);
  image = await buildExample(work, '1.0.0');
  const created = await createNamespace('telemetry-e2e');
  namespace = created.name;
  removeNamespace = created.remove;
  await prepareRealNodeApp(work, namespace);
}, 10 * 60_000);

afterAll(async () => {
  await removeNamespace?.();
  await fake?.close();
});

afterEach(() => expect(fake.violations).toEqual([]));

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
}

/**
 * The trace's spans once the one named `spanId` is among them: Jaeger stores what the collector receives
 * batch by batch, so a query right after the step can see only part of the trace. After 10 s, what it has.
 */
async function spansOf(traceId: string, spanId: string): Promise<JaegerSpan[]> {
  let spans: JaegerSpan[] = [];
  for (let tries = 0; tries < 50; tries++) {
    const response = await fetch(`${testEnv('JAEGER_URL')}/api/traces/${traceId}`);
    if (response.ok) {
      spans = ((await response.json()) as { data: { spans: JaegerSpan[] }[] }).data[0]?.spans ?? [];
      if (spans.some((s) => s.spanID === spanId)) return spans;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (spans.length === 0) throw new Error(`Jaeger has no trace ${traceId}`);
  return spans;
}

describe('swiss/deploy@v1 telemetry on a real node', () => {
  it(
    'traces the chain, notifies, records an Event and pushes its figures',
    async () => {
      const { main } = await runAction({
        actionDir: repoRoot,
        inputs: {
          app,
          namespace,
          'image-ref': image,
          'values-files': ['values.yaml', 'real-node.yaml'].join('\n'),
          'smoke-checks': stringify({
            checks: [
              { name: 'version', path: '/version', expect: { status: 200, json: { '$.version': '1.0.0' } } },
            ],
          }),
          'smoke-retries': '3',
          'smoke-timeout': '5s',
          timeout: '3m',
          'github-token': '',
          'otlp-endpoint': testEnv('JAEGER_OTLP_ENDPOINT'),
          'pushgateway-url': testEnv('PUSHGATEWAY_URL'),
          notify: `webhook ${fake.webhookUrl}`,
          'notify-secret': SECRET,
        },
        workspace: work,
        env: { KUBECONFIG: testEnv('KUBECONFIG'), PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}` },
        timeoutMs: 8 * 60_000,
      });
      expect({
        exitCode: main.exitCode,
        errors: main.annotations.filter((a) => a.level === 'error'),
      }).toEqual({
        exitCode: 0,
        errors: [],
      });
      const [, traceId, stepSpan] =
        /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(main.outputs.traceparent ?? '') ?? [];
      expect(traceId).toBeDefined();
      expect(main.summary).toContain(traceId);

      const spans = await spansOf(traceId!, stepSpan!);
      expect(spans.find((s) => s.spanID === stepSpan)?.operationName).toBe('swiss/deploy');
      const phases = spans
        .filter((s) => s.references.some((r) => r.spanID === stepSpan))
        .map((s) => s.operationName);
      expect(phases).toEqual(expect.arrayContaining(['Render the chart']));
      expect(phases.some((name) => /^Smoke-test the preview/.test(name))).toBe(true);
      expect(phases.some((name) => /^Switch live traffic/.test(name))).toBe(true);

      const events = fake.requests.map(
        (r) => r.json as { event: string; traceId: string | null; revision: number | null },
      );
      expect(events.map((e) => e.event)).toEqual(['started', 'succeeded']);
      expect(events[1]).toMatchObject({ traceId, revision: 1 });

      const list = (await getJson(['events.v1.events.k8s.io', '-n', namespace])) as {
        items: { reason: string; regarding: { name: string }; reportingController: string }[];
      };
      const ours = list.items.filter((e) => e.reportingController === 'swiss-deploy.github.io/deploy');
      expect(ours.map((e) => e.reason)).toEqual(expect.arrayContaining(['DeploySucceeded']));
      expect(ours.every((e) => e.regarding.name.endsWith('-blue'))).toBe(true);

      const pushed = (await (await fetch(`${testEnv('PUSHGATEWAY_URL')}/api/v1/metrics`)).json()) as {
        data: { labels: Record<string, string>; swiss_deploy_revision?: { metrics: { value: string }[] } }[];
      };
      const group = pushed.data.find(
        (g) => g.labels.job === 'swiss_deploy' && g.labels.namespace === namespace,
      );
      expect(group?.swiss_deploy_revision?.metrics[0]?.value).toBe('1');
      const b64 = (value: string) => Buffer.from(value).toString('base64url');
      await fetch(
        `${testEnv('PUSHGATEWAY_URL')}/metrics/job/swiss_deploy/app@base64/${b64(app)}/namespace@base64/${b64(namespace)}/environment@base64/=`,
        { method: 'DELETE' },
      );
    },
    8 * 60_000,
  );
});
