// GitHub's REST API for what a deploy reports: Deployments and their statuses, and PR comments. The
// package's only door.
export { GitHubClient } from './client';
export { deactivateEnvironment } from './deployments';
export { recordDeployment } from './record';
export { upsertComment, findComment } from './comments';
