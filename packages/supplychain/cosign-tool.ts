import * as io from '@actions/io';
import {
  UserError,
  currentTarget,
  exec,
  installTool,
  type InstallOptions,
  type InstalledTool,
  type ToolSpec,
} from '@swiss-deploy/kit';

/** The cosign this release was tested with. */
export const COSIGN_DEFAULT_VERSION = '3.1.3';

export const COSIGN_DOWNLOAD_BASE = 'https://github.com/sigstore/cosign/releases/download';

/**
 * sha256 of the official release binaries (`cosign-<os>-<arch>` assets of each GitHub release, listed in
 * its `cosign_checksums.txt`). A version that is not listed cannot be downloaded: there is nothing to hold
 * the download to.
 */
export const COSIGN_RELEASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '3.1.3': {
    'linux-x64': '4629c757b7618056f8ddd7e2625ae9fdd94c0372a65049520bc7d9df9efc7f71',
    'linux-arm64': 'c5d324e091826b0d7a78eb16fef316450b4eb9aaec045611c08ba06f5e73220a',
    'darwin-x64': '2347488e5d5b25336644024dfeca5601b190e91197a71a917bda44744aff106c',
    'darwin-arm64': '5cf948c2f4dfe59687bdd0b8523709067383e03982cc543475c8a7dc70e92a76',
  },
};

/** `cosign version --json` reports `"gitVersion": "v3.1.3"`. */
export const COSIGN_VERSION_PATTERN = /"gitVersion"\s*:\s*"v?(\d+\.\d+\.\d+[^"]*)"/;

/** A cosign version that has no pinned checksum: refused, never downloaded unchecked. */
export class CosignChecksumMissingError extends UserError {
  constructor(
    readonly version: string,
    readonly target?: string,
  ) {
    super(
      target
        ? `cosign ${version} has no pinned sha256 for ${target}: pinned are ${Object.keys(COSIGN_RELEASES[version] ?? {}).join(', ')}.`
        : `Input "cosign-version" is "${version}": this release pins cosign checksums for ${Object.keys(COSIGN_RELEASES).join(', ')} only.`,
      {
        hint: `Use cosign-version: ${COSIGN_DEFAULT_VERSION}, or put a cosign of exactly version ${version} on the runner's PATH before this step.`,
      },
    );
    this.name = 'CosignChecksumMissingError';
  }
}

export function normalizeCosignVersion(version: string): string {
  return version.trim().replace(/^v/, '');
}

/** How installTool finds, downloads and verifies one cosign release (a bare binary per platform). */
export function cosignToolSpec(version: string): ToolSpec {
  const os = (platform: string) => (platform === 'win32' ? 'windows' : platform);
  return {
    name: 'cosign',
    version,
    baseUrl: COSIGN_DOWNLOAD_BASE,
    archivePath: (t) => `v${t.version}/cosign-${os(t.platform)}-${t.goArch}`,
    sha256: COSIGN_RELEASES[version] ?? {},
    archive: 'binary',
    binaryPath: () => 'cosign',
    versionArgs: ['version', '--json'],
    versionPattern: COSIGN_VERSION_PATTERN,
  };
}

/**
 * Installs the pinned cosign: the runner's tool cache, else a `cosign` on PATH that reports exactly this
 * version, else the release binary from GitHub (or the mirror) held to its pinned sha256. A version with
 * no pinned checksum is only accepted when the runner already has it on PATH.
 */
export async function installCosign(
  version: string,
  options: { mirror?: string; platform?: InstallOptions['platform']; arch?: InstallOptions['arch'] } = {},
): Promise<InstalledTool> {
  const spec = cosignToolSpec(normalizeCosignVersion(version));
  const target = currentTarget(spec.version, options);
  const key = `${target.platform}-${target.arch}`;
  if (!spec.sha256[key]) {
    const found = await io.which('cosign', false);
    if (found) {
      const result = await exec(found, ['version', '--json'], { timeoutMs: 10_000, okExitCodes: 'any' });
      if (COSIGN_VERSION_PATTERN.exec(result.stdout)?.[1] === spec.version)
        return { name: 'cosign', version: spec.version, path: found, source: 'preinstalled' };
    }
    throw new CosignChecksumMissingError(version, COSIGN_RELEASES[spec.version] ? key : undefined);
  }
  return installTool(spec, options);
}
