import {
  foreignCommands,
  parseFileCommand,
  parseWorkflowCommands,
  runnerInputName,
  runnerVisibleLog,
} from '../../support/runner';

describe('the test runner reads file commands and workflow commands as the Actions runner does', () => {
  it('parses name=value lines and heredoc blocks', () => {
    const text =
      'simple=value=with=equals\nmulti<<ghadelimiter_123\nline 1\n\nline 3\nghadelimiter_123\nempty<<EOF\nEOF\n';
    expect(parseFileCommand(text)).toEqual({
      simple: 'value=with=equals',
      multi: 'line 1\n\nline 3',
      empty: '',
    });
  });

  it('refuses a heredoc that never closes', () => {
    expect(() => parseFileCommand('x<<END\nvalue\n')).toThrow('never closes');
  });

  it('unescapes annotation properties and messages', () => {
    const { annotations, masks } = parseWorkflowCommands(
      [
        '::add-mask::p%25ss',
        '::error file=charts/a.yaml,line=12,col=3,title=Bad%3A value%2C really::first%0Asecond',
        '::warning::careful',
        '::group::not an annotation',
        'plain line',
      ].join('\n'),
    );
    expect(masks).toEqual(['p%ss']);
    expect(annotations).toEqual([
      {
        level: 'error',
        message: 'first\nsecond',
        file: 'charts/a.yaml',
        line: 12,
        column: 3,
        title: 'Bad: value, really',
      },
      {
        level: 'warning',
        message: 'careful',
        file: undefined,
        line: undefined,
        column: undefined,
        title: undefined,
      },
    ]);
  });

  it('hides masked values and mask commands from the visible log', () => {
    expect(runnerVisibleLog('::add-mask::hunter2\nlogin with hunter2 ok', ['hunter2'])).toBe(
      'login with *** ok',
    );
  });

  it('names input variables like the runner', () => {
    expect(runnerInputName('values-files')).toBe('INPUT_VALUES-FILES');
    expect(runnerInputName('a b')).toBe('INPUT_A_B');
  });

  it('reads commands as the runner does: after leading whitespace, at any line ending, and ##[ anywhere', () => {
    const { commands } = parseWorkflowCommands(
      [
        'plain line',
        '   ::set-output name=x::y',
        'a\r::add-mask::everything',
        'text before ##[warning file=a.yaml;line=3]legacy',
        '::SET-ENV name=A::b',
        ':: not a command',
        'x ::error::not at the start',
      ].join('\n'),
    );
    expect(commands.map((c) => [c.form, c.name, c.properties, c.data])).toEqual([
      ['v2', 'set-output', { name: 'x' }, 'y'],
      ['v2', 'add-mask', {}, 'everything'],
      ['v1', 'warning', { file: 'a.yaml', line: '3' }, 'legacy'],
      ['v2', 'set-env', { name: 'A' }, 'b'],
    ]);
    expect(foreignCommands(commands).map((c) => c.name)).toEqual(['set-output', 'warning', 'set-env']);
  });

  it('honours stop-commands until its token, listing the stop command itself', () => {
    const { commands, annotations } = parseWorkflowCommands(
      ['::stop-commands::tok1', '::error::hidden', '::tok1::', '::warning::seen'].join('\n'),
    );
    expect(commands.map((c) => c.name)).toEqual(['stop-commands', 'warning']);
    expect(annotations.map((a) => a.message)).toEqual(['seen']);
  });
});
