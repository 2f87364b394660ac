import { UserError, WorldError } from './errors';
import { maskSecrets } from './secrets';
import { log } from './log';
import { formatDuration } from './duration';

export interface ExecOptions {
  cwd?: string;
  /**
   * Added to (or, with `replaceEnv`, instead of) the child's environment: this process's environment
   * without the variables `childEnv` withholds. A value given here always reaches the child.
   */
  env?: Record<string, string | undefined>;
  replaceEnv?: boolean;
  /** Names of withheld variables this tool does need, passed on from this process's environment. */
  passEnv?: readonly string[];
  /** Written to stdin, then closed: the way to hand a tool a password. */
  input?: string;
  /** Kills the process (and its children) after this long. */
  timeoutMs?: number;
  /** Echo output lines to the log as they come, masked. Default false: output is only captured. */
  stream?: boolean;
  /** Exit codes that count as success. Default [0]; pass 'any' to inspect the code yourself. */
  okExitCodes?: readonly number[] | 'any';
  /** What to tell the user when the program is not installed. */
  missingHint?: string;
  /** Called for each complete output line (masked), e.g. to parse progress. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A tool ran and failed. Its message carries the masked command line and the tail of its stderr. */
export class ExecError extends WorldError {
  constructor(
    message: string,
    readonly result: ExecResult,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

const TAIL_LINES = 20;

function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-TAIL_LINES).join('\n');
}

/** How the command line appears in logs: masked, arguments with spaces quoted for reading (never for a shell). */
export function describeCommand(file: string, args: readonly string[]): string {
  return maskSecrets([file, ...args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' '));
}

/**
 * The runner hands every step its inputs as `INPUT_*` (passwords, kubeconfigs and tokens among them) and
 * its own credentials as `ACTIONS_*` (runtime, cache and OIDC tokens). A tool needs none of them, and a
 * tool may run code from the repository (a Dockerfile, a chart's plugin, a kubeconfig exec plugin), so
 * they stay in this process.
 */
function withheld(name: string): boolean {
  return /^(INPUT_|ACTIONS_)/i.test(name) || name.toUpperCase() === 'GITHUB_TOKEN';
}

/** The names in `base` a child process must not see (see `childEnv`), for children the kit does not spawn. */
export function withheldNames(base: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(base).filter(withheld);
}

/**
 * The environment a child process starts from: `base` without the step's inputs, the runner's `ACTIONS_*`
 * tokens and GITHUB_TOKEN, except the names in `pass`; then `extra`, which always wins.
 */
export function childEnv(
  extra: Record<string, string | undefined> = {},
  pass: readonly string[] = [],
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(base)) {
    if (!withheld(name) || pass.includes(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs a program with an argument array, never through a shell, so no value can be read as shell
 * syntax. Output is captured (and masked when streamed); a non-zero exit becomes an ExecError.
 */
export function exec(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const started = Date.now();
  const env = options.replaceEnv ? { ...options.env } : childEnv(options.env, options.passEnv);
  return new Promise((resolve, reject) => {
    // Taken on first use: the kit is on every action's start, most of which spawn nothing before they fail.
    const child = process.getBuiltinModule('node:child_process').spawn(file, args, {
      cwd: options.cwd,
      env,
      shell: false,
      detached: true, // own process group, so a timeout takes the tool's children with it
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const partial = { stdout: '', stderr: '' };
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;

    const emitLines = (stream: 'stdout' | 'stderr', data: Buffer, flush = false) => {
      if (!options.stream && !options.onLine) return;
      const text = partial[stream] + data.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = flush ? '' : (lines.pop() ?? '');
      for (const line of flush ? lines.filter((l) => l !== '') : lines) {
        const masked = maskSecrets(line);
        if (options.stream) log.info(masked);
        options.onLine?.(masked, stream);
      }
    };
    child.stdout.on('data', (data: Buffer) => {
      chunks.stdout.push(data);
      emitLines('stdout', data);
    });
    child.stderr.on('data', (data: Buffer) => {
      chunks.stderr.push(data);
      emitLines('stderr', data);
    });

    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid, 'SIGTERM');
            killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
          }, options.timeoutMs);

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (error.code === 'ENOENT') {
        reject(
          new UserError(`${file} was not found on PATH.`, {
            hint: options.missingHint ?? `Install ${file} on the runner, or add it to PATH.`,
          }),
        );
      } else {
        reject(
          new WorldError(`Could not start ${describeCommand(file, args)}: ${error.message}`, {
            cause: error,
          }),
        );
      }
    });

    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      emitLines('stdout', Buffer.alloc(0), true);
      emitLines('stderr', Buffer.alloc(0), true);
      const result: ExecResult = {
        exitCode: code ?? (signal ? 128 : 1),
        stdout: maskSecrets(Buffer.concat(chunks.stdout).toString('utf8')),
        stderr: maskSecrets(Buffer.concat(chunks.stderr).toString('utf8')),
        durationMs: Date.now() - started,
      };
      const command = describeCommand(file, args);
      if (timedOut) {
        reject(
          new ExecError(
            `${command} timed out after ${formatDuration(options.timeoutMs ?? 0)} and was stopped.`,
            result,
          ),
        );
        return;
      }
      const okCodes = options.okExitCodes ?? [0];
      if (okCodes !== 'any' && !okCodes.includes(result.exitCode)) {
        const detail = tail(result.stderr || result.stdout);
        reject(
          new ExecError(
            `${command} failed with exit code ${result.exitCode}${signal ? ` (${signal})` : ''}${detail ? `:\n${detail}` : '.'}`,
            result,
          ),
        );
        return;
      }
      resolve(result);
    });

    child.stdin.on('error', () => undefined); // a tool that exits without reading stdin is not our error
    child.stdin.end(options.input ?? '');
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
