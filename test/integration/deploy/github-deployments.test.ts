import { UserError } from '@swiss-deploy/kit';
import { GitHubClient } from '../../../packages/github/client';
import { GitHubDeployment } from '../../../packages/github/deployments';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';

let github: GitHubFake;
const token = 'ghs_githubclienttest0123456789';

beforeAll(async () => {
  github = await startGitHubFake({ token });
});
afterAll(() => github.close());
afterEach(() => expectNoViolations(github));

const client = (): GitHubClient =>
  new GitHubClient({ token, repository: 'swiss/example-app', apiUrl: github.url });

describe('GitHub Deployments through the schema-validating fake', () => {
  it('goes in_progress → success, and the next success makes the previous one inactive (production too)', async () => {
    const first = await GitHubDeployment.create(client(), {
      ref: 'main',
      environment: 'prod',
      productionEnvironment: true,
    });
    await first.setStatus({
      state: 'in_progress',
      logUrl: 'https://github.com/swiss/example-app/actions/runs/1',
    });
    await first.setStatus({ state: 'success', environmentUrl: 'https://shop.example.com' });
    const second = await GitHubDeployment.create(client(), {
      ref: 'main',
      environment: 'prod',
      productionEnvironment: true,
    });
    await second.setStatus({ state: 'success' });
    expect(await second.deactivatePrevious()).toEqual([first.id]);
    expect(github.state.latestState(first.id)).toBe('inactive');
    expect(github.state.latestState(second.id)).toBe('success');
  });

  it('records a failure', async () => {
    const deployment = await GitHubDeployment.create(client(), { ref: 'main', environment: 'staging' });
    await deployment.setStatus({ state: 'failure', description: 'shop-green: pod is in CrashLoopBackOff' });
    expect(github.state.latestState(deployment.id)).toBe('failure');
  });

  it('says what permission is missing when the token is refused', async () => {
    const bad = new GitHubClient({ token: 'ghs_wrong', repository: 'swiss/example-app', apiUrl: github.url });
    const error = await GitHubDeployment.create(bad, { ref: 'main', environment: 'prod' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/401/);
    expect((error as UserError).hint).toBe('The github-token input is not a valid token.');
    github.takeViolations();
  });
});
