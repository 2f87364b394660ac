// The preview workflow (.github/workflows/preview.yml) end to end under act on this host: an app repository
// calls swiss/deploy/.github/workflows/preview.yml@v1 (resolved to a slim copy of this checkout) on
// pull_request events, and the preview goes through its whole life on the test cluster's real node:
//   opened      → namespace <app>-pr-<n> prepared, version 1 deployed blue/green, one PR comment;
//   synchronize → version 2 deployed into the same namespace, the same comment updated (not a second one);
//   schedule    → the cleanup removes another preview whose expiry has passed and keeps this one;
//   closed      → namespace, workloads, lease and revisions gone, GitHub Deployments inactive;
// and a fork's pull request (no secrets) skips with a notice and succeeds.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { testEnv } from '../support/env';
import { repoRoot } from '../support/versions';
import { actRepository, ACT_REPOSITORY, actHostArgs } from '../support/act-repo';
import { realNodeScheduling } from '../support/real-node';
import { runAction } from '../support/runner';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../support/github-fake';
import { getJson, kubectl, nodesByKind, type KubeObject } from '../integration/env/kube';
import { run } from '../integration/env/run';
import { buildExample, loginRegistry } from './example-app';

jest.setTimeout(25 * 60_000);

const TOKEN = 'ghs_swiss_deploy_preview_e2e_token';
// Every name this test makes starts with "preview" (the shared cluster's rule for this suite's owner).
const APP = `preview-${randomBytes(2).toString('hex')}`;
const PR = 7;
const EXPIRED_PR = 8;
const NAMESPACE = `${APP}-pr-${PR}`;
const ENVIRONMENT = `preview/${NAMESPACE}`;

interface ActRun {
  code: number;
  jobs: Record<string, string>;
  notices: string[];
  errors: string[];
  log: string;
}

let github: GitHubFake;
let work: string;
let actionRepo: string;
let appRepo: string;
let secretsFile: string;
let noSecretsFile: string;
let images: { v1: string; v2: string };
const runs: Record<string, ActRun> = {};
const facts: Record<string, unknown> = {};

/** The action repository as act resolves swiss/deploy@v1: only what the runner reads. */
function slimActionRepo(into: string): string {
  const dir = path.join(into, 'swiss-deploy');
  mkdirSync(path.join(dir, 'actions'), { recursive: true });
  cpSync(path.join(repoRoot, 'action.yml'), path.join(dir, 'action.yml'));
  for (const action of readdirSync(path.join(repoRoot, 'actions'))) {
    const file = path.join(repoRoot, 'actions', action, 'action.yml');
    if (!existsSync(file)) continue;
    mkdirSync(path.join(dir, 'actions', action));
    cpSync(file, path.join(dir, 'actions', action, 'action.yml'));
  }
  for (const folder of ['dist', 'charts', path.join('.github', 'workflows')])
    cpSync(path.join(repoRoot, folder), path.join(dir, folder), { recursive: true });
  return dir;
}

/** The pull_request payload GitHub sends, with the fields the workflows read. */
function pullRequestEvent(action: string, pr: number, sha: string): object {
  const [owner, name] = ACT_REPOSITORY.split('/');
  return {
    action,
    number: pr,
    pull_request: {
      number: pr,
      state: action === 'closed' ? 'closed' : 'open',
      head: { ref: `feature-${pr}`, sha, repo: { full_name: ACT_REPOSITORY } },
      base: { ref: 'main', repo: { full_name: ACT_REPOSITORY } },
    },
    repository: { full_name: ACT_REPOSITORY, name, owner: { login: owner } },
  };
}

/** One act run of the caller workflow on `event`, with the payload and repository variables given. */
async function actRun(
  label: string,
  event: string,
  payload: object,
  vars: Record<string, string>,
  secrets = secretsFile,
): Promise<ActRun> {
  const eventFile = path.join(work, `${label}-event.json`);
  writeFileSync(eventFile, JSON.stringify(payload));
  const args = [
    event,
    '--eventpath',
    eventFile,
    ...actHostArgs('caller.yml', { 'swiss/deploy@v1': actionRepo }),
    '--json',
    '--secret-file',
    secrets,
    '--env',
    `GITHUB_API_URL=${github.url}`,
    ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}=${value}`]),
  ];
  const result = await run(testEnv('ACT'), args, {
    cwd: appRepo,
    env: {
      PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH ?? ''}`,
      DOCKER_HOST: testEnv('DOCKER_HOST'),
    },
    timeoutMs: 10 * 60_000,
  });
  const outcome: ActRun = { code: result.code, jobs: {}, notices: [], errors: [], log: '' };
  const lines: string[] = [];
  for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (line.trim()) lines.push(line);
      continue;
    }
    const job = String(entry.jobID ?? entry.job ?? '?');
    lines.push(`[${job}] ${String(entry.msg ?? '').trimEnd()}`);
    if (typeof entry.jobResult === 'string') outcome.jobs[job] = entry.jobResult;
    if (entry.command === 'notice') outcome.notices.push(String(entry.arg ?? ''));
    if (entry.command === 'error') outcome.errors.push(String(entry.arg ?? ''));
  }
  outcome.log = lines.join('\n');
  const logFile = path.join(work, `act-${label}.log`);
  writeFileSync(logFile, outcome.log);
  // What a failing assertion shows: the jobs, the errors and where the whole log is.
  outcome.log += `\n(full log: ${logFile})`;
  return outcome;
}

const runFacts = (r: ActRun | undefined) => ({ code: r?.code, jobs: r?.jobs, errors: r?.errors });

/** The values that put the preview's pods on the real node, pulling with the pull secret prepare makes. */
function writeValues(version: string): Record<string, string> {
  cpSync(path.join(repoRoot, 'examples', 'app', 'values.yaml'), path.join(appRepo, 'values.yaml'));
  writeFileSync(
    path.join(appRepo, 'real-node.yaml'),
    stringify({
      replicaCount: 1,
      imagePullSecrets: [{ name: 'registry' }],
      ...realNodeScheduling(),
      pdb: { enabled: false },
      ingress: {
        enabled: true,
        className: testEnv('INGRESS_CLASS'),
        host: `pr-${PR}.${APP}.preview.test`,
        tls: { enabled: false },
      },
    }),
  );
  const image = images.v1.split('@')[0] as string;
  return {
    PREVIEW_APP: APP,
    PREVIEW_IMAGE: image,
    PREVIEW_IMAGE_REF: version === '1.0.0' ? images.v1 : images.v2,
    PREVIEW_VERSION: version,
    PREVIEW_REGISTRY: testEnv('REGISTRY'),
    PREVIEW_REGISTRY_USER: testEnv('REGISTRY_USER'),
  };
}

async function namespaceOf(name: string): Promise<KubeObject | undefined> {
  const result = await kubectl(['get', 'namespace', name, '-o', 'json', '--ignore-not-found']);
  return result.stdout.trim() ? (JSON.parse(result.stdout) as KubeObject) : undefined;
}

/** Leases and Secrets (the revision store) of this test's app in any namespace. */
async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  for (const kind of ['leases', 'secrets', 'deployments', 'services']) {
    const list = await getJson<{ items: KubeObject[] }>([kind, '--all-namespaces']);
    for (const item of list.items) {
      const ns = item.metadata.namespace ?? '';
      if (ns.startsWith(`${APP}-pr-`) || item.metadata.name.includes(APP))
        found.push(`${kind} ${ns}/${item.metadata.name}`);
    }
  }
  return found;
}

const previewComments = (pr: number) =>
  github.state
    .commentsOf(ACT_REPOSITORY, pr)
    .filter((c) => c.body.includes(`<!-- swiss-deploy-preview:${APP} -->`));

const deploymentStates = () =>
  github.state
    .deploymentsOf(ACT_REPOSITORY)
    .filter((d) => d.deployment.environment === ENVIRONMENT)
    .map((d) => d.statuses.at(-1)?.state);

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.real.length === 0)
    throw new Error(`The test cluster has no real node (KUBE_MODE=${nodes.mode}); run npm run env:up.`);
  github = await startGitHubFake({ token: TOKEN });
  work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-preview-'));
  await loginRegistry(work);
  images = { v1: await buildExample(work, '1.0.0'), v2: await buildExample(work, '2.0.0') };
  actionRepo = slimActionRepo(work);
  appRepo = actRepository({ workflows: [path.join(repoRoot, 'test', 'fixtures', 'preview', 'caller.yml')] });
  writeValues('1.0.0');
  // A first commit, so the runs have a HEAD (github.sha) as on GitHub.
  const git = ['-c', 'user.name=swiss e2e', '-c', 'user.email=e2e@swiss-deploy.invalid', '-C', appRepo];
  execFileSync('git', [...git, 'add', '--all']);
  execFileSync('git', [...git, 'commit', '--quiet', '--message', 'preview e2e']);
  const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
  // Secrets reach act through files (mode 600), never argv.
  secretsFile = path.join(work, '.secrets');
  writeFileSync(
    secretsFile,
    [
      `GITHUB_TOKEN=${TOKEN}`,
      `REGISTRY_PASSWORD=${JSON.stringify(testEnv('REGISTRY_PASSWORD'))}`,
      `KUBECONFIG=${JSON.stringify(kubeconfig)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // A fork's pull request: GitHub passes no secrets but the read-only token.
  noSecretsFile = path.join(work, '.secrets-fork');
  writeFileSync(noSecretsFile, `GITHUB_TOKEN=${TOKEN}\n`, { mode: 0o600 });

  const sha = (n: number) => createSha(`${APP}-${n}`);
  runs.opened = await actRun(
    'opened',
    'pull_request',
    pullRequestEvent('opened', PR, sha(1)),
    writeValues('1.0.0'),
  );
  facts.afterOpen = {
    namespace: await namespaceOf(NAMESPACE),
    comments: previewComments(PR).map((c) => ({ id: c.id, body: c.body })),
    version: await versionServed(),
  };
  runs.synchronize = await actRun(
    'synchronize',
    'pull_request',
    pullRequestEvent('synchronize', PR, sha(2)),
    writeValues('2.0.0'),
  );
  facts.afterSync = {
    comments: previewComments(PR).map((c) => ({ id: c.id, body: c.body })),
    version: await versionServed(),
  };
  // Another preview, made by the preview action itself and then aged past its expiry.
  const prepared = await runAction({
    actionDir: path.join(repoRoot, 'actions', 'preview'),
    inputs: {
      operation: 'prepare',
      app: APP,
      'pr-number': String(EXPIRED_PR),
      ttl: '10m',
      'github-token': '',
    },
    env: { KUBECONFIG: testEnv('KUBECONFIG') },
    context: { GITHUB_REPOSITORY: ACT_REPOSITORY },
  });
  if (prepared.main.exitCode !== 0) throw new Error(`prepare failed:\n${prepared.main.log}`);
  await kubectl([
    'annotate',
    'namespace',
    `${APP}-pr-${EXPIRED_PR}`,
    '--overwrite',
    'swiss-deploy/expires-at=2020-01-01T00:00:00Z',
  ]);
  runs.cleanup = await actRun('cleanup', 'schedule', { schedule: '17 3 * * *' }, writeValues('2.0.0'));
  facts.afterCleanup = {
    expired: await namespaceOf(`${APP}-pr-${EXPIRED_PR}`),
    kept: await namespaceOf(NAMESPACE),
  };
  runs.closed = await actRun(
    'closed',
    'pull_request',
    pullRequestEvent('closed', PR, sha(2)),
    writeValues('2.0.0'),
  );
  runs.fork = await actRun(
    'fork',
    'pull_request',
    pullRequestEvent('opened', PR + 100, sha(3)),
    writeValues('1.0.0'),
    noSecretsFile,
  );
});

afterAll(async () => {
  // The act logs stay for a look after a failure; the credentials do not.
  for (const file of [secretsFile, noSecretsFile, work && path.join(work, 'docker')])
    if (file) rmSync(file, { recursive: true, force: true });
  for (const ns of [NAMESPACE, `${APP}-pr-${EXPIRED_PR}`, `${APP}-pr-${PR + 100}`])
    await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
  await github?.close();
});

afterEach(() => expectNoViolations(github));

function createSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** /version of the preview's stable Service, through the API server's service proxy. */
async function versionServed(): Promise<string> {
  const services = await getJson<{ items: KubeObject[] }>(['services', '-n', NAMESPACE]);
  const stable = services.items
    .map((s) => s.metadata.name)
    .find((name) => !/-(preview|blue|green)$/.test(name));
  if (!stable) return 'no stable Service';
  const answer = await run(
    testEnv('KUBECTL'),
    ['get', '--raw', `/api/v1/namespaces/${NAMESPACE}/services/${stable}:80/proxy/version`],
    { env: { KUBECONFIG: testEnv('KUBECONFIG') } },
  );
  try {
    return String((JSON.parse(answer.stdout) as { version?: string }).version);
  } catch {
    return `unreadable: ${answer.stdout.slice(0, 200)} ${answer.stderr.slice(0, 200)}`;
  }
}

describe('a pull request preview under act', () => {
  it('opened: prepares the labelled namespace, deploys version 1 there and writes one PR comment', () => {
    expect(runFacts(runs.opened)).toMatchObject({ code: 0, errors: [] });
    const after = facts.afterOpen as {
      namespace?: KubeObject;
      comments: { id: number; body: string }[];
      version: string;
    };
    expect(after.namespace?.metadata.labels).toMatchObject({
      'swiss-deploy/preview': 'true',
      'swiss-deploy/preview-app': APP,
      'swiss-deploy/preview-pr': String(PR),
    });
    expect(after.namespace?.metadata.annotations?.['swiss-deploy/expires-at']).toMatch(/Z$/);
    expect(after.version).toBe('1.0.0');
    expect(after.comments).toHaveLength(1);
    const body = after.comments[0]?.body ?? '';
    expect(body).toContain(`### Preview of \`${APP}\` for #${PR} is up`);
    expect(body).toContain(`| Route | \`http://pr-${PR}.${APP}.preview.test/\` |`);
    expect(body).toContain('| Revision | `1` |');
    expect(body).toContain(`| Image | \`${images.v1}\` |`);
  });

  it('synchronize: deploys version 2 into the same namespace and updates that same comment', () => {
    expect(runFacts(runs.synchronize)).toMatchObject({ code: 0, errors: [] });
    const open = facts.afterOpen as { comments: { id: number }[] };
    const sync = facts.afterSync as { comments: { id: number; body: string }[]; version: string };
    expect(sync.version).toBe('2.0.0');
    expect(sync.comments.map((c) => c.id)).toEqual(open.comments.map((c) => c.id));
    const body = sync.comments[0]?.body ?? '';
    expect(body).toContain('| Revision | `2` |');
    expect(body).toContain(`| Image | \`${images.v2}\` |`);
  });

  it('schedule: the cleanup removes the expired preview and keeps the live one', () => {
    expect(runFacts(runs.cleanup)).toMatchObject({ code: 0, errors: [] });
    const after = facts.afterCleanup as { expired?: KubeObject; kept?: KubeObject };
    expect(after.expired).toBeUndefined();
    expect(after.kept?.metadata.name).toBe(NAMESPACE);
  });

  it('closed: tears it all down, leaving no namespace, lease, revision or workload, and Deployments inactive', async () => {
    expect(runFacts(runs.closed)).toMatchObject({ code: 0, errors: [] });
    expect(await namespaceOf(NAMESPACE)).toBeUndefined();
    expect(await leftovers()).toEqual([]);
    const states = deploymentStates();
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states.every((s) => s === 'inactive')).toBe(true);
    const comments = previewComments(PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`### Preview of \`${APP}\` for #${PR} is gone`);
  });

  it('a fork’s pull request (no secrets) skips the preview with a notice and succeeds', async () => {
    expect(runFacts(runs.fork)).toMatchObject({ code: 0, errors: [] });
    expect(runs.fork?.notices.join('\n')).toContain('No kubeconfig secret');
    expect(await namespaceOf(`${APP}-pr-${PR + 100}`)).toBeUndefined();
    expect(previewComments(PR + 100)).toEqual([]);
  });

  it('keeps the kubeconfig and the registry password out of every run’s log', () => {
    const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
    const keyData = /client-key-data:\s*(\S+)/.exec(kubeconfig)?.[1] ?? 'no client key in the kubeconfig';
    for (const [label, result] of Object.entries(runs)) {
      // Booleans, so a failure never prints the secret it found.
      expect({
        label,
        registryPassword: result.log.includes(testEnv('REGISTRY_PASSWORD')),
        clientKey: result.log.includes(keyData),
      }).toEqual({ label, registryPassword: false, clientKey: false });
    }
  });
});
