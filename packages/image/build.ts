import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { UserError, WorldError, exec, registerSecret } from '@swiss-deploy/kit';
import { BuildProgress } from './build-progress';
import { buildFailureError, locateBuildFailure } from './build-error';
import type { BuildStats, BuildStep } from './types';

export interface BuildSecret {
  id: string;
  value: string;
}

export interface BuildRequest {
  /** Build context folder (or a Git/HTTP URL), as buildx takes it. */
  context: string;
  /** The Dockerfile; default `<context>/Dockerfile`. */
  file?: string;
  target?: string;
  /** `repo` the image is pushed to. */
  repository: string;
  /** Full references, `repo:tag`. */
  tags: readonly string[];
  labels: Readonly<Record<string, string>>;
  buildArgs: Readonly<Record<string, string>>;
  secrets: readonly BuildSecret[];
  platforms: readonly string[];
  push: boolean;
  cacheFrom: readonly string[];
  cacheTo: readonly string[];
  /** `false`, `true`, or buildx attributes such as `mode=max`. */
  provenance: string;
  sbom: boolean;
  builder?: string;
  /** DOCKER_CONFIG holding the registry login; the runner's own config when undefined. */
  dockerConfig?: string;
  /** Where the metadata file goes. */
  tempDir: string;
  /** Annotations are given relative to this folder (GITHUB_WORKSPACE). */
  workspace: string;
  log?: (line: string) => void;
}

export interface BuildResult {
  /** `sha256:…` of the pushed manifest or index: what `repo@digest` resolves to. */
  digest: string;
  /** The buildx metadata file as JSON. */
  metadata: Record<string, unknown>;
  steps: BuildStep[];
  stats: BuildStats;
}

/** The Dockerfile buildx will read, as buildx finds it. */
export function dockerfilePath(request: Pick<BuildRequest, 'context' | 'file' | 'workspace'>): string {
  return path.resolve(request.workspace, request.file ?? path.join(request.context, 'Dockerfile'));
}

/**
 * Expands the cache shorthands: `registry` keeps the cache beside the image (`<repo>:buildcache`), `gha`
 * uses the GitHub Actions cache; anything else is passed to buildx as written (`type=local,src=…`).
 */
export function expandCache(
  entries: readonly string[],
  repository: string,
  direction: 'from' | 'to',
): string[] {
  return entries.map((entry) => {
    if (entry === 'registry')
      return `type=registry,ref=${repository}:buildcache${direction === 'to' ? ',mode=max' : ''}`;
    if (entry === 'gha') return direction === 'to' ? 'type=gha,mode=max' : 'type=gha';
    return entry;
  });
}

/** The environment variable that hands secret number `index` to buildx, never its argv. */
export function secretEnvName(index: number): string {
  return `SWISS_DEPLOY_BUILD_SECRET_${index}`;
}

/** The `docker buildx build` arguments for a request. Secrets appear only as env references. */
export function buildxArguments(request: BuildRequest, metadataFile: string): string[] {
  const args = ['buildx', 'build'];
  if (request.builder) args.push('--builder', request.builder);
  args.push('--progress=rawjson', '--metadata-file', metadataFile);
  args.push('--file', dockerfilePath(request));
  if (request.target) args.push('--target', request.target);
  if (request.platforms.length > 0) args.push('--platform', request.platforms.join(','));
  for (const [key, value] of Object.entries(request.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(request.labels)) args.push('--label', `${key}=${value}`);
  request.secrets.forEach((secret, index) =>
    args.push('--secret', `id=${secret.id},env=${secretEnvName(index)}`),
  );
  for (const from of expandCache(request.cacheFrom, request.repository, 'from'))
    args.push('--cache-from', from);
  for (const to of expandCache(request.cacheTo, request.repository, 'to')) args.push('--cache-to', to);
  args.push(`--provenance=${request.provenance}`, `--sbom=${request.sbom}`);
  if (request.push && request.tags.length === 0) {
    args.push(
      '--output',
      `type=image,name=${request.repository},push-by-digest=true,name-canonical=true,push=true`,
    );
  } else {
    for (const tag of request.tags) args.push('--tag', tag);
    args.push(request.push ? '--push' : '--load');
  }
  args.push(request.context);
  return args;
}

/** What buildx's gha cache reads from the environment; exec withholds ACTIONS_* from every other tool. */
const GHA_CACHE_ENV = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_SERVICE_V2',
];

/** Runs the build, streaming one log line per step, and reads the digest from buildx's metadata file. */
export async function buildImage(request: BuildRequest): Promise<BuildResult> {
  const usesGha = [...request.cacheFrom, ...request.cacheTo].some((entry) =>
    /^(gha$|type=gha\b)/.test(entry),
  );
  if (usesGha) {
    if (!process.env.ACTIONS_RUNTIME_TOKEN) {
      throw new UserError('The gha cache needs the Actions runtime token, and this runner has none.', {
        hint: 'Use cache-from/cache-to "registry" outside GitHub-hosted runners.',
      });
    }
    registerSecret(process.env.ACTIONS_RUNTIME_TOKEN);
  }
  const metadataFile = path.join(request.tempDir, `swiss-deploy-build-${process.pid}-${Date.now()}.json`);
  const env: Record<string, string | undefined> = {};
  if (request.dockerConfig) env.DOCKER_CONFIG = request.dockerConfig;
  request.secrets.forEach((secret, index) => {
    registerSecret(secret.value);
    env[secretEnvName(index)] = secret.value;
  });
  const progress = new BuildProgress(request.log);
  const started = Date.now();
  const result = await exec('docker', buildxArguments(request, metadataFile), {
    // Relative context and file paths mean the workspace, as in every workflow step.
    cwd: request.workspace,
    env,
    ...(usesGha ? { passEnv: GHA_CACHE_ENV } : {}),
    okExitCodes: 'any',
    onLine: (line, stream) => (stream === 'stderr' ? progress.feed(line) : request.log?.(line)),
  });
  const stats = progress.stats(Date.now() - started);
  const steps = progress.steps();
  if (result.exitCode !== 0) {
    rmSync(metadataFile, { force: true });
    const failure = locateBuildFailure(progress.plainLines(), dockerfilePath(request), request.workspace);
    throw buildFailureError(failure, steps.find((step) => step.error)?.name);
  }
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new WorldError('buildx finished but wrote no readable metadata file.', { cause: error });
  } finally {
    rmSync(metadataFile, { force: true });
  }
  const digest = metadata['containerimage.digest'];
  if (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new WorldError('buildx reported no image digest (containerimage.digest) for this build.', {
      hint: request.push
        ? 'The builder may not support pushing; check the builder driver.'
        : 'Without push, the image must be loaded into the engine; check the builder driver.',
    });
  }
  return { digest, metadata, steps, stats };
}
