// The preview bundle run as the runner runs it (Node 24, INPUT_*, file commands) against the test cluster
// and the GitHub fake, signed in as the ServiceAccount of deploy/rbac-previews.yaml (a token from the
// TokenRequest API): prepare labels the namespace and sets its expiry, a deploy into it works with those
// permissions, comment keeps one PR comment, teardown deletes only a labelled preview and makes its
// Deployments inactive, cleanup removes only the expired previews of this repository.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { GitHubClient } from '@swiss-deploy/github';
import { GitHubDeployment } from '../../../packages/github/deployments';
import { KNOWN, Kube, isNotFound, type KubeObject } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';
import { adminKube, appObjects, deploy, writeManifests } from '../deploy/cluster';
import { kubeconfigWith } from '../rbac/deployer';

jest.setTimeout(240_000);

const actionDir = path.join(repoRoot, 'actions', 'preview');
const REPO = 'swiss/example-app';
const TOKEN = 'ghs_previewtesttoken0123456789ab';
// The brief's rule: names of this test start with "preview".
const APP = `preview-${randomBytes(3).toString('hex')}`;
const PASSWORD = 'registry-password-preview-5c1e';

// deploy/rbac-previews.yaml's objects under names of this test's own (they are cluster-scoped).
const IDENTITY = `${APP}-rbac`;

let kube: Kube;
let github: GitHubFake;
let previewKubeconfig: string;
const made = new Set<string>();

/** Applies deploy/rbac-previews.yaml renamed to IDENTITY; returns a kubeconfig signed in as its ServiceAccount. */
async function installPreviewIdentity(): Promise<string> {
  const file = path.join(repoRoot, 'deploy', 'rbac-previews.yaml');
  const objects = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject);
  const paths: Record<string, (o: KubeObject) => string> = {
    Namespace: () => KNOWN.namespace(IDENTITY),
    ServiceAccount: () => `/api/v1/namespaces/${IDENTITY}/serviceaccounts/${IDENTITY}`,
    ClusterRole: () => `/apis/rbac.authorization.k8s.io/v1/clusterroles/${IDENTITY}`,
    ClusterRoleBinding: () => `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${IDENTITY}`,
  };
  for (const object of objects) {
    object.metadata.name = IDENTITY;
    if (object.kind === 'ServiceAccount') object.metadata.namespace = IDENTITY;
    const binding = object as {
      roleRef?: { name: string };
      subjects?: { name: string; namespace: string }[];
    };
    if (binding.roleRef) binding.roleRef.name = IDENTITY;
    for (const subject of binding.subjects ?? [])
      Object.assign(subject, { name: IDENTITY, namespace: IDENTITY });
    const at = paths[object.kind as string];
    if (!at) throw new Error(`deploy/rbac-previews.yaml holds an unexpected ${object.kind}`);
    await kube.request('PATCH', at(object), {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'preview-tests', force: true },
    });
  }
  const answer = await kube.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${IDENTITY}/serviceaccounts/${IDENTITY}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 1800 },
      },
    },
  );
  return kubeconfigWith({ token: answer.status.token });
}

beforeAll(async () => {
  kube = await adminKube();
  github = await startGitHubFake({ token: TOKEN });
  previewKubeconfig = await installPreviewIdentity();
});

afterAll(async () => {
  for (const name of made) await kube.request('DELETE', KNOWN.namespace(name)).catch(() => undefined);
  for (const at of [
    `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${IDENTITY}`,
    `/apis/rbac.authorization.k8s.io/v1/clusterroles/${IDENTITY}`,
    KNOWN.namespace(IDENTITY),
  ])
    await kube.request('DELETE', at).catch(() => undefined);
  await github.close();
});

afterEach(() => expectNoViolations(github));

function step(inputs: Record<string, string>) {
  return runAction({
    actionDir,
    inputs: { app: APP, 'github-token': TOKEN, timeout: '2m', kubeconfig: previewKubeconfig, ...inputs },
    env: { KUBECONFIG: '' },
    context: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '4242' },
  }).then((r) => r.main);
}

async function namespace(name: string): Promise<KubeObject | undefined> {
  try {
    return await kube.request<KubeObject>('GET', KNOWN.namespace(name));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const client = () => new GitHubClient({ token: TOKEN, repository: REPO, apiUrl: github.url });

describe('the preview action against the cluster and GitHub', () => {
  const ns = `${APP}-pr-101`;

  it('prepare makes the labelled namespace with its expiry and a pull secret, keeping the password out', async () => {
    made.add(ns);
    const before = Date.now();
    const result = await step({
      operation: 'prepare',
      'pr-number': '101',
      ttl: '2h',
      registry: testEnv('REGISTRY'),
      'registry-username': 'ci',
      'registry-password': PASSWORD,
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      namespace: ns,
      environment: `preview/${ns}`,
      'expires-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    const created = await namespace(ns);
    expect(created?.metadata.labels).toMatchObject({
      'swiss-deploy/preview': 'true',
      'swiss-deploy/preview-app': APP,
      'swiss-deploy/preview-pr': '101',
    });
    const annotations = created?.metadata.annotations ?? {};
    expect(annotations['swiss-deploy/repository']).toBe(REPO);
    const expires = Date.parse(annotations['swiss-deploy/expires-at'] ?? '');
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    const secret = await kube.request<KubeObject & { type: string; data: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${ns}/secrets/registry`,
    );
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'] ?? '', 'base64').toString()) as {
      auths: Record<string, { username: string; password: string }>;
    };
    expect(config.auths[testEnv('REGISTRY')]).toMatchObject({ username: 'ci', password: PASSWORD });
    expect(result.log.includes(PASSWORD)).toBe(false);
    expect(JSON.stringify(result.outputs).includes(PASSWORD)).toBe(false);
  });

  it('comment writes one PR comment with the route and service, and a second run updates that same comment', async () => {
    // A deploy into the preview namespace, as the pipeline makes it: colored workloads, Service, lease,
    // revision history, plus an Ingress for the route.
    const ingress: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop' },
      spec: {
        rules: [
          {
            host: `pr-101.${APP}.preview.test`,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'shop', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    };
    // Deployed as the preview identity: its ClusterRole reaches a namespace made on the fly.
    const asPreview = await Kube.connect({ kubeconfigFile: writeManifests(previewKubeconfig) });
    await deploy(asPreview, ns, appObjects({ version: '1', extra: [ingress] }));
    const first = await step({
      operation: 'comment',
      'pr-number': '101',
      revision: '1',
      color: 'blue',
      'image-ref': `registry.example/shop@sha256:${'ab'.repeat(32)}`,
    });
    expect(first.exitCode).toBe(0);
    const second = await step({
      operation: 'comment',
      'pr-number': '101',
      revision: '2',
      color: 'green',
      'deploy-result': 'failure',
    });
    expect(second.exitCode).toBe(0);
    expect(second.outputs['comment-id']).toBe(first.outputs['comment-id']);
    const comments = github.state.commentsOf(REPO, 101);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(body.split('\n')[0]).toBe(`<!-- swiss-deploy-preview:${APP} -->`);
    expect(body).toContain(`| Route | \`http://pr-101.${APP}.preview.test/\` |`);
    expect(body).toContain(`| Service | \`${ns}/shop:80\` |`);
    expect(body).toContain('| Revision | `2` |');
    expect(body).toContain('failed to deploy');
    expect(body).toContain('| Run | https://github.com/swiss/example-app/actions/runs/4242 |');
    expect(body).toMatch(/\| Expires \| `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ` /);
  });

  it('comment still reports the run when the cluster cannot be read, with a warning', async () => {
    const result = await runAction({
      actionDir,
      inputs: { operation: 'comment', app: APP, 'pr-number': '109', 'github-token': TOKEN, revision: '3' },
      env: { KUBECONFIG: '', HOME: mkdtempSync(path.join(os.tmpdir(), 'home-')) },
      context: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPO },
    });
    expect(result.main.exitCode).toBe(0);
    expect(result.main.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining(
          "Could not read the preview's route from the cluster: No Kubernetes credentials",
        ),
      }),
    ]);
    const [comment] = github.state.commentsOf(REPO, 109);
    expect(comment?.body).toContain('| Route | none (no Ingress or HTTPRoute) |');
    expect(comment?.body).toContain('| Revision | `3` |');
  });

  it('teardown deletes the namespace with everything in it and makes the Deployments inactive', async () => {
    const environment = `preview/${ns}`;
    const ids: number[] = [];
    for (const state of ['failure', 'success'] as const) {
      const d = await GitHubDeployment.create(client(), { ref: 'pr-101', environment });
      await d.setStatus({ state });
      ids.push(d.id);
    }
    const result = await step({ operation: 'teardown', 'pr-number': '101' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ removed: ns, deactivated: '2' });
    expect(await namespace(ns)).toBeUndefined();
    expect(ids.map((id) => github.state.latestState(id))).toEqual(['inactive', 'inactive']);
    const comments = github.state.commentsOf(REPO, 101);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('is gone');
    // A second teardown finds nothing to do and says so.
    const again = await step({ operation: 'teardown', 'pr-number': '101' });
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ removed: '', deactivated: '0' });
    expect(again.log).toContain(`Namespace ${ns} did not exist.`);
  });

  it('never deletes or takes over a namespace of that name that is not labelled as this preview', async () => {
    const foreign = `${APP}-pr-102`;
    made.add(foreign);
    await kube.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: foreign } },
    });
    const teardown = await step({ operation: 'teardown', 'pr-number': '102' });
    expect(teardown.exitCode).toBe(1);
    expect(teardown.annotations[0]?.message).toContain(
      `Namespace ${foreign} is not labelled as the preview of ${APP} for pull request 102: it is not deleted.`,
    );
    const prepare = await step({ operation: 'prepare', 'pr-number': '102' });
    expect(prepare.exitCode).toBe(1);
    expect(prepare.annotations[0]?.message).toContain(`Namespace ${foreign} exists and is not the preview`);
    const still = await namespace(foreign);
    expect(still?.metadata.deletionTimestamp).toBeUndefined();
    expect(still?.metadata.labels?.['swiss-deploy/preview']).toBeUndefined();
  });

  it('cleanup removes the expired previews of this repository and keeps the rest', async () => {
    const expired = `${APP}-pr-103`;
    const fresh = `${APP}-pr-104`;
    made.add(expired).add(fresh);
    for (const pr of ['103', '104']) {
      expect((await step({ operation: 'prepare', 'pr-number': pr, ttl: '10m' })).exitCode).toBe(0);
    }
    await kube.request('PATCH', KNOWN.namespace(expired), {
      body: { metadata: { annotations: { 'swiss-deploy/expires-at': '2020-01-01T00:00:00Z' } } },
      contentType: 'application/merge-patch+json',
    });
    const result = await step({ operation: 'cleanup' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ removed: expired });
    expect(result.log).toContain(`${expired} expired at 2020-01-01T00:00:00Z.`);
    expect(result.log).toMatch(new RegExp(`Keeping ${fresh}: expires at \\d{4}-`));
    expect(await namespace(expired)).toBeUndefined();
    expect(await namespace(fresh)).toBeDefined();
  });
});
