import { WorldError, exec } from '@swiss-deploy/kit';
import type { ImageSize } from './types';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

async function rawManifest(reference: string, dockerConfig?: string): Promise<Manifest> {
  const result = await exec('docker', ['buildx', 'imagetools', 'inspect', '--raw', reference], {
    env: dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {},
    timeoutMs: 120_000,
    okExitCodes: 'any',
  });
  if (result.exitCode !== 0) {
    throw new WorldError(`Could not read the manifest of ${reference} from the registry.`, {
      cause: new Error(result.stderr.trim() || `exit code ${result.exitCode}`),
    });
  }
  return JSON.parse(result.stdout) as Manifest;
}

const platformName = (d: Descriptor) =>
  [d.platform?.os, d.platform?.architecture, d.platform?.variant].filter(Boolean).join('/') || 'unknown';

/** Compressed size of one image manifest: what a node downloads to run it. */
export function manifestBytes(manifest: Manifest): number {
  return (manifest.config?.size ?? 0) + (manifest.layers ?? []).reduce((sum, layer) => sum + layer.size, 0);
}

/**
 * The pushed image's size as the registry holds it: config plus compressed layers, per platform (an
 * index's attestation manifests are not images and do not count). `bytes` is the largest platform.
 */
export async function registryImageSize(
  repository: string,
  digest: string,
  dockerConfig?: string,
): Promise<ImageSize> {
  const top = await rawManifest(`${repository}@${digest}`, dockerConfig);
  const platforms: Record<string, number> = {};
  if (top.manifests) {
    for (const entry of top.manifests) {
      if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      if (entry.platform?.os === 'unknown') continue;
      platforms[platformName(entry)] = manifestBytes(
        await rawManifest(`${repository}@${entry.digest}`, dockerConfig),
      );
    }
  } else {
    platforms.image = manifestBytes(top);
  }
  return { bytes: Math.max(0, ...Object.values(platforms)), measured: 'registry', platforms };
}

/** The size of a loaded, not pushed image as the engine reports it (unpacked). */
export async function localImageSize(references: readonly string[]): Promise<ImageSize | undefined> {
  for (const reference of references) {
    const result = await exec('docker', ['image', 'inspect', '--format', '{{.Size}}', reference], {
      timeoutMs: 60_000,
      okExitCodes: 'any',
    });
    const bytes = Number(result.stdout.trim());
    if (result.exitCode === 0 && Number.isFinite(bytes) && bytes > 0)
      return { bytes, measured: 'local', platforms: { image: bytes } };
  }
  return undefined;
}
