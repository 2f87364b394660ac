import { group, log, registerSecret, safe, UserError } from '@swiss-deploy/kit';
import { neutralise } from '../../../packages/kit/log';
import { reportFailure } from '../../../packages/kit/action';

function captureStdout(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() };
}

/** Every line the runner would read a command from, by its own rules (actions/runner ActionCommand.cs). */
function runnerCommands(stdout: string): string[] {
  return stdout.split(/\r\n|\r|\n/).filter((line) => {
    const trimmed = line.trimStart();
    return (trimmed.startsWith('::') && trimmed.indexOf('::', 2) > 0) || line.includes('##[');
  });
}

/** Our own commands are the lines we issue on purpose: `::<name> …::` for annotations, masks and groups. */
function foreignCommands(stdout: string): string[] {
  return runnerCommands(stdout).filter(
    (line) =>
      !/^::(error|warning|notice|group|endgroup|add-mask)( [^:]*)?::/.test(line) || line.includes('##['),
  );
}

const HOSTILE = [
  'shop\n::set-output name=x::y',
  'shop\r::add-mask::everything',
  'shop\r\n  ::stop-commands::pwned',
  '::error file=/etc/passwd::forged',
  'name ##[warning]forged warning',
  'a\n\t::group::fake\n##[endgroup]',
];

describe('log', () => {
  it.each(HOSTILE)('issues no runner command for a hostile value %j', (value) => {
    const out = captureStdout();
    try {
      log.info(`chart ${value} 1.0.0`);
      log.info(`chart ${safe(value)} 1.0.0`);
      log.warning(`values ${value}`);
      log.error(`values ${value}`, { title: value, file: 'Chart.yaml', startLine: 1 });
      log.notice(value);
    } finally {
      out.restore();
    }
    expect(foreignCommands(out.text())).toEqual([]);
    expect(out.text()).not.toContain('##[');
  });

  it('keeps a value on its own line when it is wrapped in safe()', () => {
    const out = captureStdout();
    try {
      log.info(`chart ${safe('shop\n::set-output name=x::y')} 1.0.0`);
    } finally {
      out.restore();
    }
    expect(out.text()).toBe('chart shop\\n::set-output name=x::y 1.0.0\n');
  });

  it('shows a neutralised command as text a reader can still recognise', () => {
    expect(neutralise('::set-output name=x::y')).toBe(':\\:set-output name=x::y');
    expect(neutralise('  ::add-mask::a')).toBe('  :\\:add-mask::a');
    expect(neutralise('see ##[error]x')).toBe('see ##\\[error]x');
    expect(neutralise('one\rtwo\r\nthree')).toBe('one\ntwo\nthree');
    expect(neutralise('a plain line: with colons :: inside')).toBe('a plain line: with colons :: inside');
  });

  it('masks registered secrets before anything is printed', () => {
    registerSecret('hunter2-registry-pass');
    const out = captureStdout();
    try {
      log.info('logged in with hunter2-registry-pass');
      log.warning('hunter2-registry-pass\n::set-output name=x::y');
    } finally {
      out.restore();
    }
    expect(out.text()).not.toContain('hunter2-registry-pass');
    expect(out.text()).toContain('logged in with ***');
  });

  it('escapes control characters in values, so a value cannot move the cursor or forge a line', () => {
    expect(safe('a\tb\u001b[2Jc\u2028d')).toBe('a\\tb\\u001b[2Jc\\u2028d');
    expect(safe(42)).toBe('42');
  });

  it('gives a group a title of one line, whatever the title holds', async () => {
    const out = captureStdout();
    try {
      await log.group('Render shop\n::set-output name=x::y ##[error]', async () => undefined);
      await group('Scan\r::stop-commands::t', async () => undefined);
    } finally {
      out.restore();
    }
    const lines = out.text().split('\n');
    expect(lines.filter((line) => line.startsWith('::group::'))).toEqual([
      '::group::Render shop\\n::set-output name=x::y ##\\[error]',
      '::group::Scan\\r::stop-commands::t',
    ]);
    expect(foreignCommands(out.text())).toEqual([]);
  });

  it('reports a failure whose message holds a hostile value without issuing a command', () => {
    const out = captureStdout();
    try {
      reportFailure(new UserError('Chart.yaml name is "x\n::set-output name=x::y ##[warning]w"'));
      reportFailure(new Error('boom\n::add-mask::x'));
    } finally {
      out.restore();
    }
    expect(foreignCommands(out.text())).toEqual([]);
    expect(out.text()).not.toContain('##[');
  });
});
