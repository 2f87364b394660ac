// The action runtime every swiss/deploy action is built on. This file is the package's only door.
export { runAction, group } from './action';
export { UserError, InputError, WorldError, errorMessage, type SourceLocation } from './errors';
export { input, parseInputs, describeProblem, inputConflict, type InputValues } from './inputs';
export { defineOutputs } from './outputs';
export { SavedState } from './state';
export { exportVariable } from './job-env';
export { JobSummary, link, code, type Cell } from './summary';
export { exec, withheldNames, ExecError, type ExecResult } from './exec';
export { registerSecret, maskSecrets } from './secrets';
export { resolveInWorkspace, type ContainmentOptions } from './workspace';
export { log, safe, type Logger } from './log';
export { parseDuration, formatDuration } from './duration';
export { retry, backoffDelay, sleep } from './retry';
export { installTool, currentTarget, type ToolSpec, type InstallOptions, type InstalledTool } from './tool';
export { manifestDigest } from './manifest';
export { parseYamlDocuments, parseYaml, YamlError, type ParsedYaml } from './yaml';
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
} from './common-inputs';
export { analysisAsked } from './analysis-asked';
