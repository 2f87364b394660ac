// Contract tests run bundles under Node 24; make sure it is there (fetched and cached once) and that the
// fixture actions are bundled by the same build the real actions use.
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { ensureNode24 } from '../support/node24';
import { repoRoot } from '../support/versions';

export default function setup(): void {
  ensureNode24();
  const fixtures = path.join(repoRoot, 'test', 'fixtures', 'actions');
  for (const name of readdirSync(fixtures)) {
    const entry = path.join(fixtures, name, 'main.ts');
    if (!existsSync(entry)) continue;
    execFileSync(
      process.execPath,
      [
        'scripts/build.mjs',
        '--entry',
        path.relative(repoRoot, entry),
        '--out',
        path.join(fixtures, name, 'dist'),
      ],
      {
        cwd: repoRoot,
        stdio: 'inherit',
      },
    );
  }
}
