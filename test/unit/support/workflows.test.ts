import * as path from 'node:path';
import { repoRoot } from '../../support/versions';
import { expressionsInRunScripts, workflowSchemaErrors } from '../../support/workflows';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'workflows', 'injectable.yml');

describe('workflow checks', () => {
  it('find an expression that reaches a run: script, and not one passed through env:', () => {
    expect(expressionsInRunScripts(fixture)).toEqual([
      'greet/Echo the title: ${{ github.event.pull_request.title }}',
    ]);
  });

  it('use GitHub’s parser, which accepts a valid workflow and rejects a broken one', () => {
    expect(workflowSchemaErrors(fixture)).toEqual([]);
    const broken = path.join(repoRoot, 'test', 'fixtures', 'workflows', 'broken.yml');
    expect(workflowSchemaErrors(broken).join('\n')).toMatch(/runs-on|steps|jobs/);
  });
});
