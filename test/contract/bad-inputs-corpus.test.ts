// Every case of test/contract/corpus.ts run through its committed bundle as the runner runs it (Node 24,
// INPUT_*, file commands, main then post). Each must fail on its inputs alone, with one error that names
// the input (or the file the input points at), before any side effect: no secret in anything the step
// leaves behind, no file outside the workspace and RUNNER_TEMP, no tool started, and no workflow command
// from the payload.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { foreignCommands, runAction, type StepResult } from '../support/runner';
import { repoRoot } from '../support/versions';
import {
  BASE_FILES,
  BASE_INPUTS,
  CANARY,
  CANARY_ENV,
  CORPUS,
  OUTSIDE,
  OUTSIDE_FILES,
  WORKSPACE,
  type ActionName,
  type Case,
} from './corpus';

jest.setTimeout(60_000);

const ACTION_DIRS: Record<ActionName, string> = {
  'build-image': path.join(repoRoot, 'actions', 'build-image'),
  scan: path.join(repoRoot, 'actions', 'scan'),
  'render-helm': path.join(repoRoot, 'actions', 'render-helm'),
  'deploy-blue-green': path.join(repoRoot, 'actions', 'deploy-blue-green'),
  'smoke-test': path.join(repoRoot, 'actions', 'smoke-test'),
  rollback: path.join(repoRoot, 'actions', 'rollback'),
  preview: path.join(repoRoot, 'actions', 'preview'),
  deploy: repoRoot,
};

/**
 * The tools an action could start. Each is shadowed on PATH by a stand-in that records its argv and
 * environment and fails, so a tool started before validation is seen (with any secret it was handed).
 * A tool run by absolute path (helm or trivy from the tool cache) is not seen this way; every case here
 * fails before anything is installed, and the tool cache is checked to stay empty instead.
 */
const TOOLS = ['docker', 'helm', 'trivy', 'kubectl', 'git', 'curl', 'wget', 'tar', 'gpg', 'cosign'];

/** Every secret a case holds: inputs, the kubeconfig's credentials, the runner's tokens. */
const SECRETS = Object.values(CANARY);

/** Lines, files or folders: what a directory holds, by path, with content hashes and link targets. */
function snapshot(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const relative = path.relative(dir, full);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) found[relative] = `link ${readlinkSync(full)}`;
      else if (stat.isDirectory()) {
        found[relative] = `dir ${stat.mode.toString(8)}`;
        walk(full);
      } else
        found[relative] =
          `file ${stat.mode.toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    }
  };
  walk(dir);
  return found;
}

/** Every regular file under a folder, with its text. */
function filesUnder(dir: string): { file: string; text: string }[] {
  if (!existsSync(dir)) return [];
  const files: { file: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.push({ file, text: readFileSync(file, 'utf8') });
  }
  return files;
}

function fill(value: string, dirs: { outside: string; workspace: string }): string {
  return value.split(OUTSIDE).join(dirs.outside).split(WORKSPACE).join(dirs.workspace);
}

interface Prepared {
  root: string;
  workspace: string;
  outside: string;
  home: string;
  tmp: string;
  shimLog: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
}

function prepare(c: Case): Prepared {
  const root = mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
  const dirs = {
    workspace: path.join(root, 'workspace'),
    outside: path.join(root, 'outside'),
  };
  const home = path.join(root, 'home');
  const tmp = path.join(root, 'tmp');
  const shims = path.join(root, 'shims');
  const shimLog = path.join(root, 'tools-started.log');
  for (const dir of [dirs.workspace, dirs.outside, home, tmp, shims]) mkdirSync(dir, { recursive: true });
  const write = (base: string, files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(base, name)), { recursive: true });
      writeFileSync(path.join(base, name), content);
    }
  };
  write(dirs.workspace, { ...BASE_FILES, ...c.files });
  write(dirs.outside, OUTSIDE_FILES);
  for (const [name, target] of Object.entries(c.links ?? {})) {
    mkdirSync(path.dirname(path.join(dirs.workspace, name)), { recursive: true });
    symlinkSync(fill(target, dirs), path.join(dirs.workspace, name));
  }
  for (const tool of TOOLS) {
    const shim = path.join(shims, tool);
    writeFileSync(
      shim,
      `#!/bin/sh\n{ printf 'argv: %s\\n' "$0 $*"; env; } >> '${shimLog}'\necho "${tool}: stand-in of the corpus test" >&2\nexit 97\n`,
    );
    chmodSync(shim, 0o755);
  }
  const inputs = Object.fromEntries(
    Object.entries({ ...BASE_INPUTS[c.action], ...c.inputs }).map(([k, v]) => [k, fill(v, dirs)]),
  );
  return {
    root,
    ...dirs,
    home,
    tmp,
    shimLog,
    inputs,
    env: {
      ...CANARY_ENV,
      PATH: `${shims}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: home,
      // The step's own os.tmpdir(): anything written there is outside the workspace and RUNNER_TEMP.
      TMPDIR: tmp,
      TMP: tmp,
      TEMP: tmp,
      KUBECONFIG: '',
    },
  };
}

/** Every text a step leaves for the runner, the log and later steps. Mask commands are the runner's. */
function leftBehind(step: StepResult): Record<string, string> {
  const withoutMasks = (text: string) =>
    text
      .split(/\r\n|\r|\n/)
      .filter((line) => !line.trimStart().startsWith('::add-mask::'))
      .join('\n');
  return {
    stdout: withoutMasks(step.stdout),
    stderr: withoutMasks(step.stderr),
    summary: step.summary,
    outputs: JSON.stringify(step.outputs),
    state: JSON.stringify(step.state),
    env: JSON.stringify(step.env),
    path: JSON.stringify(step.path),
  };
}

/** Commands a payload issued (as in command-injection.test.ts): foreign kinds, its mask, its file. */
function fromPayload(step: StepResult): string[] {
  return [
    ...foreignCommands(step.commands),
    ...step.commands.filter((c) => c.name === 'add-mask' && c.data === 'swiss'),
    ...step.commands.filter((c) => Object.values(c.properties).some((v) => v.includes('/etc/passwd'))),
  ].map((c) => c.line);
}

const table = CORPUS.map((c) => [`${c.action}: ${c.title}`, c] as const);

describe('bad inputs and injection attempts fail by name, before any side effect', () => {
  it('covers every action with at least 100 cases in all', () => {
    const actions = new Set(CORPUS.map((c) => c.action));
    expect([...actions].sort()).toEqual(Object.keys(ACTION_DIRS).sort());
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(table.map(([title]) => title)).size).toBe(table.length);
  });

  it.concurrent.each(table)('%s', async (_title, c) => {
    const prepared = prepare(c);
    const outsideBefore = snapshot(prepared.outside);
    const { main, post, job } = await runAction({
      actionDir: ACTION_DIRS[c.action],
      workspace: prepared.workspace,
      inputs: prepared.inputs,
      env: prepared.env,
      // The GitHub API is a closed port too: a case that got that far would fail, not reach github.com.
      context: { GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_TOKEN: CANARY.envGithubToken },
      timeoutMs: 45_000,
    });
    const steps = post ? [main, post] : [main];
    const shown = `stdout:\n${main.stdout}\nstderr:\n${main.stderr}`;

    expect({ exitCode: main.exitCode, shown }).not.toMatchObject({ exitCode: 0 });
    const errors = main.annotations.filter((a) => a.level === 'error');
    expect({ count: errors.length, shown }).toMatchObject({ count: 1 });
    const message = errors[0]?.message ?? '';
    expect(message).not.toMatch(/^Unexpected error/);
    if (typeof c.names === 'string') expect(message).toContain(c.names);
    else expect(message).toMatch(c.names);
    if (post) expect(post.annotations.filter((a) => a.level === 'error')).toEqual([]);

    // No secret in what the steps leave behind, nor in any file of the job after its post step.
    const leaks: string[] = [];
    for (const [index, step] of steps.entries()) {
      for (const [where, text] of Object.entries(leftBehind(step)))
        for (const secret of SECRETS)
          if (text.includes(secret)) leaks.push(`${index === 0 ? 'main' : 'post'} ${where}: ${secret}`);
    }
    const jobFiles = [
      ...filesUnder(path.join(job.root, 'runner-temp')),
      ...filesUnder(path.join(job.root, 'tool-cache')),
      ...filesUnder(prepared.home),
      ...filesUnder(prepared.tmp),
    ];
    for (const { file, text } of jobFiles)
      for (const secret of SECRETS) if (text.includes(secret)) leaks.push(`${file}: ${secret}`);
    expect(leaks).toEqual([]);

    // No tool started (so none was handed a secret in argv or env).
    expect(existsSync(prepared.shimLog) ? readFileSync(prepared.shimLog, 'utf8') : '').toBe('');

    // Nothing written outside the workspace and RUNNER_TEMP: the canary folder beside the workspace, the
    // step's HOME and its os.tmpdir() stay as they were, the job holds only what the runner made, and
    // nothing was installed.
    expect(snapshot(prepared.outside)).toEqual(outsideBefore);
    expect(snapshot(prepared.home)).toEqual({});
    expect(snapshot(prepared.tmp)).toEqual({});
    expect(readdirSync(job.root).sort()).toEqual(
      ['event.json', 'main', ...(post ? ['post'] : []), 'runner-temp', 'tool-cache'].sort(),
    );
    expect(snapshot(path.join(job.root, 'tool-cache'))).toEqual({});

    // No workflow command from the payload, in main or post.
    expect(steps.flatMap(fromPayload)).toEqual([]);
  });
});
