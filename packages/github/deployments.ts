import type { GitHubClient } from './client';

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface Deployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  created_at: string;
}

export interface DeploymentStatus {
  id: number;
  state: DeploymentState;
  environment_url?: string;
  log_url?: string;
}

export interface CreateDeployment {
  ref: string;
  environment: string;
  description?: string;
  payload?: Record<string, unknown>;
  productionEnvironment?: boolean;
}

export interface StatusUpdate {
  state: DeploymentState;
  description?: string;
  environmentUrl?: string;
  logUrl?: string;
}

/**
 * One GitHub Deployment of one run: created `in_progress`, finished `success` or `failure`. On success the
 * previous successful deployment of the environment is marked `inactive`, production environments included
 * (where GitHub's auto_inactive does not reach).
 */
export class GitHubDeployment {
  private constructor(
    private readonly client: GitHubClient,
    readonly deployment: Deployment,
  ) {}

  static async create(client: GitHubClient, options: CreateDeployment): Promise<GitHubDeployment> {
    const deployment = await client.request<Deployment>('POST', client.repoPath('/deployments'), {
      ref: options.ref,
      environment: options.environment,
      description: options.description?.slice(0, 140),
      payload: options.payload ?? {},
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: options.productionEnvironment ?? false,
    });
    return new GitHubDeployment(client, deployment);
  }

  get id(): number {
    return this.deployment.id;
  }

  async setStatus(update: StatusUpdate): Promise<DeploymentStatus> {
    return this.client.request<DeploymentStatus>(
      'POST',
      this.client.repoPath(`/deployments/${this.id}/statuses`),
      {
        state: update.state,
        description: update.description?.slice(0, 140),
        environment_url: update.environmentUrl,
        log_url: update.logUrl,
        ...(update.state === 'success' ? { auto_inactive: true } : {}),
      },
    );
  }

  /** Marks `inactive` every earlier deployment of the environment whose latest status is `success`. */
  async deactivatePrevious(): Promise<number[]> {
    const earlier = await this.client.request<Deployment[]>(
      'GET',
      this.client.repoPath(
        `/deployments?environment=${encodeURIComponent(this.deployment.environment)}&per_page=10`,
      ),
    );
    const deactivated: number[] = [];
    for (const deployment of earlier.filter((d) => d.id !== this.id)) {
      const [latest] = await this.client.request<DeploymentStatus[]>(
        'GET',
        this.client.repoPath(`/deployments/${deployment.id}/statuses?per_page=1`),
      );
      if (latest?.state !== 'success') continue;
      await this.client.request('POST', this.client.repoPath(`/deployments/${deployment.id}/statuses`), {
        state: 'inactive',
        description: `superseded by deployment ${this.id}`,
      });
      deactivated.push(deployment.id);
    }
    return deactivated;
  }
}

/**
 * Marks `inactive` every deployment of `environment` whose latest status is not inactive yet (an
 * environment that is gone serves nothing); returns their ids. Reads up to 100 deployments.
 */
export async function deactivateEnvironment(
  client: GitHubClient,
  environment: string,
  description: string,
): Promise<number[]> {
  const deployments = await client.request<Deployment[]>(
    'GET',
    client.repoPath(`/deployments?environment=${encodeURIComponent(environment)}&per_page=100`),
  );
  const deactivated: number[] = [];
  for (const deployment of deployments) {
    const [latest] = await client.request<DeploymentStatus[]>(
      'GET',
      client.repoPath(`/deployments/${deployment.id}/statuses?per_page=1`),
    );
    if (latest?.state === 'inactive') continue;
    await client.request('POST', client.repoPath(`/deployments/${deployment.id}/statuses`), {
      state: 'inactive',
      description: description.slice(0, 140),
    });
    deactivated.push(deployment.id);
  }
  return deactivated;
}
