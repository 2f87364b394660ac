import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

/** Which packages each package may import: dependencies point one way, actions → … → kube → kit. */
const ALLOWED: Record<string, readonly string[]> = {
  kit: [],
  kube: ['kit'],
  image: ['kit'],
  scan: ['kit'],
  helm: ['kit'],
  smoke: ['kit', 'kube'],
  github: ['kit'],
  analysis: ['kit'],
  bluegreen: ['kit', 'kube', 'analysis'],
  supplychain: ['kit'],
  notify: ['kit'],
  telemetry: ['kit', 'kube', 'notify'],
  preview: ['kit', 'kube'],
};

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts') && !file.includes('node_modules'))
    .map((file) => path.join(dir, file));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    specifiers.push((match[1] ?? match[2]) as string);
  }
  return specifiers;
}

const packagesDir = path.join(repoRoot, 'packages');
const packages = existsSync(packagesDir) ? readdirSync(packagesDir).sort() : [];

describe('the layout keeps its dependency rules', () => {
  it.each(packages)(
    'packages/%s has one public door, index.ts, and a place in the dependency order',
    (name) => {
      expect(existsSync(path.join(packagesDir, name, 'index.ts'))).toBe(true);
      expect(Object.keys(ALLOWED)).toContain(name);
    },
  );

  it.each(packages)('packages/%s imports only the packages below it, through their doors', (name) => {
    const problems: string[] = [];
    for (const file of tsFiles(path.join(packagesDir, name))) {
      for (const specifier of importsOf(file)) {
        const where = path.relative(repoRoot, file);
        const door = /^@swiss-deploy\/([^/]+)(\/.*)?$/.exec(specifier);
        if (door) {
          if (door[2])
            problems.push(`${where} reaches inside ${specifier}; import from @swiss-deploy/${door[1]}`);
          else if (!ALLOWED[name]?.includes(door[1] as string))
            problems.push(`${where} imports ${specifier}, against the dependency order`);
        } else if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier);
          if (!target.startsWith(path.join(packagesDir, name) + path.sep))
            problems.push(`${where} imports ${specifier} from outside its package`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('actions import packages only through their doors', () => {
    const problems: string[] = [];
    const actionFiles = [...tsFiles(path.join(repoRoot, 'actions')), ...tsFiles(path.join(repoRoot, 'src'))];
    for (const file of actionFiles) {
      for (const specifier of importsOf(file)) {
        const where = path.relative(repoRoot, file);
        if (/^@swiss-deploy\/[^/]+\//.test(specifier)) problems.push(`${where} reaches inside ${specifier}`);
        if (
          specifier.startsWith('.') &&
          !path.resolve(path.dirname(file), specifier).startsWith(path.dirname(file))
        ) {
          problems.push(`${where} imports ${specifier} outside its own folder`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('only the kit reads inputs and writes outputs, so contract.ts is the whole story', () => {
    const problems: string[] = [];
    const files = [
      ...tsFiles(path.join(repoRoot, 'actions')),
      ...tsFiles(path.join(repoRoot, 'src')),
      ...packages.filter((p) => p !== 'kit').flatMap((p) => tsFiles(path.join(packagesDir, p))),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of [/\bget(Boolean|Multiline)?Input\(/, /\bsetOutput\(/, /INPUT_/]) {
        if (pattern.test(text)) problems.push(`${path.relative(repoRoot, file)} uses ${pattern}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
