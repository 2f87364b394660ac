// Image, config and manifest scanning behind one gate. This file is the package's only door.
export {
  SEVERITIES,
  type Severity,
  type Threshold,
  type Finding,
  type FindingKind,
  type FindingLocation,
} from './types';
export { blocks, describeThreshold, normalizeSeverity, severityRank } from './severity';
export { parseManifests, objectName, type ManifestObject } from './manifests';
export { POLICY_RULES, imageParts, type PolicyRule } from './policy-rules';
export { policySettings, checkManifests, checkObjects, DEFAULT_POLICY, type PolicySettings } from './policy';
export {
  parseIgnoreFile,
  isExpired,
  entryMatches,
  globToRegExp,
  IGNORE_FILE_EXAMPLE,
  type IgnoreEntry,
} from './ignore-file';
export { readTrivyReport, trivyFindings, TrivyReportError, type TrivyReport } from './trivy-report';
export { gate, type GateResult, type GateOptions, type IgnoredFinding, type ExpiredIgnore } from './gate';
export {
  toSarif,
  sarifLevel,
  EXPIRED_IGNORE_RULE,
  type SarifLog,
  type SarifResult,
  type SarifLevel,
} from './sarif';
export { scanSummary, type SummaryContext } from './summary';
export { toReport } from './report';
export {
  Trivy,
  installTrivy,
  trivyToolSpec,
  normalizeTrivyVersion,
  TRIVY_DEFAULT_VERSION,
  TRIVY_RELEASES,
  TRIVY_DB_REPOSITORIES,
} from './trivy';
export { dbCachePlan, restoreDb, saveDb, type DbCachePlan, type DbRestore } from './db-cache';
export { planScan, shownPath, type ScanInputs, type ScanPlan, type PlanContext } from './plan';
export {
  checkManifestFiles,
  readTrivyReports,
  setupTrivy,
  scanImage,
  scanSbom,
  scanConfigPaths,
  writeResults,
  annotate,
} from './scan';
