// Metric analysis as a check of the deploy chain: before the switch it judges the new color, after the
// switch it runs the bake window, and a breach there switches back through the chain's own path. Each
// verdict is written into the revision's record as soon as it is known.
// The analysis code is loaded only when an analysis runs: a deploy without one does not pay for it.
import type { AnalysisPlan, AnalysisReport } from '@swiss-deploy/analysis';
import { errorMessage, formatDuration, type JobSummary } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import type { ChainCheck } from './types';
import { readRevision, recordRevision } from './revisions';
import { otherColor, type Color, type DeployReport, type Logger, type Phase } from './types';

export interface AnalysisCheckOptions {
  app: string;
  namespace: string;
  log: Logger;
  phase: Phase;
  /** Called with each report as it is made, e.g. to add it to the job summary. */
  onReport?: (report: AnalysisReport) => void;
}

/** Appends an analysis verdict to a revision's record; a record that cannot be written is a warning. */
export async function recordAnalysis(
  kube: Kube,
  deploy: Pick<DeployReport, 'namespace' | 'app' | 'revision'>,
  report: AnalysisReport,
  log: Logger,
): Promise<void> {
  try {
    const { analysisRecord } = await import('@swiss-deploy/analysis');
    const record = await readRevision(kube, deploy.namespace, deploy.app, deploy.revision);
    if (!record) throw new Error(`revision ${deploy.revision} has no record`);
    await recordRevision(kube, { ...record, analysis: [...(record.analysis ?? []), analysisRecord(report)] });
  } catch (error) {
    log.warning(
      `Could not record the ${report.phase} analysis in revision ${deploy.revision}: ${errorMessage(error)}`,
    );
  }
}

/**
 * The analysis as a chain check. `preview` measures the new color before any traffic moves; `live` is the
 * bake window (skipped when it is 0). Only a successful analysis passes: a failed or inconclusive one
 * aborts the preview, or switches back after the switch.
 */
export function analysisCheck(
  kube: Kube,
  plan: AnalysisPlan,
  options: AnalysisCheckOptions,
): ChainCheck<AnalysisReport> {
  const described = new WeakMap<AnalysisReport, string>();
  return {
    run: async (target, _service, reported) => {
      const phase = target === 'preview' ? 'preview' : 'bake';
      const deploy = { ...reported, color: colorUnderTest(target, reported) };
      // no bake window: nothing is measured after the switch, and nothing is recorded
      if (phase === 'bake' && !bakes(plan)) return emptyReport('bake');
      const title =
        phase === 'preview'
          ? `Analyse ${deploy.color} (revision ${deploy.revision}) before the switch`
          : `Bake ${deploy.color} (revision ${deploy.revision}) for ${formatDuration(plan.bakeMs)}`;
      const { describeReport, runAnalysis } = await import('@swiss-deploy/analysis');
      const report = await options.phase(title, () =>
        runAnalysis(plan.spec, {
          phase,
          target: {
            color: deploy.color,
            namespace: options.namespace,
            app: options.app,
            revision: deploy.revision,
          },
          prometheus: plan.prometheus,
          ...(phase === 'bake' ? { windowMs: plan.bakeMs } : {}),
          logger: options.log,
        }),
      );
      options.log.info(`The ${phase} analysis of revision ${deploy.revision}: ${describeReport(report)}`);
      options.onReport?.(report);
      await recordAnalysis(kube, deploy, report, options.log);
      described.set(report, describeReport(report));
      return report;
    },
    passed: (report) => report.verdict === 'successful',
    describe: (report) => described.get(report) ?? report.verdict,
    kind: (target) => (target === 'preview' ? 'metric analysis' : 'bake analysis'),
  };
}

/**
 * The color the analysis judges. A preview's report names the color serving live traffic (the previous
 * one, when there is one); the new pods are on the other. After the switch the new color is the live one.
 */
function colorUnderTest(target: 'preview' | 'live', deploy: DeployReport): Color {
  if (target === 'preview' && deploy.previousColor) return otherColor(deploy.previousColor);
  return deploy.color;
}

function emptyReport(phase: 'preview' | 'bake'): AnalysisReport {
  const now = new Date().toISOString();
  return { phase, verdict: 'successful', metrics: [], startedAt: now, finishedAt: now };
}

/** True when the analysis has anything to run after the switch. */
export function bakes(plan: AnalysisPlan | undefined): plan is AnalysisPlan {
  return plan !== undefined && plan.bakeMs > 0 && plan.spec.metrics.some((m) => m.phases.includes('bake'));
}

/** Adds every analysis report of a run to a summary, in the order they ran. */
export async function addAnalysisReports(
  summary: JobSummary,
  reports: readonly AnalysisReport[],
): Promise<JobSummary> {
  if (reports.length === 0) return summary;
  const { addAnalysisSummary } = await import('@swiss-deploy/analysis');
  for (const report of reports) addAnalysisSummary(summary, report);
  return summary;
}

/** Two checks as one: the second runs only when the first passes (smoke first, then the metrics). */
export function thenCheck<A, B>(
  first: ChainCheck<A>,
  second: ChainCheck<B>,
): ChainCheck<{ first: A; second?: B }> {
  const decided = (r: { first: A; second?: B }) => (first.passed(r.first) ? r.second : undefined);
  return {
    run: async (target, service, deploy) => {
      const a = await first.run(target, service, deploy);
      if (!first.passed(a)) return { first: a };
      return { first: a, second: await second.run(target, service, deploy) };
    },
    passed: (r) => first.passed(r.first) && (r.second === undefined || second.passed(r.second)),
    describe: (r) => {
      const b = decided(r);
      return b === undefined ? first.describe(r.first) : second.describe(b);
    },
    kind: (target, r) => {
      const b = r && decided(r);
      return b === undefined
        ? (first.kind?.(target, r?.first) ?? 'smoke test')
        : (second.kind?.(target, b) ?? 'check');
    },
  };
}
