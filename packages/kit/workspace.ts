import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors';

export interface ContainmentOptions {
  /** GITHUB_WORKSPACE: relative values are read from here, and every path must stay inside it… */
  workspace: string;
  /** …or inside RUNNER_TEMP, for files a step generates there (rendered manifests, reports). */
  runnerTemp?: string;
}

/**
 * The real path of `absolute`: symlinks followed as far as the path exists, the rest (a folder not yet
 * made) appended, so an output folder under a checked-in symlink is judged by where it would land.
 */
function realPath(absolute: string): string {
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

function inside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
  );
}

/**
 * Resolves a file or folder input against the workspace and makes sure it stays there, judged by its real
 * path: `../../etc`, `/proc/self/environ` and a checked-in symlink that points out of the repository are
 * refused alike. A repository's content must not make the action read (and log, render or upload) a file
 * of the runner, nor write outside the places the step owns. Returns the absolute path (as given, not the
 * real one, so logs and outputs show the path the user wrote); throws an InputError naming the input.
 */
export function resolveInWorkspace(input: string, value: string, options: ContainmentOptions): string {
  const absolute = path.resolve(options.workspace, value);
  const real = realPath(absolute);
  const roots = [options.workspace, ...(options.runnerTemp ? [options.runnerTemp] : [])].map((root) =>
    realPath(path.resolve(root)),
  );
  if (roots.some((root) => inside(root, real))) return absolute;
  throw new InputError([outsideProblem(input, value, real === absolute ? undefined : real, options)]);
}

/** `Input "x" is "v": it must stay inside the workspace /w (it resolves to /etc/passwd).` */
function outsideProblem(
  input: string,
  value: string,
  resolvesTo: string | undefined,
  options: ContainmentOptions,
): string {
  const where = `the workspace ${path.resolve(options.workspace)}${options.runnerTemp ? ` or RUNNER_TEMP ${path.resolve(options.runnerTemp)}` : ''}`;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}…` : value);
  return `Input "${input}" is ${shown}: it must stay inside ${where}${resolvesTo ? ` (it resolves to ${resolvesTo})` : ''}.`;
}
