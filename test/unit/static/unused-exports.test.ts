import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

// Each run parses the repository's sources in a child process: seconds on a busy machine.
jest.setTimeout(60_000);

const script = path.join(repoRoot, 'scripts', 'unused-exports.mjs');

/** scripts/unused-exports.mjs on a tree: its exit code, the unused names per door (--json), stderr. */
function unusedExports(root: string): {
  status: number | null;
  unused: Record<string, string[]>;
  stderr: string;
} {
  const run = spawnSync(process.execPath, [script, root, '--json'], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, unused: run.stdout ? JSON.parse(run.stdout) : {}, stderr: run.stderr };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'unused-exports-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

describe('the package doors', () => {
  it('export only what a file outside their package imports through them', () => {
    const { status, unused, stderr } = unusedExports(repoRoot);
    expect(stderr).toBe('');
    expect(unused).toEqual({});
    expect(status).toBe(0);
  });
});

describe('scripts/unused-exports.mjs', () => {
  const door = [
    "export { named, aliased, typed, type Shape } from './values';",
    "export { member, escaped } from './members';",
    "export { destructured, accessed, viaNamespace, viaLoader, viaLoaderAccess, onlyInside, onlyByPath } from './dynamic';",
    "export type * from './types';",
  ].join('\n');
  const values = [
    'export const named = 1;',
    'export const aliased = 2;',
    'export function typed(): void {}',
    'export interface Shape { a: number }',
  ].join('\n');
  const members = 'export const member = 1;\nexport const escaped = 2;\n';
  const dynamic = [
    'export const destructured = 1;',
    'export const accessed = 2;',
    'export const viaNamespace = 3;',
    'export const viaLoader = 6;',
    'export const viaLoaderAccess = 7;',
    'export const onlyInside = 4;',
    'export const onlyByPath = 5;',
  ].join('\n');
  const types =
    'export type Used = string;\nexport type Unused = number;\nexport interface Queried { a: 1 }\n';

  it('counts every way of importing from a door (a namespace passed around takes all of it), and nothing from inside the package or by path', () => {
    const root = tree({
      'packages/a/index.ts': door,
      'packages/a/values.ts': values,
      'packages/a/members.ts': members,
      'packages/a/dynamic.ts': dynamic,
      'packages/a/types.ts': types,
      // the package's own files and a test reaching inside by path count for nothing
      'packages/a/inner.ts': "import { onlyInside } from '@swiss-deploy/a';\nexport const x = onlyInside;\n",
      'test/unit/a/by-path.test.ts':
        "import { onlyByPath } from '../../../packages/a/dynamic';\nvoid onlyByPath;\n",
      'packages/b/use.ts':
        "import { named, aliased as other, type Used } from '@swiss-deploy/a';\nexport const b: Used = `${named}${other}`;\n",
      'src/main.ts': [
        "import * as a from '@swiss-deploy/a';",
        "import type { Shape } from '@swiss-deploy/a';",
        'const shape: Shape = { a: a.member };',
        'void shape;',
        'export async function main(): Promise<void> {',
        "  const { destructured } = await import('@swiss-deploy/a');",
        "  const ns = await import('@swiss-deploy/a');",
        "  void [destructured, (await import('@swiss-deploy/a')).accessed, ns.viaNamespace];",
        '}',
        "export type Q = import('@swiss-deploy/a').Queried;",
      ].join('\n'),
      // a loader: what each `await load()` takes
      'actions/x/main.ts': [
        "const load = () => import('@swiss-deploy/a');",
        'export async function run(): Promise<number> {',
        '  const { viaLoader } = await load();',
        '  return viaLoader + (await load()).viaLoaderAccess;',
        '}',
      ].join('\n'),
      // a test importing from the door counts
      'test/unit/a/door.test.ts': "import { typed } from '@swiss-deploy/a';\ntyped();\n",
      // a namespace that goes anywhere but `ns.name` takes the whole door
      'packages/c/index.ts': "export { member, escaped } from './members';",
      'packages/c/members.ts': members,
      'bench/use.ts':
        "import * as c from '@swiss-deploy/c';\nfunction use(ns: typeof c): void { void ns; }\nuse(c);\n",
      'scripts/tool.mjs': "import * as a from '../packages/a/index.ts';\nconsole.log(a.escaped);\n",
    });
    roots.push(root);
    const { status, unused } = unusedExports(root);
    expect(unused).toEqual({ a: ['Unused', 'onlyByPath', 'onlyInside'] });
    expect(status).toBe(1);
  });

  it('refuses a dynamic import whose names it cannot tell, naming the file and line', () => {
    const root = tree({
      'packages/a/index.ts': "export { member } from './members';",
      'packages/a/members.ts': members,
      'src/main.ts': "export const later = 1;\nvoid import('@swiss-deploy/a').then((a) => a.member);\n",
    });
    roots.push(root);
    const { status, stderr } = unusedExports(root);
    expect(status).not.toBe(0);
    expect(stderr).toContain(
      `${path.join(root, 'src', 'main.ts')}:2: cannot tell which names this import() takes`,
    );
  });
});
