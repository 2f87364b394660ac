import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { WorldError, exec, log } from '@swiss-deploy/kit';

export interface SbomOptions {
  /** Where the CycloneDX JSON goes. */
  output: string;
  /** Trivy's cache folder (no vulnerability DB is needed for an SBOM). */
  cacheDir: string;
  /** The registry credentials (a DOCKER_CONFIG folder), when the registry needs a login. */
  dockerConfig?: string;
  timeoutMs?: number;
}

/** What the SBOM says about itself, for the summary and a sanity check. */
export interface SbomFacts {
  file: string;
  format: string;
  components: number;
}

/**
 * A CycloneDX SBOM of the pushed image, read from the registry by digest (never from a local tag that could
 * name something else), made by Trivy. Only packages: the SBOM is an inventory, scanning it is scan's job.
 */
export async function generateSbom(
  trivy: string,
  imageRef: string,
  options: SbomOptions,
): Promise<SbomFacts> {
  await mkdir(path.dirname(options.output), { recursive: true });
  const args = [
    'image',
    '--format',
    'cyclonedx',
    '--output',
    options.output,
    '--image-src',
    'remote',
    '--cache-dir',
    options.cacheDir,
    '--skip-version-check',
    '--disable-telemetry',
    '--quiet',
    imageRef,
  ];
  log.info(`trivy ${args.join(' ')}`);
  await exec(trivy, args, {
    env: { DOCKER_CONFIG: options.dockerConfig },
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
  }).catch((error: unknown) => {
    throw new WorldError(`Trivy could not make the SBOM of ${imageRef}.`, {
      cause: error,
      untouched: 'the image was pushed; it has no SBOM, signature or attestation',
    });
  });
  return readSbomFacts(options.output);
}

export async function readSbomFacts(file: string): Promise<SbomFacts> {
  const text = await readFile(file, 'utf8');
  let bom: { bomFormat?: unknown; specVersion?: unknown; components?: unknown };
  try {
    bom = JSON.parse(text) as typeof bom;
  } catch (error) {
    throw new WorldError(`${file} is not JSON, so not a CycloneDX SBOM.`, { cause: error });
  }
  if (bom.bomFormat !== 'CycloneDX')
    throw new WorldError(`${file} is not a CycloneDX SBOM (bomFormat is ${JSON.stringify(bom.bomFormat)}).`);
  return {
    file,
    format: `CycloneDX ${typeof bom.specVersion === 'string' ? bom.specVersion : ''}`.trim(),
    components: Array.isArray(bom.components) ? bom.components.length : 0,
  };
}
