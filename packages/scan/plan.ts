import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, UserError, describeProblem, resolveInWorkspace } from '@swiss-deploy/kit';
import { parseIgnoreFile, type IgnoreEntry } from './ignore-file';
import { policySettings, type PolicySettings } from './policy';
import { normalizeTrivyVersion } from './trivy';
import type { Threshold } from './types';

/** The scan action's inputs, as parsed by the kit. */
export interface ScanInputs {
  'image-ref'?: string;
  'image-scanners': string[];
  sbom?: string;
  manifests: string[];
  'config-paths': string[];
  'trivy-reports': string[];
  'fail-on': string;
  'ignore-unfixed': boolean;
  'ignore-file'?: string;
  policies: string[];
  'sarif-file': string;
  'report-file': string;
  'trivy-version': string;
  'trivy-mirror'?: string;
  'db-repository': string[];
  'db-cache': boolean;
}

/** Everything the scan will do, validated before it does any of it. */
export interface ScanPlan {
  imageRef?: string;
  /** A CycloneDX SBOM (build-image's sbom output) to scan for vulnerabilities instead of the image. */
  sbom?: { absolute: string; shown: string };
  /** Trivy's scanners for the image; without `vuln` no DB is needed. */
  imageScanners: ('vuln' | 'secret')[];
  /** Rendered manifest files (folders expanded), absolute, with the path shown to users. */
  manifests: { absolute: string; shown: string }[];
  configPaths: { absolute: string; shown: string }[];
  trivyReports: { absolute: string; shown: string }[];
  threshold: Threshold;
  ignoreUnfixed: boolean;
  ignores: IgnoreEntry[];
  policy: PolicySettings;
  sarifFile: string;
  reportFile: string;
  trivyVersion: string;
  trivyMirror?: string;
  dbRepositories: string[];
  dbCache: boolean;
  /** Trivy's cache (DB, checks) and its raw JSON reports. */
  trivyCacheDir: string;
  workDir: string;
  needsTrivy: boolean;
  now: Date;
}

export interface PlanContext {
  workspace: string;
  temp: string;
  now: Date;
}

/** How a path appears in annotations and SARIF: relative to the workspace when it is inside it. */
export function shownPath(absolute: string, workspace: string): string {
  const relative = path.relative(workspace, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return absolute;
  return relative.split(path.sep).join('/');
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

const IMAGE_REF =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** A JSON file whose bomFormat is CycloneDX (read at most 64 MiB: an SBOM, not an arbitrary file). */
function isCycloneDx(file: string): boolean {
  try {
    if (statSync(file).size > 64 * 1024 * 1024) return false;
    return (JSON.parse(readFileSync(file, 'utf8')) as { bomFormat?: unknown }).bomFormat === 'CycloneDX';
  } catch {
    return false;
  }
}

/**
 * Checks every input's meaning (files exist, the ignore file is valid, rule ids are known) and fails
 * with one error naming the input before anything is installed or scanned.
 */
export async function planScan(inputs: ScanInputs, context: PlanContext): Promise<ScanPlan> {
  const problems: string[] = [];
  const resolve = (p: string) => path.resolve(context.workspace, p);
  // Files read and uploaded stay inside the workspace, or RUNNER_TEMP where earlier steps write theirs.
  const containment = { workspace: context.workspace, runnerTemp: context.temp };
  const contained = (name: string, item: string): string | undefined => {
    try {
      return resolveInWorkspace(name, item, containment);
    } catch (error) {
      if (error instanceof InputError) problems.push(...error.problems);
      else throw error;
      return undefined;
    }
  };
  const existing = (name: string, items: string[], kind: 'file' | 'any') =>
    items.flatMap((item) => {
      const absolute = contained(name, item);
      if (absolute === undefined) return [];
      if (!existsSync(absolute)) {
        problems.push(
          describeProblem(
            name,
            item,
            kind === 'file' ? 'an existing file' : 'an existing file or folder',
            false,
            'not found',
          ),
        );
        return [];
      }
      if (kind === 'file' && !statSync(absolute).isFile()) {
        problems.push(describeProblem(name, item, 'a file', false, 'it is a folder'));
        return [];
      }
      return [{ absolute, shown: shownPath(absolute, context.workspace) }];
    });

  const imageRef = inputs['image-ref']?.trim() || undefined;
  const imageScanners = [...new Set(inputs['image-scanners'])].filter(
    (scanner): scanner is 'vuln' | 'secret' => scanner === 'vuln' || scanner === 'secret',
  );
  if (imageRef && imageScanners.length === 0)
    problems.push(
      describeProblem('image-scanners', inputs['image-scanners'].join(','), 'vuln, secret or both'),
    );
  if (imageRef && !IMAGE_REF.test(imageRef))
    problems.push(
      describeProblem('image-ref', imageRef, 'an image reference such as ghcr.io/org/app@sha256:…'),
    );
  const manifestRoots = existing('manifests', inputs.manifests, 'any');
  const configPaths = existing('config-paths', inputs['config-paths'], 'any');
  const trivyReports = existing('trivy-reports', inputs['trivy-reports'], 'file');
  const sbomInput = inputs.sbom?.trim();
  const sbom = sbomInput ? existing('sbom', [sbomInput], 'file')[0] : undefined;
  if (sbom && !isCycloneDx(sbom.absolute))
    problems.push(
      describeProblem('sbom', sbomInput as string, "a CycloneDX JSON SBOM (build-image's sbom output)"),
    );
  const ignoreFileInput = inputs['ignore-file']?.trim();
  const ignoreFile = ignoreFileInput ? existing('ignore-file', [ignoreFileInput], 'file')[0] : undefined;
  for (const repository of inputs['db-repository']) {
    if (!/^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+)?$/.test(repository))
      problems.push(
        describeProblem(
          'db-repository',
          repository,
          'OCI repositories such as mirror.gcr.io/aquasec/trivy-db:2',
        ),
      );
  }
  const mirror = inputs['trivy-mirror']?.trim() || undefined;
  if (mirror && !/^(https?|file):\/\/\S+$/.test(mirror))
    problems.push(
      describeProblem(
        'trivy-mirror',
        mirror,
        'an http(s) URL that serves the release archives as <mirror>/v<version>/trivy_<version>_Linux-64bit.tar.gz',
      ),
    );
  if (!/^v?\d+\.\d+\.\d+$/.test(inputs['trivy-version'].trim()))
    problems.push(describeProblem('trivy-version', inputs['trivy-version'], 'a version such as 0.70.0'));
  if (
    !imageRef &&
    !sbom &&
    manifestRoots.length + configPaths.length + trivyReports.length === 0 &&
    problems.length === 0
  ) {
    problems.push(
      'Nothing to scan: set at least one of the inputs "image-ref", "sbom", "manifests", "config-paths" or "trivy-reports".',
    );
  }
  const sarifFile = contained('sarif-file', inputs['sarif-file']);
  const reportFile = contained('report-file', inputs['report-file']);
  if (problems.length > 0) {
    throw new UserError(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} inputs are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        hint: 'Fix the inputs in the workflow step; nothing was scanned.',
      },
    );
  }

  const policy = policySettings(inputs.policies);
  const ignores: IgnoreEntry[] = ignoreFile
    ? parseIgnoreFile(await readFile(ignoreFile.absolute, 'utf8'), ignoreFile.shown)
    : [];

  const manifests: { absolute: string; shown: string }[] = [];
  for (const root of manifestRoots) {
    const files = statSync(root.absolute).isDirectory()
      ? await yamlFilesUnder(root.absolute)
      : [root.absolute];
    for (const absolute of files) manifests.push({ absolute, shown: shownPath(absolute, context.workspace) });
  }

  const workDir = path.join(context.temp || os.tmpdir(), 'swiss-deploy-scan');
  return {
    imageRef,
    sbom,
    imageScanners,
    manifests,
    configPaths,
    trivyReports,
    threshold: inputs['fail-on'].toUpperCase() as Threshold,
    ignoreUnfixed: inputs['ignore-unfixed'],
    ignores,
    policy,
    sarifFile: sarifFile ?? resolve(inputs['sarif-file']),
    reportFile: reportFile ?? resolve(inputs['report-file']),
    trivyVersion: normalizeTrivyVersion(inputs['trivy-version']),
    trivyMirror: mirror,
    dbRepositories: inputs['db-repository'],
    dbCache: inputs['db-cache'],
    trivyCacheDir: path.join(context.temp || os.tmpdir(), 'swiss-deploy-trivy-cache'),
    workDir,
    needsTrivy: Boolean(imageRef) || Boolean(sbom) || configPaths.length > 0,
    now: context.now,
  };
}
