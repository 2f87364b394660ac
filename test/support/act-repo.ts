import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository act reports as github.repository for workflows run from an actRepository folder. */
export const ACT_REPOSITORY = 'swiss/example-app';

/**
 * A scratch git repository for act to run from: a copy of `tree` (a whole workspace) and/or the given
 * workflow files. act names the repository after the `origin` remote of the folder it runs in: inside a
 * clone of this project that would be wherever the clone came from (a local path, in CI), so tests run it
 * from here, where origin is github.com/swiss/example-app.
 */
export function actRepository(options: { tree?: string; workflows?: readonly string[] }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'act-repo-'));
  if (options.tree) cpSync(options.tree, dir, { recursive: true });
  const target = path.join(dir, '.github', 'workflows');
  mkdirSync(target, { recursive: true });
  for (const file of options.workflows ?? []) cpSync(file, path.join(target, path.basename(file)));
  execFileSync('git', ['init', '--quiet', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', `https://github.com/${ACT_REPOSITORY}.git`]);
  return dir;
}

/**
 * The act flags every run here shares, after the event: `.github/workflows/<workflow>` of the act repository,
 * jobs on the host (no job containers), the given action repositories served from local folders
 * (`{ 'swiss/deploy@v1': checkout }`), nothing fetched or pulled, no cache or Docker daemon of act's own.
 */
export function actHostArgs(workflow: string, localRepositories: Readonly<Record<string, string>>): string[] {
  return [
    '--workflows',
    path.join('.github', 'workflows', workflow),
    '--platform',
    'ubuntu-latest=-self-hosted',
    ...Object.entries(localRepositories).flatMap(([ref, dir]) => ['--local-repository', `${ref}=${dir}`]),
    '--action-offline-mode',
    '--pull=false',
    '--no-cache-server',
    '--artifact-server-addr',
    '127.0.0.1',
    '--container-daemon-socket',
    '-',
  ];
}
