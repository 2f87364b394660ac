// Metric analysis: a spec of PromQL queries with conditions, run against Prometheus before the switch and
// during the bake window after it. This file is the package's only door.
export {
  parseAnalysisSpec,
  renderQuery,
  escapeLabelValue,
  AnalysisSpecError,
  PLACEHOLDERS,
  type AnalysisSpec,
  type MetricSpec,
  type Phase,
} from './spec';
export {
  parseCondition,
  evaluateCondition,
  ConditionSyntaxError,
  MissingValue,
  type Condition,
} from './condition';
export { queryPrometheus, QueryError, type PrometheusConfig, type QueryAnswer } from './prometheus';
export {
  runAnalysis,
  judgeMeasurement,
  judgeMetric,
  describeReport,
  type AnalysisReport,
  type MetricReport,
  type Measurement,
  type Verdict,
  type AnalysisTarget,
  type RunAnalysisOptions,
} from './run';
export { addAnalysisSummary, analysisRecord, type AnalysisRecord } from './summary';
export { planAnalysis, QUERY_TIMEOUT_MS, type AnalysisPlan, type AnalysisInputValues } from './plan';
