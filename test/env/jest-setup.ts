// Integration and e2e tiers run against the real test environment. This brings it up (idempotent and
// fast when already up) before any test runs; a component that cannot start fails the whole run.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureNode24 } from '../support/node24';
import { repoRoot } from '../support/versions';

export default function setup(): void {
  ensureNode24();
  const components = (process.env.SWISS_DEPLOY_ENV_COMPONENTS ?? '').split(/[\s,]+/).filter(Boolean);
  execFileSync('bash', [path.join(repoRoot, 'test', 'env', 'env.sh'), 'up', ...components], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
