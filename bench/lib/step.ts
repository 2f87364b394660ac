// One action step run the way the runner runs it (Node 24, INPUT_* with action.yml defaults, fresh file
// commands, the usual GITHUB_* context), timed from just before spawn to the child's exit with a monotonic
// clock. The runner's conventions come from test/support/runner.ts; the timing and the concurrency are ours.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ActionJob, bundlePath, parseFileCommand, parseWorkflowCommands } from '../../test/support/runner';
import { ensureNode24 } from '../../test/support/node24';
import { repoRoot } from '../../test/support/versions';

export interface StepRun {
  exitCode: number;
  /** Monotonic (performance.now) times of the spawn call and of the exit. */
  startedAt: number;
  endedAt: number;
  ms: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  errors: string[];
  /** The step's log groups (`::group::` … `::endgroup::`), timed as their lines reached us. */
  phases: { title: string; ms: number }[];
  /** Spawn → first line of output (Node start plus module loading), and last group's end → exit. */
  firstOutputMs?: number;
  tailMs?: number;
}

export interface StepOptions {
  action: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  workspace?: string;
  timeoutMs?: number;
  /** Called with the monotonic time right before the spawn. */
  onStart?: (at: number) => void;
}

/** The root action (`uses: swiss/deploy@v1`) is named `deploy`; the others live in actions/<name>. */
export const ROOT_ACTION = 'deploy';

export function actionDir(action: string): string {
  return action === ROOT_ACTION ? repoRoot : path.join(repoRoot, 'actions', action);
}

/** The action exists when its action.yml and its bundle do: a benchmark of a missing one is skipped, loudly. */
export function actionMissing(action: string): string | undefined {
  const dir = actionDir(action);
  if (!existsSync(path.join(dir, 'action.yml'))) return `actions/${action}/action.yml does not exist yet`;
  const bundle = bundlePath(dir, 'main');
  if (!existsSync(bundle)) return `${path.relative(repoRoot, bundle)} is not built yet`;
  return undefined;
}

let node24: string | undefined;
export function node24Binary(): string {
  return (node24 ??= ensureNode24());
}

export async function runStep(options: StepOptions): Promise<StepRun> {
  const dir = actionDir(options.action);
  const job = new ActionJob({
    actionDir: dir,
    inputs: options.inputs,
    env: options.env,
    workspace: options.workspace,
  });
  try {
    const files = {
      output: path.join(job.root, 'output'),
      env: path.join(job.root, 'env'),
      state: path.join(job.root, 'state'),
      summary: path.join(job.root, 'step_summary'),
      path: path.join(job.root, 'path'),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      ...job.context,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      GITHUB_ACTION_PATH: dir,
      ...job.inputEnv(),
      ...options.env,
    };
    // `--cpu-prof DIR` of the harness: every action run writes a V8 CPU profile there (Chrome DevTools reads it).
    const profiles = process.env.SWISS_BENCH_CPU_PROF;
    if (profiles) {
      const flags = `--cpu-prof --cpu-prof-dir=${path.join(profiles, options.action)}`;
      env.NODE_OPTIONS = env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${flags}` : flags;
    }
    const result = await spawnTimed(node24Binary(), [bundlePath(dir, 'main')], {
      env,
      cwd: job.context.GITHUB_WORKSPACE as string,
      timeoutMs: options.timeoutMs ?? 300_000,
      onStart: options.onStart,
    });
    const { annotations } = parseWorkflowCommands(result.stdout);
    const phases: { title: string; ms: number }[] = [];
    let open: { title: string; at: number } | undefined;
    let lastEnd: number | undefined;
    for (const { at, line } of result.lines) {
      if (line.startsWith('::group::')) open = { title: line.slice('::group::'.length), at };
      else if (line.startsWith('::endgroup::') && open) {
        phases.push({ title: open.title, ms: at - open.at });
        open = undefined;
        lastEnd = at;
      }
    }
    const first = result.lines[0];
    return {
      ...result,
      phases,
      firstOutputMs: first ? first.at - result.startedAt : undefined,
      tailMs: lastEnd === undefined ? undefined : result.endedAt - lastEnd,
      outputs: parseFileCommand(readFileSync(files.output, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
      errors: annotations.filter((a) => a.level === 'error').map((a) => a.message),
    };
  } finally {
    rmSync(job.root, { recursive: true, force: true });
  }
}

export interface Timed {
  exitCode: number;
  startedAt: number;
  endedAt: number;
  ms: number;
  stdout: string;
  stderr: string;
  /** Each stdout line with the monotonic time it arrived. */
  lines: { at: number; line: string }[];
}

/** Spawns a program (argument array, no shell) and times it from spawn to exit. */
export function spawnTimed(
  file: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs: number;
    onStart?: (at: number) => void;
    input?: string;
  },
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    options.onStart?.(startedAt);
    const child = spawn(file, args, {
      env: options.env ?? (process.env as Record<string, string>),
      cwd: options.cwd ?? repoRoot,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const lines: { at: number; line: string }[] = [];
    child.stdout?.on('data', (d: Buffer) => {
      const at = performance.now();
      const text = d.toString('utf8');
      stdout += text;
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) lines.push({ at, line });
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(file)} ${args.join(' ')} ran over ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      const endedAt = performance.now();
      clearTimeout(timer);
      // Wait for the pipes to drain before handing the output on.
      child.on('close', () =>
        resolve({ exitCode: code ?? 1, startedAt, endedAt, ms: endedAt - startedAt, stdout, stderr, lines }),
      );
    });
  });
}

/** A scratch folder under the OS temp, removed by the caller. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `swiss-bench-${prefix}-`));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** One row of a job summary's facts table, e.g. "API requests" → "57". */
export function summaryFact(summary: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<t[dh]>${escaped}</t[dh]><td>([^<]*)</td>`).exec(summary);
  return match?.[1];
}
