// How an analysis appears in the job summary and in the revision record: each query as sent, its values,
// its verdict and why.
import { code, type JobSummary } from '@swiss-deploy/kit';
import type { AnalysisReport, Measurement } from './run';

const PHASE_TITLE = {
  preview: 'Analysis of the new color before the switch',
  bake: 'Bake analysis after the switch',
};

function shownValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function measurementCell(m: Measurement): string {
  const values = m.values.length === 0 ? 'no data' : m.values.slice(0, 3).map(shownValue).join(', ');
  return `${values} ${m.verdict === 'success' ? '✓' : m.verdict === 'failure' ? '✗' : '?'}`;
}

/** A heading and one row per metric: name, query, the measured values in order, verdict and reason. */
export function addAnalysisSummary(summary: JobSummary, report: AnalysisReport): JobSummary {
  summary.heading(`${PHASE_TITLE[report.phase]}: ${report.verdict}`);
  if (report.metrics.length === 0) return summary.paragraph('No metric of the spec runs in this phase.');
  return summary.table(
    ['metric', 'query', 'values', 'verdict'],
    report.metrics.map((m) => [
      m.name,
      code(m.query),
      m.measurements.map(measurementCell).join(' · ') || 'none',
      `${m.verdict}: ${m.reason}`,
    ]),
  );
}

/** What a revision keeps of an analysis: small, and enough to say later why traffic moved or came back. */
export interface AnalysisRecord {
  phase: AnalysisReport['phase'];
  verdict: AnalysisReport['verdict'];
  at: string;
  metrics: Array<{ name: string; verdict: string; reason: string; values: Array<Array<number | string>> }>;
}

export function analysisRecord(report: AnalysisReport): AnalysisRecord {
  return {
    phase: report.phase,
    verdict: report.verdict,
    at: report.finishedAt,
    metrics: report.metrics.map((m) => ({
      name: m.name,
      verdict: m.verdict,
      reason: m.reason,
      // the last ten measurements are enough to show a trend; a long bake would otherwise bloat the record
      values: m.measurements
        .slice(-10)
        .map((x) => x.values.slice(0, 5).map((v) => (Number.isFinite(v) ? v : String(v)))),
    })),
  };
}
