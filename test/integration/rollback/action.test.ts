// The rollback bundle run as the runner runs it (Node 24, INPUT_*, file commands, post step) against the
// test cluster and the GitHub fake. The switch benchmark lives here: it is timed from process start.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import type { RollbackRecord } from '../../../packages/bluegreen/rollback-plan';
import type { Kube } from '@swiss-deploy/kube';
import { waitForEndpoints } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  snapshotNamespace,
} from '../deploy/cluster';
import { liveColor, podsOf } from './rollback-cluster';

jest.setTimeout(240_000);

const actionDir = path.join(repoRoot, 'actions', 'rollback');
let kube: Kube;
let namespace: string;
let github: GitHubFake;
const token = 'ghs_rollbacktesttoken0123456789';

beforeAll(async () => {
  kube = await adminKube();
  namespace = await createNamespace(kube, 'rb-action');
  github = await startGitHubFake({ token });
  await deploy(kube, namespace, appObjects({ version: '1' }));
  await deploy(kube, namespace, appObjects({ version: '2' }), { previousReplicas: 'all' });
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
  await github.close();
});

afterEach(() => expectNoViolations(github));

const context = (): Record<string, string> => ({
  GITHUB_API_URL: github.url,
  GITHUB_TOKEN: token,
  GITHUB_ACTOR: 'on-call-alice',
});

describe('rollback as a workflow step', () => {
  it('with dry-run prints the plan and changes nothing, in the cluster or on GitHub', async () => {
    const before = await snapshotNamespace(kube, namespace);
    const { main, post } = await runAction({
      actionDir,
      inputs: {
        app: 'shop',
        namespace,
        reason: 'checking the plan',
        'dry-run': 'true',
        environment: 'production',
      },
      env: { KUBECONFIG: testEnv('KUBECONFIG') },
      context: context(),
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toEqual({
      color: 'blue',
      'previous-color': 'green',
      revision: '3',
      'target-revision': '1',
      mode: 'switch',
      duration: expect.stringMatching(/^\d/),
    });
    expect(main.log).toContain(
      'Dry run: would roll shop back from revision 2 (green) to revision 1 in blue, mode switch: blue still runs revision 1, ready.',
    );
    expect(main.log).toContain(
      `2. patch Service ${namespace}/shop (server-side apply): selector swiss-deploy/color green → blue`,
    );
    expect(main.summary).toContain('<h3>Rollback plan of shop</h3>');
    expect(post?.exitCode).toBe(0);
    expect(await snapshotNamespace(kube, namespace)).toEqual(before);
    expect(github.state.deploymentsOf('swiss/example-app')).toEqual([]);
  });

  it('switches back to the previous color with the kubeconfig input, records who and why, and reports a GitHub Deployment', async () => {
    const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
    const bluePods = new Set(await podsOf(kube, namespace, 'blue'));
    const started = Date.now();
    // Watched from outside the action: the moment the stable Service's EndpointSlices hold only blue pods.
    const servedBlue = waitForEndpoints(kube, {
      namespace,
      service: 'shop',
      expectedPods: bluePods,
      minReady: bluePods.size,
      deadline: started + 120_000,
    }).then(() => Date.now() - started);
    const { main, post } = await runAction({
      actionDir,
      inputs: {
        app: 'shop',
        namespace,
        to: 'previous',
        reason: 'checkout returns 500 since revision 2',
        kubeconfig,
        environment: 'production',
        'environment-url': 'https://shop.example.com',
      },
      env: { KUBECONFIG: '' },
      context: context(),
    });
    console.log(`rollback switch: ${await servedBlue} ms (process start → EndpointSlices all blue)`);
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toEqual({
      color: 'blue',
      'previous-color': 'green',
      revision: '3',
      'target-revision': '1',
      mode: 'switch',
      duration: expect.stringMatching(/^\d/),
    });
    expect(main.summary).toContain('<h3>Rollback of shop</h3>');
    expect(main.summary).toContain('<td>reason</td><td>checkout returns 500 since revision 2</td>');
    expect(main.summary).toContain('<td>by</td><td>on-call-alice</td>');
    expect(main.log).not.toContain('client-key-data');
    expect(JSON.stringify(main.state)).not.toContain('client-key-data');
    expect(post?.exitCode).toBe(0);
    expect(post?.log).toContain('No deploy lock to release.');
    expect(await liveColor(kube, namespace)).toBe('blue');

    const [recorded] = (await readRevisions(kube, namespace, 'shop')) as RollbackRecord[];
    expect(recorded?.rollback).toMatchObject({
      reason: 'checkout returns 500 since revision 2',
      actor: 'on-call-alice',
      mode: 'switch',
      from: { revision: 2, color: 'green' },
      to: { revision: 1, color: 'blue' },
      runUrl: expect.stringContaining('https://github.com/swiss/example-app/actions/runs/'),
    });

    const [deployment] = github.state.deploymentsOf('swiss/example-app');
    expect(deployment?.deployment.environment).toBe('production');
    expect(deployment?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(deployment?.statuses[1]?.environment_url).toBe('https://shop.example.com');
  });

  it('fails with a clear error, marks the GitHub Deployment failed, and changes nothing for an unknown revision', async () => {
    const before = await snapshotNamespace(kube, namespace);
    const { main } = await runAction({
      actionDir,
      inputs: { app: 'shop', namespace, to: '42', reason: 'wrong number', environment: 'production' },
      env: { KUBECONFIG: testEnv('KUBECONFIG') },
      context: context(),
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(
      `Input "to" is "42": shop has no revision 42 in namespace ${namespace} (recorded: 3 (succeeded), 2 (succeeded), 1 (succeeded)).`,
    );
    expect(await snapshotNamespace(kube, namespace)).toEqual(before);
    const [failed] = github.state.deploymentsOf('swiss/example-app');
    expect(failed?.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
  });
});
