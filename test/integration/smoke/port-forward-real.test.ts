// The smoke test through the API server's port-forward to pods that really run on the real node: the
// app's own answer comes back, for checks and for a load burst over the forwarded connections.
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFailure, planSmokeTest, runSmokeTest } from '@swiss-deploy/smoke';
import type { CheckResult } from '../../../packages/smoke/types';
import type { SmokeSettings } from '../../../packages/smoke/plan';
import {
  createNamespace,
  hasRealNode,
  realNodeScheduling,
  deleteNamespace,
  testCluster,
  waitForReadyEndpoints,
  webPod,
  webService,
  type TestCluster,
} from './cluster';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';

const cluster: TestCluster = testCluster();

// kwok pods never run, so nothing could answer: these tests need the real node of the test cluster
// (KUBE_MODE mixed, the default, or real). Without one they fail, never skip.
describe('smoke test through the port-forward, on a real node', () => {
  let namespace: string;
  const live = () => cluster;

  it('has a real node to run on', () => {
    expect(hasRealNode(cluster)).toBe(true);
  });

  beforeAll(async () => {
    if (!hasRealNode(cluster)) {
      throw new Error(
        'The test cluster has no real node: run `npm run env:up` without SWISS_DEPLOY_KUBE_MODE=kwok.',
      );
    }
    namespace = await createNamespace(live(), 'smoke-real');
    const labels = { app: 'web', color: 'green' };
    // Two pods, each answering with its own name at /whoami.html, so the turn-taking shows.
    for (const name of ['web-green-1', 'web-green-2']) {
      await live().core.createNamespacedPod({
        namespace,
        body: webPod(name, labels, {
          scheduling: realNodeScheduling(live()),
          command: [
            'sh',
            '-c',
            `mkdir -p /tmp/www && echo "swiss-deploy test pod" > /tmp/www/index.html && echo "${name}" > /tmp/www/whoami.html && exec httpd -f -p 8080 -h /tmp/www`,
          ],
        }),
      });
    }
    await live().core.createNamespacedService({ namespace, body: webService('web-preview', labels) });
    await waitForReadyEndpoints(live(), namespace, 'web-preview', 2, 120_000);
  }, 180_000);

  afterAll(async () => {
    if (namespace) await deleteNamespace(live(), namespace);
  });

  const settings = (overrides: Partial<SmokeSettings>): SmokeSettings => ({
    headers: [],
    timeoutMs: 10_000,
    intervalMs: 500,
    retries: 3,
    consecutiveSuccesses: 1,
    concurrency: 4,
    insecure: false,
    workspace: os.tmpdir(),
    kubeconfig: live().kubeconfig,
    ...overrides,
  });

  it("returns the app's answer through the Service's port-forward", async () => {
    const info: string[] = [];
    const plan = planSmokeTest(
      settings({
        service: `${namespace}/web-preview:80`,
        checks: [
          '- name: home',
          '  path: /',
          '  expect: { status: 200, body-contains: swiss-deploy test pod }',
          '- name: missing page',
          '  path: /nope.html',
          '  expect: { status: 404 }',
          '- name: pods in turn',
          '  path: /whoami.html',
          '  consecutive-successes: 4',
          '  interval: 10ms',
          '  expect: { body-matches: "^web-green-[12]" }',
        ].join('\n'),
      }),
    );
    const report = await runSmokeTest(plan, {
      log: { info: (l) => info.push(l), warning: (l) => info.push(l) },
    });
    expect(report.results.map((r) => [r.check.name, r.passed, r.last.response?.status])).toEqual([
      ['home', true, 200],
      ['missing page', true, 404],
      ['pods in turn', true, 200],
    ]);
    expect(report.target).toBe(
      `Service ${namespace}/web-preview:80 (pod web-green-1:8080, pod web-green-2:8080) through the API server`,
    );
    expect(info[0]).toMatch(
      /^forwarding 127\.0\.0\.1:\d+ → Service smoke-real-\w+\/web-preview port 80 → pod web-green-1 \(and 1 more, in turn\) port 8080/,
    );
  }, 60_000);

  it('carries a load burst over the forwarded connections and reports its latency', async () => {
    const plan = planSmokeTest(
      settings({
        service: `${namespace}/web-preview:http`,
        checks: '- path: /\n  expect: { body-contains: swiss-deploy test pod }',
        load: { requests: 60, rate: 30, 'max-error-rate': 0, 'p95-budget': '2s' },
      }),
    );
    const report = await runSmokeTest(plan, { log: { info: () => undefined, warning: () => undefined } });
    expect(report.load).toMatchObject({ requests: 60, errors: 0, passed: true });
    expect(report.p95).toEqual(expect.any(Number));
  }, 60_000);

  it('fails a check whose pod refuses the port, and the log says what the node reported', async () => {
    await live().core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'wrong-port' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8081 as never }] },
      },
    });
    await waitForReadyEndpoints(live(), namespace, 'wrong-port', 2, 60_000);
    const info: string[] = [];
    const plan = planSmokeTest(
      settings({ service: `${namespace}/wrong-port:80`, retries: 1, intervalMs: 100 }),
    );
    const report = await runSmokeTest(plan, {
      log: { info: (l) => info.push(l), warning: (l) => info.push(l) },
    });
    expect(report.passed).toBe(false);
    expect(report.results[0]?.last.failure?.kind).toBe('connection-reset');
    expect(info.join('\n')).toMatch(/pod web-green-[12] port 8081: .*8081/);
    expect(describeFailure(report.results[0] as CheckResult)).toMatch(
      /\n {2}The port-forward reported: pod web-green-[12] port 8081: error forwarding port 8081 to pod .*connection refused/,
    );
    expect(report.results[0]?.last.failure?.message).toBe(
      'connection closed without a complete answer (socket hang up)',
    );
  }, 60_000);

  it('works from the bundled action under Node 24, with the kubeconfig from KUBECONFIG', async () => {
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'smoke-test'),
      inputs: {
        service: `${namespace}/web-preview:http`,
        checks: '- path: /\n  expect: { status: 200, body-contains: swiss-deploy test pod }',
      },
      env: { KUBECONFIG: live().kubeconfig },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.passed).toBe('true');
    expect(main.log).toContain(
      `::group::Port-forward to ${namespace}/web-preview:http through the API server`,
    );
    expect(main.summary).toContain(
      `Service ${namespace}/web-preview:http (pod web-green-1:8080, pod web-green-2:8080) through the API server`,
    );
  }, 60_000);
});
