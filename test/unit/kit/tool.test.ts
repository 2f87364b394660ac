import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorldError, installTool, type ToolSpec } from '@swiss-deploy/kit';

/** A release archive of a fake `widget` tool, served by a real HTTP server on loopback. */
function makeArchive(version: string): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'widget-src-'));
  mkdirSync(path.join(dir, 'linux-amd64'));
  const binary = path.join(dir, 'linux-amd64', 'widget');
  writeFileSync(binary, `#!/bin/sh\necho "widget v${version}"\n`);
  chmodSync(binary, 0o755);
  const archive = path.join(dir, 'widget.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', dir, 'linux-amd64']);
  return readFileSync(archive);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('installTool', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: string[] = [];
  const archive = makeArchive('1.2.3');

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (
        req.url === '/mirror/v1.2.3/widget-linux-amd64.tar.gz' ||
        req.url === '/official/v1.2.3/widget-linux-amd64.tar.gz'
      ) {
        res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function runnerDirs() {
    const root = mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    process.env.RUNNER_TOOL_CACHE = path.join(root, 'tool-cache');
    process.env.RUNNER_TEMP = path.join(root, 'temp');
    process.env.GITHUB_PATH = path.join(root, 'path');
    writeFileSync(process.env.GITHUB_PATH, '');
    requests.length = 0;
  }

  function widget(overrides: Partial<ToolSpec> = {}): ToolSpec {
    return {
      name: 'widget',
      version: '1.2.3',
      baseUrl: `${baseUrl}/official`,
      archivePath: (t) => `v${t.version}/widget-${t.platform}-${t.goArch}.tar.gz`,
      sha256: { 'linux-x64': sha256(archive) },
      archive: 'tar.gz',
      binaryPath: (t) => `${t.platform}-${t.goArch}/widget`,
      versionArgs: ['--version'],
      versionPattern: /widget v(\S+)/,
      ...overrides,
    };
  }

  it('downloads, verifies, caches and puts the tool on PATH; the second install uses the cache', async () => {
    runnerDirs();
    const first = await installTool(widget(), { platform: 'linux', arch: 'x64' });
    expect(first.source).toBe('download');
    expect(execFileSync(first.path, { encoding: 'utf8' }).trim()).toBe('widget v1.2.3');
    expect(readFileSync(process.env.GITHUB_PATH as string, 'utf8')).toContain(path.dirname(first.path));
    const second = await installTool(widget(), { platform: 'linux', arch: 'x64' });
    expect(second).toMatchObject({ source: 'tool-cache', path: first.path });
    expect(requests).toEqual(['/official/v1.2.3/widget-linux-amd64.tar.gz']);
  });

  it('downloads from the mirror when one is given', async () => {
    runnerDirs();
    await installTool(widget(), { platform: 'linux', arch: 'x64', mirror: `${baseUrl}/mirror/` });
    expect(requests).toEqual(['/mirror/v1.2.3/widget-linux-amd64.tar.gz']);
  });

  it('refuses an archive whose checksum does not match the pin, and caches nothing', async () => {
    runnerDirs();
    const wrong = widget({ sha256: { 'linux-x64': '0'.repeat(64) } });
    const failure = installTool(wrong, { platform: 'linux', arch: 'x64' });
    await expect(failure).rejects.toBeInstanceOf(WorldError);
    await expect(failure).rejects.toThrow(`has sha256 ${sha256(archive)}, but ${'0'.repeat(64)} is pinned`);
    requests.length = 0;
    await installTool(widget(), { platform: 'linux', arch: 'x64' });
    expect(requests).toHaveLength(1);
  });

  it('reuses a binary on PATH that reports the pinned version, and ignores one that does not', async () => {
    runnerDirs();
    const bin = mkdtempSync(path.join(os.tmpdir(), 'preinstalled-'));
    const fake = path.join(bin, 'widget');
    const originalPath = process.env.PATH;
    process.env.PATH = `${bin}:${originalPath}`;
    try {
      writeFileSync(fake, '#!/bin/sh\necho "widget v1.2.3"\n');
      chmodSync(fake, 0o755);
      expect(await installTool(widget(), { platform: 'linux', arch: 'x64' })).toMatchObject({
        source: 'preinstalled',
        path: fake,
      });
      writeFileSync(fake, '#!/bin/sh\necho "widget v0.9.0"\n');
      expect((await installTool(widget(), { platform: 'linux', arch: 'x64' })).source).toBe('download');
    } finally {
      process.env.PATH = originalPath;
    }
  });

  it('names the missing file when the mirror does not have it', async () => {
    runnerDirs();
    await expect(
      installTool(widget({ version: '9.9.9', sha256: { 'linux-x64': 'x' } }), {
        platform: 'linux',
        arch: 'x64',
      }),
    ).rejects.toThrow(
      `Could not download widget 9.9.9 from ${baseUrl}/official/v9.9.9/widget-linux-amd64.tar.gz`,
    );
  });

  it('says which platforms are pinned when this one is not', async () => {
    runnerDirs();
    await expect(installTool(widget(), { platform: 'darwin', arch: 'arm64' })).rejects.toThrow(
      'widget 1.2.3 has no pinned checksum for darwin-arm64.',
    );
  });
});
