// The action runtime every swiss/deploy action is built on. This file is the package's only door.
export { runAction, reportFailure, group } from './action';
export { UserError, InputError, WorldError, errorMessage, causeChain, type SourceLocation } from './errors';
export {
  input,
  parseInputs,
  inputEnvName,
  describeProblem,
  inputConflict,
  type InputSpec,
  type InputSpecs,
  type InputValues,
} from './inputs';
export { defineOutputs, type Outputs, type OutputValue } from './outputs';
export { SavedState, isPostStep } from './state';
export { exportVariable } from './job-env';
export { JobSummary, link, code, type Cell } from './summary';
export {
  exec,
  childEnv,
  withheldNames,
  describeCommand,
  ExecError,
  type ExecOptions,
  type ExecResult,
} from './exec';
export { registerSecret, maskSecrets, containsSecret } from './secrets';
export { resolveInWorkspace, type ContainmentOptions } from './workspace';
export { log, safe, neutralise, type Logger, type AnnotationProperties } from './log';
export { parseDuration, formatDuration } from './duration';
export { retry, backoffDelay, sleep, type RetryOptions } from './retry';
export {
  installTool,
  currentTarget,
  sha256File,
  type ToolSpec,
  type ToolTarget,
  type InstallOptions,
  type InstalledTool,
} from './tool';
export { MANIFEST_YAML, canonicalJson, manifestDigest } from './manifest';
export {
  parseYamlDocuments,
  parseYaml,
  YamlError,
  MAX_YAML_ALIASES,
  type YamlReadOptions,
  type YamlDocument,
  type ParsedYaml,
} from './yaml';
export {
  SERVICE_REF_PATTERN,
  deployTargetInputs,
  analysisInputs,
  verifyPolicyInputs,
  telemetryInputs,
  trafficInputs,
  trafficChoice,
  canaryInputs,
  parseSteps,
  type TrafficChoice,
} from './common-inputs';
