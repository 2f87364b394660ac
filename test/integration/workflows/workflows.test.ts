import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import {
  expressionsInRunScripts,
  repositoryWorkflowFiles,
  workflowSchemaErrors,
} from '../../support/workflows';
import { run } from '../env/run';

const workflowFiles = repositoryWorkflowFiles(repoRoot);
const files = workflowFiles.map((file) => [path.relative(repoRoot, file), file]);
const zizmorConfig = path.join(repoRoot, '.github', 'zizmor.yml');

interface ZizmorFinding {
  ident: string;
  locations: {
    symbolic: { key: { Local?: { verbatim_path?: string } } };
    concrete: { location: { start_point: { row: number } }; feature: string };
  }[];
}

/** zizmor over every workflow and template at once (offline: the online audits need GitHub's API). */
async function zizmor(
  ...args: string[]
): Promise<{ code: number; findings: ZizmorFinding[]; stderr: string }> {
  const result = await run(
    testEnv('ZIZMOR'),
    ['--offline', '--no-progress', '--format', 'json', ...args, ...workflowFiles],
    { cwd: repoRoot, timeoutMs: 120_000 },
  );
  let findings: ZizmorFinding[];
  try {
    findings = JSON.parse(result.stdout) as ZizmorFinding[];
  } catch {
    throw new Error(`zizmor printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, findings, stderr: result.stderr };
}

/** "audit path:line uses-or-text", once per location of a finding. */
const describeFinding = (f: ZizmorFinding): string[] =>
  f.locations.map((l) => {
    const file = path.relative(repoRoot, l.symbolic.key.Local?.verbatim_path ?? '?');
    const what = /uses:\s*(\S+)/.exec(l.concrete.feature)?.[1] ?? l.concrete.feature.split('\n')[0];
    return `${f.ident} ${file}:${l.concrete.location.start_point.row + 1} ${what}`;
  });

describe('every workflow and workflow template', () => {
  it('exists: the project has workflows to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s passes GitHub’s workflow parser', (_name, file) => {
    expect(workflowSchemaErrors(file)).toEqual([]);
  });

  it.each(files)('%s passes actionlint (with shellcheck) with zero findings', (_name, file) => {
    let output: string;
    try {
      output = execFileSync(testEnv('ACTIONLINT'), ['-no-color', '-oneline', file], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${path.dirname(testEnv('SHELLCHECK'))}:${process.env.PATH}` },
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output.trim().split('\n').filter(Boolean)).toEqual([]);
  });

  it.each(files)('%s passes no ${{ }} expression into a run: script', (_name, file) => {
    expect(expressionsInRunScripts(file)).toEqual([]);
  });

  it('pass zizmor, pedantic persona included, with zero findings', async () => {
    const result = await zizmor('--config', zizmorConfig, '--persona', 'pedantic');
    expect({ code: result.code, findings: result.findings.flatMap(describeFinding) }).toEqual({
      code: 0,
      findings: [],
    });
    // It did audit them all.
    for (const file of workflowFiles) expect(result.stderr).toContain(path.relative(repoRoot, file));
  });

  it('owe that to the ref-pin policy for swiss/deploy alone: without it, only those references are flagged', async () => {
    const result = await zizmor('--no-config');
    const flagged = result.findings.flatMap(describeFinding);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.filter((f) => !/^unpinned-uses \S+ swiss\/deploy[/@]\S+$/.test(f))).toEqual([]);
  });
});
