import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

/**
 * An entry reads like a table of contents: parse the inputs, plan, run, write the outputs and the summary
 * (issue #21). What it does lives in the packages or in the files beside it.
 */
const MAX_ENTRY_LINES = 90;

const actionsDir = path.join(repoRoot, 'actions');
const entries = [
  'src/main.ts',
  ...(existsSync(actionsDir) ? readdirSync(actionsDir).sort() : [])
    .map((name) => path.join('actions', name, 'main.ts'))
    .filter((file) => existsSync(path.join(repoRoot, file))),
];

/** Value imports (not `import type`, not `await import()`) of a file: what loads with it. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(
    /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
  )) {
    specifiers.push(match[1] as string);
  }
  return specifiers;
}

/** The packages an entry loads before its first line runs: through main.ts and the files it imports. */
function packagesLoadedAtStart(entry: string): Map<string, string> {
  const loaded = new Map<string, string>();
  const seen = new Set<string>();
  const pending = [path.join(repoRoot, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), `${specifier}.ts`));
      else if (specifier.startsWith('@swiss-deploy/')) loaded.set(specifier, path.relative(repoRoot, file));
    }
  }
  return loaded;
}

describe('action entries stay short and light', () => {
  it.each(entries)(`%s has at most ${MAX_ENTRY_LINES} lines`, (entry) => {
    const lines = readFileSync(path.join(repoRoot, entry), 'utf8').trimEnd().split('\n').length;
    expect(lines <= MAX_ENTRY_LINES ? [] : [`${entry} has ${lines} lines`]).toEqual([]);
  });

  it.each(entries)(
    '%s loads no package but the kit before its inputs parse (the others through await import())',
    (entry) => {
      const heavy = [...packagesLoadedAtStart(entry)]
        .filter(([specifier]) => specifier !== '@swiss-deploy/kit')
        .map(([specifier, file]) => `${file} imports ${specifier}`);
      expect(heavy).toEqual([]);
    },
  );
});
