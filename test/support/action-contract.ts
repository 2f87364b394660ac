import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { InputSpecs } from '../../packages/kit/inputs';
import type { ActionYml } from './runner';
import { repoRoot } from './versions';

export interface ActionUnderCheck {
  /** Folder of action.yml. */
  dir: string;
  /** Folder of main.ts and contract.ts. */
  sourceDir: string;
  /** runs.main as it must be written, relative to dir. */
  expectedMain: string;
  /** Whether the bundle must exist (committed bundles do; fixtures are built by the contract tests). */
  bundleRequired: boolean;
}

/** Every action this repository ships, plus the fixture actions. */
export function shippedActions(): ActionUnderCheck[] {
  const found: ActionUnderCheck[] = [];
  if (existsSync(path.join(repoRoot, 'action.yml'))) {
    found.push({
      dir: repoRoot,
      sourceDir: path.join(repoRoot, 'src'),
      expectedMain: 'dist/deploy/index.js',
      bundleRequired: true,
    });
  }
  const actions = path.join(repoRoot, 'actions');
  if (existsSync(actions)) {
    for (const name of readdirSync(actions).sort()) {
      const dir = path.join(actions, name);
      if (!existsSync(path.join(dir, 'action.yml'))) continue;
      found.push({ dir, sourceDir: dir, expectedMain: `../../dist/${name}/index.js`, bundleRequired: true });
    }
  }
  return found;
}

export function fixtureActions(): ActionUnderCheck[] {
  const fixtures = path.join(repoRoot, 'test', 'fixtures', 'actions');
  return readdirSync(fixtures)
    .sort()
    .map((name) => path.join(fixtures, name))
    .map((dir) => ({ dir, sourceDir: dir, expectedMain: 'dist/index.js', bundleRequired: false }));
}

/**
 * Every way an action.yml can disagree with its code: runtime, bundle path, and the inputs and outputs
 * the code declares in contract.ts (names, required flags, defaults, secrets never defaulted in clear).
 */
export function contractProblems(action: ActionUnderCheck): string[] {
  const problems: string[] = [];
  const where = path.relative(repoRoot, path.join(action.dir, 'action.yml')) || 'action.yml';
  let yml: ActionYml;
  try {
    yml = parseYaml(readFileSync(path.join(action.dir, 'action.yml'), 'utf8')) as ActionYml;
  } catch (error) {
    return [`${where}: does not parse: ${String(error)}`];
  }
  if (!yml.name) problems.push(`${where}: has no name`);
  if (!yml.description) problems.push(`${where}: has no description`);
  if (yml.runs?.using !== 'node24')
    problems.push(`${where}: runs.using is ${yml.runs?.using}, expected node24`);
  if (yml.runs?.main !== action.expectedMain)
    problems.push(`${where}: runs.main is ${yml.runs?.main}, expected ${action.expectedMain}`);
  if (yml.runs?.post !== undefined && yml.runs.post !== yml.runs.main) {
    problems.push(
      `${where}: runs.post is ${yml.runs.post}; one bundle serves main and post, expected ${yml.runs.main}`,
    );
  }
  if (action.bundleRequired && !existsSync(path.resolve(action.dir, yml.runs?.main ?? ''))) {
    problems.push(`${where}: bundle ${yml.runs?.main} does not exist; run npm run build`);
  }

  const contractFile = path.join(action.sourceDir, 'contract.ts');
  if (!existsSync(contractFile)) return [...problems, `${where}: no contract.ts beside its main.ts`];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const contract = require(contractFile) as { inputs: InputSpecs; outputs: readonly string[] };

  const declaredInputs = yml.inputs ?? {};
  for (const name of Object.keys(declaredInputs)) {
    if (!(name in contract.inputs))
      problems.push(`${where}: input "${name}" is declared but the code never reads it`);
  }
  for (const [name, spec] of Object.entries(contract.inputs)) {
    const declared = declaredInputs[name];
    if (!declared) {
      problems.push(`${where}: the code reads input "${name}" but action.yml does not declare it`);
      continue;
    }
    if (!declared.description) problems.push(`${where}: input "${name}" has no description`);
    if (Boolean(declared.required) !== spec.required) {
      problems.push(
        `${where}: input "${name}" is required: ${Boolean(declared.required)} in action.yml, ${spec.required} in code`,
      );
    }
    const ymlDefault = declared.default === undefined ? undefined : String(declared.default);
    if (ymlDefault !== spec.default) {
      problems.push(
        `${where}: input "${name}" defaults to ${JSON.stringify(ymlDefault)} in action.yml, ${JSON.stringify(spec.default)} in code`,
      );
    }
  }

  const declaredOutputs = Object.keys(yml.outputs ?? {}).sort();
  const writtenOutputs = [...contract.outputs].sort();
  for (const name of declaredOutputs) {
    if (!writtenOutputs.includes(name))
      problems.push(`${where}: output "${name}" is declared but the code never writes it`);
    else if (!yml.outputs?.[name]?.description)
      problems.push(`${where}: output "${name}" has no description`);
  }
  for (const name of writtenOutputs) {
    if (!declaredOutputs.includes(name))
      problems.push(`${where}: the code writes output "${name}" but action.yml does not declare it`);
  }
  return problems;
}
