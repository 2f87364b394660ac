import * as path from 'node:path';
import { normalizeSeverity } from './severity';
import type { Finding } from './types';

/** A Trivy JSON report (`--format json`, SchemaVersion 2): only the fields the gate reads. */
export interface TrivyReport {
  SchemaVersion?: number;
  ArtifactName?: string;
  ArtifactType?: string;
  Trivy?: { Version?: string };
  Results?: TrivyResult[];
}

interface TrivyResult {
  Target?: string;
  Class?: string;
  Type?: string;
  Vulnerabilities?: TrivyVulnerability[];
  Misconfigurations?: TrivyMisconfiguration[];
  Secrets?: TrivySecret[];
}

interface TrivyVulnerability {
  VulnerabilityID?: string;
  PkgName?: string;
  PkgPath?: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Status?: string;
  Severity?: string;
  Title?: string;
  Description?: string;
  PrimaryURL?: string;
}

interface TrivyMisconfiguration {
  ID?: string;
  AVDID?: string;
  Title?: string;
  Description?: string;
  Message?: string;
  Resolution?: string;
  Severity?: string;
  PrimaryURL?: string;
  Status?: string;
  CauseMetadata?: { Resource?: string; StartLine?: number; EndLine?: number };
}

interface TrivySecret {
  RuleID?: string;
  Category?: string;
  Severity?: string;
  Title?: string;
  StartLine?: number;
  EndLine?: number;
}

export class TrivyReportError extends Error {
  override readonly name = 'TrivyReportError';
}

/** Checks the shape of a parsed report; Trivy's JSON has been SchemaVersion 2 since v0.20. */
export function readTrivyReport(text: string, source: string): TrivyReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TrivyReportError(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TrivyReportError(`${source} is not a Trivy JSON report: the top level is not an object`);
  const report = value as TrivyReport;
  if (report.SchemaVersion !== 2)
    throw new TrivyReportError(
      `${source} has SchemaVersion ${JSON.stringify(report.SchemaVersion)}; expected a Trivy JSON report with SchemaVersion 2 (trivy --format json)`,
    );
  if (report.Results !== undefined && !Array.isArray(report.Results))
    throw new TrivyReportError(`${source}: Results is not a list`);
  return report;
}

export interface FindingsOptions {
  /**
   * Where relative config and secret targets live: Trivy reports them relative to the scanned folder,
   * and annotations need them relative to the workspace.
   */
  baseDir?: string;
}

const SECRET_FIX =
  'Remove the secret from the file and from the image, rotate it (it must be treated as leaked), and inject it at runtime from a Secret or a secret store.';

function fileOf(target: string, options: FindingsOptions): string {
  if (!options.baseDir || path.isAbsolute(target)) return target;
  return path.posix.join(options.baseDir.split(path.sep).join('/'), target);
}

/** Every finding of a report, unfiltered: the gate decides what counts. */
export function trivyFindings(report: TrivyReport, options: FindingsOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const inImage = report.ArtifactType === 'container_image';
  const artifact = inImage ? report.ArtifactName : undefined;
  for (const result of report.Results ?? []) {
    const target = result.Target ?? report.ArtifactName ?? '(unknown target)';
    for (const vuln of result.Vulnerabilities ?? []) {
      const id = vuln.VulnerabilityID ?? 'UNKNOWN-VULNERABILITY';
      const pkg = vuln.PkgName ?? '(unknown package)';
      // Status came with Trivy 0.33; older reports only say whether a fixed version exists.
      const fixed = vuln.Status ? vuln.Status === 'fixed' : Boolean(vuln.FixedVersion);
      findings.push({
        ruleId: id,
        kind: 'vulnerability',
        severity: normalizeSeverity(vuln.Severity),
        title: vuln.Title ?? id,
        message:
          `${pkg} ${vuln.InstalledVersion ?? ''}`.trim() +
          ` in ${target} is affected by ${id}${vuln.Title ? `: ${vuln.Title}` : ''}.`,
        fix:
          fixed && vuln.FixedVersion
            ? `Upgrade ${pkg} to ${vuln.FixedVersion} (rebuild the image on an updated base).`
            : `No fixed version of ${pkg} yet (${vuln.Status ?? 'unfixed'}): track ${id}, or ignore it with a reason and an expiry date.`,
        location: { file: vuln.PkgPath || target },
        tool: 'trivy',
        artifact,
        helpUri: vuln.PrimaryURL,
        pkg: { name: pkg, installed: vuln.InstalledVersion, fixedIn: vuln.FixedVersion, fixed },
      });
    }
    for (const misconf of result.Misconfigurations ?? []) {
      if (misconf.Status && misconf.Status !== 'FAIL') continue;
      const id = misconf.ID ?? misconf.AVDID ?? 'UNKNOWN-CHECK';
      const cause = misconf.CauseMetadata ?? {};
      findings.push({
        ruleId: id,
        aliases: misconf.AVDID && misconf.AVDID !== id ? [misconf.AVDID] : undefined,
        kind: 'misconfiguration',
        severity: normalizeSeverity(misconf.Severity),
        title: misconf.Title ?? id,
        message: misconf.Message ?? misconf.Title ?? id,
        fix: misconf.Resolution,
        location: {
          file: fileOf(target, options),
          line: cause.StartLine || undefined,
          endLine: cause.EndLine || undefined,
        },
        tool: 'trivy',
        helpUri: misconf.PrimaryURL,
        object: cause.Resource || undefined,
      });
    }
    for (const secret of result.Secrets ?? []) {
      const id = secret.RuleID ?? 'secret';
      findings.push({
        ruleId: id,
        kind: 'secret',
        severity: normalizeSeverity(secret.Severity),
        title: secret.Title ?? id,
        // The match itself is never copied: it is the secret.
        message: `${secret.Title ?? id} found in ${inImage ? `${report.ArtifactName ?? 'the image'}: ` : ''}${target}${secret.StartLine ? ` at line ${secret.StartLine}` : ''}.`,
        fix: SECRET_FIX,
        location: {
          file: inImage ? target : fileOf(target, options),
          line: secret.StartLine || undefined,
          endLine: secret.EndLine || undefined,
        },
        tool: 'trivy',
        artifact,
      });
    }
  }
  return findings;
}
