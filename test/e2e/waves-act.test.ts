// The reusable waves workflow (.github/workflows/waves.yml) end to end under act on this host, called from a
// throwaway app repository (test/fixtures/waves/caller.yml) with swiss/deploy@v1 resolved to this checkout.
// Two clusters, two waves: eu-1 is the first test cluster (the app runs on its real node), us-1 the second
// (component cluster2, kwok nodes). Run 1 promotes a good digest of examples/app: wave 1 (eu-1), then wave 2
// (us-1). Run 2 promotes a broken build of it (every app request answers 500): eu-1 stops it at its preview
// smoke test, and wave 2 never runs: us-1 keeps run 1's digest and its revision history is untouched.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { readRevisions } from '../../packages/bluegreen/revisions';
import { KNOWN, Kube, type Deployment, type KubeList } from '@swiss-deploy/kube';
import { secondCluster, testEnv } from '../support/env';
import { buildAndPush } from '../support/push-image';
import { repoRoot } from '../support/versions';
import { actRepository, actHostArgs } from '../support/act-repo';
import { realNodeScheduling } from '../support/real-node';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../support/github-fake';
import { nodesByKind } from '../integration/env/kube';
import { run } from '../integration/env/run';

jest.setTimeout(20 * 60_000);

const TOKEN = 'ghs_swiss_deploy_waves_token';
const APP = 'shop';
const WAVES = JSON.stringify([['eu-1'], ['us-1']]);

interface RunFacts {
  code: number;
  /** job id (and matrix cluster, when act names it) → result */
  jobs: Record<string, string>;
  /** jobs (and matrix clusters) that ran at least one step */
  started: string[];
  /** the order of events: a job's first step (`start wave-1 eu-1`) and its result (`end wave-1 eu-1`) */
  order: string[];
  errors: string[];
  log: string;
}

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

let github: GitHubFake;
let work: string;
let namespace: string;
let clusterA: Kube;
let clusterB: Kube;
let good: { ref: string; run: RunFacts };
let broken: { ref: string; run: RunFacts };

/** One kubeconfig with a context per cluster name: eu-1 the first test cluster, us-1 the second. */
function wavesKubeconfig(): string {
  const merged: KubeconfigDoc = { clusters: [], users: [], contexts: [], 'current-context': 'eu-1' };
  for (const [name, file] of [
    ['eu-1', testEnv('KUBECONFIG')],
    ['us-1', secondCluster().kubeconfig],
  ] as const) {
    const doc = parse(readFileSync(file, 'utf8')) as KubeconfigDoc;
    merged.clusters.push({ name, cluster: doc.clusters[0]?.cluster ?? {} });
    merged.users.push({ name, user: doc.users[0]?.user ?? {} });
    merged.contexts.push({ name, context: { cluster: name, user: name } });
  }
  return stringify({ apiVersion: 'v1', kind: 'Config', ...merged });
}

/** examples/app built on the local Node base and pushed; its digest reference. Registry login in a temp config. */
function pushImage(tag: string, build: string[], input?: string): string {
  const pushed = buildAndPush({ work, repository: 'swiss-waves/example-app', tag, build, input });
  localImages.push(pushed.image);
  return pushed.ref;
}

/** The app repository: the caller workflow, examples/app's values and a values file per cluster. */
function appRepository(): string {
  const tree = path.join(work, 'tree');
  mkdirSync(path.join(tree, 'examples', 'app'), { recursive: true });
  mkdirSync(path.join(tree, 'deploy'));
  writeFileSync(
    path.join(tree, 'examples', 'app', 'values.yaml'),
    readFileSync(path.join(repoRoot, 'examples', 'app', 'values.yaml')),
  );
  // eu-1: the first cluster's real node, pulling from the local registry; us-1: kwok nodes, nothing pulled.
  writeFileSync(
    path.join(tree, 'deploy', 'values-eu-1.yaml'),
    stringify({
      replicaCount: 1,
      imagePullSecrets: [{ name: 'registry' }],
      ...realNodeScheduling(),
      pdb: { enabled: false },
    }),
  );
  writeFileSync(
    path.join(tree, 'deploy', 'values-us-1.yaml'),
    stringify({ replicaCount: 2, pdb: { enabled: false } }),
  );
  return actRepository({ tree, workflows: [path.join(repoRoot, 'test', 'fixtures', 'waves', 'caller.yml')] });
}

/** A namespace of the same name in both clusters; the first one also gets the pull secret of the registry. */
async function createNamespaces(): Promise<void> {
  for (const kube of [clusterA, clusterB]) {
    await kube.request('POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace, labels: { 'swiss-deploy.test/owner': 'waves' } },
      },
    });
  }
  const registry = testEnv('REGISTRY');
  const auth = Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString('base64');
  await clusterA.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'registry', namespace },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry]: { auth } } })).toString(
          'base64',
        ),
      },
    },
  });
}

/** act's JSON log → the result of every job (matrix legs by their cluster) and the error annotations. */
function facts(code: number, output: string): RunFacts {
  const jobs: Record<string, string> = {};
  const errors: string[] = [];
  const started = new Set<string>();
  const order: string[] = [];
  for (const line of output.split('\n')) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const job = String(entry.jobID ?? '?');
    const matrix = entry.matrix as { cluster?: string } | undefined;
    const key = matrix?.cluster ? `${job} ${matrix.cluster}` : job;
    if (typeof entry.jobResult === 'string') {
      jobs[key] = entry.jobResult;
      order.push(`end ${key}`);
    }
    if (String(entry.msg ?? '').startsWith('⭐ Run ') && !started.has(key)) {
      started.add(key);
      order.push(`start ${key}`);
    }
    if (entry.command === 'error') errors.push(`${key}: ${String(entry.arg ?? '')}`);
  }
  return { code, jobs, started: [...started].sort(), order, errors, log: output };
}

async function wavesRun(label: string, repo: string, secrets: string, imageRef: string): Promise<RunFacts> {
  const result = await run(
    testEnv('ACT'),
    [
      'workflow_dispatch',
      ...actHostArgs('caller.yml', { 'swiss/deploy@v1': repoRoot }),
      '--json',
      '--secret-file',
      secrets,
      '--env',
      `GITHUB_API_URL=${github.url}`,
      '--input',
      `image-ref=${imageRef}`,
      '--input',
      `waves=${WAVES}`,
      '--input',
      `namespace=${namespace}`,
      '--input',
      `registry=${testEnv('REGISTRY')}`,
      '--input',
      `registry-username=${testEnv('REGISTRY_USER')}`,
    ],
    {
      cwd: repo,
      env: { PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}`, DOCKER_HOST: testEnv('DOCKER_HOST') },
      timeoutMs: 9 * 60_000,
    },
  );
  const output = result.stdout + result.stderr;
  writeFileSync(path.join(work, `act-${label}.log`), output);
  return facts(result.code, output);
}

/** What a cluster runs of the app: the image of each color's Deployment that has replicas, and the revisions. */
async function appState(
  kube: Kube,
): Promise<{ images: string[]; revisions: { revision: number; outcome?: string }[] }> {
  const deployments = await kube.request<KubeList<Deployment>>(
    'GET',
    `${KNOWN.deployments(namespace)}?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${APP}`)}`,
  );
  const images = deployments.items
    .filter((d) => (d.spec?.replicas ?? 0) > 0)
    .map((d) => String(d.spec?.template?.spec?.containers?.[0]?.image));
  const revisions = (await readRevisions(kube, namespace, APP)).map((r) => ({
    revision: r.revision,
    outcome: r.outcome,
  }));
  return { images, revisions };
}

const localImages: string[] = [];
let afterGood: { a: Awaited<ReturnType<typeof appState>>; b: Awaited<ReturnType<typeof appState>> };

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.real.length === 0)
    throw new Error(`The first test cluster has no real node (KUBE_MODE=${nodes.mode}); run npm run env:up.`);
  work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-waves-'));
  github = await startGitHubFake({ token: TOKEN });
  clusterA = await Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });
  clusterB = await Kube.connect({ kubeconfigFile: secondCluster().kubeconfig });
  namespace = `waves-e2e-${Math.random().toString(36).slice(2, 8)}`;
  await createNamespaces();
  const base = testEnv('BASE_IMAGE_NODE');
  const goodRef = pushImage('1.0.0', [
    '--build-arg',
    `BUILD_IMAGE=${base}`,
    '--build-arg',
    `RUNTIME_IMAGE=${base}`,
    '--build-arg',
    'APP_VERSION=1.0.0',
    path.join(repoRoot, 'examples', 'app'),
  ]);
  // The same app, every app request answered with 500 (examples/app's FAIL_RATIO): a release to stop.
  const brokenRef = pushImage(
    '2.0.0-broken',
    ['-'],
    `FROM ${goodRef}\nENV APP_VERSION=2.0.0-broken FAIL_RATIO=1\n`,
  );
  const secrets = path.join(work, '.secrets');
  writeFileSync(
    secrets,
    [
      `GITHUB_TOKEN=${TOKEN}`,
      `REGISTRY_PASSWORD=${JSON.stringify(testEnv('REGISTRY_PASSWORD'))}`,
      `KUBECONFIG=${JSON.stringify(wavesKubeconfig())}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const repo = appRepository();
  good = { ref: goodRef, run: await wavesRun('good', repo, secrets, goodRef) };
  afterGood = { a: await appState(clusterA), b: await appState(clusterB) };
  broken = { ref: brokenRef, run: await wavesRun('broken', repo, secrets, brokenRef) };
});

afterAll(async () => {
  for (const kube of [clusterA, clusterB]) {
    await kube?.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  }
  await github?.close();
  // the registry login and the local copies of the two images; act's logs stay in the work folder
  if (localImages.length > 0) {
    execFileSync('docker', ['image', 'rm', '--force', ...localImages], {
      env: { ...process.env, DOCKER_HOST: testEnv('DOCKER_HOST') },
      stdio: 'ignore',
    });
  }
  if (work) rmSync(path.join(work, 'docker'), { recursive: true, force: true });
});

afterEach(() => expectNoViolations(github));

describe('the waves workflow under act, across two clusters', () => {
  it('deploys a good digest to wave 1 (eu-1), then wave 2 (us-1)', () => {
    expect({ code: good.run.code, errors: good.run.errors }).toEqual({ code: 0, errors: [] });
    expect(good.run.started).toEqual(['check', 'plan', 'wave-1 eu-1', 'wave-2 us-1']);
    // wave 2 starts only after wave 1 ended (act logs its events in the order they happen)
    const { order } = good.run;
    expect(order.indexOf('end wave-1 eu-1')).toBeGreaterThan(order.indexOf('start wave-1 eu-1'));
    expect(order.indexOf('start wave-2 us-1')).toBeGreaterThan(order.indexOf('end wave-1 eu-1'));
    expect(good.run.jobs).toMatchObject({
      plan: 'success',
      check: 'success',
      'wave-1 eu-1': 'success',
      'wave-2 us-1': 'success',
    });
    for (const state of [afterGood.a, afterGood.b]) {
      expect(state).toEqual({ images: [good.ref], revisions: [{ revision: 1, outcome: 'succeeded' }] });
    }
  });

  it('records a GitHub Deployment per cluster, each in its own environment', () => {
    const created = github.requests.filter((r) => r.operationId === 'repos/create-deployment');
    expect(created.map((r) => (r.body as { environment?: string }).environment)).toEqual([
      'eu-1',
      'us-1',
      'eu-1',
    ]);
  });

  it('halts after a failing wave-1 cluster: wave 2 does not run and us-1 is unchanged', async () => {
    expect(broken.run.code).not.toBe(0);
    expect(broken.run.jobs).toMatchObject({ plan: 'success', check: 'success', 'wave-1 eu-1': 'failure' });
    // Nothing of wave 2 (or later) ran: no step, no result.
    expect(broken.run.started).toEqual(['check', 'plan', 'wave-1 eu-1']);
    expect(Object.keys(broken.run.jobs).filter((job) => !/^(plan|check|wave-1 )/.test(job))).toEqual([]);
    expect(broken.run.errors.join('\n')).toMatch(/failed its smoke test/);
    // eu-1 stopped it at the preview: the good digest still serves there, and the failed try is on record.
    const a = await appState(clusterA);
    expect(a.images).toEqual(afterGood.a.images);
    // (aborted: it never went live; the previous color kept every request)
    expect(a.revisions).toEqual([{ revision: 2, outcome: 'aborted' }, ...afterGood.a.revisions]);
    // us-1 never saw the broken digest.
    expect(await appState(clusterB)).toEqual(afterGood.b);
  });

  it('keeps the kubeconfig and the registry password out of act’s log', () => {
    const kubeconfig = wavesKubeconfig();
    const keys = [...kubeconfig.matchAll(/client-key-data:\s*(\S+)/g)].map((m) => m[1] as string);
    expect(keys).toHaveLength(2);
    for (const run of [good.run, broken.run]) {
      // act's --json log repeats each ::add-mask:: argument in clear (GitHub's runner never prints it): those
      // lines are where the actions mask the secrets, and they must be the only ones that hold them.
      const lines = run.log.split('\n').filter((line) => !line.includes('"command":"add-mask"'));
      expect({
        registryPassword: lines.some((line) => line.includes(testEnv('REGISTRY_PASSWORD'))),
        clientKeys: keys.map((key) => lines.some((line) => line.includes(key))),
      }).toEqual({ registryPassword: false, clientKeys: [false, false] });
    }
  });
});
