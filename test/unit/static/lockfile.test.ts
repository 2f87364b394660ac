import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};

/** Where Node would find `name` from the package at `from`: its own node_modules, then each parent's. */
function resolveInLock(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '' : dir.slice(0, parent);
  }
}

describe('package-lock.json', () => {
  it('is a lockfile v3 (npm 9 or later)', () => {
    expect(lock.lockfileVersion).toBe(3);
  });

  // `npm ci` refuses a lockfile that leaves out any platform's optional build ("Missing: … from lock
  // file"), even the ones the runner at hand would skip: every platform must be locked.
  it('locks every optional dependency of every package, for every platform', () => {
    const missing = Object.entries(lock.packages).flatMap(([at, pkg]) =>
      Object.keys(pkg.optionalDependencies ?? {})
        .filter((name) => !resolveInLock(at, name))
        .map((name) => `${at || '(root)'} → ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('has the platform builds of @swc/core for Linux, macOS and Windows', () => {
    const swc = Object.keys(lock.packages).filter((at) => at.startsWith('node_modules/@swc/core-'));
    expect(swc).toEqual(
      expect.arrayContaining([
        'node_modules/@swc/core-linux-x64-gnu',
        'node_modules/@swc/core-darwin-arm64',
        'node_modules/@swc/core-win32-x64-msvc',
      ]),
    );
  });
});
