// Cloud sign-in under act: workflows-templates/deploy-cloud.yml (one job per cloud: the cloud's OIDC login
// action, a kubeconfig whose user is an exec credential plugin, then swiss/deploy@v1 reading KUBECONFIG) run
// on this host for EKS, GKE and AKS in turn. No cloud exists here, so the login actions and CLIs are the
// stand-ins of test/fixtures/cloud-login: each checks what it is given against the real one's documented
// inputs and fails on anything else, then writes a kubeconfig for the second test cluster (kwok nodes:
// nothing is pulled, the smoke test is answered by kwok's port-forward) whose exec plugin trades the
// stand-in cloud's login for a token of the deployer ServiceAccount of deploy/rbac.yaml. Each run deploys a
// digest pushed to the local registry; a run with one wrong input stops in the stand-in, before the deploy.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { Kube, KNOWN, type Deployment, type KubeList } from '@swiss-deploy/kube';
import { secondCluster, testEnv } from '../support/env';
import { buildAndPush } from '../support/push-image';
import { repoRoot } from '../support/versions';
import { actRepository, actHostArgs } from '../support/act-repo';
import { actionSchemaErrors } from '../support/workflows';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../support/github-fake';
import { installDeployer } from '../integration/rbac/deployer';
import { run } from '../integration/env/run';

jest.setTimeout(20 * 60_000);

const TOKEN = 'ghs_swiss_deploy_cloud_token';
const TEMPLATE = path.join(repoRoot, 'workflows-templates', 'deploy-cloud.yml');
const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'cloud-login');
const CLOUDS = ['eks', 'gke', 'aks'] as const;
type Cloud = (typeof CLOUDS)[number];

interface Step {
  uses?: string;
  name?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  run?: string;
}
interface Workflow {
  name: string;
  jobs: Record<Cloud, { if?: string; steps: Step[] }>;
}

/** The repository variables of each job, as a user of the template sets them. */
const VARS: Record<Cloud, Record<string, string>> = {
  eks: {
    AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/swiss-deploy',
    AWS_REGION: 'eu-central-2',
    EKS_CLUSTER: 'shop-production',
  },
  gke: {
    GCP_WORKLOAD_IDENTITY_PROVIDER:
      'projects/123456789012/locations/global/workloadIdentityPools/github/providers/swiss-deploy',
    GCP_DEPLOY_SERVICE_ACCOUNT: 'swiss-deploy@shop-prod-4711.iam.gserviceaccount.com',
    GKE_CLUSTER: 'shop-production',
    GKE_LOCATION: 'europe-west6',
  },
  aks: {
    AZURE_CLIENT_ID: '0f8fad5b-d9cb-469f-a165-70867728950e',
    AZURE_TENANT_ID: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    AZURE_SUBSCRIPTION_ID: '16fd2706-8baf-433b-82eb-8c7fada847da',
    AKS_RESOURCE_GROUP: 'shop-production',
    AKS_CLUSTER: 'shop-production',
  },
};

/** The stand-in cloud's name for each cluster (clouds.json), after the variables above. */
const CLUSTER_KEYS: Record<Cloud, string> = {
  eks: 'eks/shop-production',
  gke: 'gke/shop-prod-4711/europe-west6/shop-production',
  aks: 'aks/shop-production/shop-production',
};

/** Wrong variables, each with the step that must stop the job and the start of its error. */
const WRONG: { cloud: Cloud; name: string; value: string; step: string; error: string }[] = [
  {
    cloud: 'eks',
    name: 'AWS_DEPLOY_ROLE_ARN',
    value: 'swiss-deploy',
    step: 'aws-actions/configure-aws-credentials',
    error:
      'aws-actions/configure-aws-credentials: input "role-to-assume" is "swiss-deploy": an IAM role ARN, arn:aws:iam:(no region):<12-digit account>:role/<name>',
  },
  {
    cloud: 'eks',
    name: 'EKS_CLUSTER',
    value: 'shop production',
    step: 'Kubeconfig for the EKS cluster',
    error:
      'aws eks update-kubeconfig: --name is "shop production": an EKS cluster name is 1-100 letters, digits, - and _',
  },
  {
    cloud: 'gke',
    name: 'GCP_WORKLOAD_IDENTITY_PROVIDER',
    value: 'projects/shop-prod-4711/locations/global/workloadIdentityPools/github/providers/swiss-deploy',
    step: 'google-github-actions/auth',
    error:
      'google-github-actions/auth: input "workload_identity_provider" is "projects/shop-prod-4711/locations/global/workloadIdentityPools/github/providers/swiss-deploy": the provider\'s full name, projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>',
  },
  {
    cloud: 'gke',
    name: 'GCP_DEPLOY_SERVICE_ACCOUNT',
    value: 'swiss-deploy',
    step: 'google-github-actions/auth',
    error:
      'google-github-actions/auth: input "service_account" is "swiss-deploy": a service account email, <name>@<project>.iam.gserviceaccount.com',
  },
  {
    cloud: 'gke',
    name: 'GKE_LOCATION',
    value: 'Zurich',
    step: 'google-github-actions/get-gke-credentials',
    error:
      'google-github-actions/get-gke-credentials: input "location" is "Zurich": a region or zone such as europe-west6 or europe-west6-a',
  },
  {
    cloud: 'aks',
    name: 'AZURE_CLIENT_ID',
    value: 'swiss-deploy',
    step: 'azure/login',
    error:
      'azure/login: input "client-id" is "swiss-deploy": a GUID such as 00000000-0000-0000-0000-000000000000',
  },
  {
    cloud: 'aks',
    name: 'AZURE_TENANT_ID',
    value: '',
    step: 'azure/login',
    error: 'azure/login: input "tenant-id" is "": a GUID',
  },
  {
    cloud: 'aks',
    name: 'AKS_CLUSTER',
    value: 'shop.production',
    step: 'azure/aks-set-context',
    error: 'azure/aks-set-context: input "cluster-name" is "shop.production": 1-63 letters, digits, - and _',
  },
];

/**
 * The one difference of the test copy: the deploy's `namespace`. The template's `my-app` would be shared by
 * every run on the shared test cluster; each cloud's run gets its own `cloud-<cloud>-…`. Everything else is
 * the template's, the pinned third-party actions included: act resolves each `owner/name@sha` to its
 * stand-in folder (--local-repository), and the CLIs are stand-ins on PATH, so the file needs no change
 * for them. act has no OIDC token (the stand-ins ask for none) and ignores `environment` and `concurrency`.
 */
function testCopy(template: Workflow, namespaces: Record<Cloud, string>): Workflow {
  const copy = structuredClone(template);
  for (const cloud of CLOUDS)
    deployStep(copy, cloud).with = { ...deployStep(copy, cloud).with, namespace: namespaces[cloud] };
  return copy;
}

function deployStep(workflow: Workflow, cloud: Cloud): Step {
  const step = workflow.jobs[cloud].steps.find((s) => s.uses === 'swiss/deploy@v1');
  if (!step) throw new Error(`${TEMPLATE}: job ${cloud} has no swiss/deploy@v1 step`);
  return step;
}

/** The template's third-party actions (`owner/name@sha`) other than actions/checkout, which act runs itself. */
function pinnedActions(template: Workflow): string[] {
  const uses = Object.values(template.jobs).flatMap((job) => job.steps.map((s) => s.uses ?? ''));
  return [
    ...new Set(
      uses.filter((u) => /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/.test(u) && !u.startsWith('actions/checkout@')),
    ),
  ];
}

/**
 * The stand-in of `owner/name@sha` as act resolves it: its folder of test/fixtures/cloud-login with the shared
 * standin.mjs beside it (act copies the folder alone).
 */
function actionRepository(ref: string): string {
  const name = ref.split('@')[0]!;
  const dir = path.join(work, 'actions', name);
  if (!existsSync(dir)) {
    cpSync(path.join(FIXTURES, name), dir, { recursive: true });
    cpSync(path.join(FIXTURES, 'standin.mjs'), path.join(dir, 'standin.mjs'));
  }
  return dir;
}

interface RunFacts {
  code: number;
  /** job id → result */
  jobs: Record<string, string>;
  /** job id → the steps that ended, "<step>: <result>" */
  steps: Record<string, string[]>;
  errors: string[];
  log: string;
}

function facts(code: number, output: string): RunFacts {
  const jobs: Record<string, string> = {};
  const steps: Record<string, string[]> = {};
  const errors: string[] = [];
  for (const line of output.split('\n')) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const job = String(entry.jobID ?? '?');
    if (typeof entry.jobResult === 'string') jobs[job] = entry.jobResult;
    if (typeof entry.stepResult === 'string' && (entry.stage ?? 'Main') === 'Main')
      (steps[job] ??= []).push(`${String(entry.step)}: ${entry.stepResult}`);
    if (entry.command === 'error') errors.push(`${job}: ${String(entry.arg ?? '')}`);
  }
  return { code, jobs, steps, errors, log: output };
}

let github: GitHubFake;
let work: string;
let standin: string;
let admin: Kube;
let template: Workflow;
let copy: Workflow;
let imageRef: string;
let repo: string;
const namespaces = {} as Record<Cloud, string>;
const localImages: string[] = [];

/** A small image (the local Node base, relabelled) pushed to the local registry; its digest reference. */
function pushImage(): string {
  const pushed = buildAndPush({
    work,
    repository: 'swiss-cloud/app',
    tag: path.basename(work),
    build: ['-'],
    input: `FROM ${testEnv('BASE_IMAGE_NODE')}\nLABEL org.opencontainers.image.title=cloud-act\n`,
  });
  localImages.push(pushed.image);
  return pushed.ref;
}

/**
 * The stand-in cloud: every cluster of VARS stands for the second test cluster, reached by the token plugin
 * with that cluster's admin certificate (the cloud's own login), for the deployer of the cloud's namespace.
 */
function writeStandinCloud(): void {
  const config = parse(readFileSync(secondCluster().kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const cluster = config.clusters[0]!.cluster;
  const user = config.users[0]!.user;
  const file = (name: string, base64: string): string => {
    const target = path.join(standin, name);
    writeFileSync(target, Buffer.from(base64, 'base64'), { mode: 0o600 });
    return target;
  };
  const login = {
    server: cluster.server,
    caData: cluster['certificate-authority-data'],
    ca: file('ca.crt', cluster['certificate-authority-data']),
    cert: file('identity.crt', user['client-certificate-data']),
    key: file('identity.key', user['client-key-data']),
    account: 'swiss-deploy',
  };
  const clouds = Object.fromEntries(
    CLOUDS.map((cloud) => [
      CLUSTER_KEYS[cloud],
      { ...login, namespace: namespaces[cloud], record: path.join(standin, `${cloud}-tokens`) },
    ]),
  );
  writeFileSync(path.join(standin, 'clouds.json'), JSON.stringify(clouds), { mode: 0o600 });
}

const issued = (cloud: Cloud): string[] => {
  try {
    return readFileSync(path.join(standin, `${cloud}-tokens`), 'utf8')
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
};

async function cloudRun(label: string, cloud: Cloud, vars: Record<string, string>): Promise<RunFacts> {
  // A fresh login state per run: nothing signed in before the job's own login step.
  for (const name of ['aws', 'gcp', 'azure'])
    rmSync(path.join(standin, `${name}-login.json`), { force: true });
  const local = Object.fromEntries(pinnedActions(template).map((ref) => [ref, actionRepository(ref)]));
  const result = await run(
    testEnv('ACT'),
    [
      'workflow_dispatch',
      ...actHostArgs('deploy-cloud.yml', { 'swiss/deploy@v1': repoRoot, ...local }),
      '--json',
      '--secret-file',
      path.join(work, '.secrets'),
      '--env',
      `GITHUB_API_URL=${github.url}`,
      '--env',
      `SWISS_CLOUD_STANDIN=${standin}`,
      '--input',
      `image-ref=${imageRef}`,
      '--var',
      `CLUSTER_CLOUD=${cloud}`,
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}=${value}`]),
    ],
    {
      cwd: repo,
      // The clouds' CLIs (aws, gke-gcloud-auth-plugin, kubelogin) are the stand-ins; helm is the environment's.
      env: {
        PATH: `${path.join(work, 'bin')}:${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH ?? ''}`,
        DOCKER_HOST: testEnv('DOCKER_HOST'),
      },
      timeoutMs: 6 * 60_000,
    },
  );
  const output = result.stdout + result.stderr;
  writeFileSync(path.join(work, `act-${label}.log`), output);
  return facts(result.code, output);
}

async function deploymentsOf(
  namespace: string,
): Promise<{ name: string; replicas: number; images: string[] }[]> {
  const list = await admin.request<KubeList<Deployment>>('GET', KNOWN.deployments(namespace));
  return list.items.map((d) => ({
    name: String(d.metadata.name),
    replicas: d.spec?.replicas ?? 0,
    images: (d.spec?.template?.spec?.containers ?? []).map((c) => String(c.image)),
  }));
}

const wrong: { run: RunFacts; deployments: unknown[]; tokens: number }[] = [];
const good = {} as Record<Cloud, RunFacts>;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'swiss-e2e-cloud-'));
  standin = path.join(work, 'cloud');
  mkdirSync(standin, { mode: 0o700 });
  mkdirSync(path.join(work, 'bin'));
  for (const tool of ['aws', 'gke-gcloud-auth-plugin', 'kubelogin'])
    symlinkSync(path.join(FIXTURES, 'cli.mjs'), path.join(work, 'bin', tool));
  github = await startGitHubFake({ token: TOKEN });
  admin = await Kube.connect({ kubeconfigFile: secondCluster().kubeconfig });
  for (const cloud of CLOUDS) {
    const name = `cloud-${cloud}-${Math.random().toString(36).slice(2, 8)}`;
    await admin.request('POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'swiss-deploy.test/owner': 'cloud' } },
      },
    });
    namespaces[cloud] = name;
    await installDeployer(admin, name);
  }
  writeStandinCloud();
  imageRef = pushImage();
  // Secrets reach act through a file, never argv; no kubeconfig among them: the job signs in itself.
  writeFileSync(path.join(work, '.secrets'), `GITHUB_TOKEN=${TOKEN}\n`, { mode: 0o600 });
  template = parse(readFileSync(TEMPLATE, 'utf8')) as Workflow;
  copy = testCopy(template, namespaces);
  repo = actRepository({});
  writeFileSync(path.join(repo, '.github', 'workflows', 'deploy-cloud.yml'), stringify(copy));
  const git = ['-c', 'user.name=swiss cloud', '-c', 'user.email=cloud@swiss-deploy.invalid'];
  execFileSync('git', [...git, '-C', repo, 'add', '--all']);
  execFileSync('git', [...git, '-C', repo, 'commit', '--quiet', '--message', 'deploy-cloud']);
  for (const { cloud, name, value } of WRONG) {
    const before = issued(cloud).length;
    const run = await cloudRun(`${cloud}-wrong-${name}`, cloud, { ...VARS[cloud], [name]: value });
    wrong.push({
      run,
      deployments: await deploymentsOf(namespaces[cloud]),
      tokens: issued(cloud).length - before,
    });
  }
  for (const cloud of CLOUDS) good[cloud] = await cloudRun(cloud, cloud, VARS[cloud]);
});

afterAll(async () => {
  for (const cloud of CLOUDS)
    if (namespaces[cloud])
      await admin?.request('DELETE', `/api/v1/namespaces/${namespaces[cloud]}`).catch(() => undefined);
  await github?.close();
  if (localImages.length > 0)
    execFileSync('docker', ['image', 'rm', '--force', ...localImages], {
      env: { ...process.env, DOCKER_HOST: testEnv('DOCKER_HOST') },
      stdio: 'ignore',
    });
  // the registry login and the stand-in cloud's certificates; act's logs stay in the work folder
  if (work)
    for (const dir of ['docker', 'cloud']) rmSync(path.join(work, dir), { recursive: true, force: true });
});

afterEach(() => expectNoViolations(github));

describe('workflows-templates/deploy-cloud.yml under act, signed in through each cloud stand-in', () => {
  it('runs a copy that differs from the template only in the namespace', () => {
    const restored = structuredClone(copy);
    for (const cloud of CLOUDS)
      deployStep(restored, cloud).with!.namespace = deployStep(template, cloud).with!.namespace;
    expect(restored).toEqual(template);
    expect(pinnedActions(template).sort()).toEqual([
      expect.stringMatching(/^aws-actions\/configure-aws-credentials@[0-9a-f]{40}$/),
      expect.stringMatching(/^azure\/aks-set-context@[0-9a-f]{40}$/),
      expect.stringMatching(/^azure\/login@[0-9a-f]{40}$/),
      expect.stringMatching(/^google-github-actions\/auth@[0-9a-f]{40}$/),
      expect.stringMatching(/^google-github-actions\/get-gke-credentials@[0-9a-f]{40}$/),
    ]);
    for (const cloud of CLOUDS) expect(template.jobs[cloud].if).toBe(`vars.CLUSTER_CLOUD == '${cloud}'`);
  });

  it('has a stand-in for each pinned action, valid for GitHub, declaring every input the template gives it', () => {
    for (const ref of pinnedActions(template)) {
      const file = path.join(FIXTURES, ref.split('@')[0]!, 'action.yml');
      expect([ref, actionSchemaErrors(file)]).toEqual([ref, []]);
      const declared = Object.keys((parse(readFileSync(file, 'utf8')) as { inputs: object }).inputs);
      const given = Object.values(template.jobs).flatMap((job) =>
        job.steps.filter((step) => step.uses === ref).flatMap((step) => Object.keys(step.with ?? {})),
      );
      expect(given.length).toBeGreaterThan(0);
      expect([ref, given.filter((name) => !declared.includes(name))]).toEqual([ref, []]);
    }
  });

  it('records one GitHub Deployment in production per good run, none for a stopped one', () => {
    const created = github.requests.filter((r) => r.operationId === 'repos/create-deployment');
    expect(created.map((r) => (r.body as { environment?: string }).environment)).toEqual([
      'production',
      'production',
      'production',
    ]);
  });

  describe.each(CLOUDS)('%s', (cloud) => {
    it('runs only its own job, to success', () => {
      const run = good[cloud];
      expect({
        code: run.code,
        errors: run.errors,
        tail: run.code === 0 ? '' : run.log.slice(-4000),
      }).toEqual({
        code: 0,
        errors: [],
        tail: '',
      });
      expect(run.jobs).toEqual({ [cloud]: 'success' });
      expect(Object.keys(run.steps)).toEqual([cloud]);
      expect(run.steps[cloud]).toEqual([
        'Set up job: success',
        ...template.jobs[cloud].steps.map((step) => `${step.name ?? step.uses}: success`),
        'Complete job: success',
      ]);
    });

    it('deploys exactly the image-ref into its namespace, as the deployer the exec plugin signed in', async () => {
      const live = (await deploymentsOf(namespaces[cloud])).filter((d) => d.replicas > 0);
      expect(live).toEqual([expect.objectContaining({ images: [imageRef] })]);
      expect(imageRef).toMatch(/@sha256:[a-f0-9]{64}$/);
      // The deploy's requests carried the plugin's tokens: the deployer's, from the TokenRequest API.
      const subjects = issued(cloud).map(
        (token) =>
          (
            JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
              sub?: string;
            }
          ).sub,
      );
      expect(subjects.length).toBeGreaterThan(0);
      expect(new Set(subjects)).toEqual(new Set([`system:serviceaccount:${namespaces[cloud]}:swiss-deploy`]));
    });

    it('never shows a token the plugin issued in the act log: only the mask announcement carries it', () => {
      const tokens = issued(cloud);
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) {
        expect(token).toMatch(/^eyJ/);
        // act's JSON log keeps each ::add-mask:: command it consumed (its arg, raw line); what it shows is ***.
        const carriers = good[cloud].log
          .split('\n')
          .filter((line) => line.includes(token))
          .map((line) => JSON.parse(line) as { command?: string; msg?: string });
        expect(carriers.length).toBeGreaterThan(0);
        for (const entry of carriers) {
          expect(entry.command).toBe('add-mask');
          expect(entry.msg).not.toContain(token);
        }
      }
    });
  });

  it.each(WRONG.map((w, i) => [w.cloud, w.name, w.value, i] as const))(
    '%s with %s = "%s" stops in the stand-in, before the deploy',
    (cloud, _name, _value, index) => {
      const { run, deployments, tokens } = wrong[index]!;
      const { step, error } = WRONG[index]!;
      expect(run.code).not.toBe(0);
      expect(run.jobs).toEqual({ [cloud]: 'failure' });
      expect(run.errors).toEqual([expect.stringContaining(`${cloud}: ${error}`)]);
      const steps = run.steps[cloud] ?? [];
      // The failing step is the last before "Complete job"; the deploy never started.
      expect(steps.at(-2)?.replace(/@[0-9a-f]{40}/, '')).toBe(`${step}: failure`);
      expect(steps.filter((s) => s.startsWith('swiss/deploy'))).toEqual([]);
      expect([deployments, tokens]).toEqual([[], 0]);
    },
  );
});
