// The blue/green strategy: plan a color, deploy it, gate it, switch to it, record it. The package's only door.
export { runBlueGreen, validateTraffic } from './deploy';
export { LockSession } from './session';
export { loadManifests } from './manifests';
export { validateManifests, workloadImages } from './plan';
export { runInfoFromEnv, lockHolderFromEnv } from './run-context';
export { canaryTable, deploySummary, failureSummary } from './summary';
export type { ChainCheck, ChainSteps, DeployOptions } from './types';
export { runRollback } from './rollback';
export { parseRollbackTarget } from './rollback-plan';
export { rollbackSummary } from './rollback-summary';
export { runDeployChain } from './chain';
export { CanaryAbortedError, RolledBackError } from './errors';
export { analysisCheck, thenCheck, addAnalysisReports } from './bake';
