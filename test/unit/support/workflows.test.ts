import * as path from 'node:path';
import { repoRoot } from '../../support/versions';
import {
  checkoutsPersistingCredentials,
  expressionsInRunScripts,
  permissionProblems,
  usesReferences,
  workflowSchemaErrors,
} from '../../support/workflows';

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

  it('see each uses: with its comment, a checkout that keeps the token, and write scopes at the top', () => {
    const unhardened = path.join(repoRoot, 'test', 'fixtures', 'workflows', 'unhardened.yml');
    expect(usesReferences(unhardened)).toEqual([
      { line: 13, uses: 'actions/checkout@v4', comment: '' },
      { line: 14, uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', comment: '' },
      { line: 15, uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', comment: 'v7.0.1' },
    ]);
    expect(checkoutsPersistingCredentials(unhardened)).toEqual(['build/step 1']);
    expect(permissionProblems(unhardened)).toEqual([
      'workflow-level contents: write',
      'job build: no permissions of its own',
    ]);
  });
});
