// The deploy-blue-green and rollback bundles export their phases as OTLP/HTTP spans to the real Jaeger
// (test env component jaeger), and the second step joins the first one's trace through TRACEPARENT.
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kube } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  requireKwok,
  writeManifests,
} from '../deploy/cluster';

jest.setTimeout(240_000);

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
}

const app = 'telemetry-traced';
const jaeger = testEnv('JAEGER_URL');
const otlp = testEnv('JAEGER_OTLP_ENDPOINT');
let kube: Kube;
let namespace: string;
const workspace = mkdtempSync(path.join(os.tmpdir(), 'telemetry-traces-'));

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'telemetry-trace');
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

/** The trace's spans, once Jaeger has them all (it stores what arrives; the export ends with the step). */
async function spansOf(traceId: string, atLeast: number): Promise<JaegerSpan[]> {
  for (let tries = 0; tries < 50; tries++) {
    const response = await fetch(`${jaeger}/api/traces/${traceId}`);
    if (response.ok) {
      const body = (await response.json()) as { data: { spans: JaegerSpan[] }[] };
      const spans = body.data[0]?.spans ?? [];
      if (spans.length >= atLeast) return spans;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Jaeger has no trace ${traceId} with ${atLeast} spans`);
}

describe('traces', () => {
  it('a deploy exports one span per phase under the step, and a rollback joins its trace', async () => {
    const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
    const deploy = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'deploy-blue-green'),
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ app, version: '1' }), workspace),
        app,
        namespace,
        kubeconfig,
        'github-token': '',
        'otlp-endpoint': otlp,
      },
      env: { KUBECONFIG: '' },
    });
    expect(deploy.main.exitCode).toBe(0);
    const traceparent = deploy.main.env.TRACEPARENT ?? '';
    const [, traceId, stepSpan] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent) ?? [];
    expect(traceId).toBeDefined();
    expect(deploy.main.summary).toContain(traceId);

    const spans = await spansOf(traceId!, 3);
    const step = spans.find((s) => s.operationName === 'deploy-blue-green');
    expect(step?.spanID).toBe(stepSpan);
    const phases = spans.filter((s) =>
      s.references.some((r) => r.refType === 'CHILD_OF' && r.spanID === stepSpan),
    );
    expect(phases.length).toBeGreaterThanOrEqual(2);
    // The phases are the step's log groups: lock, apply, gate, switch.
    expect(phases.map((s) => s.operationName).join('\n')).toMatch(/lock/i);

    // The next step of the job carries TRACEPARENT: its span is a child of the deploy's.
    const rollback = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'rollback'),
      inputs: {
        app,
        namespace,
        reason: 'trace test',
        'dry-run': 'true',
        kubeconfig,
        'github-token': '',
        'otlp-endpoint': otlp,
      },
      env: { KUBECONFIG: '', TRACEPARENT: traceparent },
    });
    const all = await spansOf(traceId!, spans.length + 1);
    const rollbackStep = all.find((s) => s.operationName === 'rollback');
    expect(rollbackStep?.references).toEqual([
      expect.objectContaining({ refType: 'CHILD_OF', spanID: stepSpan }),
    ]);
    expect(rollback.main.env.TRACEPARENT).toMatch(new RegExp(`^00-${traceId}-`));
  });

  it('the service is listed by the query API', async () => {
    const body = (await (await fetch(`${jaeger}/api/services`)).json()) as { data: string[] };
    expect(body.data).toContain('swiss-deploy');
  });
});
