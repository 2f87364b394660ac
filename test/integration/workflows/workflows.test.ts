import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { expressionsInRunScripts, workflowSchemaErrors } from '../../support/workflows';

function workflowFiles(): string[] {
  const dirs = ['.github/workflows', 'workflows-templates'].map((d) => path.join(repoRoot, d));
  return dirs
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((file) => /\.ya?ml$/.test(file))
        .map((file) => path.join(dir, file)),
    );
}

const files = workflowFiles().map((file) => [path.relative(repoRoot, file), file]);

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
});
