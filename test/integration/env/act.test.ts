// The act component: workflows run on this host (-P ubuntu-latest=-self-hosted) with local JavaScript
// actions, one of them talking to the GitHub fake.
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';
import { run, type RunResult } from './run';

import { actRepository, actHostArgs } from '../../support/act-repo';

const act = testEnv('ACT');
const fixture = path.join(repoRoot, 'test', 'fixtures', 'env', 'act');
const TOKEN = 'ghs_act_test_token';

/** act on the host: no Docker socket, nothing fetched, its servers on loopback only. */
function runAct(workflow: string, extra: string[] = []): Promise<RunResult> {
  return run(
    act,
    [
      'workflow_dispatch',
      ...actHostArgs(workflow, { 'swiss/env-act@v1': fixture }),
      // the token comes from the environment, not from argv
      '--secret',
      'GITHUB_TOKEN',
      ...extra,
    ],
    {
      cwd: actRepository({ tree: fixture }),
      env: { GITHUB_TOKEN: TOKEN },
      timeoutMs: 240_000,
    },
  );
}

const log = (result: RunResult): string =>
  (result.stdout + result.stderr)
    .split('\n')
    .filter((line) => !line.includes('unable to get git'))
    .join('\n');

let fake: GitHubFake;

beforeAll(async () => {
  fake = await startGitHubFake({ token: TOKEN });
});

afterEach(() => expectNoViolations(fake));

afterAll(async () => {
  await fake.close();
});

describe('the act component', () => {
  it('runs a one-step workflow whose JavaScript action is mapped to a local folder, on this host', async () => {
    const result = await runAct('one-step.yml');
    expect({ code: result.code, log: log(result) }).toEqual({
      code: 0,
      log: expect.stringContaining('Job succeeded'),
    });
    expect(log(result)).toMatch(/\| hello act from \S+ on node v\d+\./);
    expect(log(result)).toContain(
      `LocalRepositoryCache matched https://github.com/swiss/env-act with ref v1 to ${fixture}`,
    );
  }, 240_000);

  it('runs a ./ action of the workspace after the local checkout, and passes its output on', async () => {
    const result = await runAct('checkout-local.yml');
    expect({ code: result.code, log: log(result) }).toEqual({
      code: 0,
      log: expect.stringContaining('Job succeeded'),
    });
    expect(log(result)).toMatch(/\| output hello workspace from \S+ on node v/);
  }, 240_000);

  it('lets an action record a deployment in the GitHub fake, within GitHub’s schema', async () => {
    const result = await runAct('one-step.yml', ['--input', `api-url=${fake.url}`]);
    expect({ code: result.code, log: log(result) }).toEqual({
      code: 0,
      log: expect.stringContaining('Job succeeded'),
    });
    const created = fake.requests.filter((r) => r.operationId === 'repos/create-deployment');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ status: 201, headers: { authorization: 'Bearer ***' } });
    const id = (created[0]?.response as { id: number }).id;
    expect(log(result)).toContain(`deployment-id=${id}`);
  }, 240_000);

  it('fails the run when the action fails', async () => {
    fake.failNext('repos/create-deployment', 500, { message: 'injected' });
    const result = await runAct('one-step.yml', ['--input', `api-url=${fake.url}`]);
    expect(result.code).not.toBe(0);
    expect(log(result)).toContain('create deployment: 500');
    expect(log(result)).toContain('Job failed');
  }, 240_000);
});
