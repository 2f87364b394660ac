// What a run tells the world besides its outputs: notifications, Kubernetes Events, Pushgateway metrics. The package's only door.
export { observeRun, outcomeOfStatus } from './observe';
export { startTrace } from './trace';
