// The reusable pipeline (.github/workflows/pipeline.yml) end to end under act on this host, exactly as
// `npm run demo` runs it: an app repository (examples/app) calls swiss/deploy/.github/workflows/pipeline.yml@v1
// (resolved to a slim copy of this checkout); build → push → scan → render → deploy blue/green → smoke on
// the real node of the test cluster. Run 1 ships 1.0.0; run 2 ships a build whose /version is wrong and
// must be stopped while 1.0.0 keeps serving.
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testEnv } from '../support/env';
import { repoRoot } from '../support/versions';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../support/github-fake';
import { kubectl, nodesByKind } from '../integration/env/kube';
import { run, type RunResult } from '../integration/env/run';

jest.setTimeout(15 * 60_000);

// The token the demo hands act as GITHUB_TOKEN; the fake accepts exactly this one.
const TOKEN = 'ghs_swiss_deploy_demo_token';

interface RunFacts {
  code: number;
  jobs: Record<string, string>;
  steps: { job: string; step: string; result: string }[];
  outputs: Record<string, Record<string, string>>;
  errors: { job: string; stage: string; message: string }[];
  smokeResults: string;
  logFile: string;
}

interface DemoResult {
  namespace: string;
  good: RunFacts;
  broken: RunFacts;
  afterGood: { service: string; version: string };
  afterBroken: { service: string; version: string };
  checks: Record<string, boolean>;
  ok: boolean;
}

let github: GitHubFake;
let demo: RunResult;
let result: DemoResult;

/** GET a path of a Service through the API server's service proxy (the cluster has no kube-proxy). */
async function viaService(namespace: string, service: string, requestPath: string): Promise<unknown> {
  const answer = await kubectl([
    'get',
    '--raw',
    `/api/v1/namespaces/${namespace}/services/${service}:80/proxy${requestPath}`,
  ]);
  return JSON.parse(answer.stdout) as unknown;
}

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.real.length === 0)
    throw new Error(`The test cluster has no real node (KUBE_MODE=${nodes.mode}); run npm run env:up.`);
  github = await startGitHubFake({ token: TOKEN });
  const resultFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-pipeline-')), 'result.json');
  // The jest globalSetup has brought the environment up; the demo would only repeat it.
  demo = await run(
    process.execPath,
    [
      path.join(repoRoot, 'scripts', 'demo.mjs'),
      '--skip-env-up',
      '--keep',
      '--github-api-url',
      github.url,
      '--result',
      resultFile,
    ],
    { cwd: repoRoot, timeoutMs: 14 * 60_000 },
  );
  try {
    result = JSON.parse(readFileSync(resultFile, 'utf8')) as DemoResult;
  } catch {
    throw new Error(
      `The demo wrote no result (exit ${demo.code}):\n${demo.stdout.slice(-4000)}\n${demo.stderr}`,
    );
  }
});

afterAll(async () => {
  if (result?.namespace) await kubectl(['delete', 'namespace', result.namespace, '--wait=false']);
  await github?.close();
});

afterEach(() => expectNoViolations(github));

describe('the pipeline workflow under act (npm run demo)', () => {
  it('run 1 builds, scans and deploys 1.0.0 blue/green, and the stable Service answers 1.0.0', async () => {
    expect({ code: result.good.code, errors: result.good.errors }).toEqual({ code: 0, errors: [] });
    expect(result.good.jobs).toEqual({
      build: 'success',
      scan: 'success',
      deploy: 'success',
      report: 'success',
    });
    for (const job of ['build', 'scan', 'deploy', 'report']) {
      expect(demo.stdout).toContain(`[run 1] ${job}: job success`);
    }
    const ran = result.good.steps.filter((s) => s.result === 'success').map((s) => `${s.job} ${s.step}`);
    expect(ran).toEqual(
      expect.arrayContaining([
        'build swiss/deploy/actions/build-image@v1',
        'scan swiss/deploy/actions/render-helm@v1',
        'scan swiss/deploy/actions/scan@v1',
        'deploy swiss/deploy@v1',
        'deploy Post swiss/deploy@v1',
      ]),
    );
    // The digest built is the one deployed, and the reusable workflow's outputs reached the caller.
    const imageRef = result.good.outputs.build?.['image-ref'] ?? '';
    expect(imageRef).toMatch(
      new RegExp(
        `^${testEnv('REGISTRY').replace(/\./g, '\\.')}/swiss-deploy-demo/example-app@sha256:[a-f0-9]{64}$`,
      ),
    );
    expect(result.good.outputs.scan).toMatchObject({ passed: 'true', blocking: '0' });
    expect(result.good.outputs.deploy).toMatchObject({ revision: '1', color: 'blue', status: 'succeeded' });
    expect(result.good.outputs.report).toBeUndefined();
    expect(demo.stdout).toContain(imageRef);
    expect(result.good.smokeResults).toBe('preview ✓, live ✓');
    expect(result.afterGood.version).toBe('1.0.0');
    expect(await viaService(result.namespace, result.afterGood.service, '/version')).toMatchObject({
      version: '1.0.0',
    });
  });

  it('run 2 with a broken build fails at its preview smoke test and 1.0.0 keeps serving', async () => {
    expect(result.broken.code).not.toBe(0);
    expect(result.broken.jobs).toMatchObject({ build: 'success', scan: 'success', deploy: 'failure' });
    expect(result.broken.jobs.report).toBeUndefined();
    expect(demo.stdout).toContain('[run 2] deploy: job failure');
    expect(result.broken.outputs.deploy).toMatchObject({ status: 'failed', 'rolled-back': 'false' });
    const [error] = result.broken.errors.filter((e) => e.job === 'deploy' && e.stage === 'Main');
    expect(error?.message).toContain('failed its smoke test');
    expect(error?.message).toContain('Live traffic never moved: it still goes to blue');
    expect(result.broken.smokeResults).toBe('preview ✗');
    expect(result.afterBroken.version).toBe('1.0.0');
    expect(await viaService(result.namespace, result.afterGood.service, '/version')).toMatchObject({
      version: '1.0.0',
    });
  });

  it('reports the outcome, exits 0 for it, and keeps secrets out of the logs', () => {
    expect({ code: demo.code, checks: result.checks, ok: result.ok }).toEqual({
      code: 0,
      checks: Object.fromEntries(Object.keys(result.checks).map((k) => [k, true])),
      ok: true,
    });
    expect(demo.stdout).toContain(
      'The broken version 2.0.0-broken was stopped at its preview; 1.0.0 still serves.',
    );
    // It ends with what users get: the app's answer through the ingress controller on 127.0.0.1.
    expect(demo.stdout.trim().split('\n').at(-1)).toMatch(
      /^curl -H 'Host: shop\.demo\.swiss-deploy\.test' http:\/\/127\.0\.0\.1:\d+\/ → Grüezi from example-app 1\.0\.0$/,
    );
    for (const file of [result.good.logFile, result.broken.logFile]) {
      expect(demo.stdout).toContain(file);
      const log = readFileSync(file, 'utf8');
      // Booleans, so a failure never prints the secret it found.
      const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
      const keyData = /client-key-data:\s*(\S+)/.exec(kubeconfig)?.[1] ?? 'no client key in the kubeconfig';
      expect({
        registryPassword: log.includes(testEnv('REGISTRY_PASSWORD')),
        clientKey: log.includes(keyData),
      }).toEqual({ registryPassword: false, clientKey: false });
    }
  });
});
