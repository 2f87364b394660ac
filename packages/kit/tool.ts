import { createReadStream } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { UserError, WorldError, errorMessage } from './errors';
import { exec } from './exec';
import { log } from './log';
import { runner } from './runner';
import { retry } from './retry';

export type Platform = 'linux' | 'darwin' | 'win32';
export type Arch = 'x64' | 'arm64';

export interface ToolTarget {
  version: string;
  platform: Platform;
  arch: Arch;
  /** Go-style names, used by most release archives: `amd64`, `arm64`. */
  goArch: 'amd64' | 'arm64';
}

/** A pinned tool: where its archive lives, its checksum per platform, and where the binary sits inside. */
export interface ToolSpec {
  name: string;
  /** Exact version, without a leading `v`. */
  version: string;
  /** Official download base; a mirror replaces exactly this part of the URL. */
  baseUrl: string;
  /** Archive path under the base URL. */
  archivePath: (target: ToolTarget) => string;
  /** sha256 of the archive, keyed `<platform>-<arch>` (e.g. `linux-x64`). */
  sha256: Readonly<Record<string, string>>;
  archive: 'tar.gz' | 'zip' | 'binary';
  /** The executable inside the extracted archive. */
  binaryPath: (target: ToolTarget) => string;
  /** How to ask a binary on PATH for its version, so a preinstalled one of the right version is reused. */
  versionArgs?: readonly string[];
  versionPattern?: RegExp;
}

export interface InstallOptions {
  /** Base URL of a mirror for air-gapped runners; replaces `spec.baseUrl`. */
  mirror?: string;
  /** Reuse a binary already on PATH when it reports the pinned version. Default true. */
  reusePreinstalled?: boolean;
  platform?: Platform;
  arch?: Arch;
}

export interface InstalledTool {
  name: string;
  version: string;
  /** Full path of the executable. */
  path: string;
  source: 'tool-cache' | 'preinstalled' | 'download';
}

export function currentTarget(version: string, options: InstallOptions = {}): ToolTarget {
  const platform = options.platform ?? (process.platform as Platform);
  const arch = options.arch ?? (process.arch === 'arm64' ? 'arm64' : 'x64');
  return { version, platform, arch, goArch: arch === 'arm64' ? 'arm64' : 'amd64' };
}

export async function sha256File(file: string): Promise<string> {
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function preinstalledVersion(spec: ToolSpec): Promise<{ path: string; version: string } | undefined> {
  if (!spec.versionArgs || !spec.versionPattern) return undefined;
  // Loaded on use, as tool-cache below: it loads node:assert and node:crypto, which a failing start never needs.
  const io = await import('@actions/io');
  const found = await io.which(spec.name, false);
  if (!found) return undefined;
  try {
    const result = await exec(found, spec.versionArgs, { timeoutMs: 10_000 });
    const match = spec.versionPattern.exec(`${result.stdout}\n${result.stderr}`);
    return match?.[1] ? { path: found, version: match[1].replace(/^v/, '') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Installs a pinned tool: from the runner's tool cache if it is there, else a binary on PATH of exactly
 * the pinned version, else a download (from the mirror when given) whose sha256 must match the pin
 * before anything is extracted or cached. The tool's folder is added to PATH.
 */
export async function installTool(spec: ToolSpec, options: InstallOptions = {}): Promise<InstalledTool> {
  const target = currentTarget(spec.version, options);
  const key = `${target.platform}-${target.arch}`;
  const expected = spec.sha256[key];
  if (!expected) {
    throw new UserError(`${spec.name} ${spec.version} has no pinned checksum for ${key}.`, {
      hint: `Use a runner with one of: ${Object.keys(spec.sha256).join(', ')}.`,
    });
  }
  const binaryName = path.basename(spec.binaryPath(target));
  // Loaded here, not at the top: it brings an HTTP client that actions without tools never need.
  const tc = await import('@actions/tool-cache');

  const cachedDir = tc.find(spec.name, spec.version, target.arch);
  if (cachedDir) {
    runner.addPath(cachedDir);
    return {
      name: spec.name,
      version: spec.version,
      path: path.join(cachedDir, binaryName),
      source: 'tool-cache',
    };
  }

  if (options.reusePreinstalled ?? true) {
    const preinstalled = await preinstalledVersion(spec);
    if (preinstalled?.version === spec.version) {
      return { name: spec.name, version: spec.version, path: preinstalled.path, source: 'preinstalled' };
    }
  }

  const base = (options.mirror ?? spec.baseUrl).replace(/\/+$/, '');
  const url = `${base}/${spec.archivePath(target).replace(/^\/+/, '')}`;
  let archive: string;
  try {
    archive = await retry(() => tc.downloadTool(url), {
      attempts: 3,
      retryable: (error) => !(error instanceof tc.HTTPError && error.httpStatusCode === 404),
      onRetry: (error, attempt, delay) =>
        log.info(
          `Download of ${spec.name} failed (${errorMessage(error)}); try ${attempt + 1} in ${delay} ms`,
        ),
    });
  } catch (error) {
    throw new WorldError(
      `Could not download ${spec.name} ${spec.version} from ${url}: ${errorMessage(error)}`,
      {
        cause: error,
        untouched: 'nothing was installed',
        hint: options.mirror
          ? 'Check that the mirror serves this path.'
          : 'Set a mirror URL if this runner has no internet access.',
      },
    );
  }

  const actual = await sha256File(archive);
  if (actual !== expected) {
    throw new WorldError(
      `The ${spec.name} ${spec.version} download from ${url} has sha256 ${actual}, but ${expected} is pinned.`,
      {
        untouched: 'nothing was extracted or cached',
        hint: 'The file was altered or the mirror serves a different build; do not use it.',
      },
    );
  }

  let folder: string;
  if (spec.archive === 'tar.gz') folder = await tc.extractTar(archive);
  else if (spec.archive === 'zip') folder = await tc.extractZip(archive);
  else folder = path.dirname(archive);

  const binary = spec.archive === 'binary' ? archive : path.join(folder, spec.binaryPath(target));
  try {
    await stat(binary);
  } catch {
    throw new WorldError(`The ${spec.name} archive has no ${spec.binaryPath(target)}.`, {
      untouched: 'nothing was cached',
    });
  }
  await chmod(binary, 0o755);
  const cached = await tc.cacheFile(binary, binaryName, spec.name, spec.version, target.arch);
  runner.addPath(cached);
  return { name: spec.name, version: spec.version, path: path.join(cached, binaryName), source: 'download' };
}
