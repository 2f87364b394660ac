// The cosign component: the pinned build signs, attests and verifies against the local registry, offline.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import {
  cosignCli,
  cosignKeyPair,
  deleteRepository,
  pushStampedImage,
  registryDockerConfig,
  removeLocalImages,
  type KeyPair,
} from '../../support/supply-chain';
import { runOk } from './run';

const stamp = randomBytes(6).toString('hex');
const repository = `supply/env-cosign-${stamp}`;
const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-env-cosign-'));
const dockerConfig = registryDockerConfig(path.join(work, 'docker'));
const cosign = cosignCli(path.join(work, 'scratch'), dockerConfig);
let ours: KeyPair;
let theirs: KeyPair;
let imageRef = '';

beforeAll(async () => {
  ours = await cosignKeyPair(path.join(work, 'ours'), 'ours-password');
  theirs = await cosignKeyPair(path.join(work, 'theirs'), 'theirs-password');
  const digest = await pushStampedImage(repository, 'v1', stamp, dockerConfig, work);
  imageRef = `${testEnv('REGISTRY')}/${repository}@${digest}`;
}, 300_000);

afterAll(async () => {
  await deleteRepository(repository);
  await removeLocalImages(repository);
  rmSync(work, { recursive: true, force: true });
});

describe('the cosign component', () => {
  it('is the pinned version, built from the Go module proxy', async () => {
    const version = await runOk(testEnv('COSIGN_BIN'), ['version', '--json']);
    expect((JSON.parse(version.stdout) as { gitVersion: string }).gitVersion).toBe(testEnv('COSIGN_VERSION'));
    expect(testEnv('COSIGN_VERSION')).toBe('v3.1.3');
  });

  it('finds no signature on a fresh image, signs it with a key, and verifies it with that key only', async () => {
    const before = await cosign(['verify', '--key', ours.pub, '--insecure-ignore-tlog=true', imageRef]);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/no signatures found/);

    const signed = await cosign(
      ['sign', '--yes', '--key', ours.key, '--use-signing-config=false', '--tlog-upload=false', imageRef],
      { COSIGN_PASSWORD: ours.password },
    );
    expect(signed.code).toBe(0);

    const verified = await cosign([
      'verify',
      '--key',
      ours.pub,
      '--insecure-ignore-tlog=true',
      '--output',
      'json',
      imageRef,
    ]);
    expect(verified.code).toBe(0);
    const payloads = JSON.parse(verified.stdout) as {
      critical: { image: { 'docker-manifest-digest': string } };
    }[];
    expect(payloads.map((p) => p.critical.image['docker-manifest-digest'])).toContain(imageRef.split('@')[1]);

    const foreign = await cosign(['verify', '--key', theirs.pub, '--insecure-ignore-tlog=true', imageRef]);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toMatch(/failed to verify signature/);
  }, 120_000);

  it('attaches a CycloneDX attestation and verifies it, with the statement about this digest', async () => {
    const predicate = path.join(work, 'bom.json');
    writeFileSync(predicate, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
    const attested = await cosign(
      [
        'attest',
        '--yes',
        '--type',
        'cyclonedx',
        '--predicate',
        predicate,
        '--key',
        ours.key,
        '--use-signing-config=false',
        '--tlog-upload=false',
        imageRef,
      ],
      { COSIGN_PASSWORD: ours.password },
    );
    expect(attested.code).toBe(0);
    const verified = await cosign([
      'verify-attestation',
      '--type',
      'cyclonedx',
      '--key',
      ours.pub,
      '--insecure-ignore-tlog=true',
      imageRef,
    ]);
    expect(verified.code).toBe(0);
    const envelope = JSON.parse(verified.stdout.trim().split('\n')[0] as string) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType: string;
      subject: { digest: { sha256: string } }[];
    };
    expect(statement.predicateType).toBe('https://cyclonedx.org/bom');
    expect(`sha256:${statement.subject[0]?.digest.sha256}`).toBe(imageRef.split('@')[1]);

    const missing = await cosign([
      'verify-attestation',
      '--type',
      'slsaprovenance1',
      '--key',
      ours.pub,
      '--insecure-ignore-tlog=true',
      imageRef,
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/none of the attestations matched the predicate type/);
  }, 120_000);
});
