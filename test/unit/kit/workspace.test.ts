import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, resolveInWorkspace } from '@swiss-deploy/kit';

function layout() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'containment-'));
  const workspace = path.join(root, 'workspace');
  const runnerTemp = path.join(root, 'runner-temp');
  mkdirSync(path.join(workspace, 'charts', 'app'), { recursive: true });
  mkdirSync(runnerTemp);
  writeFileSync(path.join(workspace, 'values.yaml'), 'a: 1\n');
  symlinkSync('/etc', path.join(workspace, 'escape'));
  symlinkSync('charts', path.join(workspace, 'charts-link'));
  return { workspace, runnerTemp };
}

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('resolveInWorkspace', () => {
  it('resolves relative paths against the workspace, existing or not, and symlinks that stay inside', () => {
    const { workspace } = layout();
    expect(resolveInWorkspace('values-files', 'values.yaml', { workspace })).toBe(
      path.join(workspace, 'values.yaml'),
    );
    expect(resolveInWorkspace('output-dir', '.swiss-deploy/render', { workspace })).toBe(
      path.join(workspace, '.swiss-deploy', 'render'),
    );
    expect(resolveInWorkspace('chart', 'charts-link/app', { workspace })).toBe(
      path.join(workspace, 'charts-link', 'app'),
    );
  });

  it.each([
    ['set-file', '/proc/self/environ'],
    ['context', '../../../../etc'],
    ['values-files', 'escape/passwd'],
    ['output-dir', 'escape/not-yet/made'],
  ])('refuses %s "%s", naming the input, the value and the workspace', (input, value) => {
    const { workspace } = layout();
    const message = problem(() => resolveInWorkspace(input, value, { workspace }));
    expect(message).toMatch(
      new RegExp(`^Input "${input}" is "${value}": it must stay inside the workspace ${workspace}[ .]`),
    );
  });

  it('says where a symlink leads', () => {
    const { workspace } = layout();
    expect(problem(() => resolveInWorkspace('output-dir', 'escape/out', { workspace }))).toBe(
      `Input "output-dir" is "escape/out": it must stay inside the workspace ${workspace} (it resolves to /etc/out).`,
    );
  });

  it('allows RUNNER_TEMP only when the caller says generated files may live there', () => {
    const { workspace, runnerTemp } = layout();
    const report = path.join(runnerTemp, 'scan.sarif');
    expect(resolveInWorkspace('sarif-file', report, { workspace, runnerTemp })).toBe(report);
    expect(problem(() => resolveInWorkspace('manifests', report, { workspace }))).toContain(
      `Input "manifests" is ${JSON.stringify(report)}: it must stay inside the workspace ${workspace}.`,
    );
  });
});
