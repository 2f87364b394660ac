import type { GateResult } from './gate';
import { securitySeverityScore } from './severity';
import type { Finding, Severity } from './types';

/** The rule an expired ignore entry is reported under, so SARIF shows every reason the gate failed. */
export const EXPIRED_IGNORE_RULE = 'SWD-IGNORE-EXPIRED';

export type SarifLevel = 'error' | 'warning' | 'note';

/** A finding that fails the gate is an error; the rest are warnings (MEDIUM and up) or notes. */
export function sarifLevel(severity: Severity, blocking: boolean): SarifLevel {
  if (blocking) return 'error';
  return severity === 'LOW' || severity === 'UNKNOWN' ? 'note' : 'warning';
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity': string; tags: string[]; precision: string };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; informationUri: string; semanticVersion?: string; rules: SarifRule[] } };
    results: SarifResult[];
  }[];
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string };
      region?: { startLine: number; endLine?: number };
    };
  }[];
  partialFingerprints: { primaryLocationLineHash: string };
  properties: { severity: Severity | 'ERROR'; blocking: boolean; kind: string; tool: string };
}

/** SARIF wants URI references: forward slashes, no leading ./, spaces and the like escaped. */
function toUri(file: string): string {
  return encodeURI(file.replace(/\\/g, '/').replace(/^\.\//, ''));
}

function region(line?: number, endLine?: number) {
  if (!line || line < 1) return {};
  return { region: endLine && endLine >= line ? { startLine: line, endLine } : { startLine: line } };
}

function fingerprint(finding: Finding): string {
  return [
    finding.ruleId,
    finding.location.file,
    finding.location.line ?? 0,
    finding.pkg?.name ?? '',
    finding.object ?? '',
  ].join(':');
}

export interface SarifOptions {
  toolVersion?: string;
  informationUri?: string;
}

/** SARIF 2.1.0 of exactly the findings the gate counted: one run, one rule per id. */
export function toSarif(result: GateResult, options: SarifOptions = {}): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const ruleFor = (finding: Finding): number => {
    const known = ruleIndex.get(finding.ruleId);
    if (known !== undefined) return known;
    const fix = finding.fix ?? 'See the rule’s documentation.';
    rules.push({
      id: finding.ruleId,
      name: finding.title,
      shortDescription: { text: finding.title },
      fullDescription: { text: finding.title },
      help: { text: fix, markdown: `**Fix:** ${fix}` },
      ...(finding.helpUri ? { helpUri: finding.helpUri } : {}),
      defaultConfiguration: { level: sarifLevel(finding.severity, false) },
      properties: {
        'security-severity': securitySeverityScore(finding.severity),
        tags: ['security', finding.kind, finding.tool],
        precision: 'very-high',
      },
    });
    ruleIndex.set(finding.ruleId, rules.length - 1);
    return rules.length - 1;
  };

  const results: SarifResult[] = result.reported.map((finding) => ({
    ruleId: finding.ruleId,
    ruleIndex: ruleFor(finding),
    level: sarifLevel(finding.severity, finding.blocking),
    message: { text: `${finding.severity}: ${finding.message}${finding.fix ? ` Fix: ${finding.fix}` : ''}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(finding.location.file) },
          ...region(finding.location.line, finding.location.endLine),
        },
      },
    ],
    partialFingerprints: { primaryLocationLineHash: fingerprint(finding) },
    properties: {
      severity: finding.severity,
      blocking: finding.blocking,
      kind: finding.kind,
      tool: finding.tool,
    },
  }));

  if (result.expired.length > 0) {
    rules.push({
      id: EXPIRED_IGNORE_RULE,
      name: 'ignore-entry-expired',
      shortDescription: { text: 'An ignore entry has expired' },
      fullDescription: {
        text: 'An accepted risk ran past its expiry date; the findings it covered count again.',
      },
      help: {
        text: 'Renew the entry with a new expiry date and reason, or remove it and fix the finding.',
        markdown:
          '**Fix:** renew the entry with a new expiry date and reason, or remove it and fix the finding.',
      },
      defaultConfiguration: { level: 'error' },
      properties: {
        'security-severity': securitySeverityScore('HIGH'),
        tags: ['security', 'ignore-file'],
        precision: 'very-high',
      },
    });
    const index = rules.length - 1;
    const blocking = result.threshold !== 'NEVER';
    for (const { entry, matched } of result.expired) {
      results.push({
        ruleId: EXPIRED_IGNORE_RULE,
        ruleIndex: index,
        level: blocking ? 'error' : 'warning',
        message: {
          text: `Ignore entry ${entry.id} expired on ${entry.expires} (reason was: ${entry.reason}); ${matched} finding${matched === 1 ? '' : 's'} count again.`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: toUri(entry.file) },
              region: { startLine: entry.line },
            },
          },
        ],
        partialFingerprints: { primaryLocationLineHash: `${EXPIRED_IGNORE_RULE}:${entry.id}:${entry.file}` },
        properties: { severity: 'ERROR', blocking, kind: 'ignore-file', tool: 'swiss-deploy' },
      });
    }
  }

  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'swiss-deploy scan',
            informationUri: options.informationUri ?? 'https://github.com/swiss/deploy/blob/v1/docs/scan.md',
            ...(options.toolVersion ? { semanticVersion: options.toolVersion } : {}),
            rules,
          },
        },
        results,
      },
    ],
  };
}
