// Talking to Kubernetes: one counted client, server-side apply, watches, rollout gates, leases. The package's only door.
export {
  Kube,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type ConnectOptions,
  type RequestOptions,
  type WatchOptions,
} from './client';
export {
  KubeApiError,
  isNotFound,
  isConflict,
  isForbidden,
  isUnauthorized,
  isGone,
  isInvalid,
  KubeTimeoutError,
  describeMissingPermission,
  describePermission,
  type MissingPermission,
} from './errors';
export { Discovery, collectionPath, objectPath, describeObject, KNOWN, type ResourceInfo } from './discovery';
export { applyObject, scaleDeployment, UnknownKindError, FIELD_MANAGER, type ApplyOptions } from './apply';
export { watchUntil, type WatchTarget, type WatchUntilOptions } from './watch';
export {
  LeaseLock,
  LockHeldError,
  describeHolder,
  DEFAULT_LEASE_SECONDS,
  type LockHolder,
  type HeldLease,
  type AcquireOptions,
} from './lease';
export {
  waitForRollout,
  rolloutProgress,
  gateProgressLine,
  unschedulableVerdict,
  DEFAULT_UNSCHEDULABLE_GRACE_MS,
  podProblem,
  podWaitingReason,
  recentEvents,
  selectorString,
  RolloutFailedError,
  RolloutTimeoutError,
  type RolloutProgress,
  type PodProblem,
  type RolloutResult,
  type WaitForRolloutOptions,
  type UnschedulableFacts,
  type UnschedulableVerdict,
} from './rollout';
export { waitForEndpoints, endpointsState, type EndpointsOptions, type EndpointsState } from './endpoints';
export type * from './types';
export { openPortForward, type PortForward } from './port-forward';
