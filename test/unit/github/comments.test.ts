// The PR comment and the environment teardown of packages/github against the GitHub fake, which checks
// every request against GitHub's published API description.
import { GitHubClient, deactivateEnvironment, findComment, upsertComment } from '@swiss-deploy/github';
import { GitHubDeployment } from '../../../packages/github/deployments';
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';

const REPO = 'swiss/example-app';
let fake: GitHubFake;
let client: GitHubClient;

beforeAll(async () => {
  fake = await startGitHubFake({ token: 'ghs_comments' });
  client = new GitHubClient({ token: 'ghs_comments', repository: REPO, apiUrl: fake.url });
});
afterEach(() => expectNoViolations(fake));
afterAll(() => fake.close());

describe('upsertComment', () => {
  it('creates the comment once and edits that same comment afterwards, leaving other comments alone', async () => {
    const marker = '<!-- swiss-deploy-preview:shop -->';
    fake.state.createComment(REPO, 5, { body: 'LGTM' });
    const first = await upsertComment(client, 5, marker, `${marker}\nfirst`);
    const second = await upsertComment(client, 5, marker, 'second');
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, comment: { id: first.comment.id } });
    expect(fake.state.commentsOf(REPO, 5).map((c) => c.body)).toEqual(['LGTM', `${marker}\nsecond`]);
    expect(await findComment(client, 5, '<!-- swiss-deploy-preview:cart -->')).toBeUndefined();
  });

  it('finds its comment past the first page of 100', async () => {
    for (let i = 0; i < 120; i++) fake.state.createComment(REPO, 6, { body: `comment ${i}` });
    const marker = '<!-- swiss-deploy-preview:late -->';
    fake.state.createComment(REPO, 6, { body: `${marker}\nold` });
    const written = await upsertComment(client, 6, marker, `${marker}\nnew`);
    expect(written.created).toBe(false);
    expect(fake.state.commentsOf(REPO, 6)).toHaveLength(121);
  });
});

describe('deactivateEnvironment', () => {
  it('marks every deployment of the environment inactive once, and no other environment', async () => {
    const make = async (environment: string, state: 'success' | 'failure') => {
      const d = await GitHubDeployment.create(client, { ref: 'main', environment });
      await d.setStatus({ state });
      return d.id;
    };
    const a = await make('preview/shop-pr-3', 'failure');
    const b = await make('preview/shop-pr-3', 'success');
    const other = await make('preview/shop-pr-4', 'success');
    const ids = await deactivateEnvironment(client, 'preview/shop-pr-3', 'preview torn down');
    expect(ids.sort()).toEqual([a, b].sort());
    expect(fake.state.latestState(a)).toBe('inactive');
    expect(fake.state.latestState(b)).toBe('inactive');
    expect(fake.state.latestState(other)).toBe('success');
    expect(await deactivateEnvironment(client, 'preview/shop-pr-3', 'again')).toEqual([]);
  });
});
