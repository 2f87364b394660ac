// .github/workflows/rollback.yml run by act on this host against the local cluster, with the rollback
// action resolved to this checkout (swiss/deploy@v1 → the repository root) and GitHub's API faked.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import type { RollbackRecord } from '../../../packages/bluegreen/rollback-plan';
import type { Kube } from '@swiss-deploy/kube';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';
import { actRepository, actHostArgs } from '../../support/act-repo';
import { run } from '../env/run';
import { adminKube, appObjects, createNamespace, deleteNamespace, deploy } from '../deploy/cluster';
import { liveColor } from './rollback-cluster';

jest.setTimeout(300_000);

const TOKEN = 'ghs_act_rollback_token';
let kube: Kube;
let namespace: string;
let github: GitHubFake;

beforeAll(async () => {
  kube = await adminKube();
  namespace = await createNamespace(kube, 'rb-act');
  github = await startGitHubFake({ token: TOKEN });
  await deploy(kube, namespace, appObjects({ version: '1' }));
  await deploy(kube, namespace, appObjects({ version: '2' }));
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
  await github.close();
});

afterEach(() => expectNoViolations(github));

describe('the rollback workflow', () => {
  it('runs under act on workflow_dispatch and switches the app back against the local cluster', async () => {
    // Secrets reach act through a file, never argv.
    const secrets = path.join(mkdtempSync(path.join(os.tmpdir(), 'act-secrets-')), '.secrets');
    const kubeconfig = readFileSync(testEnv('KUBECONFIG'), 'utf8');
    writeFileSync(secrets, `GITHUB_TOKEN=${TOKEN}\nKUBECONFIG=${JSON.stringify(kubeconfig)}\n`, {
      mode: 0o600,
    });
    const result = await run(
      testEnv('ACT'),
      [
        'workflow_dispatch',
        ...actHostArgs('rollback.yml', { 'swiss/deploy@v1': repoRoot }),
        '--secret-file',
        secrets,
        '--env',
        `GITHUB_API_URL=${github.url}`,
        '--input',
        'environment=staging',
        '--input',
        'app=shop',
        '--input',
        `namespace=${namespace}`,
        '--input',
        'reason=act says revision 2 is broken',
      ],
      {
        cwd: actRepository({ workflows: [path.join(repoRoot, '.github', 'workflows', 'rollback.yml')] }),
        timeoutMs: 280_000,
      },
    );
    const log = result.stdout + result.stderr;
    expect({ code: result.code, tail: log.slice(-3000) }).toEqual({
      code: 0,
      tail: expect.stringContaining('Job succeeded'),
    });
    expect(log).not.toContain('client-key-data');
    expect(await liveColor(kube, namespace)).toBe('blue');
    const [recorded] = (await readRevisions(kube, namespace, 'shop')) as RollbackRecord[];
    expect(recorded?.rollback).toMatchObject({
      reason: 'act says revision 2 is broken',
      mode: 'switch',
      to: { revision: 1, color: 'blue' },
    });
    // The repository is whatever act makes of this checkout; the deployment request names it.
    const created = github.requests.filter((r) => r.operationId === 'repos/create-deployment');
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({ environment: 'staging' });
    const repo = /^\/repos\/([^/]+\/[^/]+)\/deployments$/.exec(created[0]?.path ?? '')?.[1] ?? '';
    const [deployment] = github.state.deploymentsOf(repo);
    expect(deployment?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
  });
});
