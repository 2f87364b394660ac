// The deploy-blue-green bundle run as the runner runs it (Node 24, INPUT_*, file commands, post step)
// against the test cluster and the GitHub fake.
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KNOWN, type Kube, type Service } from '@swiss-deploy/kube';
import type { Lease } from '../../../packages/kube/types';
import { ActionJob, parseFileCommand, runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  requireKwok,
  writeManifests,
} from './cluster';

jest.setTimeout(240_000);

const actionDir = path.join(repoRoot, 'actions', 'deploy-blue-green');
let kube: Kube;
let namespace: string;
let github: GitHubFake;
const token = 'ghs_deploytesttoken0123456789';
// The step's GITHUB_WORKSPACE: the action reads manifests only from inside it (or RUNNER_TEMP).
const workspace = mkdtempSync(path.join(os.tmpdir(), 'bg-action-workspace-'));

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-action');
  github = await startGitHubFake({ token });
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
  await github.close();
});

afterEach(() => expectNoViolations(github));

const context = (): Record<string, string> => ({ GITHUB_API_URL: github.url, GITHUB_TOKEN: token });

async function stableColor(): Promise<string | undefined> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
  return service.spec?.selector?.['swiss-deploy/color'];
}

describe('deploy-blue-green as a workflow step', () => {
  it('deploys with the kubeconfig input, writes outputs and a summary, records a GitHub Deployment, and leaves no secret behind', async () => {
    const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
    const { main, post, job } = await runAction({
      actionDir,
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ version: '1' }), workspace),
        app: 'shop',
        namespace,
        kubeconfig,
        environment: 'production',
        'environment-url': 'https://shop.example.com',
      },
      env: { KUBECONFIG: '' },
      context: context(),
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toEqual({
      color: 'blue',
      'previous-color': '',
      revision: '1',
      'preview-service': `${namespace}/shop-preview:80`,
      'stable-service': `${namespace}/shop:80`,
      status: 'succeeded',
      duration: expect.stringMatching(/^\d/),
    });
    expect(main.summary).toContain('<h3>Blue/green deploy of shop</h3>');
    expect(main.summary).toContain(`<code>web: registry.example/shop@sha256:${'ab'.repeat(32)}</code>`);
    expect(main.summary).toMatch(/<td>replicas ready<\/td><td>shop-blue 2\/2<\/td>/);
    expect(main.log).not.toContain('client-key-data');
    expect(JSON.stringify(main.state)).not.toContain('client-key-data');
    const saved = JSON.parse(main.state['deploy-lock'] as string) as {
      kubeconfigFile: string;
      released: boolean;
    };
    expect(saved.released).toBe(true);
    expect(saved.kubeconfigFile.startsWith(job.context.RUNNER_TEMP as string)).toBe(true);
    expect(() => readFileSync(saved.kubeconfigFile)).toThrow(/ENOENT/);
    expect(post?.exitCode).toBe(0);
    expect(await stableColor()).toBe('blue');

    const [deployment] = github.state.deploymentsOf('swiss/example-app');
    expect(deployment?.deployment.environment).toBe('production');
    expect(deployment?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(deployment?.statuses[1]?.environment_url).toBe('https://shop.example.com');
  });

  it('marks the previous GitHub Deployment inactive when the next one succeeds, and a failed one failure', async () => {
    const env = { KUBECONFIG: testEnv('KUBECONFIG') };
    const second = await runAction({
      actionDir,
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ version: '2' }), workspace),
        app: 'shop',
        namespace,
        environment: 'production',
      },
      env,
      context: context(),
    });
    expect(second.main.outputs).toMatchObject({
      color: 'green',
      'previous-color': 'blue',
      revision: '2',
      status: 'succeeded',
    });
    const [latest, previous] = github.state.deploymentsOf('swiss/example-app');
    expect(latest?.statuses.at(-1)?.state).toBe('success');
    expect(previous?.statuses.at(-1)?.state).toBe('inactive');

    const failed = await runAction({
      actionDir,
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ version: '3', fail: 'crash-loop' }), workspace),
        app: 'shop',
        namespace,
        environment: 'production',
      },
      env,
      context: context(),
    });
    expect(failed.main.exitCode).toBe(1);
    expect(failed.main.outputs.status).toBe('failed');
    expect(failed.main.annotations[0]?.message).toMatch(/CrashLoopBackOff/);
    expect(failed.main.annotations[0]?.message).toContain(
      'Live traffic is untouched: the stable Services still select green',
    );
    const [failedDeployment, stillLive] = github.state.deploymentsOf('swiss/example-app');
    expect(failedDeployment?.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(stillLive?.statuses.at(-1)?.state).toBe('success');
    expect(await stableColor()).toBe('green');
  });

  it('stops at the preview with promotion manual, then promotes in a later run', async () => {
    const env = { KUBECONFIG: testEnv('KUBECONFIG') };
    const preview = await runAction({
      actionDir,
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ version: '4' }), workspace),
        app: 'shop',
        namespace,
        promotion: 'manual',
      },
      env,
    });
    expect(preview.main.outputs).toMatchObject({
      status: 'preview',
      color: 'green',
      'preview-service': `${namespace}/shop-preview:80`,
    });
    expect(await stableColor()).toBe('green');
    const previewService = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop-preview`);
    expect(previewService.spec?.selector?.['swiss-deploy/color']).toBe('blue');

    const promote = await runAction({
      actionDir,
      workspace,
      inputs: { app: 'shop', namespace, action: 'promote' },
      env,
    });
    expect(promote.main.exitCode).toBe(0);
    expect(promote.main.outputs).toMatchObject({
      status: 'promoted',
      color: 'blue',
      'previous-color': 'green',
      revision: '4',
    });
    expect(await stableColor()).toBe('blue');
  });

  it('aborts a preview: the preview color goes to zero and live traffic stays', async () => {
    const env = { KUBECONFIG: testEnv('KUBECONFIG') };
    await runAction({
      actionDir,
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ version: '5' }), workspace),
        app: 'shop',
        namespace,
        promotion: 'manual',
      },
      env,
    });
    const abort = await runAction({ actionDir, inputs: { app: 'shop', namespace, action: 'abort' }, env });
    expect(abort.main.outputs).toMatchObject({ status: 'aborted', color: 'blue', revision: '5' });
    expect(await stableColor()).toBe('blue');
    const green = await kube.request<{ spec: { replicas: number } }>(
      'GET',
      `${KNOWN.deployments(namespace)}/shop-green`,
    );
    expect(green.spec.replicas).toBe(0);
  });

  it("releases a cancelled run's lock in its post step", async () => {
    const env = { KUBECONFIG: testEnv('KUBECONFIG') };
    const inputs = {
      manifests: writeManifests(appObjects({ version: '6', fail: 'never-ready' }), workspace),
      app: 'shop',
      namespace,
    };
    // The job is killed while main waits in the readiness gate, as a cancelled workflow kills it.
    const job = new ActionJob({ actionDir, workspace, inputs, env, timeoutMs: 12_000 });
    await expect(job.run('main')).rejects.toThrow(/did not exit within/);
    const lease = await kube.request<Lease>('GET', `${KNOWN.leases(namespace)}/swiss-deploy-shop`);
    const state = parseFileCommand(readFileSync(path.join(job.root, 'main', 'state'), 'utf8'));
    const saved = JSON.parse(state['deploy-lock'] as string) as Record<string, unknown>;
    expect(saved.identity).toBe(lease.spec?.holderIdentity);
    expect(saved).not.toHaveProperty('released');

    const stateEnv = Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]));
    const post = await new ActionJob({ actionDir, inputs, env: { ...env, ...stateEnv } }).run('post');
    expect(post.exitCode).toBe(0);
    expect(post.log).toContain(`Released the deploy lock ${namespace}/swiss-deploy-shop`);
    await expect(kube.request('GET', `${KNOWN.leases(namespace)}/swiss-deploy-shop`)).rejects.toMatchObject({
      code: 404,
    });
  });
});
