// Zero downtime, measured where users are: requests at a fixed rate, kept-alive and fresh connections mixed,
// through the Service's ClusterIP (kube-proxy) and through the Gateway (an HTTPRoute), while the actions run
// as a workflow runs them on the real node: (a) a good deploy switches, (b) a deploy fails its gate,
// (c) `rollback to: previous` flips, (d) the root action switches back after a failed live check.
// Each step: not one failed request (connection error, reset, timeout, 5xx), and once the step has ended
// and the drain window has passed, every answer comes from the version that should serve.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { testEnv } from '../support/env';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { convergedAt, describeFailures, startLoad, strayAfter, type LoadReport } from '../support/load';
import { createNamespace, getJson } from '../integration/env/kube';
import { buildExample, loginRegistry, prepareRealNodeApp } from './example-app';
import { requireRealNode } from '../support/real-node';

jest.setTimeout(15 * 60_000);

const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-zero-'));
const app = 'shop';
const host = `${app}.zero-downtime.test`;
/** The example app closes kept-alive connections older than 10 s (CONNECTION_MAX_AGE_MS): the drain window. */
const DRAIN_MS = 12_000;
const RATE = 20;
let namespace = '';
let removeNamespace: (() => Promise<void>) | undefined;
const images: Record<string, string> = {};

const versionOf = (_status: number, body: string) => /example-app (\S+)/.exec(body)?.[1];

function smokeChecks(version: string): string {
  return stringify({
    checks: [
      { name: 'serves the version deployed', path: '/version', expect: { json: { '$.version': version } } },
    ],
  });
}

function deploy(imageRef: string, version: string, extraValues: string[] = [], timeout = '90s') {
  return runAction({
    actionDir: repoRoot,
    inputs: {
      app,
      namespace,
      'image-ref': imageRef,
      'values-files': ['values.yaml', 'real-node.yaml', ...extraValues].join('\n'),
      'smoke-checks': smokeChecks(version),
      // The live check goes through the route users take, not the API server.
      'smoke-url': testEnv('GATEWAY_URL'),
      'smoke-host-header': host,
      'smoke-retries': '3',
      'smoke-timeout': '5s',
      timeout,
    },
    env: { KUBECONFIG: testEnv('KUBECONFIG'), PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}` },
    workspace: work,
    timeoutMs: 8 * 60_000,
  });
}

/** The two ways users reach the app: the ClusterIP from the host, and the Gateway with the route's host. */
async function targets(): Promise<{ name: string; url: string; headers?: Record<string, string> }[]> {
  const service = await getJson<{ spec: { clusterIP: string } }>([
    'service',
    '--namespace',
    namespace,
    `${app}-swiss-app`,
  ]);
  return [
    { name: 'ClusterIP', url: `http://${service.spec.clusterIP}/` },
    { name: 'Gateway', url: `${testEnv('GATEWAY_URL')}/`, headers: { host } },
  ];
}

interface TargetResult {
  name: string;
  report: LoadReport;
  /** When the step ended, on the report's time line (ms since its load started). */
  endedMs: number;
}

/** Runs `step` under load on every target, and the load on through the drain window after it. */
async function underLoad(step: () => Promise<void>): Promise<TargetResult[]> {
  const loads = (await targets()).map((t) => ({
    name: t.name,
    load: startLoad({ url: t.url, headers: t.headers, ratePerSecond: RATE, versionOf }),
  }));
  let ended = 0;
  try {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await step();
  } finally {
    ended = Date.now();
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS + 3_000));
  }
  return Promise.all(
    loads.map(async ({ name, load }) => {
      const report = await load.stop();
      return { name, report, endedMs: ended - report.startedAt };
    }),
  );
}

/** Zero failed requests on every target, and only `version` once the drain window after the step passed. */
function expectNoDowntime(results: TargetResult[], version: string): void {
  for (const { name, report, endedMs } of results) {
    expect({ target: name, failures: describeFailures(report) }).toEqual({ target: name, failures: [] });
    expect(report.sent).toBeGreaterThan(RATE * 5);
    const stray = strayAfter(report, endedMs + DRAIN_MS, version).map(
      (s) => `+${s.startedMs} ms ${s.fresh ? 'fresh' : 'kept-alive'}: ${s.version ?? `HTTP ${s.status}`}`,
    );
    expect({ target: name, stray }).toEqual({ target: name, stray: [] });
    expect(convergedAt(report, version)).toBeDefined();
  }
}

/** One GET through the Gateway with the route's host (fetch drops a Host header: node:http keeps it). */
function viaGateway(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${testEnv('GATEWAY_URL')}/`, { headers: { host }, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 2 s')));
    request.on('error', reject);
  });
}

/** Waits until the Gateway serves the route with `version` (the controller programs a new route in seconds). */
async function gatewayServes(version: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const { status, body } = await viaGateway();
      last = `${status} ${body}`;
      if (versionOf(status, body) === version) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the Gateway never served ${version} for ${host}; last answer: ${last}`);
}

beforeAll(async () => {
  requireRealNode(testEnv('KUBE_MODE'));
  await loginRegistry(work);
  images.v1 = await buildExample(work, '1.0.0');
  images.v2 = await buildExample(work, '2.0.0');
  images.degrading = await buildExample(
    work,
    '3.0.0',
    path.join(repoRoot, 'test', 'fixtures', 'e2e', 'degrading-app'),
    ['--build-arg', `APP_IMAGE=${images.v1}`],
  );
  const created = await createNamespace('e2e-zero');
  namespace = created.name;
  removeNamespace = created.remove;
  await prepareRealNodeApp(work, namespace, {
    httpRoute: {
      enabled: true,
      parentRefs: [
        {
          name: testEnv('GATEWAY_NAME'),
          namespace: testEnv('GATEWAY_NAMESPACE'),
          sectionName: testEnv('GATEWAY_LISTENER'),
        },
      ],
      hostnames: [host],
    },
  });
  // A build whose pods never become ready: its readiness probe asks for a path the app does not have.
  writeFileSync(path.join(work, 'never-ready.yaml'), stringify({ probes: { readiness: { path: '/nope' } } }));
}, 10 * 60_000);

afterAll(async () => {
  await removeNamespace?.();
});

describe('zero downtime on the real node, through the ClusterIP and the Gateway', () => {
  it('goes live with the first version', async () => {
    const { main } = await deploy(images.v1 as string, '1.0.0');
    expect(main.outputs).toMatchObject({ status: 'succeeded', color: 'blue' });
    await gatewayServes('1.0.0');
  });

  it('(a) a good deploy switches without a failed request', async () => {
    const results = await underLoad(async () => {
      const { main } = await deploy(images.v2 as string, '2.0.0');
      expect(main.outputs).toMatchObject({ status: 'succeeded', color: 'green' });
    });
    expectNoDowntime(results, '2.0.0');
  });

  it('(b) a deploy that fails its gate leaves every request served by the live version', async () => {
    const results = await underLoad(async () => {
      const { main } = await deploy(images.v1 as string, '1.0.0', ['never-ready.yaml'], '30s');
      expect(main.exitCode).toBe(1);
    });
    expectNoDowntime(results, '2.0.0');
  });

  it('(c) rollback to previous flips without a failed request', async () => {
    const results = await underLoad(async () => {
      const { main } = await runAction({
        actionDir: path.join(repoRoot, 'actions', 'rollback'),
        inputs: { app, namespace, to: 'previous', reason: 'zero-downtime e2e', timeout: '90s' },
        env: { KUBECONFIG: testEnv('KUBECONFIG') },
        timeoutMs: 5 * 60_000,
      });
      expect({ exitCode: main.exitCode, color: main.outputs.color }).toEqual({ exitCode: 0, color: 'blue' });
    });
    expectNoDowntime(results, '1.0.0');
  });

  it('(d) the root action switches back after a failed live check without a failed request', async () => {
    const results = await underLoad(async () => {
      const { main } = await deploy(images.degrading as string, '3.0.0');
      expect(main.outputs).toMatchObject({ 'rolled-back': 'true', color: 'blue' });
    });
    expectNoDowntime(results, '1.0.0');
  });
});
