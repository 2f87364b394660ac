// What the fake remembers between requests: deployments with their statuses, environments and commit
// statuses, per repository, shaped as GitHub answers them. Rules follow GitHub's REST documentation.
import { createHash } from 'node:crypto';

export interface ApiUser {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string;
  url: string;
  html_url: string;
  followers_url: string;
  following_url: string;
  gists_url: string;
  starred_url: string;
  subscriptions_url: string;
  organizations_url: string;
  repos_url: string;
  events_url: string;
  received_events_url: string;
  type: string;
  site_admin: boolean;
}

export interface ApiDeployment {
  url: string;
  id: number;
  node_id: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  original_environment: string;
  environment: string;
  description: string | null;
  creator: ApiUser;
  created_at: string;
  updated_at: string;
  statuses_url: string;
  repository_url: string;
  transient_environment: boolean;
  production_environment: boolean;
  performed_via_github_app: null;
}

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface ApiDeploymentStatus {
  url: string;
  id: number;
  node_id: string;
  state: DeploymentState;
  creator: ApiUser;
  description: string;
  environment: string;
  target_url: string;
  log_url: string;
  environment_url: string;
  created_at: string;
  updated_at: string;
  deployment_url: string;
  repository_url: string;
  performed_via_github_app: null;
}

export interface ApiEnvironment {
  id: number;
  node_id: string;
  name: string;
  url: string;
  html_url: string;
  created_at: string;
  updated_at: string;
  protection_rules: unknown[];
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
}

export interface ApiCommitStatus {
  url: string;
  avatar_url: string | null;
  id: number;
  node_id: string;
  state: string;
  description: string | null;
  target_url: string | null;
  context: string;
  created_at: string;
  updated_at: string;
  creator: ApiUser;
}

export interface ApiIssueComment {
  id: number;
  node_id: string;
  url: string;
  body: string;
  html_url: string;
  issue_url: string;
  user: ApiUser;
  created_at: string;
  updated_at: string;
  author_association: 'NONE';
  performed_via_github_app: null;
}

export interface StoredComment {
  repo: string;
  issue: number;
  comment: ApiIssueComment;
}

export interface StoredDeployment {
  /** owner/repo as first addressed. */
  repo: string;
  deployment: ApiDeployment;
  /** Oldest first. */
  statuses: ApiDeploymentStatus[];
}

export interface StateOptions {
  /** Base of the API URLs in answers (the fake's own address). */
  apiUrl: string;
  /** Base of html_url links. */
  serverUrl: string;
  /** Branch and tag names → commit SHA; a ref not listed (and not a SHA) is refused like GitHub refuses it. */
  refs?: Record<string, string>;
  /** The user every write is attributed to. */
  user: { login: string; id: number; type: string };
}

/** A refusal GitHub would answer with; not a client bug, so not a violation. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const key = (repo: string): string => repo.toLowerCase();
const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const nodeId = (type: string, id: number): string =>
  Buffer.from(`0${type.length}:${type}${id}`).toString('base64');

export class GitHubState {
  readonly deployments: StoredDeployment[] = [];
  readonly environments = new Map<string, ApiEnvironment[]>();
  readonly commitStatuses = new Map<string, Array<ApiCommitStatus & { sha: string }>>();
  /** Issue and pull request comments, oldest first (any issue number exists: the fake keeps no issues). */
  readonly comments: StoredComment[] = [];
  private nextId = 1000;

  constructor(private readonly options: StateOptions) {}

  get creator(): ApiUser {
    const { login, id, type } = this.options.user;
    const api = `${this.options.apiUrl}/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: nodeId('User', id),
      avatar_url: `${this.options.serverUrl}/identicons/${encodeURIComponent(login)}.png`,
      gravatar_id: '',
      url: api,
      html_url: `${this.options.serverUrl}/${encodeURIComponent(login)}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type,
      site_admin: false,
    };
  }

  repoUrl(repo: string): string {
    return `${this.options.apiUrl}/repos/${repo}`;
  }

  /** Deployments of a repository, newest first (GitHub's order). */
  deploymentsOf(repo: string): StoredDeployment[] {
    return this.deployments.filter((d) => key(d.repo) === key(repo)).reverse();
  }

  findDeployment(repo: string, id: number): StoredDeployment {
    const found = this.deployments.find((d) => key(d.repo) === key(repo) && d.deployment.id === id);
    if (!found) throw new ApiRefusal(404, 'Not Found');
    return found;
  }

  /** The state of a deployment's newest status, or undefined before its first status. */
  latestState(id: number): DeploymentState | undefined {
    return this.deployments.find((d) => d.deployment.id === id)?.statuses.at(-1)?.state;
  }

  resolveRef(repo: string, ref: string): string {
    if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase();
    const refs = this.options.refs;
    if (!refs)
      return createHash('sha1')
        .update(`${key(repo)}:${ref}`)
        .digest('hex');
    const short = ref.replace(/^refs\/(heads|tags)\//, '');
    const sha = refs[ref] ?? refs[short];
    if (!sha) throw new ApiRefusal(422, `No ref found for: ${ref}`);
    return sha;
  }

  createDeployment(repo: string, body: Record<string, unknown>): ApiDeployment {
    const ref = String(body.ref);
    const sha = this.resolveRef(repo, ref);
    this.checkRequiredContexts(repo, sha, ref, body.required_contexts as string[] | undefined);
    const environment = typeof body.environment === 'string' ? body.environment : 'production';
    const id = this.nextId++;
    const created = now();
    const url = `${this.repoUrl(repo)}/deployments/${id}`;
    let payload: ApiDeployment['payload'] = {};
    if (typeof body.payload === 'object' && body.payload !== null)
      payload = body.payload as Record<string, unknown>;
    if (typeof body.payload === 'string') payload = parsePayload(body.payload);
    const deployment: ApiDeployment = {
      url,
      id,
      node_id: nodeId('Deployment', id),
      sha,
      ref,
      task: typeof body.task === 'string' ? body.task : 'deploy',
      payload,
      original_environment: environment,
      environment,
      description: typeof body.description === 'string' ? body.description : null,
      creator: this.creator,
      created_at: created,
      updated_at: created,
      statuses_url: `${url}/statuses`,
      repository_url: this.repoUrl(repo),
      transient_environment: body.transient_environment === true,
      production_environment:
        typeof body.production_environment === 'boolean'
          ? body.production_environment
          : environment === 'production',
      performed_via_github_app: null,
    };
    this.deployments.push({ repo, deployment, statuses: [] });
    // GitHub creates an environment the first time a deployment names it.
    this.ensureEnvironment(repo, environment);
    return deployment;
  }

  /**
   * GitHub checks commit statuses before it creates a deployment: every context listed in required_contexts
   * (all contexts the commit has when the field is left out) must be `success`.
   */
  private checkRequiredContexts(
    repo: string,
    sha: string,
    ref: string,
    required: string[] | undefined,
  ): void {
    const latest = new Map<string, string>();
    for (const status of this.commitStatuses.get(key(repo)) ?? []) {
      if (status.sha === sha) latest.set(status.context.toLowerCase(), status.state);
    }
    const contexts = required ?? [...latest.keys()];
    const failing = contexts.filter((c) => latest.get(c.toLowerCase()) !== 'success');
    if (failing.length > 0) {
      throw new ApiRefusal(409, `Conflict: Commit status checks failed for ${ref}.`, {
        errors: [
          {
            contexts: failing.map((context) => ({
              context,
              state: latest.get(context.toLowerCase()) ?? 'missing',
            })),
            resource: 'Deployment',
            field: 'required_contexts',
            code: 'invalid',
          },
        ],
      });
    }
  }

  /**
   * GitHub's rule: with more than one deployment, only an inactive one may be deleted, and a deployment
   * is made inactive by any status other than success.
   */
  deleteDeployment(repo: string, id: number): void {
    const stored = this.findDeployment(repo, id);
    const latest = stored.statuses.at(-1)?.state;
    const active = latest === undefined || latest === 'success';
    if (active && this.deploymentsOf(repo).length > 1) {
      throw new ApiRefusal(
        422,
        'We cannot delete an active deployment unless it is the only deployment in a given environment.',
      );
    }
    this.deployments.splice(this.deployments.indexOf(stored), 1);
  }

  createDeploymentStatus(repo: string, id: number, body: Record<string, unknown>): ApiDeploymentStatus {
    const stored = this.findDeployment(repo, id);
    const str = (name: string): string | undefined =>
      typeof body[name] === 'string' ? (body[name] as string) : undefined;
    const description = str('description') ?? '';
    if (description.length > 140) {
      throw new ApiRefusal(422, 'Validation Failed', {
        errors: [
          {
            resource: 'DeploymentStatus',
            code: 'custom',
            field: 'description',
            message: 'description is too long (maximum is 140 characters)',
          },
        ],
      });
    }
    // "If not defined, the environment of the previous status on the deployment will be used, if it exists.
    // Otherwise, the environment of the deployment will be used."
    const environment =
      str('environment') ?? stored.statuses.at(-1)?.environment ?? stored.deployment.environment;
    // log_url replaces target_url; setting it sets target_url to the same value.
    const logUrl = str('log_url') ?? str('target_url') ?? '';
    const status = this.addStatus(stored, body.state as DeploymentState, {
      description,
      environment,
      target_url: logUrl,
      log_url: logUrl,
      environment_url: str('environment_url') ?? '',
    });
    if (environment !== stored.deployment.environment) {
      stored.deployment.environment = environment;
      this.ensureEnvironment(repo, environment);
    }
    stored.deployment.updated_at = status.created_at;
    if (status.state === 'success' && body.auto_inactive !== false) this.deactivatePrior(stored);
    return status;
  }

  /**
   * auto_inactive, as GitHub documents it: a success marks inactive every prior deployment of the same
   * repository and environment that had succeeded, except transient and production-environment ones.
   */
  private deactivatePrior(current: StoredDeployment): void {
    for (const other of this.deploymentsOf(current.repo)) {
      const d = other.deployment;
      if (d.id >= current.deployment.id || d.environment !== current.deployment.environment) continue;
      if (d.transient_environment || d.production_environment) continue;
      const last = other.statuses.at(-1);
      if (last?.state !== 'success') continue;
      this.addStatus(other, 'inactive', {
        description: '',
        environment: last.environment,
        target_url: last.target_url,
        log_url: last.log_url,
        environment_url: last.environment_url,
      });
    }
  }

  private addStatus(
    stored: StoredDeployment,
    state: DeploymentState,
    fields: Pick<
      ApiDeploymentStatus,
      'description' | 'environment' | 'target_url' | 'log_url' | 'environment_url'
    >,
  ): ApiDeploymentStatus {
    const id = this.nextId++;
    const created = now();
    const status: ApiDeploymentStatus = {
      url: `${stored.deployment.url}/statuses/${id}`,
      id,
      node_id: nodeId('DeploymentStatus', id),
      state,
      creator: this.creator,
      ...fields,
      created_at: created,
      updated_at: created,
      deployment_url: stored.deployment.url,
      repository_url: stored.deployment.repository_url,
      performed_via_github_app: null,
    };
    stored.statuses.push(status);
    return status;
  }

  environmentsOf(repo: string): ApiEnvironment[] {
    return this.environments.get(key(repo)) ?? [];
  }

  findEnvironment(repo: string, name: string): ApiEnvironment {
    const found = this.environmentsOf(repo).find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new ApiRefusal(404, 'Not Found');
    return found;
  }

  ensureEnvironment(repo: string, name: string, settings: Record<string, unknown> = {}): ApiEnvironment {
    const list = this.environments.get(key(repo)) ?? [];
    this.environments.set(key(repo), list);
    let environment = list.find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!environment) {
      const id = this.nextId++;
      const created = now();
      const [owner, repoName] = repo.split('/');
      environment = {
        id,
        node_id: nodeId('Environment', id),
        name,
        url: `${this.repoUrl(repo)}/environments/${encodeURIComponent(name)}`,
        html_url: `${this.options.serverUrl}/${owner}/${repoName}/deployments/activity_log?environments_filter=${encodeURIComponent(name)}`,
        created_at: created,
        updated_at: created,
        protection_rules: [],
        deployment_branch_policy: null,
      };
      list.push(environment);
    }
    if ('deployment_branch_policy' in settings) {
      environment.deployment_branch_policy = (settings.deployment_branch_policy ??
        null) as ApiEnvironment['deployment_branch_policy'];
      environment.updated_at = now();
    }
    if (typeof settings.wait_timer === 'number') {
      environment.protection_rules = [
        ...environment.protection_rules.filter((r) => (r as { type: string }).type !== 'wait_timer'),
        {
          id: this.nextId++,
          node_id: nodeId('Gate', this.nextId),
          type: 'wait_timer',
          wait_timer: settings.wait_timer,
        },
      ];
      environment.updated_at = now();
    }
    return environment;
  }

  deleteEnvironment(repo: string, name: string): void {
    const list = this.environmentsOf(repo);
    const found = this.findEnvironment(repo, name);
    list.splice(list.indexOf(found), 1);
  }

  createCommitStatus(repo: string, sha: string, body: Record<string, unknown>): ApiCommitStatus {
    const id = this.nextId++;
    const created = now();
    const status = {
      url: `${this.repoUrl(repo)}/statuses/${sha}`,
      avatar_url: this.creator.avatar_url,
      id,
      node_id: nodeId('StatusContext', id),
      state: String(body.state),
      description: typeof body.description === 'string' ? body.description : null,
      target_url: typeof body.target_url === 'string' ? body.target_url : null,
      context: typeof body.context === 'string' ? body.context : 'default',
      created_at: created,
      updated_at: created,
      creator: this.creator,
    };
    const list = this.commitStatuses.get(key(repo)) ?? [];
    list.push({ ...status, sha });
    this.commitStatuses.set(key(repo), list);
    return status;
  }

  /** Comments of one issue or pull request, oldest first (GitHub's order for this list). */
  commentsOf(repo: string, issue: number): ApiIssueComment[] {
    return this.comments.filter((c) => key(c.repo) === key(repo) && c.issue === issue).map((c) => c.comment);
  }

  createComment(repo: string, issue: number, body: Record<string, unknown>): ApiIssueComment {
    const text = this.commentBody(body);
    const id = this.nextId++;
    const created = now();
    const [owner, repoName] = repo.split('/');
    const comment: ApiIssueComment = {
      id,
      node_id: nodeId('IssueComment', id),
      url: `${this.repoUrl(repo)}/issues/comments/${id}`,
      body: text,
      html_url: `${this.options.serverUrl}/${owner}/${repoName}/pull/${issue}#issuecomment-${id}`,
      issue_url: `${this.repoUrl(repo)}/issues/${issue}`,
      user: this.creator,
      created_at: created,
      updated_at: created,
      author_association: 'NONE',
      performed_via_github_app: null,
    };
    this.comments.push({ repo, issue, comment });
    return comment;
  }

  updateComment(repo: string, id: number, body: Record<string, unknown>): ApiIssueComment {
    const stored = this.comments.find((c) => key(c.repo) === key(repo) && c.comment.id === id);
    if (!stored) throw new ApiRefusal(404, 'Not Found');
    stored.comment.body = this.commentBody(body);
    stored.comment.updated_at = now();
    return stored.comment;
  }

  /** GitHub's limit on a comment body: 65536 characters. */
  private commentBody(body: Record<string, unknown>): string {
    const text = String(body.body);
    if (text.length > 65536) {
      throw new ApiRefusal(422, 'Validation Failed', {
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
      });
    }
    return text;
  }

  /** Commit statuses for a ref (SHA, branch or tag), newest first. */
  commitStatusesFor(repo: string, ref: string): ApiCommitStatus[] {
    const sha = this.resolveRef(repo, ref.replace(/^(heads|tags)\//, ''));
    return (this.commitStatuses.get(key(repo)) ?? [])
      .filter((s) => s.sha === sha)
      .reverse()
      .map(({ sha: _sha, ...status }) => status);
  }
}

function parsePayload(text: string): Record<string, unknown> | string {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : text;
  } catch {
    return text;
  }
}
