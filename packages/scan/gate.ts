import { entryMatches, isExpired, type IgnoreEntry } from './ignore-file';
import { blocks, describeThreshold, severityRank } from './severity';
import { SEVERITIES, type Finding, type Severity, type Threshold } from './types';

export interface GateOptions {
  threshold: Threshold;
  /** Leave out vulnerabilities that have no fixed version yet. */
  ignoreUnfixed: boolean;
  ignores: readonly IgnoreEntry[];
  now: Date;
}

export interface IgnoredFinding {
  finding: Finding;
  /** `unfixed` (ignore-unfixed) or the ignore file entry that covers it. */
  by: 'unfixed' | IgnoreEntry;
}

export interface ExpiredIgnore {
  entry: IgnoreEntry;
  /** Findings the entry would still cover: they count again. */
  matched: number;
}

/**
 * The one verdict every output is made from: SARIF, outputs, summary, annotations and exit code read
 * this and nothing else, so they cannot disagree.
 */
export interface GateResult {
  threshold: Threshold;
  /** Findings that count, highest severity first, each with whether it fails the gate. */
  reported: readonly (Finding & { blocking: boolean })[];
  ignored: readonly IgnoredFinding[];
  expired: readonly ExpiredIgnore[];
  /** Active entries that matched nothing: candidates for removal. */
  unused: readonly IgnoreEntry[];
  counts: Readonly<Record<Severity, number>>;
  /** Blocking findings plus expired ignore entries (when the gate can fail at all). */
  blockingCount: number;
  passed: boolean;
  /** One line per reason the gate failed. */
  failures: readonly string[];
}

function findingKey(finding: Finding): string {
  const { file, line } = finding.location;
  return [
    finding.tool,
    finding.ruleId,
    file,
    line ?? '',
    finding.pkg?.name ?? '',
    finding.pkg?.installed ?? '',
    finding.object ?? '',
  ].join('\u0000');
}

export function gate(findings: readonly Finding[], options: GateOptions): GateResult {
  const expiredEntries = options.ignores.filter((entry) => isExpired(entry, options.now));
  const active = options.ignores.filter((entry) => !isExpired(entry, options.now));
  const used = new Set<IgnoreEntry>();
  const expiredMatches = new Map<IgnoreEntry, number>();
  const seen = new Set<string>();
  const reported: (Finding & { blocking: boolean })[] = [];
  const ignored: IgnoredFinding[] = [];

  for (const finding of findings) {
    const key = findingKey(finding);
    if (seen.has(key)) continue; // the same finding from two scans of the same file
    seen.add(key);
    for (const entry of expiredEntries) {
      if (entryMatches(entry, finding)) expiredMatches.set(entry, (expiredMatches.get(entry) ?? 0) + 1);
    }
    const entry = active.find((candidate) => entryMatches(candidate, finding));
    if (entry) {
      used.add(entry);
      ignored.push({ finding, by: entry });
      continue;
    }
    if (options.ignoreUnfixed && finding.kind === 'vulnerability' && finding.pkg && !finding.pkg.fixed) {
      ignored.push({ finding, by: 'unfixed' });
      continue;
    }
    reported.push({ ...finding, blocking: blocks(finding.severity, options.threshold) });
  }

  reported.sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.location.file.localeCompare(b.location.file) ||
      (a.location.line ?? 0) - (b.location.line ?? 0),
  );
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const finding of reported) counts[finding.severity]++;

  const expired = expiredEntries.map((entry) => ({ entry, matched: expiredMatches.get(entry) ?? 0 }));
  const blockingFindings = reported.filter((finding) => finding.blocking);
  const canFail = options.threshold !== 'NEVER';
  const failures: string[] = [];
  if (blockingFindings.length > 0) {
    failures.push(
      `${blockingFindings.length} finding${blockingFindings.length === 1 ? '' : 's'} at ${describeThreshold(options.threshold)} (fail-on: ${options.threshold.toLowerCase()}).`,
    );
  }
  if (canFail) {
    for (const { entry, matched } of expired) {
      failures.push(
        `Ignore entry ${entry.id} (${entry.file}, line ${entry.line}) expired on ${entry.expires}: it no longer ignores ${matched === 1 ? '1 finding' : `${matched} findings`}. Renew it with a new date and reason, or remove it.`,
      );
    }
  }
  return {
    threshold: options.threshold,
    reported,
    ignored,
    expired,
    unused: active.filter((entry) => !used.has(entry)),
    counts,
    blockingCount: blockingFindings.length + (canFail ? expired.length : 0),
    passed: failures.length === 0,
    failures,
  };
}
