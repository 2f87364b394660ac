import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorldError, currentTarget } from '@swiss-deploy/kit';
import {
  COSIGN_DEFAULT_VERSION,
  COSIGN_RELEASES,
  CosignChecksumMissingError,
  cosignToolSpec,
  installCosign,
} from '@swiss-deploy/supplychain';

describe('the pinned cosign release', () => {
  const spec = cosignToolSpec(COSIGN_DEFAULT_VERSION);

  it('downloads the release binary of each platform, held to a sha256 written in the code', () => {
    const paths = Object.fromEntries(
      (['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'] as const).map((key) => {
        const [platform, arch] = key.split('-') as ['linux' | 'darwin', 'x64' | 'arm64'];
        return [key, spec.archivePath(currentTarget(spec.version, { platform, arch }))];
      }),
    );
    expect(paths).toEqual({
      'linux-x64': 'v3.1.3/cosign-linux-amd64',
      'linux-arm64': 'v3.1.3/cosign-linux-arm64',
      'darwin-x64': 'v3.1.3/cosign-darwin-amd64',
      'darwin-arm64': 'v3.1.3/cosign-darwin-arm64',
    });
    expect(spec.baseUrl).toBe('https://github.com/sigstore/cosign/releases/download');
    expect(spec.archive).toBe('binary');
    expect(COSIGN_RELEASES['3.1.3']?.['linux-x64']).toBe(
      '4629c757b7618056f8ddd7e2625ae9fdd94c0372a65049520bc7d9df9efc7f71',
    );
    expect(COSIGN_RELEASES['3.1.3']?.['linux-arm64']).toBe(
      'c5d324e091826b0d7a78eb16fef316450b4eb9aaec045611c08ba06f5e73220a',
    );
    for (const hash of Object.values(spec.sha256)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the version `cosign version --json` reports', () => {
    const text = '{\n  "gitVersion": "v3.1.3",\n  "gitCommit": "unknown"\n}';
    expect(spec.versionPattern?.exec(text)?.[1]).toBe('3.1.3');
  });
});

describe('installCosign', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/mirror/v3.1.3/cosign-linux-amd64')
        res.writeHead(200).end('#!/bin/sh\necho "not the real cosign"\n');
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const originalPath = process.env.PATH;
  beforeEach(() => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'cosign-runner-'));
    process.env.RUNNER_TOOL_CACHE = path.join(root, 'tool-cache');
    process.env.RUNNER_TEMP = path.join(root, 'temp');
    process.env.GITHUB_PATH = path.join(root, 'path');
    writeFileSync(process.env.GITHUB_PATH, '');
    // no cosign of the runner's: only a folder of the test's own
    process.env.PATH = mkdtempSync(path.join(os.tmpdir(), 'cosign-path-'));
    requests.length = 0;
  });
  afterEach(() => {
    process.env.PATH = originalPath;
  });

  it('asks the mirror, and refuses a binary whose sha256 is not the pinned one, caching nothing', async () => {
    const attempt = installCosign('3.1.3', { mirror: `${baseUrl}/mirror/`, platform: 'linux', arch: 'x64' });
    await expect(attempt).rejects.toThrow(WorldError);
    await expect(
      installCosign('3.1.3', { mirror: `${baseUrl}/mirror`, platform: 'linux', arch: 'x64' }),
    ).rejects.toThrow(
      /has sha256 [0-9a-f]{64}, but 4629c757b7618056f8ddd7e2625ae9fdd94c0372a65049520bc7d9df9efc7f71 is pinned/,
    );
    expect(requests).toContain('/mirror/v3.1.3/cosign-linux-amd64');
    expect(existsSync(path.join(process.env.RUNNER_TOOL_CACHE as string, 'cosign'))).toBe(false);
  });

  it('reuses a cosign on PATH that reports exactly the pinned version, without a download', async () => {
    const bin = process.env.PATH as string;
    const fake = path.join(bin, 'cosign');
    writeFileSync(fake, '#!/bin/sh\necho \'{"gitVersion": "v3.1.3"}\'\n');
    chmodSync(fake, 0o755);
    process.env.PATH = `${bin}:/usr/bin:/bin`;
    const tool = await installCosign('v3.1.3', {
      mirror: `${baseUrl}/mirror`,
      platform: 'linux',
      arch: 'x64',
    });
    expect(tool).toMatchObject({ source: 'preinstalled', path: fake, version: '3.1.3' });
    expect(requests).toEqual([]);
  });

  it('refuses a version without pinned checksums with a named error, unless the runner already has it', async () => {
    const refused = installCosign('3.0.0', { platform: 'linux', arch: 'x64' });
    await expect(refused).rejects.toThrow(CosignChecksumMissingError);
    await expect(installCosign('3.0.0', { platform: 'linux', arch: 'x64' })).rejects.toThrow(
      /Input "cosign-version" is "3.0.0": this release pins cosign checksums for 3.1.3 only/,
    );
    const bin = process.env.PATH as string;
    writeFileSync(path.join(bin, 'cosign'), '#!/bin/sh\necho \'{"gitVersion": "v3.0.0"}\'\n');
    chmodSync(path.join(bin, 'cosign'), 0o755);
    process.env.PATH = `${bin}:/usr/bin:/bin`;
    expect((await installCosign('3.0.0', { platform: 'linux', arch: 'x64' })).source).toBe('preinstalled');
    expect(requests).toEqual([]);
  });

  it('refuses a platform without a pinned checksum by name', async () => {
    await expect(installCosign('3.1.3', { platform: 'win32', arch: 'arm64' })).rejects.toThrow(
      /cosign 3.1.3 has no pinned sha256 for win32-arm64/,
    );
  });
});
