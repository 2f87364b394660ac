// GitHub's REST API for what a deploy reports: Deployments and their statuses. The package's only door.
export { GitHubClient, GitHubApiError, type GitHubClientOptions } from './client';
export {
  GitHubDeployment,
  type Deployment,
  type DeploymentStatus,
  type DeploymentState,
  type CreateDeployment,
  type StatusUpdate,
} from './deployments';
export { recordDeployment, type DeploymentRecord, type DeploymentRecordOptions } from './record';
