// Metric analysis: a spec of PromQL queries with conditions, run against Prometheus before the switch and
// during the bake window after it. This file is the package's only door.

export { runAnalysis, describeReport, type AnalysisReport } from './run';
export { addAnalysisSummary, analysisRecord, type AnalysisRecord } from './summary';
export { planAnalysis, type AnalysisPlan } from './plan';
