import { JobSummary, formatDuration, link, type Cell } from '@swiss-deploy/kit';
import type { RollbackReport } from './types';

const MODE_WORDS = {
  switch: 'switch: the stable Service selector flipped to the color still running it',
  'scale-up': 'scale-up: the color holding it was scaled back up, gated, then switched',
  redeploy: 'redeploy: deployed again from the revision store, gated, then switched',
} as const;

/** The job summary of one rollback: from where to where, how, why, by whom and how long it took. */
export function rollbackSummary(report: RollbackReport): JobSummary {
  const facts: Record<string, Cell | { html: string }> = {
    app: report.app,
    namespace: report.namespace,
    result: report.dryRun ? 'dry run: nothing was changed' : 'rolled back',
    mode: MODE_WORDS[report.mode],
    from: `revision ${report.from.revision} (${report.from.color})`,
    to: `revision ${report.to.revision} (${report.to.color})`,
    'recorded as': report.dryRun ? `revision ${report.revision} (if run)` : `revision ${report.revision}`,
    reason: report.reason,
    by: report.actor,
    'gate time': report.gateMs === undefined ? undefined : formatDuration(report.gateMs),
    'switch time': report.switchMs === undefined ? undefined : formatDuration(report.switchMs),
    'total time': formatDuration(report.durationMs),
    'API requests': report.requests['*'],
  };
  if (report.lockHeldBy) facts['lock held by'] = report.lockHeldBy;
  if (report.runUrl) facts.run = link('workflow run', report.runUrl);
  return new JobSummary()
    .heading(`${report.dryRun ? 'Rollback plan' : 'Rollback'} of ${report.app}`)
    .facts(facts)
    .details(
      report.dryRun ? 'Steps it would take' : 'Steps taken',
      report.steps.map((step, index) => `${index + 1}. ${step}`).join('\n'),
    );
}
