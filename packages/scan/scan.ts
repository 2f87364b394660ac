import { statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { UserError, log, safe, type InstalledTool } from '@swiss-deploy/kit';
import { dbCachePlan, restoreDb, saveDb } from './db-cache';
import type { GateResult } from './gate';
import type { ScanPlan } from './plan';
import { parseManifests } from './manifests';
import { checkObjects } from './policy';
import { toReport } from './report';
import { toSarif } from './sarif';
import { Trivy, installTrivy } from './trivy';
import { TrivyReportError, readTrivyReport, trivyFindings } from './trivy-report';
import type { Finding } from './types';

/** The native policy over every rendered manifest at once (a Service and its NetworkPolicy may sit in different files). */
export async function checkManifestFiles(plan: ScanPlan): Promise<Finding[]> {
  const files = await Promise.all(
    plan.manifests.map(async ({ absolute, shown }) => ({
      file: shown,
      text: await readFile(absolute, 'utf8'),
    })),
  );
  const objects = files.flatMap(({ file, text }) => {
    const parsed = parseManifests(text, file);
    // An empty file passes every rule; say so, since it most often means an earlier step rendered nothing.
    if (parsed.length === 0)
      log.warning(`${safe(file)} holds no Kubernetes object: nothing in it was checked.`, { file });
    return parsed;
  });
  const findings = checkObjects(objects, plan.policy);
  log.info(`${plan.manifests.length} manifest file(s), ${findings.length} finding(s) from the native policy`);
  return findings;
}

/** Findings of Trivy JSON reports made elsewhere (an earlier step, another job). */
export async function readTrivyReports(plan: ScanPlan): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { absolute, shown } of plan.trivyReports) {
    try {
      findings.push(...trivyFindings(readTrivyReport(await readFile(absolute, 'utf8'), shown)));
    } catch (error) {
      if (error instanceof TrivyReportError)
        throw new UserError(error.message, { hint: 'Pass reports written by trivy --format json.' });
      throw error;
    }
  }
  return findings;
}

export async function setupTrivy(plan: ScanPlan): Promise<{ trivy: Trivy; tool: InstalledTool }> {
  const tool = await installTrivy(plan.trivyVersion, { mirror: plan.trivyMirror });
  log.info(`Trivy ${tool.version} (${tool.source}): ${tool.path}`);
  return { trivy: new Trivy(tool.path, plan.trivyCacheDir), tool };
}

/** Runs a vulnerability scan with the DB restored from (and saved to) the runner's cache. */
async function withVulnDb(
  plan: ScanPlan,
  scan: (db: { dbRepositories: string[]; skipDbUpdate: boolean }) => Promise<Finding[]>,
): Promise<Finding[]> {
  const cachePlan = dbCachePlan(plan.trivyCacheDir, plan.now);
  const restored = plan.dbCache ? await restoreDb(cachePlan) : 'unavailable';
  log.info(
    {
      today: `Vulnerability DB restored from today's cache (${cachePlan.key}); no registry is asked.`,
      older: 'An older vulnerability DB was restored; Trivy updates it if it is stale.',
      none: `No cached vulnerability DB; Trivy downloads it from ${plan.dbRepositories.join(', then ')}.`,
      unavailable: `The runner's cache service is not available; Trivy downloads the DB from ${plan.dbRepositories.join(', then ')}.`,
    }[restored],
  );
  const findings = await scan({ dbRepositories: plan.dbRepositories, skipDbUpdate: restored === 'today' });
  if (plan.dbCache) await saveDb(cachePlan, restored);
  return findings;
}

/** Image vulnerabilities and secrets, with the DB restored from (and saved to) the runner's cache. */
export async function scanImage(plan: ScanPlan, trivy: Trivy): Promise<Finding[]> {
  const imageRef = plan.imageRef;
  if (!imageRef) return [];
  if (!plan.imageScanners.includes('vuln')) {
    const report = await trivy.scanImage(imageRef, {
      output: path.join(plan.workDir, 'trivy-image.json'),
      scanners: plan.imageScanners,
      dbRepositories: [],
      skipDbUpdate: true,
    });
    return trivyFindings(report);
  }
  return withVulnDb(plan, async (db) =>
    trivyFindings(
      await trivy.scanImage(imageRef, {
        output: path.join(plan.workDir, 'trivy-image.json'),
        scanners: plan.imageScanners,
        ...db,
      }),
    ),
  );
}

/** Vulnerabilities of the packages the SBOM lists, gated like the image's. */
export async function scanSbom(plan: ScanPlan, trivy: Trivy): Promise<Finding[]> {
  const sbom = plan.sbom;
  if (!sbom) return [];
  return withVulnDb(plan, async (db) =>
    trivyFindings(
      await trivy.scanSbom(sbom.absolute, { output: path.join(plan.workDir, 'trivy-sbom.json'), ...db }),
    ),
  );
}

/** Dockerfiles, Kubernetes YAML and secrets under the config paths. */
export async function scanConfigPaths(plan: ScanPlan, trivy: Trivy): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [index, { absolute, shown }] of plan.configPaths.entries()) {
    const report = await trivy.scanConfig(absolute, {
      output: path.join(plan.workDir, `trivy-config-${index + 1}.json`),
      scanners: ['misconfig', 'secret'],
    });
    // Trivy names a scanned folder's files relative to it, and a scanned file by its base name
    const baseDir = statSync(absolute).isDirectory() ? shown : path.posix.dirname(shown);
    findings.push(...trivyFindings(report, { baseDir: baseDir === '.' ? undefined : baseDir }));
  }
  return findings;
}

/** Writes the SARIF file and the JSON report from the gate's result. */
export async function writeResults(
  result: GateResult,
  plan: ScanPlan,
  context: { targets: string[]; trivyVersion?: string },
) {
  const sarif = toSarif(result, {
    toolVersion: context.trivyVersion ? `trivy-${context.trivyVersion}` : undefined,
  });
  for (const file of [plan.sarifFile, plan.reportFile]) await mkdir(path.dirname(file), { recursive: true });
  await writeFile(plan.sarifFile, `${JSON.stringify(sarif, null, 2)}\n`);
  await writeFile(
    plan.reportFile,
    `${JSON.stringify(toReport(result, { ...context, now: plan.now }), null, 2)}\n`,
  );
}

/** Annotations on the lines of manifests and config files; image findings live in the summary and SARIF. */
export function annotate(result: GateResult, limit = 50): void {
  const located = result.reported
    .filter((finding) => finding.location.line !== undefined && finding.artifact === undefined)
    .slice(0, limit);
  for (const finding of located) {
    const properties = {
      title: `${finding.severity} ${finding.ruleId}: ${finding.title}`,
      file: finding.location.file,
      startLine: finding.location.line,
      endLine: finding.location.endLine,
    };
    const text = `${finding.message}${finding.fix ? `\nFix: ${finding.fix}` : ''}`;
    if (finding.blocking) log.error(text, properties);
    else if (finding.severity === 'LOW' || finding.severity === 'UNKNOWN') log.notice(text, properties);
    else log.warning(text, properties);
  }
  for (const { entry } of result.expired) {
    const properties = { title: `Ignore entry ${entry.id} expired`, file: entry.file, startLine: entry.line };
    const text = `Expired on ${entry.expires}; the findings it covered count again.`;
    if (result.threshold === 'NEVER') log.warning(text, properties);
    else log.error(text, properties);
  }
}
