import { UserError, WorldError, retry } from '@swiss-deploy/kit';

export interface GitHubClientOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** GITHUB_API_URL; https://api.github.com by default (GitHub Enterprise Server sets its own). */
  apiUrl?: string;
}

/** An answer GitHub refused, with its status and message. */
export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    message: string,
  ) {
    super(`GitHub API ${method} ${path}: ${status} ${message}`);
    this.name = 'GitHubApiError';
  }
}

/** A small REST client on fetch: JSON in and out, the documented headers, retries on 5xx and network errors. */
export class GitHubClient {
  readonly apiUrl: string;
  readonly owner: string;
  readonly repo: string;

  constructor(private readonly options: GitHubClientOptions) {
    this.apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
    const [owner, repo] = options.repository.split('/');
    if (!owner || !repo)
      throw new UserError(`GITHUB_REPOSITORY is "${options.repository}": expected owner/name.`);
    this.owner = owner;
    this.repo = repo;
  }

  /** `/repos/{owner}/{repo}` + rest */
  repoPath(rest: string): string {
    return `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repo)}${rest}`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return retry(
      async () => {
        const response = await fetch(this.apiUrl + path, {
          method,
          headers: {
            Accept: 'application/vnd.github+json',
            Authorization: `Bearer ${this.options.token}`,
            'X-GitHub-Api-Version': '2022-11-28',
            'User-Agent': 'swiss-deploy',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) {
          let message = text.slice(0, 300);
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {
            // not JSON: keep the text
          }
          throw new GitHubApiError(response.status, method, path, message);
        }
        return (text === '' ? undefined : JSON.parse(text)) as T;
      },
      {
        attempts: 3,
        baseDelayMs: 500,
        retryable: (error) => !(error instanceof GitHubApiError) || error.status >= 500,
      },
    ).catch((error: unknown) => {
      if (
        error instanceof GitHubApiError &&
        (error.status === 401 || error.status === 403 || error.status === 404)
      ) {
        throw new UserError(`${error.message}`, {
          hint:
            error.status === 401
              ? 'The github-token input is not a valid token.'
              : 'Give the job the permission the call needs (`deployments: write` for Deployments, `pull-requests: write` for PR comments) and check the repository name, or leave the environment input empty to skip GitHub Deployments.',
          cause: error,
        });
      }
      throw new WorldError(`GitHub's API failed: ${(error as Error).message}`, { cause: error });
    });
  }
}
