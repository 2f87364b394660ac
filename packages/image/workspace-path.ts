import { existsSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '@swiss-deploy/kit';

/**
 * A path input resolved against the workspace, with symlinks followed, that must stay inside it:
 * `context: ../../etc` or a checked-in symlink to `/` would hand buildx files that are not the
 * repository's. Returns the real path.
 */
export function resolveInWorkspace(
  input: string,
  given: string,
  workspace: string,
  kind: 'file' | 'folder',
): string {
  const root = realpathSync(workspace);
  const candidate = path.resolve(root, given);
  if (!existsSync(candidate)) {
    throw new UserError(`Input "${input}" is "${given}", which does not exist in the workspace.`, {
      hint: 'Give a path relative to the workspace, and check out the repository before this step.',
    });
  }
  const real = realpathSync(candidate);
  const relative = path.relative(root, real);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UserError(
      `Input "${input}" is "${given}", which is outside the workspace${real !== candidate ? ` (it leads to ${real})` : ''}.`,
      { hint: `The ${kind} must be inside GITHUB_WORKSPACE (${root}); nothing was built.` },
    );
  }
  const isFolder = statSync(real).isDirectory();
  if (isFolder !== (kind === 'folder')) {
    throw new UserError(`Input "${input}" is "${given}", which is not a ${kind}.`);
  }
  return real;
}
