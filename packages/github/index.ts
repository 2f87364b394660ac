// GitHub's REST API for what a deploy reports: Deployments and their statuses. The package's only door.

export { recordDeployment } from './record';
