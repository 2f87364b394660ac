import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  UserError,
  WorldError,
  exec,
  installTool,
  log,
  type InstalledTool,
  type ToolSpec,
} from '@swiss-deploy/kit';
import { readTrivyReport, type TrivyReport } from './trivy-report';

/** The Trivy this release was tested with. */
export const TRIVY_DEFAULT_VERSION = '0.70.0';

/**
 * Official release archives and their sha256, from `trivy_<version>_checksums.txt` of each GitHub
 * release. Only pinned versions are downloaded; another version must already be on PATH.
 */
export const TRIVY_RELEASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '0.70.0': {
    'linux-x64': '8b4376d5d6befe5c24d503f10ff136d9e0c49f9127a4279fd110b727929a5aa9',
    'linux-arm64': '2f6bb988b553a1bbac6bdd1ce890f5e412439564e17522b88a4541b4f364fc8d',
    'darwin-x64': '52d531452b19e7593da29366007d02a810e1e0080d02f9cf6a1afb46c35aaa93',
    'darwin-arm64': '68e543c51dcc96e1c344053a4fde9660cf602c25565d9f09dc17dd41e13b838a',
  },
};

/** Trivy's own default DB repositories, in its order: the Google mirror first, then GHCR. */
export const TRIVY_DB_REPOSITORIES = ['mirror.gcr.io/aquasec/trivy-db:2', 'ghcr.io/aquasecurity/trivy-db:2'];

export function trivyToolSpec(version: string): ToolSpec {
  return {
    name: 'trivy',
    version,
    baseUrl: 'https://github.com/aquasecurity/trivy/releases/download',
    archivePath: (target) =>
      `v${target.version}/trivy_${target.version}_${target.platform === 'darwin' ? 'macOS' : 'Linux'}-${target.arch === 'arm64' ? 'ARM64' : '64bit'}.tar.gz`,
    sha256: TRIVY_RELEASES[version] ?? {},
    archive: 'tar.gz',
    binaryPath: () => 'trivy',
    versionArgs: ['--version'],
    versionPattern: /Version:\s*v?(\d+\.\d+\.\d+\S*)/,
  };
}

/** `v0.70.0` and `0.70.0` name the same release. */
export function normalizeTrivyVersion(version: string): string {
  return version.trim().replace(/^v/, '');
}

/**
 * Installs the pinned Trivy (tool cache → a binary of that version on PATH → a checksum-verified
 * download, from the mirror when given). A version without pinned checksums is only accepted when a
 * binary of exactly that version is already on PATH.
 */
export async function installTrivy(
  version: string,
  options: { mirror?: string } = {},
): Promise<InstalledTool> {
  const spec = trivyToolSpec(normalizeTrivyVersion(version));
  if (!TRIVY_RELEASES[spec.version]) {
    const onPath = await new Trivy('trivy', '').version().catch(() => undefined);
    if (onPath === spec.version)
      return { name: 'trivy', version: spec.version, path: 'trivy', source: 'preinstalled' };
    throw new UserError(
      `Input "trivy-version" is "${version}": this release pins checksums for ${Object.keys(TRIVY_RELEASES).join(', ')} only${onPath ? `, and the trivy on PATH is ${onPath}` : ''}.`,
      {
        hint: `Use trivy-version: ${TRIVY_DEFAULT_VERSION}, or install Trivy ${spec.version} on the runner before this step.`,
      },
    );
  }
  return installTool(spec, { mirror: options.mirror });
}

export interface ImageScanOptions {
  output: string;
  scanners: readonly ('vuln' | 'secret')[];
  dbRepositories: readonly string[];
  /** The DB in the cache dir is today's: do not ask any registry. */
  skipDbUpdate: boolean;
  timeoutMs?: number;
}

/** The Trivy CLI, run with argument arrays; every scan writes JSON that the gate reads. */
export class Trivy {
  constructor(
    readonly binary: string,
    /** Trivy's --cache-dir: the vulnerability DB lives in <cacheDir>/db. */
    readonly cacheDir: string,
  ) {}

  async version(): Promise<string | undefined> {
    const result = await exec(this.binary, ['--version'], { timeoutMs: 30_000 });
    return /Version:\s*v?(\S+)/.exec(result.stdout)?.[1];
  }

  /** Flags every run shares: no update notices, no telemetry, a known cache. */
  private common(output: string): string[] {
    return [
      '--format',
      'json',
      '--output',
      output,
      '--cache-dir',
      this.cacheDir,
      '--skip-version-check',
      '--disable-telemetry',
      '--quiet',
    ];
  }

  private async run(args: string[], output: string, what: string, timeoutMs: number): Promise<TrivyReport> {
    await mkdir(path.dirname(output), { recursive: true });
    log.info(`trivy ${args.join(' ')}`);
    await exec(this.binary, args, { timeoutMs, stream: true }).catch((error: unknown) => {
      throw new WorldError(`Trivy could not scan ${what}.`, {
        cause: error,
        untouched: 'nothing was reported',
      });
    });
    return readTrivyReport(await readFile(output, 'utf8'), output);
  }

  /** Vulnerabilities and/or secrets of an image; no severity filter: the gate filters. */
  scanImage(imageRef: string, options: ImageScanOptions): Promise<TrivyReport> {
    const args = ['image', '--scanners', options.scanners.join(','), ...this.common(options.output)];
    if (options.scanners.includes('vuln')) {
      if (options.skipDbUpdate) args.push('--skip-db-update', '--skip-java-db-update');
      for (const repository of options.dbRepositories) args.push('--db-repository', repository);
    }
    args.push(imageRef);
    return this.run(args, options.output, imageRef, options.timeoutMs ?? 15 * 60_000);
  }

  /**
   * Vulnerabilities of the packages a CycloneDX SBOM lists (build-image's `sbom` output): the image is not
   * read again, so the scan sees exactly the inventory that was attested.
   */
  scanSbom(sbomFile: string, options: Omit<ImageScanOptions, 'scanners'>): Promise<TrivyReport> {
    const args = ['sbom', '--scanners', 'vuln', ...this.common(options.output)];
    if (options.skipDbUpdate) args.push('--skip-db-update', '--skip-java-db-update');
    for (const repository of options.dbRepositories) args.push('--db-repository', repository);
    args.push(sbomFile);
    return this.run(args, options.output, sbomFile, options.timeoutMs ?? 10 * 60_000);
  }

  /**
   * Dockerfiles, Kubernetes YAML and other config under a path, with the checks compiled into the
   * binary (no checks bundle download) and no vulnerability DB.
   */
  scanConfig(
    target: string,
    options: { output: string; scanners: readonly ('misconfig' | 'secret')[]; timeoutMs?: number },
  ): Promise<TrivyReport> {
    const args = [
      'fs',
      '--scanners',
      options.scanners.join(','),
      ...this.common(options.output),
      '--skip-db-update',
      '--skip-check-update',
      target,
    ];
    return this.run(args, options.output, target, options.timeoutMs ?? 5 * 60_000);
  }
}
