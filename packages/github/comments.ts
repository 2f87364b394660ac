import type { GitHubClient } from './client';

export interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
}

/** How many comments `upsertComment` reads looking for its marker: 10 pages of 100, newest PRs never hold more. */
const MAX_PAGES = 10;

/**
 * The one comment of a pull request (or issue) that carries `marker`, kept up to date: created the first
 * time, edited in place afterwards, so a PR shows one comment per marker however often it is written.
 */
export async function upsertComment(
  client: GitHubClient,
  issueNumber: number,
  marker: string,
  body: string,
): Promise<{ comment: IssueComment; created: boolean }> {
  const text = body.includes(marker) ? body : `${marker}\n${body}`;
  const existing = await findComment(client, issueNumber, marker);
  if (existing) {
    const comment = await client.request<IssueComment>(
      'PATCH',
      client.repoPath(`/issues/comments/${existing.id}`),
      { body: text },
    );
    return { comment, created: false };
  }
  const comment = await client.request<IssueComment>(
    'POST',
    client.repoPath(`/issues/${issueNumber}/comments`),
    { body: text },
  );
  return { comment, created: true };
}

/** The first comment of the issue whose body holds `marker`, or undefined. */
export async function findComment(
  client: GitHubClient,
  issueNumber: number,
  marker: string,
): Promise<IssueComment | undefined> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const comments = await client.request<IssueComment[]>(
      'GET',
      client.repoPath(`/issues/${issueNumber}/comments?per_page=100&page=${page}`),
    );
    const found = comments.find((c) => c.body?.includes(marker));
    if (found) return found;
    if (comments.length < 100) return undefined;
  }
  return undefined;
}
