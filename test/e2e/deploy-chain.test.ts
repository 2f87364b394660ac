// swiss/deploy@v1 end to end, on the real node of the test cluster: the example app built and pushed by
// digest, rendered with the built-in chart, deployed blue/green, smoke-tested through the API server,
// promoted; then a broken build is stopped at its preview and the good version keeps serving.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { testEnv } from '../support/env';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { createNamespace, getJson, kubectl, nodesByKind } from '../integration/env/kube';
import { buildExample, loginRegistry, prepareRealNodeApp } from './example-app';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../support/github-fake';

const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-chain-'));
let namespace = '';
let removeNamespace: (() => Promise<void>) | undefined;
const app = 'shop';
const images: Record<string, string> = {};
let github: GitHubFake;

/** The deployment statuses the runs wrote to the GitHub API, in order. */
const statuses = () =>
  github.requests
    .filter((r) => r.method === 'POST' && /\/deployments\/\d+\/statuses$/.test(r.path) && r.status === 201)
    .map((r) => (r.body as { state: string }).state);

/** GET a path of a Service through the API server's service proxy (the cluster has no kube-proxy). */
async function viaService(service: string, port: number, requestPath: string): Promise<string> {
  const result = await kubectl([
    'get',
    '--raw',
    `/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy${requestPath}`,
  ]);
  return result.stdout;
}

const versionCheck = (version: string) =>
  stringify({
    checks: [
      {
        name: 'serves the version deployed',
        path: '/version',
        expect: { status: 200, json: { '$.version': version } },
      },
    ],
  });

/**
 * The environment's kubeconfig with a second, unreachable context made current: a run that honours the
 * `context` input everywhere (deploy and the smoke test's port-forward) never notices it.
 */
function kubeconfigWithDeadCurrentContext(): { file: string; context: string } {
  const config = parse(readFileSync(testEnv('KUBECONFIG'), 'utf8')) as {
    'current-context': string;
    clusters: { name: string; cluster: Record<string, unknown> }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
  };
  const live = config['current-context'];
  const user = config.contexts.find((c) => c.name === live)?.context.user as string;
  config.clusters.push({ name: 'unreachable', cluster: { server: 'https://127.0.0.1:9' } });
  config.contexts.push({ name: 'unreachable', context: { cluster: 'unreachable', user } });
  config['current-context'] = 'unreachable';
  const file = path.join(work, 'kubeconfig-two-contexts.yaml');
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return { file, context: live };
}

function deploy(imageRef: string, version: string, cluster?: { file: string; context: string }) {
  return runAction({
    actionDir: repoRoot,
    inputs: {
      ...(cluster ? { context: cluster.context } : {}),
      app,
      namespace,
      'image-ref': imageRef,
      // Relative to the workspace, as a workflow names them: files outside it are refused.
      'values-files': ['values.yaml', 'real-node.yaml'].join('\n'),
      'smoke-checks': versionCheck(version),
      'smoke-retries': '3',
      'smoke-timeout': '5s',
      timeout: '3m',
      environment: 'e2e',
    },
    context: { GITHUB_API_URL: github.url, GITHUB_TOKEN: 'ghs_e2edeploytoken' },
    workspace: work,
    // helm comes preinstalled on runners; here the environment's pinned helm plays that part.
    env: {
      KUBECONFIG: cluster?.file ?? testEnv('KUBECONFIG'),
      PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}`,
    },
    timeoutMs: 8 * 60_000,
  });
}

beforeAll(async () => {
  github = await startGitHubFake();
  const nodes = await nodesByKind();
  if (nodes.real.length === 0)
    throw new Error(`The test cluster has no real node (KUBE_MODE=${nodes.mode}); run npm run env:up.`);
  await loginRegistry(work);
  images.good = await buildExample(work, '1.0.0');
  images.broken = await buildExample(work, '2.0.0-broken');
  images.degrading = await buildExample(
    work,
    '3.0.0',
    path.join(repoRoot, 'test', 'fixtures', 'e2e', 'degrading-app'),
    ['--build-arg', `APP_IMAGE=${images.good}`],
  );

  const created = await createNamespace('e2e-chain');
  namespace = created.name;
  removeNamespace = created.remove;
  await prepareRealNodeApp(work, namespace);
}, 10 * 60_000);

afterAll(async () => {
  await removeNamespace?.();
  await github?.close();
});

afterEach(() => expectNoViolations(github));

describe('swiss/deploy@v1 on a real node', () => {
  it(
    'deploys the good version: preview checked, promoted, live checked, and it serves',
    async () => {
      // The kubeconfig's current-context is unreachable: deploy and smoke test must both use `context`.
      const { main, post } = await deploy(images.good as string, '1.0.0', kubeconfigWithDeadCurrentContext());
      expect({
        exitCode: main.exitCode,
        errors: main.annotations.filter((a) => a.level === 'error'),
      }).toEqual({
        exitCode: 0,
        errors: [],
      });
      expect(main.outputs).toMatchObject({
        color: 'blue',
        revision: '1',
        status: 'succeeded',
        'rolled-back': 'false',
      });
      expect(main.summary).toContain('preview smoke test');
      expect(statuses()).toEqual(['in_progress', 'success']);
      expect(post?.exitCode).toBe(0);
      const stable = (main.outputs['stable-service'] as string).split('/')[1]?.split(':')[0] as string;
      expect(JSON.parse(await viaService(stable, 80, '/version'))).toMatchObject({ version: '1.0.0' });
    },
    8 * 60_000,
  );

  it(
    'stops a broken build at its preview: the step fails and the good version keeps serving',
    async () => {
      const before = await getJson([
        'service',
        '--namespace',
        namespace,
        '-l',
        `app.kubernetes.io/instance=${app}`,
      ]);
      const { main, post } = await deploy(images.broken as string, '2.0.0');
      expect(main.exitCode).toBe(1);
      expect({ post: post?.exitCode, log: post?.log.includes('No deploy lock to release') }).toEqual({
        post: 0,
        log: true,
      });
      const error = main.annotations.find((a) => a.level === 'error')?.message ?? '';
      expect(error).toContain('failed its smoke test');
      expect(error).toContain('Live traffic never moved: it still goes to blue');
      expect(main.outputs['rolled-back']).toBe('false');
      expect(statuses().slice(-2)).toEqual(['in_progress', 'failure']);
      const after = await getJson([
        'service',
        '--namespace',
        namespace,
        '-l',
        `app.kubernetes.io/instance=${app}`,
      ]);
      const selectors = (list: typeof before) =>
        (
          (list as unknown as { items: { metadata: { name: string }; spec: { selector: unknown } }[] })
            .items ?? []
        ).map((s) => [s.metadata.name, s.spec.selector]);
      // The stable Service (what users reach) is exactly as it was; the preview follows the idle color by design.
      const stableOnly = (list: typeof before) =>
        selectors(list).filter(([name]) => !String(name).endsWith('-preview'));
      expect(stableOnly(after)).toEqual(stableOnly(before));
      const stable = selectors(after).find(([name]) => !String(name).endsWith('-preview'))?.[0] as string;
      expect(JSON.parse(await viaService(stable, 80, '/version'))).toMatchObject({ version: '1.0.0' });
    },
    8 * 60_000,
  );
  it(
    'switches straight back when the live check fails after the switch',
    async () => {
      const { main } = await deploy(images.degrading as string, '3.0.0');
      expect(main.exitCode).toBe(1);
      const error = main.annotations.find((a) => a.level === 'error')?.message ?? '';
      expect(error).toContain('failed its live smoke test after the switch');
      expect(error).toContain('Left untouched: traffic was switched back to blue');
      expect(main.outputs).toMatchObject({ 'rolled-back': 'true', status: 'rolled-back', color: 'blue' });
      const stable = (main.outputs['stable-service'] as string).split('/')[1]?.split(':')[0] as string;
      expect(JSON.parse(await viaService(stable, 80, '/version'))).toMatchObject({ version: '1.0.0' });
    },
    8 * 60_000,
  );
});
