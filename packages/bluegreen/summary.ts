import { JobSummary, code, formatDuration, link, type Cell } from '@swiss-deploy/kit';
import type { DeployReport } from './types';

const STATUS_WORDS: Record<DeployReport['status'], string> = {
  succeeded: 'deployed and live',
  preview: 'ready in preview, waiting for promotion',
  paused: 'canary paused after a step, waiting for promotion',
  promoted: 'promoted and live',
  aborted: 'preview aborted',
  unchanged: 'unchanged (this revision is already live)',
  failed: 'failed',
};

/** The job summary of one run: what went where, by digest, how long each phase took, and links. */
export function deploySummary(report: DeployReport, links: { environmentUrl?: string } = {}): JobSummary {
  const images = report.images.length
    ? report.images
        .map(
          (i) =>
            `${i.container}: ${i.digest ? `${i.image.split('@')[0]}@${i.digest}` : `${i.image} (no digest)`}`,
        )
        .join('\n')
    : '–';
  const facts: Record<string, Cell | { html: string }> = {
    app: report.app,
    namespace: report.namespace,
    status: STATUS_WORDS[report.status],
    color:
      report.previousColor && report.previousColor !== report.color
        ? `${report.color} (was ${report.previousColor})`
        : report.color,
    revision: report.revision,
    'images by digest': code(images),
    'replicas ready': report.replicas.map((r) => `${r.workload} ${r.ready}/${r.desired}`).join(', '),
    'gate time': report.gateMs === undefined ? undefined : formatDuration(report.gateMs),
    'switch time': report.switchMs === undefined ? undefined : formatDuration(report.switchMs),
    'total time': formatDuration(report.durationMs),
    'stable service': report.stableServices.join(', '),
    'preview service': report.previewServices.join(', '),
    'API requests': report.requests['*'],
    strategy: report.strategy,
    'canary weight': report.weight === undefined ? undefined : `${report.weight} % after step ${report.step}`,
  };
  if (links.environmentUrl) facts.environment = link(links.environmentUrl, links.environmentUrl);
  if (report.runUrl) facts.run = link('workflow run', report.runUrl);
  const summary = new JobSummary().heading(`Blue/green deploy of ${report.app}`).facts(facts);
  return report.canary?.length ? canaryTable(summary, report.canary) : summary;
}

/** One row per canary step: the weight asked, the share given, its checks and how they went. */
export function canaryTable(summary: JobSummary, steps: NonNullable<DeployReport['canary']>): JobSummary {
  return summary.table(
    ['step', 'weight', 'canary share', 'checks', 'result'],
    steps.map((s) => [s.step, `${s.weight} %`, `${s.actual} %`, s.checks, s.passed ? 'passed' : 'failed']),
  );
}

/** The job summary of a run that failed: what failed, why, and what serves now. */
export function failureSummary(
  title: string,
  facts: { app: string; namespace: string; error: Error & { untouched?: string; hint?: string } },
): JobSummary {
  return new JobSummary().heading(title).facts({
    app: facts.app,
    namespace: facts.namespace,
    status: 'failed',
    error: facts.error.message.split('\n')[0],
    'what is live': facts.error.untouched,
    'what to do': facts.error.hint,
  });
}
