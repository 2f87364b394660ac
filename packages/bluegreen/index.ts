// The blue/green strategy: plan a color, deploy it, gate it, switch to it, record it. The package's only door.
export { runBlueGreen, validateTraffic } from './deploy';
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
export { lockName, LockSession } from './session';
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
  type ChainCheck,
  type ChainOptions,
  type ChainSteps,
  type DeployAction,
  type DeployOptions,
  type DeployReport,
  type Logger,
  type RunInfo,
  type Phase,
  type ManifestObject,
  type PromotionMode,
  type RevisionImage,
  type RevisionOutcome,
  type RevisionRecord,
  type RollbackOptions,
  type RollbackReport,
} from './types';
export { runRollback } from './rollback';
export {
  chooseRollbackMode,
  chooseRollbackTarget,
  parseRollbackTarget,
  rollbackSteps,
  planRollback,
  type RollbackPlan,
  type IdleWorkload,
  type RollbackAudit,
  type RollbackMode,
  type RollbackRecord,
  type RollbackTarget,
} from './rollback-plan';
export { rollbackSummary } from './rollback-summary';
export { canaryReplicas, parseSteps, podShare, type CanaryStep, type Strategy } from './canary';
export { DEFAULT_STEPS } from './canary-steps';
export { pausedCanary } from './deploy-decision';
export { runDeployChain } from './chain';
export { CanaryAbortedError, RolledBackError } from './errors';
export {
  analysisCheck,
  recordAnalysis,
  thenCheck,
  bakes,
  addAnalysisReports,
  type AnalysisCheckOptions,
} from './bake';
