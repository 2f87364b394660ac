import * as path from 'node:path';
import { repoRoot } from '../../support/versions';
import {
  checkoutsPersistingCredentials,
  permissionProblems,
  repositoryWorkflowFiles,
  usesReferences,
} from '../../support/workflows';

const files = repositoryWorkflowFiles(repoRoot).map((file) => [path.relative(repoRoot, file), file]);

/** This repository's own actions and workflows: pinned by SHA in the release commit, not on the branch. */
const OWN = /^swiss\/deploy(\/|@)/;

describe('the workflows and workflow templates', () => {
  it('are there to check', () => {
    expect(files.map(([name]) => name)).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml']),
    );
  });

  it.each(files)('%s pins every other action by full commit SHA, with its version beside it', (_n, file) => {
    const loose = usesReferences(file)
      .filter((ref) => !ref.uses.startsWith('./') && !OWN.test(ref.uses))
      .filter(
        (ref) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref.uses) || !/^v\d+\.\d+\.\d+$/.test(ref.comment),
      )
      .map((ref) => `line ${ref.line}: ${ref.uses} # ${ref.comment}`);
    expect(loose).toEqual([]);
  });

  it.each(files)('%s refers to this repository only by its major tag (the release pins it)', (_n, file) => {
    const own = usesReferences(file).filter((ref) => OWN.test(ref.uses));
    expect(
      own.filter((ref) => !/@v\d+$/.test(ref.uses)).map((ref) => `line ${ref.line}: ${ref.uses}`),
    ).toEqual([]);
  });

  it.each(files)('%s checks out without leaving the token in .git/config', (_n, file) => {
    expect(checkoutsPersistingCredentials(file)).toEqual([]);
  });

  it.each(files)('%s grants read-only at the top and each job only its own scopes', (_n, file) => {
    expect(permissionProblems(file)).toEqual([]);
  });
});
