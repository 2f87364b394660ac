// Talking to Kubernetes: one counted client, server-side apply, watches, rollout gates, leases. The package's only door.
export { Kube } from './client';
export {
  KubeApiError,
  isNotFound,
  isConflict,
  KubeTimeoutError,
  describeMissingPermission,
  describePermission,
} from './errors';
export { Discovery, collectionPath, objectPath, KNOWN } from './discovery';
export { applyObject, scaleDeployment, UnknownKindError, FIELD_MANAGER } from './apply';
export { watchUntil } from './watch';
export { LeaseLock, describeHolder, type LockHolder } from './lease';
export { waitForRollout, rolloutProgress, selectorString, type RolloutResult } from './rollout';
export { waitForEndpoints } from './endpoints';
export type { KubeObject, KubeList, Deployment, Pod, Service, Secret, WatchEvent } from './types';
export { openPortForward, type PortForward } from './port-forward';
