import { errorMessage } from '@swiss-deploy/kit';
import { GitHubClient } from './client';
import { GitHubDeployment } from './deployments';

/** The run's GitHub Deployment, or a null object when there is none to keep (no environment, no token). */
export interface DeploymentRecord {
  /** `in_progress` again with a new description, e.g. a preview waiting for promotion. */
  progress(description: string): Promise<void>;
  finish(state: 'success' | 'failure', description: string): Promise<void>;
}

export interface DeploymentRecordOptions {
  token?: string;
  environment?: string;
  environmentUrl?: string;
  description: string;
  payload: Record<string, unknown>;
  logUrl?: string;
  /** The runner's GITHUB_* variables. */
  env?: NodeJS.ProcessEnv;
  warn: (line: string) => void;
  info?: (line: string) => void;
}

const none: DeploymentRecord = { progress: async () => undefined, finish: async () => undefined };

/**
 * Records the run as a GitHub Deployment of `environment` (in_progress now, success or failure at the end,
 * the previous one made inactive on success). Best effort, for every entry alike: the cluster is the truth,
 * so a GitHub API problem is a warning and never fails, or seems to fail, a deploy that already moved traffic.
 */
export async function recordDeployment(options: DeploymentRecordOptions): Promise<DeploymentRecord> {
  if (!options.environment || !options.token) return none;
  const env = options.env ?? process.env;
  const { environment, environmentUrl, logUrl, warn } = options;
  let deployment: GitHubDeployment;
  try {
    const client = new GitHubClient({
      token: options.token,
      repository: env.GITHUB_REPOSITORY ?? '',
      apiUrl: env.GITHUB_API_URL,
    });
    deployment = await GitHubDeployment.create(client, {
      ref: env.GITHUB_SHA ?? env.GITHUB_REF ?? 'HEAD',
      environment,
      description: options.description,
      payload: options.payload,
    });
    await deployment.setStatus({ state: 'in_progress', logUrl, environmentUrl });
    options.info?.(`GitHub Deployment ${deployment.id} to ${environment} is in progress.`);
  } catch (error) {
    warn(`Could not record a GitHub Deployment to ${environment}: ${errorMessage(error)}`);
    return none;
  }
  const status = async (state: 'in_progress' | 'success' | 'failure', description: string) => {
    try {
      await deployment.setStatus({ state, description: description.slice(0, 140), logUrl, environmentUrl });
      if (state === 'success') await deployment.deactivatePrevious();
    } catch (error) {
      warn(`Could not mark GitHub Deployment ${deployment.id} ${state}: ${errorMessage(error)}`);
    }
  };
  return { progress: (description) => status('in_progress', description), finish: status };
}
