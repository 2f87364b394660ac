import { UserError } from '@swiss-deploy/kit';
import { GitHubClient } from '../../../packages/github/client';

describe('GitHubClient', () => {
  it('addresses the repository of GITHUB_REPOSITORY under the API URL', () => {
    const client = new GitHubClient({
      token: 't',
      repository: 'swiss/example-app',
      apiUrl: 'https://ghe.example.com/api/v3/',
    });
    expect(client.apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(client.repoPath('/deployments')).toBe('/repos/swiss/example-app/deployments');
  });

  it('refuses a repository that is not owner/name', () => {
    expect(() => new GitHubClient({ token: 't', repository: 'example-app' })).toThrow(UserError);
  });
});
