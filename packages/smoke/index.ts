// The HTTP check engine of the smoke-test action. This file is the package's only door.
export {
  planSmokeTest,
  isInlineChecks,
  SERVICE_PATTERN,
  type SmokeSettings,
  type SmokePlan,
  type SmokeTarget,
} from './plan';
export { runSmokeTest, type SmokeReport, type SmokeRunOptions } from './smoke-test';
export { smokeSummary } from './report';
export { describeFailure, runCheck, runChecks, resolveUrl } from './run-checks';
export {
  parseChecks,
  parseStatusRange,
  urlCheck,
  isSensitiveHeader,
  type CheckDefaults,
  type ChecksSource,
} from './checks-file';
export { parseLoadSpec } from './load-spec';
export { runLoad, LOAD_LIMITS } from './load-test';
export { probe, ProbeError, type ProbeOptions } from './http-probe';
export { percentile, summariseLatencies } from './percentiles';
export { parseJsonPath, valueAt } from './json-path';
export type {
  Check,
  CheckResult,
  AttemptResult,
  Expectations,
  LoadResult,
  LoadSpec,
  ProbeResponse,
  RetryPolicy,
  SmokeLog,
  TlsOptions,
} from './types';
