// Talking to the test registry the way a consumer does: HEAD a manifest with every Accept header a
// client sends, and read the digest the registry serves.
import { testEnv } from '../../support/env';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function authorization(): string {
  return `Basic ${Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString('base64')}`;
}

/** The Docker-Content-Digest the registry serves for `<path>:<reference>` (tag or digest). */
export async function servedDigest(repositoryPath: string, reference: string): Promise<string | undefined> {
  const response = await fetch(`http://${testEnv('REGISTRY')}/v2/${repositoryPath}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { Accept: MANIFEST_TYPES, Authorization: authorization() },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`HEAD ${repositoryPath}:${reference} answered ${response.status}`);
  return response.headers.get('docker-content-digest') ?? undefined;
}

export async function manifest(repositoryPath: string, reference: string): Promise<Record<string, unknown>> {
  const response = await fetch(`http://${testEnv('REGISTRY')}/v2/${repositoryPath}/manifests/${reference}`, {
    headers: { Accept: MANIFEST_TYPES, Authorization: authorization() },
  });
  if (!response.ok) throw new Error(`GET ${repositoryPath}:${reference} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}
