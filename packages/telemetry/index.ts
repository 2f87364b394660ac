// What a run tells the world besides its outputs: notifications, Kubernetes Events, Pushgateway metrics. The package's only door.
export {
  observeRun,
  outcomeOfStatus,
  type RunObserver,
  type RunResult,
  type TelemetryInputs,
} from './observe';
export { recordDeployEvent, tryRecordDeployEvent, eventReason, REPORTING_CONTROLLER } from './events';
export {
  pushDeployMetrics,
  tryPushDeployMetrics,
  exposition,
  previousFigures,
  groupPath,
  PUSH_JOB,
  type MetricGroup,
  type PreviousFigures,
} from './pushgateway';
export type { DeployRecord, Outcome } from './types';
export { startTrace, tracesUrl, TRACEPARENT, type RunTrace, type TraceOptions, type Phase } from './trace';
