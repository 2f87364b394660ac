import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import * as path from 'node:path';

/**
 * The runner's side of the protocol, written here so that an action's start loads no HTTP client: workflow
 * commands on stdout (`::name key=value,…::data`) and file commands appended to the files the runner names in
 * GITHUB_OUTPUT, GITHUB_STATE, GITHUB_PATH and GITHUB_STEP_SUMMARY. The encodings are the runner's
 * (actions/runner ActionCommand and the toolkit's documented escapes): data escapes `%`, CR and LF;
 * properties escape `:` and `,` as well; a file command's value sits between `name<<delimiter` and a line
 * holding only that delimiter, which neither the name nor the value may contain.
 */

/** The file and line an annotation points at. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command on stdout; empty properties are left out, as the runner ignores them. */
export function issueCommand(
  name: string,
  properties: Record<string, string | number | undefined>,
  data: string,
): void {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  process.stdout.write(`::${name}${props ? ` ${props}` : ''}::${escapeData(data)}${EOL}`);
}

function annotation(properties: AnnotationProperties): Record<string, string | number | undefined> {
  return {
    title: properties.title,
    file: properties.file,
    line: properties.startLine,
    endLine: properties.endLine,
    col: properties.startColumn,
    endColumn: properties.endColumn,
  };
}

type FileCommand = 'OUTPUT' | 'STATE' | 'PATH' | 'ENV';

function commandFile(command: FileCommand): string | undefined {
  return process.env[`GITHUB_${command}`] || undefined;
}

/** `name<<delimiter` … `delimiter`, with a delimiter that occurs in neither. */
function keyValueMessage(name: string, value: string): string {
  // node:crypto is taken here, not imported at the top: an action that fails on its inputs never needs it.
  const delimiter = `ghadelimiter_${process.getBuiltinModule('node:crypto').randomUUID()}`;
  if (name.includes(delimiter)) throw new Error(`name "${name}" holds the file command's delimiter`);
  if (value.includes(delimiter)) throw new Error(`the value of "${name}" holds the file command's delimiter`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

function setKeyValue(command: 'OUTPUT' | 'STATE', legacy: string, name: string, value: string): void {
  const file = commandFile(command);
  if (file) {
    appendFileSync(file, keyValueMessage(name, value), 'utf8');
    return;
  }
  // Outside a runner that writes files (old runners, a shell): the stdout form.
  if (command === 'OUTPUT') process.stdout.write(EOL);
  issueCommand(legacy, { name }, value);
}

export const runner = {
  info(text: string): void {
    process.stdout.write(`${text}${EOL}`);
  },
  annotate(level: 'error' | 'warning' | 'notice', text: string, properties: AnnotationProperties = {}): void {
    issueCommand(level, annotation(properties), text);
  },
  startGroup(title: string): void {
    issueCommand('group', {}, title);
  },
  endGroup(): void {
    issueCommand('endgroup', {}, '');
  },
  setSecret(value: string): void {
    issueCommand('add-mask', {}, value);
  },
  setOutput(name: string, value: string): void {
    setKeyValue('OUTPUT', 'set-output', name, value);
  },
  saveState(name: string, value: string): void {
    setKeyValue('STATE', 'save-state', name, value);
  },
  /** What main saved under `name`: the runner gives it to the post step as STATE_<name>. */
  getState(name: string): string {
    return process.env[`STATE_${name}`] ?? '';
  },
  /** Sets an environment variable for this process and the job's later steps (GITHUB_ENV). */
  exportVariable(name: string, value: string): void {
    // Only the file: runners refuse the old ::set-env:: command.
    const file = commandFile('ENV');
    if (file) appendFileSync(file, keyValueMessage(name, value), 'utf8');
    process.env[name] = value;
  },
  /** Prepends a folder to PATH for this process and the job's later steps. */
  addPath(folder: string): void {
    const file = commandFile('PATH');
    if (file) appendFileSync(file, `${folder}${EOL}`, 'utf8');
    else issueCommand('add-path', {}, folder);
    process.env.PATH = `${folder}${path.delimiter}${process.env.PATH ?? ''}`;
  },
  /** Appends to the step summary file; outside a runner (no GITHUB_STEP_SUMMARY) nothing. */
  appendSummary(markdown: string): void {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (file) appendFileSync(file, `${markdown}${EOL}`, 'utf8');
  },
};
