// The blue/green strategy: plan a color, deploy it, gate it, switch to it, record it. The package's only door.
export { runBlueGreen, validateTraffic, type DeployOptions } from './deploy';
export {
  TRAFFIC_MODES,
  allOn,
  coloredBackendRefs,
  coloredServiceName,
  findRoute,
  parseRouteName,
  routeState,
  routeWeights,
  weightPatch,
  type GatewayRoute,
  type HTTPRoute,
  type RouteName,
  type RouteState,
  type TrafficMode,
  type TrafficOptions,
  type Weights,
} from './traffic';
export { lockName, acquireDeployLock } from './lock';
export { configReferences } from './config';
export { loadManifests, manifestFiles, type ManifestReadOptions } from './manifests';
export {
  planColor,
  validateManifests,
  workloadImages,
  type ColorPlan,
  type PlannedObject,
  type PlannedService,
  type PlannedWorkload,
  type PlanOptions,
} from './plan';
export {
  readRevisions,
  readRevision,
  recordRevision,
  pruneRevisions,
  encodeRevision,
  decodeRevision,
  revisionSecretName,
} from './revisions';
export { readLiveState, type LiveState } from './live';
export { runInfoFromEnv, lockHolderFromEnv } from './run-context';
export { canaryTable, deploySummary, failureSummary } from './summary';
export {
  COLORS,
  LABELS,
  otherColor,
  type Color,
  type DeployAction,
  type DeployReport,
  type Logger,
  type RunInfo,
  type Phase,
  type ManifestObject,
  type PromotionMode,
  type RevisionImage,
  type RevisionOutcome,
  type RevisionRecord,
} from './types';
export {
  runRollback,
  planRollback,
  type RollbackOptions,
  type RollbackPlan,
  type RollbackReport,
} from './rollback';
export {
  chooseRollbackMode,
  chooseRollbackTarget,
  parseRollbackTarget,
  rollbackSteps,
  type IdleWorkload,
  type RollbackAudit,
  type RollbackMode,
  type RollbackRecord,
  type RollbackTarget,
} from './rollback-plan';
export { rollbackSummary } from './rollback-summary';
export { LockSession } from './lock-session';
export { canaryReplicas, parseSteps, podShare, type CanaryStep, type Strategy } from './canary';
export { DEFAULT_STEPS } from './deploy';
export { pausedCanary } from './deploy-decision';
export {
  CanaryAbortedError,
  runDeployChain,
  RolledBackError,
  type ChainCheck,
  type ChainOptions,
  type ChainSteps,
} from './chain';
export {
  analysisCheck,
  recordAnalysis,
  thenCheck,
  bakes,
  addAnalysisReports,
  type AnalysisCheckOptions,
} from './bake';
