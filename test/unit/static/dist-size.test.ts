import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

/**
 * Every workflow that uses an action checks out dist/ with it, and each step loads its entry and chunks
 * from there: the committed bundles stay small. One build shares code across actions (dist/chunks/), so
 * a dependency is carried once; a file over the per-file bound means a library came in whole.
 */
const MAX_TOTAL_BYTES = 10 * 1024 * 1024;
const MAX_FILE_BYTES = 5 * 1024 * 1024;

const dist = path.join(repoRoot, 'dist');

function sizes(): { file: string; bytes: number }[] {
  return readdirSync(dist, { recursive: true })
    .map(String)
    .map((file) => ({ file, full: path.join(dist, file) }))
    .filter(({ full }) => statSync(full).isFile())
    .map(({ file, full }) => ({ file, bytes: statSync(full).size }))
    .sort((a, b) => b.bytes - a.bytes);
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

describe('dist/ stays small', () => {
  it('exists (npm run build)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it(`holds at most ${mib(MAX_TOTAL_BYTES)} in all`, () => {
    const all = sizes();
    const total = all.reduce((sum, { bytes }) => sum + bytes, 0);
    const largest = all
      .slice(0, 5)
      .map(({ file, bytes }) => `${file} ${mib(bytes)}`)
      .join(', ');
    const problems = total > MAX_TOTAL_BYTES ? [`dist/ holds ${mib(total)}; largest files: ${largest}`] : [];
    expect(problems).toEqual([]);
  });

  it(`has no file over ${mib(MAX_FILE_BYTES)}`, () => {
    const over = sizes()
      .filter(({ bytes }) => bytes > MAX_FILE_BYTES)
      .map(({ file, bytes }) => `${file} ${mib(bytes)}`);
    expect(over).toEqual([]);
  });
});
