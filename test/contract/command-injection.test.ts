// Values from inputs and repository files that try to speak to the runner: each bundle is run as the
// runner runs it, and the commands the runner would read from its output are checked by the runner's own
// rules (test/support/runner.ts). None of them may come from a payload.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PAYLOADS, commandsFromPayload as fromPayload, runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { startServer, text, type TestServer } from '../fixtures/smoke/servers';

jest.setTimeout(60_000);

function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'injection-workspace-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer((_req, res) => text(res, 200, 'ok'));
});
afterAll(() => server.close());

describe('no value from an input or a file issues a workflow command', () => {
  it.each(PAYLOADS)('build-image registry and username %j', async (payload) => {
    for (const inputs of [
      { registry: payload, username: 'ci', password: 'registry-pass-123' },
      { registry: 'ghcr.io', username: payload, password: 'registry-pass-123' },
    ]) {
      const { main } = await runAction({
        actionDir: path.join(repoRoot, 'actions', 'build-image'),
        workspace: workspace({ Dockerfile: 'FROM scratch\n' }),
        inputs: { image: 'ghcr.io/swiss/example-app', ...inputs },
        env: { PATH: '/nonexistent' },
      });
      expect(main.exitCode).toBe(1);
      expect(fromPayload(main)).toEqual([]);
    }
  });

  it.each(PAYLOADS)('smoke-test check names and paths in a checks file %j', async (payload) => {
    const checks = [
      'checks:',
      `  - name: ${JSON.stringify(payload)}`,
      '    path: /',
      `  - name: failing ${JSON.stringify(payload)}`,
      `    path: ${JSON.stringify(`/${payload}`)}`,
      '    expect: { status: 599 }',
    ].join('\n');
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'smoke-test'),
      workspace: workspace({ 'smoke/checks.yml': `${checks}\n` }),
      inputs: { url: server.url, checks: 'smoke/checks.yml', retries: '0', timeout: '3s' },
    });
    expect(main.exitCode).toBe(1);
    expect(fromPayload(main)).toEqual([]);
    expect(main.outputs.passed).toBe('false');
  });

  it.each(PAYLOADS)('the root action environment and smoke-path %j', async (payload) => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'home-'));
    for (const inputs of [{ environment: payload }, { 'smoke-path': payload }] as Record<string, string>[]) {
      const { main } = await runAction({
        actionDir: repoRoot,
        workspace: workspace(),
        inputs: {
          app: 'shop',
          namespace: 'shop',
          'image-ref': `r.io/shop@sha256:${'a'.repeat(64)}`,
          ...inputs,
        },
        env: { KUBECONFIG: '', HOME: home },
      });
      expect(main.exitCode).toBe(1);
      expect(fromPayload(main)).toEqual([]);
    }
  });
});
