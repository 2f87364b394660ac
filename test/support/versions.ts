import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The pins of test/env/versions.env, the one file that holds every version the tests use. */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(path.join(repoRoot, 'test', 'env', 'versions.env'), 'utf8');
  const pins: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) pins[match[1] as string] = (match[2] as string).replace(/^["']|["']$/g, '');
  }
  return pins;
}

export function pinned(name: string): string {
  const value = pinnedVersions()[name];
  if (!value) throw new Error(`test/env/versions.env does not pin ${name}`);
  return value;
}

/** Where built and downloaded tools are cached, outside the repository. */
export function cacheDir(): string {
  return (
    process.env.SWISS_DEPLOY_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache'), 'swiss-deploy')
  );
}
