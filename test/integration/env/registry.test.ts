// The registry component: an authenticated round trip of a two-stage image, build → push → digest → pull.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { run, runOk } from './run';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const registry = testEnv('REGISTRY');
const user = testEnv('REGISTRY_USER');
const password = testEnv('REGISTRY_PASSWORD');
const repository = 'swiss-deploy/env-test';
const stamp = randomBytes(6).toString('hex');
const tag = `registry-${stamp}`;
const image = `${registry}/${repository}:${tag}`;
const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// Each docker client config is a fresh directory: the test proves its own login, not one left behind.
const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-env-registry-'));
const loggedIn = { DOCKER_HOST: testEnv('DOCKER_HOST'), DOCKER_CONFIG: path.join(work, 'logged-in') };
const anonymous = { DOCKER_HOST: testEnv('DOCKER_HOST'), DOCKER_CONFIG: path.join(work, 'anonymous') };
let digest = '';

const manifestUrl = (reference: string): string =>
  `http://${registry}/v2/${repository}/manifests/${reference}`;

beforeAll(async () => {
  await runOk('docker', ['login', '--username', user, '--password-stdin', registry], {
    input: password,
    env: loggedIn,
  });
}, 60_000);

afterAll(async () => {
  if (digest) {
    await fetch(manifestUrl(digest), { method: 'DELETE', headers: { authorization: basic } });
    await run('docker', ['image', 'rm', '--force', image, `${registry}/${repository}@${digest}`], {
      env: loggedIn,
    });
  }
  rmSync(work, { recursive: true, force: true });
});

describe('the registry component', () => {
  it('takes a two-stage build FROM the base image, pushed with buildx, and serves it under the digest buildx recorded', async () => {
    const metadata = path.join(work, 'metadata.json');
    await runOk(
      'docker',
      [
        'buildx',
        'build',
        '--push',
        '--metadata-file',
        metadata,
        '--build-arg',
        `BASE_IMAGE_DEBIAN=${testEnv('BASE_IMAGE_DEBIAN')}`,
        '--build-arg',
        `STAMP=${stamp}`,
        '--tag',
        image,
        path.join(repoRoot, 'test', 'fixtures', 'env', 'image'),
      ],
      { env: loggedIn, timeoutMs: 300_000 },
    );
    digest =
      (JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, string>)['containerimage.digest'] ?? '';
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const head = await fetch(manifestUrl(tag), {
      method: 'HEAD',
      headers: { authorization: basic, accept: MANIFEST_TYPES },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(digest);
  }, 300_000);

  it('pulls the image back by digest and runs what stage one built', async () => {
    expect(digest).not.toBe('');
    const byDigest = `${registry}/${repository}@${digest}`;
    await run('docker', ['image', 'rm', '--force', image, byDigest], { env: loggedIn });
    await runOk('docker', ['pull', byDigest], { env: loggedIn, timeoutMs: 120_000 });
    const inspected = await runOk(
      'docker',
      ['image', 'inspect', '--format', '{{json .RepoDigests}}', byDigest],
      {
        env: loggedIn,
      },
    );
    expect(JSON.parse(inspected.stdout)).toContain(byDigest);
    const ran = await runOk('docker', ['run', '--rm', byDigest], { env: loggedIn, timeoutMs: 120_000 });
    expect(ran.stdout.trim()).toBe(`built ${stamp} in stage one`);
  }, 180_000);

  it('answers 401 without credentials, to the API and to docker', async () => {
    const head = await fetch(manifestUrl(tag), { method: 'HEAD', headers: { accept: MANIFEST_TYPES } });
    expect(head.status).toBe(401);
    expect(head.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(`http://${registry}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:not-the-password`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);

    const pull = await run('docker', ['pull', `${registry}/${repository}:${tag}`], { env: anonymous });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
  }, 60_000);
});
