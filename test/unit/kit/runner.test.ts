// The kit's side of the runner protocol, read back with the runner's own rules (test/support/runner.ts):
// file commands for outputs, state, PATH and the summary; workflow commands with the runner's escapes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runner } from '../../../packages/kit/runner';
import { parseFileCommand, parseWorkflowCommands } from '../../support/runner';

let dir: string;
const saved = { ...process.env };

function captureStdout(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() };
}

function file(name: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, '');
  return target;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kit-runner-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  process.env = { ...saved };
});

describe('file commands', () => {
  it('writes outputs the runner reads back exactly, multi-line values and all', () => {
    process.env.GITHUB_OUTPUT = file('output');
    runner.setOutput('color', 'green');
    runner.setOutput('report', 'line one\nline two\n::set-output name=x::y');
    runner.setOutput('empty', '');
    expect(parseFileCommand(readFileSync(process.env.GITHUB_OUTPUT, 'utf8'))).toEqual({
      color: 'green',
      report: 'line one\nline two\n::set-output name=x::y',
      empty: '',
    });
  });

  it('saves state for the post step under its name, and reads STATE_<name> back', () => {
    process.env.GITHUB_STATE = file('state');
    runner.saveState('lock', '{"holder":"run-1"}');
    const state = parseFileCommand(readFileSync(process.env.GITHUB_STATE, 'utf8'));
    expect(state).toEqual({ lock: '{"holder":"run-1"}' });
    process.env.STATE_lock = state.lock;
    expect(runner.getState('lock')).toBe('{"holder":"run-1"}');
    expect(runner.getState('never-saved')).toBe('');
  });

  it('uses a fresh delimiter each time, so a value cannot close its own heredoc', () => {
    process.env.GITHUB_OUTPUT = file('output');
    runner.setOutput('a', 'x');
    runner.setOutput('b', 'y');
    const delimiters = readFileSync(process.env.GITHUB_OUTPUT, 'utf8')
      .split('\n')
      .filter((line) => line.includes('<<'))
      .map((line) => line.split('<<')[1]);
    expect(delimiters).toHaveLength(2);
    expect(delimiters[0]).toMatch(/^ghadelimiter_[0-9a-f-]{36}$/);
    expect(delimiters[0]).not.toBe(delimiters[1]);
  });

  it('prepends a folder to PATH for this process and appends it to GITHUB_PATH', () => {
    process.env.GITHUB_PATH = file('path');
    process.env.PATH = '/usr/bin';
    runner.addPath('/opt/tools/helm');
    expect(process.env.PATH).toBe(`/opt/tools/helm${path.delimiter}/usr/bin`);
    expect(readFileSync(process.env.GITHUB_PATH, 'utf8')).toBe(`/opt/tools/helm${os.EOL}`);
  });

  it('appends to the step summary, and writes nowhere without one', () => {
    process.env.GITHUB_STEP_SUMMARY = file('summary');
    runner.appendSummary('| a |\n| - |');
    runner.appendSummary('second');
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8')).toBe(
      `| a |\n| - |${os.EOL}second${os.EOL}`,
    );
    delete process.env.GITHUB_STEP_SUMMARY;
    expect(() => runner.appendSummary('lost')).not.toThrow();
  });

  it('falls back to the stdout commands where the runner gives no files', () => {
    delete process.env.GITHUB_OUTPUT;
    delete process.env.GITHUB_STATE;
    const out = captureStdout();
    try {
      runner.setOutput('color', 'blue\nand more');
      runner.saveState('flag', 'true');
    } finally {
      out.restore();
    }
    const { commands } = parseWorkflowCommands(out.text());
    expect(commands.map((c) => [c.name, c.properties, c.data])).toEqual([
      ['set-output', { name: 'color' }, 'blue\nand more'],
      ['save-state', { name: 'flag' }, 'true'],
    ]);
  });
});

describe('workflow commands', () => {
  it('escapes data and properties so the runner reads back exactly what was sent', () => {
    const out = captureStdout();
    try {
      runner.annotate('error', '100% broken\r\nsecond line', {
        title: 'a: b, c',
        file: 'charts/app/values.yaml',
        startLine: 12,
        startColumn: 3,
      });
      runner.annotate('warning', 'plain');
      runner.setSecret('s3cr3t\nline');
    } finally {
      out.restore();
    }
    const { annotations, masks, commands } = parseWorkflowCommands(out.text());
    expect(annotations).toEqual([
      {
        level: 'error',
        message: '100% broken\r\nsecond line',
        file: 'charts/app/values.yaml',
        line: 12,
        column: 3,
        title: 'a: b, c',
      },
      {
        level: 'warning',
        message: 'plain',
        file: undefined,
        line: undefined,
        column: undefined,
        title: undefined,
      },
    ]);
    expect(masks).toEqual(['s3cr3t\nline']);
    expect(commands).toHaveLength(3);
  });

  it('opens and closes groups, and prints info as one plain line', () => {
    const out = captureStdout();
    try {
      runner.startGroup('Lock');
      runner.info('held');
      runner.endGroup();
    } finally {
      out.restore();
    }
    expect(out.text()).toBe(`::group::Lock${os.EOL}held${os.EOL}::endgroup::${os.EOL}`);
  });
});
