import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ensureNode24 } from './node24';

/**
 * Runs an action's bundle the way the GitHub Actions runner does: a child process under Node 24, inputs as
 * INPUT_* variables (action.yml defaults applied), file commands in fresh files, the usual GITHUB_* and
 * RUNNER_* values, and for the post step the saved state as STATE_* variables.
 */

export interface ActionYml {
  name: string;
  description?: string;
  inputs?: Record<
    string,
    { description?: string; required?: boolean; default?: string; deprecationMessage?: string }
  >;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string; pre?: string };
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  column?: number;
  title?: string;
}

export interface StepResult {
  exitCode: number;
  /** Raw stdout, workflow commands included: what the runner reads. */
  stdout: string;
  stderr: string;
  /** What the runner shows in the log: add-mask values replaced by ***, command lines hidden. */
  log: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  summary: string;
  annotations: Annotation[];
  masks: string[];
  durationMs: number;
  /** Every workflow command the runner would act on, from stdout and stderr. */
  commands: WorkflowCommand[];
}

export interface RunOptions {
  /** Folder holding action.yml. */
  actionDir: string;
  inputs?: Record<string, string>;
  /** Extra environment (e.g. KUBECONFIG), on top of the runner's own variables. */
  env?: Record<string, string>;
  /** The workflow event payload written to GITHUB_EVENT_PATH. */
  event?: { name: string; payload: Record<string, unknown> };
  /** Overrides of the GITHUB_* context (GITHUB_REF, GITHUB_SHA, …). */
  context?: Record<string, string>;
  workspace?: string;
  timeoutMs?: number;
}

export function readActionYml(actionDir: string): ActionYml {
  return parseYaml(readFileSync(path.join(actionDir, 'action.yml'), 'utf8')) as ActionYml;
}

/** The runner's name for an input's variable: spaces → `_`, upper-cased, hyphens kept. */
export function runnerInputName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function bundlePath(actionDir: string, step: 'main' | 'post'): string {
  const yml = readActionYml(actionDir);
  const relative = step === 'main' ? yml.runs.main : yml.runs.post;
  if (!relative) throw new Error(`${actionDir}/action.yml has no runs.${step}`);
  return path.resolve(actionDir, relative);
}

/** Reads a file-command file: `name=value` lines and `name<<DELIMITER … DELIMITER` blocks. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] as string);
      if (i >= lines.length)
        throw new Error(`file command for "${name}" never closes its ${delimiter} delimiter`);
      values[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed file command line: ${line}`);
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(value: string): string {
  return unescapeData(value.replace(/%3A/g, ':').replace(/%2C/g, ','));
}

/** One workflow command as the runner reads it from a log line. */
export interface WorkflowCommand {
  /** Lower-cased, as the runner matches command names. */
  name: string;
  properties: Record<string, string>;
  data: string;
  /** `::name …::data`, or the legacy `##[name …]data`. */
  form: 'v2' | 'v1';
  /** The line it was read from. */
  line: string;
}

/**
 * The runner's own reading of a log line (actions/runner ActionCommand.TryParseV2 and TryParse): a line
 * is a `::` command when it starts with `::` after its leading whitespace is trimmed and holds a second
 * `::`; otherwise a legacy command when it holds `##[` anywhere, with a `]` after it. Lines end at `\n`,
 * `\r\n` or a bare `\r`.
 */
function readCommand(line: string): WorkflowCommand | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end < 0) return undefined;
    const info = trimmed.slice(2, end);
    const space = info.indexOf(' ');
    const properties: Record<string, string> = {};
    if (space >= 0) {
      for (const pair of info.slice(space + 1).split(',')) {
        const eq = pair.indexOf('=');
        if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
      }
    }
    const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
    return { name, properties, data: unescapeData(trimmed.slice(end + 2)), form: 'v2', line };
  }
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const close = line.indexOf(']', prefix);
  if (close < 0) return undefined;
  const info = line.slice(prefix + 3, close);
  const space = info.indexOf(' ');
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  return { name, properties, data: unescapeData(line.slice(close + 1)), form: 'v1', line };
}

/**
 * Every workflow command the runner would act on in a step's output, in order, with the annotations and
 * masks among them. `::stop-commands::<token>` is honoured as the runner honours it: lines up to
 * `::<token>::` are not commands (the stop command itself is listed).
 */
export function parseWorkflowCommands(stdout: string): {
  annotations: Annotation[];
  masks: string[];
  commands: WorkflowCommand[];
} {
  const annotations: Annotation[] = [];
  const masks: string[] = [];
  const commands: WorkflowCommand[] = [];
  let resumeToken: string | undefined;
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    if (resumeToken !== undefined) {
      if (line.trim() === `::${resumeToken}::`) resumeToken = undefined;
      continue;
    }
    const command = readCommand(line);
    if (!command) continue;
    commands.push(command);
    if (command.name === 'stop-commands' && command.data !== '') {
      resumeToken = command.data;
      continue;
    }
    if (command.name === 'add-mask') {
      masks.push(command.data);
      continue;
    }
    if (command.name !== 'error' && command.name !== 'warning' && command.name !== 'notice') continue;
    const props = command.properties;
    annotations.push({
      level: command.name,
      message: command.data,
      file: props.file,
      line: props.line === undefined ? undefined : Number(props.line),
      column: props.col === undefined ? undefined : Number(props.col),
      title: props.title,
    });
  }
  return { annotations, masks, commands };
}

/** The commands a step issued that are not the suite's own kinds (annotations, masks, groups, debug). */
export function foreignCommands(commands: readonly WorkflowCommand[]): WorkflowCommand[] {
  const own = new Set(['error', 'warning', 'notice', 'add-mask', 'group', 'endgroup', 'debug']);
  return commands.filter((command) => command.form === 'v1' || !own.has(command.name));
}

/** What a hostile value would make the runner do if printed as it is. */
export const PAYLOADS = [
  'x\n::set-output name=passed::true',
  'x\r::add-mask::swiss',
  'x\n  ::stop-commands::pwned-token',
  '##[set-output name=passed;]true',
  'x ##[error file=/etc/passwd]forged',
];

/**
 * Commands one of PAYLOADS issued: any kind the suite never issues (set-output, stop-commands, the legacy
 * form), a mask of the payload's word, or an annotation on the payload's file. The suite's own error
 * annotations may quote a payload as their text; that text is data, neutralised, and not a command.
 */
export function commandsFromPayload(result: StepResult): string[] {
  return [
    ...foreignCommands(result.commands),
    ...result.commands.filter((c) => c.name === 'add-mask' && c.data === 'swiss'),
    ...result.commands.filter((c) => c.properties.file === '/etc/passwd'),
  ].map((c) => c.line);
}

/** Applies masks as the runner does before showing a log line, and hides command lines it consumes. */
export function runnerVisibleLog(text: string, masks: readonly string[]): string {
  const sorted = [...masks].filter((m) => m.length > 0).sort((a, b) => b.length - a.length);
  return text
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('::add-mask::'))
    .map((line) => sorted.reduce((acc, mask) => acc.split(mask).join('***'), line))
    .join('\n');
}

const DEFAULT_CONTEXT: Record<string, string> = {
  GITHUB_REPOSITORY: 'swiss/example-app',
  GITHUB_REPOSITORY_OWNER: 'swiss',
  GITHUB_REPOSITORY_ID: '424242',
  GITHUB_SHA: '9f3c2a1b7e6d5c4b3a29180716f5e4d3c2b1a098',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REF_NAME: 'main',
  GITHUB_REF_TYPE: 'branch',
  GITHUB_RUN_ID: '7001',
  GITHUB_RUN_NUMBER: '12',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'deploy',
  GITHUB_ACTION: '__run',
  GITHUB_ACTOR: 'octocat',
  GITHUB_TRIGGERING_ACTOR: 'octocat',
  GITHUB_WORKFLOW: 'Deploy',
  GITHUB_WORKFLOW_REF: 'swiss/example-app/.github/workflows/deploy.yml@refs/heads/main',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
  RUNNER_OS: 'Linux',
  RUNNER_ARCH: 'X64',
  RUNNER_NAME: 'swiss-deploy-test-runner',
  RUNNER_ENVIRONMENT: 'self-hosted',
};

/** Evaluates the few `${{ }}` expressions that appear in action.yml defaults. */
function evaluateDefault(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    const known: Record<string, string | undefined> = {
      'github.token': context.GITHUB_TOKEN ?? '',
      'github.workspace': context.GITHUB_WORKSPACE,
      'github.repository': context.GITHUB_REPOSITORY,
      'github.sha': context.GITHUB_SHA,
      'github.ref': context.GITHUB_REF,
      'github.server_url': context.GITHUB_SERVER_URL,
      'github.run_id': context.GITHUB_RUN_ID,
      'runner.temp': context.RUNNER_TEMP,
    };
    const result = known[expression];
    if (result === undefined)
      throw new Error(`the test runner cannot evaluate \${{ ${expression} }} in a default`);
    return result;
  });
}

interface StepFiles {
  dir: string;
  output: string;
  env: string;
  state: string;
  summary: string;
  path: string;
}

function stepFiles(root: string, step: string): StepFiles {
  const dir = path.join(root, step);
  mkdirSync(dir, { recursive: true });
  const files = {
    dir,
    output: path.join(dir, 'output'),
    env: path.join(dir, 'env'),
    state: path.join(dir, 'state'),
    summary: path.join(dir, 'step_summary'),
    path: path.join(dir, 'path'),
  };
  for (const file of [files.output, files.env, files.state, files.summary, files.path])
    writeFileSync(file, '');
  return files;
}

/** A job: shared temp, tool cache, workspace and event for a main step and its post step. */
export class ActionJob {
  readonly root: string;
  readonly context: Record<string, string>;
  private savedState: Record<string, string> = {};

  constructor(private readonly options: RunOptions) {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    const temp = path.join(this.root, 'runner-temp');
    const toolCache = path.join(this.root, 'tool-cache');
    const workspace = options.workspace ?? path.join(this.root, 'workspace');
    for (const dir of [temp, toolCache, workspace]) mkdirSync(dir, { recursive: true });
    const event = options.event ?? { name: 'push', payload: {} };
    const eventPath = path.join(this.root, 'event.json');
    writeFileSync(eventPath, JSON.stringify(event.payload));
    this.context = {
      ...DEFAULT_CONTEXT,
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp,
      RUNNER_TOOL_CACHE: toolCache,
      ...options.context,
    };
  }

  /** The INPUT_* variables the runner would set: given values, else action.yml defaults. */
  inputEnv(): Record<string, string> {
    const yml = readActionYml(this.options.actionDir);
    const env: Record<string, string> = {};
    const given = this.options.inputs ?? {};
    for (const name of Object.keys(given)) {
      if (!yml.inputs || !(name in yml.inputs)) {
        // The runner warns and still passes it; tests must not rely on undeclared inputs.
        throw new Error(`input "${name}" is not declared in ${this.options.actionDir}/action.yml`);
      }
    }
    for (const [name, spec] of Object.entries(yml.inputs ?? {})) {
      const value =
        given[name] ??
        (spec.default === undefined ? undefined : evaluateDefault(String(spec.default), this.context));
      if (value !== undefined) env[runnerInputName(name)] = value;
    }
    return env;
  }

  async run(step: 'main' | 'post'): Promise<StepResult> {
    const yml = readActionYml(this.options.actionDir);
    if (yml.runs.using !== 'node24')
      throw new Error(`${this.options.actionDir}/action.yml runs on ${yml.runs.using}, not node24`);
    const bundle = bundlePath(this.options.actionDir, step);
    if (!existsSync(bundle)) throw new Error(`bundle ${bundle} does not exist: run npm run build`);
    const files = stepFiles(this.root, step);
    const stateEnv: Record<string, string> = {};
    if (step === 'post') for (const [k, v] of Object.entries(this.savedState)) stateEnv[`STATE_${k}`] = v;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      ...this.context,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      GITHUB_ACTION_PATH: path.resolve(this.options.actionDir),
      ...this.inputEnv(),
      ...stateEnv,
      ...this.options.env,
    };
    const started = Date.now();
    const { exitCode, stdout, stderr } = await runProcess(ensureNode24(), [bundle], {
      env,
      cwd: this.context.GITHUB_WORKSPACE as string,
      timeoutMs: this.options.timeoutMs ?? 120_000,
    });
    const state = parseFileCommand(readFileSync(files.state, 'utf8'));
    if (step === 'main') this.savedState = state;
    const { annotations, masks } = parseWorkflowCommands(stdout);
    // The runner reads commands from stderr as well; which stream came first is not known here.
    const { commands } = parseWorkflowCommands(`${stdout}\n${stderr}`);
    return {
      exitCode,
      stdout,
      stderr,
      log: runnerVisibleLog(`${stdout}\n${stderr}`, masks),
      outputs: parseFileCommand(readFileSync(files.output, 'utf8')),
      state,
      env: parseFileCommand(readFileSync(files.env, 'utf8')),
      path: readFileSync(files.path, 'utf8').split('\n').filter(Boolean),
      summary: readFileSync(files.summary, 'utf8'),
      annotations,
      masks,
      commands,
      durationMs: Date.now() - started,
    };
  }
}

/** Runs main, then post when action.yml declares one, sharing state as the runner does. */
export async function runAction(
  options: RunOptions,
): Promise<{ main: StepResult; post?: StepResult; job: ActionJob }> {
  const job = new ActionJob(options);
  const main = await job.run('main');
  const post = readActionYml(options.actionDir).runs.post ? await job.run('post') : undefined;
  return { main, post, job };
}

function runProcess(
  file: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; timeoutMs: number },
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${args.join(' ')} did not exit within ${options.timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 1, stdout, stderr });
    });
  });
}
