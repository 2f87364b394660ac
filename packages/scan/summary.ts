import { JobSummary, code } from '@swiss-deploy/kit';
import type { GateResult } from './gate';
import { blocks, describeThreshold } from './severity';
import { SEVERITIES, type Finding } from './types';

export interface SummaryContext {
  /** What was scanned, one line each ("image ghcr.io/…@sha256:…", "manifests out/app.yaml"). */
  targets: readonly string[];
  trivyVersion?: string;
  sarifFile: string;
  reportFile: string;
  /** How many findings to show in full. */
  top?: number;
}

function where(finding: Finding): string {
  const { file, line } = finding.location;
  return line ? `${file}:${line}` : file;
}

/** The job summary, from the same gate result as every other output. */
export function scanSummary(result: GateResult, context: SummaryContext): JobSummary {
  const summary = new JobSummary();
  summary.heading(result.passed ? 'Scan passed' : 'Scan failed', 2);
  summary.facts({
    scanned: context.targets.join('; '),
    'fails on': describeThreshold(result.threshold),
    findings: result.reported.length,
    'failing the gate': result.blockingCount,
    ignored: result.ignored.length,
    trivy: context.trivyVersion,
    SARIF: code(context.sarifFile),
    report: code(context.reportFile),
  });
  for (const failure of result.failures) summary.paragraph(failure);

  summary.heading('Findings by severity');
  summary.table(
    ['severity', 'count', 'fails the gate'],
    SEVERITIES.map((severity) => [
      severity,
      result.counts[severity],
      blocks(severity, result.threshold) ? 'yes' : 'no',
    ]),
  );

  const top = result.reported.slice(0, context.top ?? 10);
  if (top.length > 0) {
    summary.heading(
      result.reported.length > top.length
        ? `Top ${top.length} of ${result.reported.length} findings`
        : 'Findings',
    );
    summary.table(
      ['severity', 'id', 'where', 'what', 'fix'],
      top.map((finding) => [
        `${finding.severity}${finding.blocking ? ' ✗' : ''}`,
        finding.ruleId,
        code(where(finding)),
        finding.message,
        finding.fix,
      ]),
    );
  }

  if (result.expired.length > 0) {
    summary.heading('Expired ignore entries');
    summary.table(
      ['id', 'expired on', 'reason', 'entry', 'findings it covered'],
      result.expired.map(({ entry, matched }) => [
        entry.id,
        entry.expires,
        entry.reason,
        code(`${entry.file}:${entry.line}`),
        matched,
      ]),
    );
  }

  if (result.ignored.length > 0) {
    summary.heading('Ignored');
    const byEntry = new Map<string, { id: string; until: string; reason: string; count: number }>();
    for (const { finding, by } of result.ignored) {
      const key = by === 'unfixed' ? `unfixed:${finding.severity}` : `${by.file}:${by.line}`;
      const row =
        byEntry.get(key) ??
        (by === 'unfixed'
          ? {
              id: `${finding.severity} without a fix`,
              until: 'a fix is published',
              reason: 'ignore-unfixed: true',
              count: 0,
            }
          : { id: by.id, until: by.expires, reason: by.reason, count: 0 });
      row.count++;
      byEntry.set(key, row);
    }
    summary.table(
      ['id', 'until', 'reason', 'findings'],
      [...byEntry.values()].map((row) => [row.id, row.until, row.reason, row.count]),
    );
  }

  if (result.unused.length > 0) {
    summary.paragraph(
      `Ignore entries that matched nothing (remove them?): ${result.unused.map((e) => `${e.id} (${e.file}:${e.line})`).join(', ')}.`,
    );
  }
  return summary;
}
