import { existsSync, realpathSync, statSync } from 'node:fs';
import { UserError, resolveInWorkspace } from '@swiss-deploy/kit';

/**
 * A build path input (`context`, `file`) held to the kit's workspace containment, then required to exist
 * and be the right kind. `context: ../../etc` or a checked-in symlink to `/` would hand buildx files that
 * are not the repository's. Returns the real path, which is what buildx is given.
 */
export function resolveBuildPath(
  input: string,
  given: string,
  workspace: string,
  kind: 'file' | 'folder',
): string {
  const absolute = resolveInWorkspace(input, given, { workspace: realpathSync(workspace) });
  if (!existsSync(absolute)) {
    throw new UserError(`Input "${input}" is "${given}", which does not exist in the workspace.`, {
      hint: 'Give a path relative to the workspace, and check out the repository before this step.',
    });
  }
  const real = realpathSync(absolute);
  if (statSync(real).isDirectory() !== (kind === 'folder')) {
    throw new UserError(`Input "${input}" is "${given}", which is not a ${kind}.`);
  }
  return real;
}
