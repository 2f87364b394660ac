import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';

const echo = path.join(repoRoot, 'test', 'fixtures', 'actions', 'echo');

describe('a bundled action run as the runner runs it', () => {
  it('gets its inputs, writes outputs, summary and state, and its post step sees the state', async () => {
    const { main, post } = await runAction({
      actionDir: echo,
      inputs: {
        greeting: 'grüezi',
        mode: 'shout',
        items: 'a, b\nc',
        password: 'hunter2-secret',
        config: 'replicas: 3',
      },
      context: { GITHUB_TOKEN: 'ghs_fixturetoken123' },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toEqual({
      message: 'GRÜEZI\nGRÜEZI',
      'items-json': '["a","b","c"]',
      'wait-ms': '1000',
      'config-json': '{"replicas":3}',
      'node-version': expect.stringMatching(/^v24\./),
    });
    expect(main.summary).toContain('<h3>Echo</h3>');
    expect(main.summary).toContain('<td>GRÜEZI</td>');
    expect(JSON.parse(main.state.echo as string)).toEqual({ greeting: 'GRÜEZI' });

    expect(post?.exitCode).toBe(0);
    expect(post?.log).toContain('post: cleaning up after GRÜEZI');
    expect(post?.summary).toContain('post step saw {"greeting":"GRÜEZI"}');
  });

  it('masks secret inputs, including the token defaulted from github.token', async () => {
    const { main } = await runAction({
      actionDir: echo,
      inputs: { greeting: 'hi', password: 'hunter2-secret' },
      context: { GITHUB_TOKEN: 'ghs_fixturetoken123' },
    });
    expect(main.masks).toEqual(expect.arrayContaining(['hunter2-secret', 'ghs_fixturetoken123']));
    expect(main.log).toContain('password in use: ***');
    expect(main.log).not.toContain('hunter2-secret');
    // The mask must reach the runner before the value is first printed, or that line would show it.
    const lines = main.stdout.split('\n');
    const announced = lines.indexOf('::add-mask::hunter2-secret');
    const used = lines.findIndex((line) => line.startsWith('password in use'));
    expect(announced).toBeGreaterThanOrEqual(0);
    expect(announced).toBeLessThan(used);
  });

  it('fails on bad inputs with one annotation naming each, and writes no output', async () => {
    const { main, post } = await runAction({
      actionDir: echo,
      inputs: { greeting: 'hi', count: 'many', wait: '5 minutes' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    expect(main.annotations).toEqual([
      {
        level: 'error',
        message: [
          '2 inputs are invalid:',
          '  - Input "count" is "many": expected a whole number from 1 to 5.',
          '  - Input "wait" is "5 minutes": expected a duration such as 90s, 5m or 1h30m.',
          'Fix the inputs in the workflow step; nothing was changed.',
        ].join('\n'),
        file: undefined,
        line: undefined,
        column: undefined,
        title: undefined,
      },
    ]);
    expect(post?.log).toContain('post: cleaning up after nothing');
  });

  it('applies action.yml defaults for inputs the workflow leaves out', async () => {
    const { main } = await runAction({ actionDir: echo, inputs: { greeting: 'hi' } });
    expect(main.outputs.message).toBe('hi\nhi');
    expect(main.outputs['wait-ms']).toBe('1000');
  });

  it('reports a missing required input', async () => {
    const { main } = await runAction({ actionDir: echo, inputs: {} });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain('Input "greeting" is required');
  });
});
