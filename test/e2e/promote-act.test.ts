// Promotion by digest under act: workflows-templates/deploy.yml (dev → staging → production, each a call of
// the reusable pipeline) run on this host against the test cluster. The first job builds and scans the
// image once; staging and production deploy that same digest, checked in the registry, never rebuilt; the
// load burst runs against staging before production starts. Then a promotion of a digest the registry does
// not hold stops before anything is applied.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  existsSync,
  cpSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { testEnv } from '../support/env';
import { repoRoot } from '../support/versions';
import { actRepository, actHostArgs } from '../support/act-repo';
import { realNodeScheduling, requireRealNode } from '../support/real-node';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../support/github-fake';
import { applyJson, createNamespace, getJson, kubectl } from '../integration/env/kube';
import { run } from '../integration/env/run';

jest.setTimeout(30 * 60_000);

const TOKEN = 'ghs_swiss_deploy_promote_token';
const TEMPLATE = path.join(repoRoot, 'workflows-templates', 'deploy.yml');
const ENVIRONMENTS = ['dev', 'staging', 'production'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
const APP = 'promote-shop';

interface Job {
  needs?: string | string[];
  uses?: string;
  permissions?: Record<string, string>;
  with?: Record<string, unknown>;
  secrets?: Record<string, string>;
  'runs-on'?: string;
  steps?: unknown[];
}
interface Workflow {
  name: string;
  on: unknown;
  permissions: unknown;
  jobs: Record<string, Job>;
}

/**
 * What the test copy of the template sets that the template leaves to its user, and why act needs it:
 * the app, namespaces and image repository are this run's; the registry is the environment's (not
 * ghcr.io, so a login with its password); act has no OIDC token for keyless signing and no Sigstore to
 * reach (key signing is tested with the actions, test/integration/supplychain); no vulnerability DB can be
 * downloaded (Trivy still scans for secrets and the policy checks the manifests); there is no code scanning
 * to upload SARIF to; the Dockerfile's base images come from the local registry. The `environment`
 * protection rules of production are GitHub's side: act runs the job without them.
 */
const LOCAL_INPUTS = [
  'app',
  'namespace',
  'image',
  'registry',
  'registry-username',
  'sign',
  'image-scanners',
  'upload-sarif',
  'build-args',
] as const;

function testCopy(
  template: Workflow,
  local: { namespaces: Record<Environment, string>; image: string; baseImage: string },
): Workflow {
  const copy = structuredClone(template);
  for (const environment of ENVIRONMENTS) {
    const job = copy.jobs[environment]!;
    job.with = {
      ...job.with,
      app: APP,
      namespace: local.namespaces[environment],
      image: local.image,
      registry: testEnv('REGISTRY'),
      'registry-username': testEnv('REGISTRY_USER'),
      sign: 'none',
      'image-scanners': 'secret',
      'upload-sarif': false,
      ...(environment === 'dev'
        ? {
            'build-args': `BUILD_IMAGE=${local.baseImage}\nRUNTIME_IMAGE=${local.baseImage}\nAPP_VERSION=1.0.0\n`,
          }
        : {}),
    };
    job.secrets = { ...job.secrets, 'registry-password': '${{ secrets.REGISTRY_PASSWORD }}' };
  }
  // act's log does not show a called workflow's outputs; this job only reads and prints them.
  copy.jobs.report = {
    needs: [...ENVIRONMENTS],
    'runs-on': 'ubuntu-latest',
    steps: [
      {
        name: 'Report the image-ref of each environment',
        env: Object.fromEntries(
          ENVIRONMENTS.map((e) => [`REF_${e.toUpperCase()}`, `\${{ needs.${e}.outputs.image-ref }}`]),
        ),
        run: ENVIRONMENTS.map((e) => `echo "promote-ref ${e}=$REF_${e.toUpperCase()}"`).join('\n'),
      },
    ],
  };
  return copy;
}

/** The template without what the test copy sets: the promotion's shape, which the copy must keep. */
function shape(workflow: Workflow): unknown {
  const jobs = Object.fromEntries(
    ENVIRONMENTS.map((environment) => {
      const job = structuredClone(workflow.jobs[environment]!);
      for (const key of LOCAL_INPUTS) delete job.with?.[key];
      delete job.secrets?.['registry-password'];
      return [environment, job];
    }),
  );
  return { on: workflow.on, permissions: workflow.permissions, jobs };
}

/** The action repository as act resolves swiss/deploy@v1: what the runner reads, not node_modules. */
function slimActionRepository(work: string): string {
  const dir = path.join(work, 'swiss-deploy');
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

/** One line of act's --json log, as far as this test reads it. */
interface ActEntry {
  index: number;
  /** The caller job of the template (dev, staging, production, report). */
  caller: string;
  /** The job inside the called pipeline (build, scan, deploy), or the caller's own. */
  jobID: string;
  msg: string;
  step?: string;
  stepResult?: string;
  jobResult?: string;
  command?: string;
  name?: string;
  arg?: string;
  stage?: string;
}

/**
 * act names a top-level job "<workflow name>/<job>" and a called workflow's job
 * "<caller job>/<called workflow name>/<job name>": the caller is the template's job either way.
 */
function parseActLog(stdout: string, workflowName: string): ActEntry[] {
  const entries: ActEntry[] = [];
  for (const line of stdout.split('\n')) {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const job = String(raw.job ?? '').trim();
    entries.push({
      index: entries.length,
      caller: job.startsWith(`${workflowName}/`) ? String(raw.jobID ?? '') : (job.split('/')[0] ?? ''),
      jobID: String(raw.jobID ?? ''),
      msg: String(raw.msg ?? ''),
      step: raw.step === undefined ? undefined : String(raw.step),
      stepResult: raw.stepResult === undefined ? undefined : String(raw.stepResult),
      jobResult: raw.jobResult === undefined ? undefined : String(raw.jobResult),
      command: raw.command === undefined ? undefined : String(raw.command),
      name: raw.name === undefined ? undefined : String(raw.name),
      arg: raw.arg === undefined ? undefined : String(raw.arg),
      stage: raw.stage === undefined ? undefined : String(raw.stage),
    });
  }
  return entries;
}

let github: GitHubFake;
let work: string;
let actionRepo: string;
let secretsFile: string;
const cleanups: (() => Promise<void>)[] = [];

function actArgs(workflow: string): string[] {
  const codeql = /github\/codeql-action\/upload-sarif@([0-9a-f]{40})/.exec(
    readFileSync(path.join(repoRoot, '.github', 'workflows', 'pipeline.yml'), 'utf8'),
  )?.[1];
  if (!codeql)
    throw new Error('.github/workflows/pipeline.yml pins no github/codeql-action/upload-sarif commit');
  return [
    'workflow_dispatch',
    ...actHostArgs(workflow, {
      'swiss/deploy@v1': actionRepo,
      // act resolves every action of a job before it runs it, the skipped SARIF upload too.
      [`github/codeql-action@${codeql}`]: path.join(
        repoRoot,
        'test',
        'fixtures',
        'pipeline',
        'codeql-action',
      ),
    }),
    '--json',
    '--secret-file',
    secretsFile,
    '--env',
    `GITHUB_API_URL=${github.url}`,
  ];
}

async function runAct(
  cwd: string,
  workflow: { file: string; name: string },
  timeoutMs: number,
): Promise<{ code: number; entries: ActEntry[]; log: string }> {
  const bin = path.join(work, 'bin');
  const result = await run(testEnv('ACT'), actArgs(workflow.file), {
    cwd,
    // helm and trivy come preinstalled on GitHub's runners; the environment's pinned builds play that part.
    env: {
      PATH: `${bin}:${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH ?? ''}`,
      DOCKER_HOST: testEnv('DOCKER_HOST'),
    },
    timeoutMs,
  });
  return {
    code: result.code,
    entries: parseActLog(result.stdout, workflow.name),
    log: result.stdout + result.stderr,
  };
}

/** A namespace (prefix promote-) with a pull secret for the local registry, applied as the admin. */
async function promoteNamespace(label: string): Promise<string> {
  const namespace = await createNamespace(`promote-${label}`);
  cleanups.push(namespace.remove);
  const auth = Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString('base64');
  await applyJson([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'registry', namespace: namespace.name },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from(
          JSON.stringify({ auths: { [testEnv('REGISTRY')]: { auth } } }),
        ).toString('base64'),
      },
    },
  ]);
  return namespace.name;
}

/** The app repository: examples/app at its root (context `.`), the workflow, and a values file per environment. */
function appRepository(workflow: { file: string; text: string }): string {
  const dir = actRepository({ tree: path.join(repoRoot, 'examples', 'app') });
  writeFileSync(path.join(dir, '.github', 'workflows', workflow.file), workflow.text);
  const appValues = parse(
    readFileSync(path.join(repoRoot, 'examples', 'app', 'values.yaml'), 'utf8'),
  ) as Record<string, unknown>;
  mkdirSync(path.join(dir, 'deploy'), { recursive: true });
  for (const environment of ENVIRONMENTS) {
    writeFileSync(
      path.join(dir, 'deploy', `values-${environment}.yaml`),
      stringify({
        ...appValues,
        replicaCount: 1,
        imagePullSecrets: [{ name: 'registry' }],
        ...realNodeScheduling(),
        pdb: { enabled: false },
      }),
    );
  }
  const git = ['-c', 'user.name=swiss promote', '-c', 'user.email=promote@swiss-deploy.invalid'];
  execFileSync('git', [...git, '-C', dir, 'add', '--all']);
  execFileSync('git', [...git, '-C', dir, 'commit', '--quiet', '--message', 'example app']);
  return dir;
}

/** The images of every container of every Deployment in a namespace. */
async function deployedImages(
  namespace: string,
): Promise<{ name: string; images: string[]; ready: number }[]> {
  const list = await getJson<{
    items: {
      metadata: { name: string };
      spec: { template: { spec: { containers: { image: string }[] } } };
      status?: { readyReplicas?: number };
    }[];
  }>(['deployments', '--namespace', namespace]);
  return list.items.map((d) => ({
    name: d.metadata.name,
    images: d.spec.template.spec.containers.map((c) => c.image),
    ready: d.status?.readyReplicas ?? 0,
  }));
}

/** The digest each tag of a repository points at, straight from the registry. */
async function registryTags(repository: string): Promise<Record<string, string>> {
  const registry = testEnv('REGISTRY');
  const headers = {
    authorization: `Basic ${Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString('base64')}`,
    accept: [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ].join(', '),
  };
  const list = (await (
    await fetch(`http://${registry}/v2/${repository}/tags/list`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    })
  ).json()) as { tags?: string[] };
  const tags: Record<string, string> = {};
  for (const tag of list.tags ?? []) {
    const answer = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    tags[tag] = answer.headers.get('docker-content-digest') ?? `HTTP ${answer.status}`;
  }
  return tags;
}

beforeAll(async () => {
  requireRealNode(testEnv('KUBE_MODE'));
  github = await startGitHubFake({ token: TOKEN });
  work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-promote-'));
  mkdirSync(path.join(work, 'bin'));
  symlinkSync(testEnv('TRIVY'), path.join(work, 'bin', 'trivy'));
  actionRepo = slimActionRepository(work);
  secretsFile = path.join(work, '.secrets');
  // Secrets reach act through a file (mode 600), never argv.
  writeFileSync(
    secretsFile,
    [
      `GITHUB_TOKEN=${TOKEN}`,
      `REGISTRY_PASSWORD=${JSON.stringify(testEnv('REGISTRY_PASSWORD'))}`,
      `KUBECONFIG=${JSON.stringify(readFileSync(testEnv('KUBECONFIG'), 'utf8'))}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await github?.close();
});

afterEach(() => expectNoViolations(github));

describe('workflows-templates/deploy.yml under act: one digest from dev to production', () => {
  const template = parse(readFileSync(TEMPLATE, 'utf8')) as Workflow;
  let namespaces: Record<Environment, string>;
  let repository: string;
  let outcome: { code: number; entries: ActEntry[]; log: string };
  let copy: Workflow;

  beforeAll(async () => {
    namespaces = {
      dev: await promoteNamespace('dev'),
      staging: await promoteNamespace('staging'),
      production: await promoteNamespace('production'),
    };
    const suffix = namespaces.dev.split('-').at(-1);
    repository = `promote-${suffix}/example-app`;
    copy = testCopy(template, {
      namespaces,
      image: `${testEnv('REGISTRY')}/${repository}`,
      baseImage: testEnv('BASE_IMAGE_NODE'),
    });
    const dir = appRepository({ file: 'deploy.yml', text: stringify(copy) });
    outcome = await runAct(dir, { file: 'deploy.yml', name: copy.name }, 25 * 60_000);
  });

  const stepsOf = (caller: string, jobID: string) =>
    outcome.entries.filter((e) => e.caller === caller && e.jobID === jobID && e.stepResult);
  const outputOf = (caller: string, jobID: string, name: string) =>
    outcome.entries.find(
      (e) => e.caller === caller && e.jobID === jobID && e.command === 'set-output' && e.name === name,
    )?.arg;

  it('runs a copy of the template that keeps its promotion: needs, environments, image-ref, load burst', () => {
    expect(shape(copy)).toEqual(shape(template));
    expect(template.jobs.staging?.needs).toBe('dev');
    expect(template.jobs.production?.needs).toBe('staging');
    expect(template.jobs.dev?.with?.['image-ref']).toBeUndefined();
    expect(template.jobs.staging?.with?.['image-ref']).toBe('${{ needs.dev.outputs.image-ref }}');
    expect(template.jobs.production?.with?.['image-ref']).toBe('${{ needs.staging.outputs.image-ref }}');
    expect(template.jobs.production?.with?.environment).toBe('production');
    expect(template.jobs.staging?.with?.['load-requests']).toBeGreaterThan(0);
    expect(template.jobs.production?.with?.['load-requests']).toBeUndefined();
  });

  it('succeeds in every job', () => {
    const jobs = Object.fromEntries(
      outcome.entries.filter((e) => e.jobResult).map((e) => [`${e.caller} ${e.jobID}`, e.jobResult]),
    );
    const errors = outcome.entries.filter((e) => e.command === 'error').map((e) => `${e.caller}: ${e.arg}`);
    expect({ code: outcome.code, errors, tail: outcome.code === 0 ? '' : outcome.log.slice(-4000) }).toEqual({
      code: 0,
      errors: [],
      tail: '',
    });
    expect(jobs).toMatchObject({
      'dev build': 'success',
      'dev scan': 'success',
      'dev deploy': 'success',
      'staging build': 'success',
      'staging deploy': 'success',
      'production build': 'success',
      'production deploy': 'success',
      'report report': 'success',
    });
  });

  it('builds and scans once, in dev; staging and production check the digest in the registry', async () => {
    const imageRef = outputOf('dev', 'build', 'image-ref') ?? '';
    expect(imageRef).toMatch(
      new RegExp(`^${testEnv('REGISTRY').replace(/\./g, '\\.')}/${repository}@sha256:[a-f0-9]{64}$`),
    );
    const ran = (caller: string, jobID: string) =>
      stepsOf(caller, jobID)
        .filter((e) => e.stepResult === 'success' && (e.stage ?? 'Main') === 'Main')
        .map((e) => e.step);
    expect(ran('dev', 'build')).toContain('swiss/deploy/actions/build-image@v1');
    expect(ran('dev', 'scan')).toEqual(expect.arrayContaining(['swiss/deploy/actions/scan@v1']));
    for (const caller of ['staging', 'production']) {
      expect(ran(caller, 'scan')).toEqual([]);
      const said = outcome.entries
        .filter((e) => e.caller === caller && e.jobID === 'build')
        .map((e) => e.msg);
      expect(said.join('\n')).toContain(`holds ${imageRef.split('@')[1]}`);
      expect(said.join('\n')).toContain('nothing is built');
    }
    const devSaid = outcome.entries
      .filter((e) => e.caller === 'dev' && e.jobID === 'build')
      .map((e) => e.msg);
    expect(devSaid.join('\n')).not.toContain('nothing is built');
    // Every tag of the repository points at the one digest built: nothing else was pushed.
    const tags = await registryTags(repository);
    expect(Object.keys(tags).length).toBeGreaterThan(0);
    expect(new Set(Object.values(tags))).toEqual(new Set([imageRef.split('@')[1]]));
  });

  it('hands on the same image-ref through every job, and each environment runs exactly it', async () => {
    const imageRef = outputOf('dev', 'build', 'image-ref');
    expect(outputOf('staging', 'build', 'image-ref')).toBe(imageRef);
    expect(outputOf('production', 'build', 'image-ref')).toBe(imageRef);
    const reported = outcome.entries
      .map((e) => /^promote-ref (\w+)=(.*)$/.exec(e.msg.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(reported)).toEqual({ dev: imageRef, staging: imageRef, production: imageRef });
    for (const environment of ENVIRONMENTS) {
      const deployments = await deployedImages(namespaces[environment]);
      expect(deployments.length).toBeGreaterThan(0);
      for (const deployment of deployments) expect(deployment.images).toEqual([imageRef]);
      expect(deployments.some((d) => d.ready > 0)).toBe(true);
    }
  });

  it('starts production only after staging succeeded, and bursts load against staging only', () => {
    const done = (caller: string) =>
      outcome.entries.find((e) => e.caller === caller && e.jobID === 'deploy' && e.jobResult === 'success')
        ?.index ?? Infinity;
    const firstOf = (caller: string) => outcome.entries.find((e) => e.caller === caller)?.index ?? -1;
    expect(firstOf('staging')).toBeGreaterThan(done('dev'));
    expect(firstOf('production')).toBeGreaterThan(done('staging'));
    const burst = (caller: string) =>
      stepsOf(caller, 'deploy')
        .filter((e) => e.step === 'Load burst against the live Service')
        .map((e) => e.stepResult);
    expect(burst('staging')).toEqual(['success']);
    expect(burst('production')).toEqual([]);
    // The burst's own count (the output adds the smoke check's tries), with no failed request.
    const load = (caller: string) =>
      outcome.entries
        .filter(
          (e) => e.caller === caller && e.jobID === 'deploy' && /^load: \d+ requests/.test(e.msg.trim()),
        )
        .map((e) => e.msg.trim().split(', p50')[0]);
    expect(load('staging')).toEqual([
      `load: ${template.jobs.staging?.with?.['load-requests']} requests, 0 errors`,
    ]);
    expect(load('production')).toEqual([]);
  });
});

describe('a promotion of a digest the registry does not hold', () => {
  it('fails in the image check with a clear error, before anything is applied', async () => {
    const namespace = await promoteNamespace('missing');
    const image = `${testEnv('REGISTRY')}/promote-missing/example-app`;
    const missing = `${image}@sha256:${'0'.repeat(63)}1`;
    const caller = {
      name: 'Promote a missing digest',
      on: { workflow_dispatch: {} },
      permissions: { contents: 'read' },
      jobs: {
        staging: {
          uses: 'swiss/deploy/.github/workflows/pipeline.yml@v1',
          permissions: {
            contents: 'read',
            packages: 'write',
            'security-events': 'write',
            deployments: 'write',
          },
          with: {
            app: APP,
            environment: 'staging',
            namespace,
            image,
            'image-ref': missing,
            registry: testEnv('REGISTRY'),
            'registry-username': testEnv('REGISTRY_USER'),
            sign: 'none',
            'upload-sarif': false,
          },
          secrets: {
            'registry-password': '${{ secrets.REGISTRY_PASSWORD }}',
            kubeconfig: '${{ secrets.KUBECONFIG }}',
          },
        },
      },
    };
    const dir = appRepository({ file: 'promote.yml', text: stringify(caller) });
    const result = await runAct(dir, { file: 'promote.yml', name: caller.name }, 5 * 60_000);
    expect(result.code).not.toBe(0);
    const errors = result.entries.filter((e) => e.command === 'error').map((e) => `${e.jobID}: ${e.arg}`);
    expect(errors).toEqual([
      expect.stringContaining(
        `build: Input "image-ref" is "${missing}": the registry ${testEnv('REGISTRY')} has no manifest with that digest.`,
      ),
    ]);
    expect(result.entries.filter((e) => e.jobID === 'deploy' && e.stepResult)).toEqual([]);
    expect(result.entries.filter((e) => e.jobID === 'scan' && e.stepResult)).toEqual([]);
    // Nothing reached the cluster: no workload, Service, lease or revision record.
    const kinds = await kubectl([
      'get',
      'deployments,services,leases,secrets,configmaps',
      '--namespace',
      namespace,
      '--output',
      'name',
    ]);
    expect(kinds.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'configmap/kube-root-ca.crt',
      'secret/registry',
    ]);
  });
});
