// scripts/release.mjs against a scratch clone of this checkout whose origin is a local bare repository:
// tags, the moved major tag, the pinned references of the tagged commit, and refusals that change nothing.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { repositoryWorkflowFiles, usesReferences } from '../../support/workflows';
import { run, type RunResult } from '../env/run';

jest.setTimeout(120_000);

const VERSION = '1.1.0';
const SHA = /^[0-9a-f]{40}$/;
let dir: string;
let origin: string;
let work: string;
let previous: string;

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Every ref of a repository with the object it points at (tags peeled too). */
const refs = (cwd: string): string => git(cwd, 'show-ref', '--dereference');

function release(...args: string[]): Promise<RunResult> {
  return run(process.execPath, [path.join(repoRoot, 'scripts', 'release.mjs'), '--repo', work, ...args], {
    cwd: work,
    timeoutMs: 100_000,
  });
}

/** The commit a tag of the bare repository names (annotated tags peeled). */
const tagged = (tag: string): string => git(origin, 'rev-parse', `refs/tags/${tag}^{commit}`);

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'release-'));
  origin = path.join(dir, 'origin.git');
  work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', origin);
  git(dir, 'clone', '--quiet', '--no-checkout', repoRoot, work);
  git(work, 'checkout', '--quiet', '-B', 'main', 'HEAD');
  for (const tag of git(work, 'tag', '--list').split('\n').filter(Boolean)) git(work, 'tag', '-d', tag);
  git(work, 'remote', 'set-url', 'origin', origin);
  git(work, 'config', 'user.name', 'Release Test');
  git(work, 'config', 'user.email', 'release-test@example.invalid');
  git(work, 'config', 'commit.gpgsign', 'false');
  git(work, 'config', 'tag.gpgsign', 'false');
  // A release of the same major before this one: v1.0.0 and v1 on the current commit.
  previous = git(work, 'rev-parse', 'HEAD');
  git(work, 'tag', '--annotate', 'v1.0.0', '--message', 'v1.0.0');
  git(work, 'tag', '--annotate', 'v1', '--message', 'v1');
  // What is released is this working tree's workflows, templates and changelog, with one entry to release.
  for (const sub of ['.github/workflows', 'workflows-templates']) {
    rmSync(path.join(work, sub), { recursive: true, force: true });
    mkdirSync(path.dirname(path.join(work, sub)), { recursive: true });
    cpSync(path.join(repoRoot, sub), path.join(work, sub), { recursive: true });
  }
  const changelog = readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8');
  writeFileSync(
    path.join(work, 'CHANGELOG.md'),
    changelog.replace(
      /^## \[Unreleased\]\n/m,
      '## [Unreleased]\n\n### Fixed\n\n- What this release fixes.\n',
    ),
  );
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '--allow-empty', '--message', 'The release candidate');
  git(
    work,
    'push',
    '--quiet',
    'origin',
    'refs/heads/main:refs/heads/main',
    'refs/tags/v1.0.0',
    'refs/tags/v1',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/release.mjs', () => {
  it.each([
    ['1.2', '--version is "1.2"; allowed: X.Y.Z'],
    ['v1.2.0', '--version is "v1.2.0"; allowed: X.Y.Z'],
    ['1.02.0', '--version is "1.02.0"; allowed: X.Y.Z'],
    ['1.2.0-rc.1', '--version is "1.2.0-rc.1"; allowed: X.Y.Z'],
    ['1.2.0\n::warning::x', '--version is "1.2.0\\n::warning::x"; allowed: X.Y.Z'],
    ['1.0.0', 'the tag v1.0.0 exists already'],
    ['0.9.0', '--version is "0.9.0"; allowed: a version above the latest release, v1.0.0'],
  ])('refuses --version %j before changing anything', async (version, message) => {
    const before = { local: refs(work), origin: refs(origin), head: git(work, 'rev-parse', 'HEAD') };
    const result = await release('--version', version, '--skip-verify');
    expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({
      code: 1,
      stderr: expect.stringContaining(`release: ${message}`),
    });
    expect(result.stdout).toBe('');
    expect({ local: refs(work), origin: refs(origin), head: git(work, 'rev-parse', 'HEAD') }).toEqual(before);
    expect(git(work, 'status', '--porcelain')).toBe('');
  });

  it('refuses a work tree with uncommitted changes, changing nothing', async () => {
    const changelog = path.join(work, 'CHANGELOG.md');
    const text = readFileSync(changelog, 'utf8');
    writeFileSync(changelog, `${text}\n`);
    const before = { local: refs(work), origin: refs(origin) };
    const result = await release('--version', VERSION, '--skip-verify');
    writeFileSync(changelog, text);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('release: the work tree has uncommitted changes');
    expect({ local: refs(work), origin: refs(origin) }).toEqual(before);
  });

  describe(`a release of ${VERSION}`, () => {
    let result: RunResult;
    let candidate: string;
    let tag: string;

    beforeAll(async () => {
      candidate = git(work, 'rev-parse', 'HEAD');
      result = await release('--version', VERSION, '--skip-verify');
      tag = tagged(`v${VERSION}`);
    });

    it('succeeds and pushes the branch, the version tag and the major tag', () => {
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`release: v${VERSION} is ${tag}`);
      expect(git(origin, 'cat-file', '-t', `refs/tags/v${VERSION}`)).toBe('tag');
      expect(git(work, 'rev-parse', `refs/tags/v${VERSION}^{commit}`)).toBe(tag);
    });

    it('moves v1 from the previous release to the new one, and leaves v1.0.0 where it was', () => {
      expect(tagged('v1')).toBe(tag);
      expect(tagged('v1.0.0')).toBe(previous);
    });

    it('advances the branch by the changelog commit only; the branch keeps its @v1 references', () => {
      const head = git(origin, 'rev-parse', 'refs/heads/main');
      expect(git(origin, 'rev-parse', `${head}^`)).toBe(candidate);
      expect(git(origin, 'diff', '--name-only', candidate, head)).toBe('CHANGELOG.md');
      const changelog = git(origin, 'show', `${head}:CHANGELOG.md`);
      expect(changelog).toMatch(
        new RegExp(
          `## \\[Unreleased\\]\\n\\n## \\[${VERSION.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}\\n\\n### Fixed\\n\\n- What this release fixes\\.`,
        ),
      );
      const branchRefs = ['.github/workflows/pipeline.yml', 'workflows-templates/deploy.yml'].flatMap(
        (file) =>
          [...git(origin, 'show', `${head}:${file}`).matchAll(/uses:\s*(swiss\/deploy\S*)/g)].map(
            (m) => m[1],
          ),
      );
      expect(branchRefs.length).toBeGreaterThan(0);
      expect(branchRefs.filter((ref) => !ref?.endsWith('@v1'))).toEqual([]);
      expect(git(work, 'rev-parse', 'HEAD')).toBe(head);
      expect(git(work, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
      expect(git(work, 'status', '--porcelain')).toBe('');
    });

    it('tags a descendant of the branch commit that differs from it only in the workflows and templates', () => {
      const head = git(origin, 'rev-parse', 'refs/heads/main');
      expect(() => git(origin, 'merge-base', '--is-ancestor', head, tag)).not.toThrow();
      const changed = git(origin, 'diff', '--name-only', head, tag).split('\n').filter(Boolean);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.filter((f) => !/^(\.github\/workflows|workflows-templates)\//.test(f))).toEqual([]);
    });

    it('pins every swiss/deploy reference of the tagged commit to a SHA whose referenced files are the tag’s', () => {
      const head = git(origin, 'rev-parse', 'refs/heads/main');
      const checkout = path.join(dir, 'tagged');
      git(dir, 'clone', '--quiet', '--branch', `v${VERSION}`, origin, checkout);
      const own = repositoryWorkflowFiles(checkout).flatMap((file) =>
        usesReferences(file)
          .filter((r) => /^swiss\/deploy[/@]/.test(r.uses))
          .map((r) => ({ file: path.relative(checkout, file), ...r })),
      );
      // pipeline.yml's actions, rollback.yml's action, the templates' reusable workflows
      expect(own.length).toBeGreaterThanOrEqual(7);
      for (const ref of own) {
        const [name, sha] = ref.uses.split('@') as [string, string];
        expect({ ref: ref.uses, sha: SHA.test(sha), comment: ref.comment }).toEqual({
          ref: ref.uses,
          sha: true,
          comment: `v${VERSION}`,
        });
        const target = name.slice('swiss/deploy'.length).replace(/^\//, '');
        if (target.startsWith('.github/workflows/')) {
          // a reusable workflow: the file at that commit is the tag's, already pinned itself
          expect(git(origin, 'rev-parse', `${sha}:${target}`)).toBe(
            git(origin, 'rev-parse', `${tag}:${target}`),
          );
        } else {
          // an action: the branch's release commit, whose action and dist/ are the tag's
          expect(sha).toBe(head);
          for (const item of [target || 'action.yml', 'dist']) {
            expect(git(origin, 'rev-parse', `${sha}:${item}`)).toBe(
              git(origin, 'rev-parse', `${tag}:${item}`),
            );
          }
        }
      }
      // Every uses: of the tagged workflows and templates is a commit SHA now.
      const loose = repositoryWorkflowFiles(checkout)
        .flatMap((file) => usesReferences(file))
        .filter((r) => !r.uses.startsWith('./') && !/@[0-9a-f]{40}$/.test(r.uses));
      expect(loose).toEqual([]);
    });

    it('leaves the tagged workflows with zero zizmor findings even without the ref-pin policy', async () => {
      const checkout = path.join(dir, 'tagged');
      const files = repositoryWorkflowFiles(checkout);
      const zizmor = await run(
        testEnv('ZIZMOR'),
        ['--offline', '--no-progress', '--no-config', '--format', 'json', ...files],
        { cwd: checkout, timeoutMs: 60_000 },
      );
      expect({ code: zizmor.code, findings: JSON.parse(zizmor.stdout) as unknown[] }).toEqual({
        code: 0,
        findings: [],
      });
    });

    it('refuses the same version again, changing nothing', async () => {
      const before = { local: refs(work), origin: refs(origin) };
      const again = await release('--version', VERSION, '--skip-verify');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`release: the tag v${VERSION} exists already`);
      expect({ local: refs(work), origin: refs(origin) }).toEqual(before);
    });
  });
});
