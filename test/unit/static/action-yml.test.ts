import * as path from 'node:path';
import { contractProblems, fixtureActions, shippedActions } from '../../support/action-contract';
import { actionSchemaErrors } from '../../support/workflows';
import { repoRoot } from '../../support/versions';

describe('every action.yml agrees with its code', () => {
  it.each([...shippedActions(), ...fixtureActions()].map((a) => [path.relative(repoRoot, a.dir) || '.', a]))(
    '%s',
    (_name, action) => {
      expect(contractProblems(action)).toEqual([]);
    },
  );

  it.each([...shippedActions(), ...fixtureActions()].map((a) => [path.relative(repoRoot, a.dir) || '.', a]))(
    '%s passes GitHub’s action schema',
    (_name, action) => {
      expect(actionSchemaErrors(path.join(action.dir, 'action.yml'))).toEqual([]);
    },
  );

  it('GitHub’s action schema rejects a broken action.yml', () => {
    const broken = path.join(repoRoot, 'test', 'fixtures', 'contracts', 'schema-broken', 'action.yml');
    expect(actionSchemaErrors(broken).join('\n')).toMatch(/runs|using|main/);
  });

  it('catches every kind of disagreement', () => {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'contracts', 'mismatched');
    const where = 'test/fixtures/contracts/mismatched/action.yml';
    expect(
      contractProblems({
        dir,
        sourceDir: dir,
        expectedMain: '../../dist/mismatched/index.js',
        bundleRequired: true,
      }),
    ).toEqual([
      `${where}: runs.using is node20, expected node24`,
      `${where}: runs.post is post.js; one bundle serves main and post, expected ../../dist/mismatched/index.js`,
      `${where}: bundle ../../dist/mismatched/index.js does not exist; run npm run build`,
      `${where}: input "stale" is declared but the code never reads it`,
      `${where}: input "app" is required: true in action.yml, false in code`,
      `${where}: input "timeout" defaults to "5m" in action.yml, "10m" in code`,
      `${where}: the code reads input "extra" but action.yml does not declare it`,
      `${where}: output "ghost" is declared but the code never writes it`,
      `${where}: the code writes output "surprise" but action.yml does not declare it`,
    ]);
  });
});
