// GitHub's REST API for what a deploy reports: Deployments and their statuses, and PR comments. The
// package's only door.
export { GitHubClient, GitHubApiError, type GitHubClientOptions } from './client';
export {
  GitHubDeployment,
  deactivateEnvironment,
  type Deployment,
  type DeploymentStatus,
  type DeploymentState,
  type CreateDeployment,
  type StatusUpdate,
} from './deployments';
export { recordDeployment, type DeploymentRecord, type DeploymentRecordOptions } from './record';
export { upsertComment, findComment, type IssueComment } from './comments';
