import type { ToolSpec } from '@swiss-deploy/kit';

/**
 * The helm releases render-helm can install, with the sha256 of each official archive as published
 * beside it on get.helm.sh (`<archive>.sha256sum`, repeated in the release notes). A version that is
 * not listed here cannot be installed: there is no checksum to hold the download to.
 */
export const HELM_RELEASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '4.1.4': {
    'linux-x64': '70b2c30a19da4db264dfd68c8a3664e05093a361cefd89572ffb36f8abfa3d09',
    'linux-arm64': '13d03672be289045d2ff00e4e345d61de1c6f21c1257a45955a30e8ae036d8f1',
    'darwin-x64': 'abf09c8503ad1d8ef76d3737a058c3456a998aae5f5966fce4bb3031aeb1654e',
    'darwin-arm64': '7c2eca678e8001fa863cdf8cbf6ac1b3799f9404a89eb55c08260ef5732e658d',
    'win32-x64': 'bd60f567f667631a2c9b698dfabe5e3cd52eaaf4264163c0a9cae566db8560e8',
    'win32-arm64': 'd0a651026da4a26b28bdfc3d455ce3dfacbc267182dc2225c2172b1dcc549643',
  },
  '3.20.2': {
    'linux-x64': '258e830a9e613c8a7a302d6059b4bb3b9758f2f3e1bb8ea0d707ce10a9a72fea',
    'linux-arm64': '5ea2d6bc2cda3f8edf985e028809f5a9278f404fb8ab24044de9b7cb9b79a691',
    'darwin-x64': '7de04301f28b902a74f6286ed941cadc86ee5e6a9086a18f2ccf1f548e99d618',
    'darwin-arm64': '139c794c22f16b579d08ddd3008c8038b9bb2814f35b5bcca91f50a1f458978d',
    'win32-x64': '24e8e5b71bab4ee17e6f989931ecf4fb144f9916cbe9990c0b6b2ec7b925c454',
    'win32-arm64': '7c940a73a6882f50b69aec3282549da4a49917669db18fc503db930fb74b9789',
  },
};

/** The helm the action installs when the workflow names none. */
export const DEFAULT_HELM_VERSION = '4.1.4';

export const HELM_DOWNLOAD_BASE = 'https://get.helm.sh';

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * The exact release a `helm-version` input means: `4.1.4` (or `v4.1.4`) itself, or `4.1`, the newest
 * listed 4.1.x. Anything looser (`4`, `latest`) is refused: it would change under the workflow's feet.
 * Returns the reason when the version cannot be used.
 */
export function resolveHelmVersion(wanted: string): { version: string } | { reason: string } {
  const text = wanted.trim().replace(/^v/, '');
  const known = Object.keys(HELM_RELEASES).sort(compareVersions).reverse();
  const listed = `pinned releases: ${known.join(', ')}`;
  if (/^\d+\.\d+\.\d+$/.test(text)) {
    return HELM_RELEASES[text] ? { version: text } : { reason: `no pinned checksum for ${text}; ${listed}` };
  }
  if (/^\d+\.\d+$/.test(text)) {
    const match = known.find((version) => version.startsWith(`${text}.`));
    return match ? { version: match } : { reason: `no pinned ${text}.x release; ${listed}` };
  }
  return { reason: `give major.minor or an exact version, never a moving one; ${listed}` };
}

/** How installTool finds, downloads and verifies one pinned helm release. */
export function helmToolSpec(version: string): ToolSpec {
  const sha256 = HELM_RELEASES[version];
  if (!sha256) throw new Error(`helm ${version} has no pinned checksums`);
  const os = (platform: string) => (platform === 'win32' ? 'windows' : platform);
  return {
    name: 'helm',
    version,
    baseUrl: HELM_DOWNLOAD_BASE,
    archivePath: (t) =>
      `helm-v${t.version}-${os(t.platform)}-${t.goArch}.${t.platform === 'win32' ? 'zip' : 'tar.gz'}`,
    sha256,
    archive: process.platform === 'win32' ? 'zip' : 'tar.gz',
    binaryPath: (t) => `${os(t.platform)}-${t.goArch}/helm${t.platform === 'win32' ? '.exe' : ''}`,
    versionArgs: ['version', '--short'],
    versionPattern: /\bv(\d+\.\d+\.\d+)\b/,
  };
}
