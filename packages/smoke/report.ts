import { JobSummary, code, formatDuration } from '@swiss-deploy/kit';
import { describeFailure, expectedCell, outcomeCell } from './run-checks';
import type { SmokeReport } from './smoke-test';

function ms(value: number | undefined): string {
  return value === undefined ? '–' : `${Math.round(value)}ms`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** The job summary: one row per check, the load figures, and the failures spelled out. */
export function smokeSummary(report: SmokeReport): JobSummary {
  const passedCount = report.results.filter((r) => r.passed).length;
  const summary = new JobSummary()
    .heading(`Smoke test ${report.passed ? 'passed' : 'failed'}`)
    .facts({
      target: report.target,
      checks: `${passedCount} of ${report.results.length} passed`,
      requests: report.requests,
      'latency p50 / p95': `${ms(report.p50)} / ${ms(report.p95)}`,
      duration: formatDuration(report.durationMs),
    })
    .table(
      ['check', 'result', 'got', 'latency', 'tries', 'expected'],
      report.results.map((r) => [
        code(r.check.name),
        r.passed ? '✅ passed' : '❌ failed',
        outcomeCell(r),
        ms(r.last.latencyMs),
        r.tries,
        expectedCell(r.check),
      ]),
    );
  if (report.load) {
    const load = report.load;
    summary
      .heading('Load')
      .table(
        ['requests', 'errors', 'error rate', 'p50', 'p95', 'p99', 'max', 'rate', 'result'],
        [
          [
            load.requests,
            load.errors,
            `${percent(load.errorRate)} (≤ ${percent(load.spec.maxErrorRate)})`,
            ms(load.p50),
            `${ms(load.p95)}${load.spec.p95BudgetMs !== undefined ? ` (≤ ${load.spec.p95BudgetMs}ms)` : ''}`,
            ms(load.p99),
            ms(load.maxMs),
            `${load.achievedRate.toFixed(1)}/s`,
            load.passed ? '✅ passed' : `❌ ${load.problems.join('; ')}`,
          ],
        ],
      );
    if (load.errorSamples.length > 0) {
      summary.details('Load errors', load.errorSamples.map((e) => `${e.count}× ${e.message}`).join('\n'));
    }
  }
  for (const result of report.results.filter((r) => !r.passed)) {
    summary.details(`Why "${result.check.name}" failed`, describeFailure(result));
  }
  return summary;
}
