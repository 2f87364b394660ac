// The environment script itself: after the tier's `env.sh up`, `status` reports every component healthy,
// and a second `up` reuses what runs instead of starting it again.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { envFilePath } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { run } from './run';

const envSh = path.join(repoRoot, 'test', 'env', 'env.sh');
// The same selection the tier's global setup brought up (all components when empty).
const selected = (process.env.SWISS_DEPLOY_ENV_COMPONENTS ?? '').split(/[\s,]+/).filter(Boolean);

describe('the test environment script', () => {
  it('reports every component it brought up as healthy and exits 0', async () => {
    const status = await run('bash', [envSh, 'status', ...selected], { timeoutMs: 120_000 });
    const lines = status.stdout.split('\n').filter((line) => line.trim() !== '');
    expect({ code: status.code, stdout: status.stdout, stderr: status.stderr }).toEqual({
      code: 0,
      stdout: expect.any(String),
      stderr: expect.any(String),
    });
    if (selected.length > 0) expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(selected);
    for (const line of lines) expect(line).not.toMatch(/^\S+\s+(down|missing)\b/);
  }, 120_000);

  it('reuses the running registry on a second up instead of starting another', async () => {
    const pidFile = path.join(path.dirname(envFilePath()), 'pids', 'registry.pid');
    const before = readFileSync(pidFile, 'utf8').trim();
    const up = await run('bash', [envSh, 'up', 'registry'], { timeoutMs: 120_000 });
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(before);
    expect(up.stdout).toMatch(/^registry\s+up\b/m);
  }, 120_000);
});
