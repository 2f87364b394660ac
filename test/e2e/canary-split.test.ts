// The canary's share of live traffic, measured where users are: through the real Gateway (Traefik) to pods on
// the real node. At each step the share of at least 1000 answers that come from the canary is within 3
// percentage points of the step's weight, and an abort under load puts every answer back on the stable
// version without one failed request.
import { loadManifests, runBlueGreen, type DeployOptions } from '@swiss-deploy/bluegreen';
import { KNOWN, Kube, type KubeObject } from '@swiss-deploy/kube';
import { testEnv } from '../support/env';
import { describeFailures, startLoad, strayAfter, type LoadReport } from '../support/load';
import { manifestFile, requireRealNode, versionedApp } from '../support/real-node';

jest.setTimeout(10 * 60_000);

const SAMPLES = 1000;
const TOLERANCE = 3;
let kube: Kube;
let namespace = '';
let host = '';

function app(version: string): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'split' };
  return [
    ...(versionedApp('split', version, 2) as KubeObject[]),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'split', labels },
      spec: {
        parentRefs: [
          {
            name: testEnv('GATEWAY_NAME'),
            namespace: testEnv('GATEWAY_NAMESPACE'),
            sectionName: testEnv('GATEWAY_LISTENER'),
          },
        ],
        hostnames: [host],
        rules: [{ backendRefs: [{ name: 'split', port: 80 }] }],
      },
    },
  ];
}

let runs = 0;
async function deploy(version: string, overrides: Partial<DeployOptions> = {}) {
  return runBlueGreen(kube, {
    app: 'split',
    namespace,
    manifests: loadManifests([manifestFile(app(version), 'e2e-canary-')]),
    timeoutMs: 180_000,
    holder: { identity: `e2e-canary-${version}-${++runs}-${Date.now()}` },
    traffic: { mode: 'gateway' },
    ...overrides,
  });
}

const canary = { strategy: 'canary' as const, steps: [10, 50, 100], promotion: 'manual' as const };

/**
 * Traefik reports a route Accepted once it has read it; it programs its routers after its providers'
 * throttle (2 s by default). This waits that out before a measurement, it asserts nothing about time.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 4_000));

function load(rate: number) {
  return startLoad({
    url: `${testEnv('GATEWAY_URL')}/version`,
    headers: { host },
    ratePerSecond: rate,
    freshEvery: 4,
  });
}

/** At least SAMPLES answers through the Gateway: the share of each version among them, and the failures. */
async function measure(): Promise<{ shares: Record<string, number>; report: LoadReport }> {
  const run = load(200);
  const deadline = Date.now() + 120_000;
  while (run.samples().filter((s) => !s.failure).length < SAMPLES && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 250));
  const report = await run.stop();
  const answered = report.samples.filter((s) => !s.failure);
  const counts: Record<string, number> = {};
  for (const sample of answered) counts[sample.version ?? '?'] = (counts[sample.version ?? '?'] ?? 0) + 1;
  const shares = Object.fromEntries(
    Object.entries(counts).map(([version, count]) => [version, (100 * count) / answered.length]),
  );
  expect(answered.length).toBeGreaterThanOrEqual(SAMPLES);
  return { shares, report };
}

function expectShare(shares: Record<string, number>, version: string, weight: number): void {
  const share = shares[version] ?? 0;
  console.log(
    `weight ${weight} % to ${version}: ${Object.entries(shares)
      .map(([v, s]) => `${v} ${s.toFixed(2)} %`)
      .join(', ')}`,
  );
  expect({ version, weight, share, within: Math.abs(share - weight) <= TOLERANCE }).toEqual({
    version,
    weight,
    share,
    within: true,
  });
}

beforeAll(async () => {
  requireRealNode(testEnv('KUBE_MODE'));
  kube = await Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });
  namespace = `traffic-e2e-${Math.random().toString(36).slice(2, 8)}`;
  host = `${namespace}.canary.test`;
  await kube.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
});

afterAll(async () => {
  if (namespace) await kube.request('DELETE', KNOWN.namespace(namespace)).catch(() => undefined);
});

describe('a canary through the real Gateway', () => {
  it('goes live with the first version, all of it', async () => {
    const first = await deploy('v1');
    expect(first).toMatchObject({ status: 'succeeded', color: 'blue' });
    await settle();
    const { shares, report } = await measure();
    expect(describeFailures(report)).toEqual([]);
    expectShare(shares, 'v1', 100);
  });

  it('gives the canary 10 % at its first step, and an abort under load puts it all back without a failed request', async () => {
    expect(await deploy('v2', canary)).toMatchObject({ status: 'preview', step: 0 });
    const step = await deploy('v2', { ...canary, action: 'promote' });
    expect(step).toMatchObject({ status: 'paused', step: 1, weight: 10 });
    await settle();
    const { shares } = await measure();
    expectShare(shares, 'v2', 10);

    const run = load(50);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const aborted = await deploy('v2', { ...canary, action: 'abort' });
    expect(aborted).toMatchObject({ status: 'aborted', color: 'blue', weight: 0 });
    const endedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const report = await run.stop();
    expect(describeFailures(report)).toEqual([]);
    // Once Traefik has had its throttle window after the abort, every answer is the stable version.
    expect(strayAfter(report, endedAt - report.startedAt + 4_000, 'v1').length).toBe(0);
    const after = await measure();
    expectShare(after.shares, 'v1', 100);
  });

  it('gives the canary 10 %, 50 % and 100 % of the answers at its steps', async () => {
    expect(await deploy('v3', canary)).toMatchObject({ status: 'preview', step: 0 });
    for (const weight of [10, 50, 100]) {
      const step = await deploy('v3', { ...canary, action: 'promote' });
      expect(step).toMatchObject({ weight, status: weight === 100 ? 'promoted' : 'paused' });
      await settle();
      const { shares, report } = await measure();
      expect(describeFailures(report)).toEqual([]);
      expectShare(shares, 'v3', weight);
    }
  });
});
