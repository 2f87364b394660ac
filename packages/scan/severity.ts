import { SEVERITIES, type Severity, type Threshold } from './types';

/** 4 for CRITICAL down to 0 for UNKNOWN. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}

/** Sources spell severities freely ("high", "Moderate", ""); anything unrecognised is UNKNOWN. */
export function normalizeSeverity(value: unknown): Severity {
  const text = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (text === 'MODERATE') return 'MEDIUM';
  return (SEVERITIES as readonly string[]).includes(text) ? (text as Severity) : 'UNKNOWN';
}

/** Whether a finding of this severity fails a gate with this threshold. */
export function blocks(severity: Severity, threshold: Threshold): boolean {
  if (threshold === 'NEVER') return false;
  return severityRank(severity) >= severityRank(threshold);
}

/** The severities that fail the gate, highest first, for messages ("HIGH or CRITICAL"). */
export function blockingSeverities(threshold: Threshold): Severity[] {
  return SEVERITIES.filter((severity) => blocks(severity, threshold));
}

export function describeThreshold(threshold: Threshold): string {
  if (threshold === 'NEVER') return 'never (report only)';
  if (threshold === 'CRITICAL') return 'CRITICAL';
  if (threshold === 'UNKNOWN') return 'any severity';
  return `${threshold} or above`;
}

/** GitHub code scanning orders alerts by this score (rules' `security-severity`). */
export function securitySeverityScore(severity: Severity): string {
  return { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0', UNKNOWN: '0.0' }[severity];
}
