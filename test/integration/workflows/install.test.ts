// The dependency install step of .github/workflows/ci.yml, run exactly as written in a fresh clone of
// this checkout (with the committed package.json and package-lock.json of the working tree), using the
// machine's npm cache: what a GitHub runner does after actions/checkout and setup-node.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../support/versions';
import { run } from '../env/run';

jest.setTimeout(15 * 60_000);

interface Step {
  name?: string;
  run?: string;
}

const ci = parseYaml(readFileSync(path.join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
  jobs: Record<string, { steps: Step[] }>;
};
const installStep = ci.jobs.checks?.steps.find((step) => step.name === 'Install dependencies');

let clone: string;

beforeAll(() => {
  clone = path.join(mkdtempSync(path.join(os.tmpdir(), 'ci-install-')), 'repo');
  execFileSync('git', ['clone', '--quiet', '--no-checkout', repoRoot, clone]);
  execFileSync('git', ['-C', clone, 'checkout', '--quiet', 'HEAD']);
  // What is tested is the working tree's manifest and lock, committed or not.
  for (const file of ['package.json', 'package-lock.json']) {
    copyFileSync(path.join(repoRoot, file), path.join(clone, file));
  }
});

afterAll(() => rmSync(path.dirname(clone), { recursive: true, force: true }));

describe('the CI install step', () => {
  it('is an npm ci that installs exactly the lockfile', () => {
    expect(installStep?.run?.trim()).toMatch(/^npm ci\b/);
  });

  it('installs from a fresh clone, loads the native builds and leaves the lockfile as it was', async () => {
    expect(existsSync(path.join(clone, 'node_modules'))).toBe(false);
    const lockBefore = readFileSync(path.join(clone, 'package-lock.json'), 'utf8');
    const result = await run('bash', ['-eo', 'pipefail', '-c', installStep?.run ?? 'false'], {
      cwd: clone,
      timeoutMs: 14 * 60_000,
    });
    expect({ code: result.code, stderr: result.stderr.slice(-3000) }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    expect(readFileSync(path.join(clone, 'package-lock.json'), 'utf8')).toBe(lockBefore);
    // The platform-specific packages were picked for this machine and load.
    const loaded = await run(
      process.execPath,
      [
        '-e',
        "require('@swc/core').transformSync('const a: number = 1', { jsc: { parser: { syntax: 'typescript' } } }); console.log('swc ok')",
      ],
      { cwd: clone },
    );
    expect(loaded.stdout.trim()).toBe('swc ok');
    expect(existsSync(path.join(clone, 'node_modules', '.bin', 'jest'))).toBe(true);
  });
});
