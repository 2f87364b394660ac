// The render-helm bundle as the runner runs it, where no helm or registry is needed: its inputs are
// checked before anything happens, and a helm download is held to the pinned checksum.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';

jest.setTimeout(60_000);

const actionDir = path.join(repoRoot, 'actions', 'render-helm');

/** A loopback mirror of get.helm.sh that serves whatever archive a test gives it, and logs requests. */
async function mirror(archive: Buffer) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A folder holding a `helm` that claims to be another version than the pinned one. */
function otherHelmOnPath(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'other-helm-'));
  writeFileSync(path.join(dir, 'helm'), '#!/bin/sh\necho "v4.0.0+gdeadbee"\n');
  chmodSync(path.join(dir, 'helm'), 0o755);
  return dir;
}

/** An archive laid out like helm's, whose sha256 is not the pinned one. */
function forgedArchive(): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forged-helm-'));
  mkdirSync(path.join(dir, 'linux-amd64'));
  writeFileSync(path.join(dir, 'linux-amd64', 'helm'), '#!/bin/sh\necho "v4.1.4"\n');
  execFileSync('tar', ['-czf', path.join(dir, 'helm.tar.gz'), '-C', dir, 'linux-amd64']);
  return readFileSync(path.join(dir, 'helm.tar.gz'));
}

describe('render-helm, before any helm runs', () => {
  it('refuses malformed inputs in one annotation and contacts nothing', async () => {
    const server = await mirror(Buffer.from('unused'));
    try {
      const { main } = await runAction({
        actionDir,
        env: { PATH: '/usr/bin:/bin' },
        inputs: { release: 'Shop', 'kube-version': 'latest', lint: 'maybe', 'helm-mirror': server.url },
      });
      expect(main.exitCode).toBe(1);
      expect(main.outputs).toEqual({});
      expect(main.annotations.map((a) => a.message.split('\n'))).toEqual([
        [
          '3 inputs are invalid:',
          '  - Input "release" is "Shop": expected a release name: lower-case letters, digits, "-" and ".", at most 53 characters.',
          '  - Input "kube-version" is "latest": expected a Kubernetes version such as 1.36 or 1.36.3.',
          '  - Input "lint" is "maybe": expected true or false.',
          'Fix the inputs in the workflow step; nothing was changed.',
        ],
      ]);
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('refuses inputs whose meaning is wrong (files, versions, folders) in one annotation, before installing helm', async () => {
    const server = await mirror(Buffer.from('unused'));
    try {
      const { main } = await runAction({
        actionDir,
        env: { PATH: '/usr/bin:/bin' },
        inputs: {
          release: 'shop',
          'kube-version': '1.29',
          'helm-version': '4',
          set: 'replicaCount',
          'values-files': 'missing.yaml',
          'output-dir': '../elsewhere',
          'helm-mirror': server.url,
        },
      });
      expect(main.exitCode).toBe(1);
      expect(main.annotations.map((a) => a.message.split('\n'))).toEqual([
        [
          '5 inputs are invalid:',
          '  - Input "helm-version" is "4": expected a pinned helm release (give major.minor or an exact version, never a moving one; pinned releases: 4.1.4, 3.20.2).',
          '  - Input "kube-version" is "1.29": expected a Kubernetes version whose schemas ship with the action: 1.34, 1.35, 1.36.',
          '  - Input "values-files" lists "missing.yaml", which is not a file in the workspace.',
          '  - Input "set" line "replicaCount" has no "=": write key=value.',
          expect.stringMatching(
            /^ {2}- Input "output-dir" is "\.\.\/elsewhere": it must stay inside the workspace \/\S+\.$/,
          ),
          'Fix the inputs in the workflow step; nothing was changed.',
        ],
      ]);
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('downloads helm from the mirror only to refuse an archive whose sha256 is not the pinned one, and never reuses a helm of another version', async () => {
    const server = await mirror(forgedArchive());
    const toolCache = mkdtempSync(path.join(os.tmpdir(), 'tool-cache-'));
    try {
      const { main } = await runAction({
        actionDir,
        env: { PATH: `${otherHelmOnPath()}:/usr/bin:/bin`, RUNNER_TOOL_CACHE: toolCache },
        inputs: { release: 'shop', 'helm-version': '4.1', 'helm-mirror': `${server.url}/helm` },
      });
      expect(main.exitCode).toBe(1);
      expect(server.requests).toEqual(['/helm/helm-v4.1.4-linux-amd64.tar.gz']);
      expect(main.annotations[0]?.message).toMatch(
        /^The helm 4\.1\.4 download from http:\/\/127\.0\.0\.1:\d+\/helm\/helm-v4\.1\.4-linux-amd64\.tar\.gz has sha256 [a-f0-9]{64}, but 70b2c30a19da4db264dfd68c8a3664e05093a361cefd89572ffb36f8abfa3d09 is pinned\./,
      );
      expect(main.annotations[0]?.message).toContain('Left untouched: nothing was extracted or cached');
      expect(
        existsSync(path.join(toolCache, 'helm')) ? readdirSync(path.join(toolCache, 'helm')) : [],
      ).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
