// The test environment's registry and cosign, for the supply-chain tests: a throwaway DOCKER_CONFIG with the
// registry's login, images of unique content pushed by buildx, cosign key pairs, and a cleanup that deletes
// every manifest a test repository got (images, signatures and attestations alike: cosign v3 stores them as
// referrers, behind a `sha256-<hex>` fallback tag).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run, runOk } from '../integration/env/run';
import { testEnv } from './env';
import { repoRoot } from './versions';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export function registryAuthHeader(): string {
  return `Basic ${Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString('base64')}`;
}

/** A docker client config folder that holds the registry's login, and nothing else. */
export function registryDockerConfig(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const auth = Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString('base64');
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ auths: { [testEnv('REGISTRY')]: { auth } } }),
    {
      mode: 0o600,
    },
  );
  return dir;
}

/** Builds the fixture image with a stamp of its own (so its digest is new) and pushes it; returns the digest. */
export async function pushStampedImage(
  repository: string,
  tag: string,
  stamp: string,
  dockerConfig: string,
  work: string,
): Promise<string> {
  const metadata = path.join(work, `metadata-${stamp}.json`);
  await runOk(
    'docker',
    [
      'buildx',
      'build',
      '--push',
      '--provenance=false',
      '--sbom=false',
      '--metadata-file',
      metadata,
      '--build-arg',
      `BASE_IMAGE_DEBIAN=${testEnv('BASE_IMAGE_DEBIAN')}`,
      '--build-arg',
      `STAMP=${stamp}`,
      '--tag',
      `${testEnv('REGISTRY')}/${repository}:${tag}`,
      path.join(repoRoot, 'test', 'fixtures', 'env', 'image'),
    ],
    { env: { DOCKER_HOST: testEnv('DOCKER_HOST'), DOCKER_CONFIG: dockerConfig }, timeoutMs: 300_000 },
  );
  const digest = (JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, string>)[
    'containerimage.digest'
  ];
  if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new Error(`buildx recorded no digest in ${metadata}`);
  return digest;
}

export interface KeyPair {
  key: string;
  pub: string;
  password: string;
  /** The PEM texts, as a workflow's secret and input would hold them. */
  keyPem: string;
  pubPem: string;
}

/** `cosign generate-key-pair` in its own folder (it writes cosign.key and cosign.pub there). */
export async function cosignKeyPair(dir: string, password: string): Promise<KeyPair> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await runOk(testEnv('COSIGN_BIN'), ['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: password },
    timeoutMs: 60_000,
  });
  const key = path.join(dir, 'cosign.key');
  const pub = path.join(dir, 'cosign.pub');
  return { key, pub, password, keyPem: readFileSync(key, 'utf8'), pubPem: readFileSync(pub, 'utf8') };
}

/** A folder holding `cosign` → the environment's build, to put first on a PATH (the "runner has it" case). */
export function cosignOnPath(dir: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(testEnv('COSIGN_BIN'), path.join(dir, 'cosign'));
  return dir;
}

/** The cosign CLI with a scratch TUF_ROOT and the registry login, for checks a test makes by hand. */
export function cosignCli(scratch: string, dockerConfig: string) {
  const env = { DOCKER_CONFIG: dockerConfig, TUF_ROOT: path.join(scratch, 'tuf') };
  return (args: string[], extra: Record<string, string> = {}) =>
    run(testEnv('COSIGN_BIN'), args, { env: { ...env, ...extra }, timeoutMs: 120_000 });
}

async function manifestDigest(repository: string, reference: string): Promise<string | undefined> {
  const response = await fetch(`http://${testEnv('REGISTRY')}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { authorization: registryAuthHeader(), accept: ACCEPT },
    signal: AbortSignal.timeout(10_000),
  });
  return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

/** The tags of a repository (none when it does not exist). */
export async function repositoryTags(repository: string): Promise<string[]> {
  const response = await fetch(`http://${testEnv('REGISTRY')}/v2/${repository}/tags/list`, {
    headers: { authorization: registryAuthHeader() },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) return [];
  return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
}

/** Deletes every manifest the repository's tags name, and the manifests a fallback index lists. */
export async function deleteRepository(repository: string, digests: readonly string[] = []): Promise<void> {
  const targets = new Set(digests);
  for (const tag of await repositoryTags(repository)) {
    const digest = await manifestDigest(repository, tag);
    if (!digest) continue;
    targets.add(digest);
    const index = await fetch(`http://${testEnv('REGISTRY')}/v2/${repository}/manifests/${digest}`, {
      headers: { authorization: registryAuthHeader(), accept: ACCEPT },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await index.json().catch(() => ({}))) as { manifests?: { digest: string }[] };
    for (const entry of body.manifests ?? []) targets.add(entry.digest);
  }
  for (const digest of targets) {
    await fetch(`http://${testEnv('REGISTRY')}/v2/${repository}/manifests/${digest}`, {
      method: 'DELETE',
      headers: { authorization: registryAuthHeader() },
      signal: AbortSignal.timeout(10_000),
    });
  }
}

/** Removes the local engine's copies of a test repository's images (the docker driver keeps what it pushed). */
export async function removeLocalImages(repository: string): Promise<void> {
  const env = { DOCKER_HOST: testEnv('DOCKER_HOST') };
  const listed = await run(
    'docker',
    ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', `${testEnv('REGISTRY')}/${repository}`],
    {
      env,
    },
  );
  const images = listed.stdout.split('\n').filter((line) => line && !line.endsWith(':<none>'));
  if (images.length > 0) await run('docker', ['image', 'rm', '--force', ...images], { env });
}
