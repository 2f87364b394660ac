// build-image with image-ref: promotion by digest. Nothing is built; the registry (the environment's, with
// htpasswd auth) must hold the digest, checked with a manifest HEAD under a deadline; a tag is refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError, WorldError } from '@swiss-deploy/kit';
import { parseDigestReference, verifyImageDigest } from '@swiss-deploy/image';
import { testEnv } from '../../support/env';
import { buildImage, registryLogin, testRepository } from './harness';

jest.setTimeout(600_000);

const repo = testRepository('envs-promote');
let built: { imageRef: string; digest: string };

beforeAll(async () => {
  const context = mkdtempSync(path.join(os.tmpdir(), 'envs-promote-'));
  writeFileSync(
    path.join(context, 'Dockerfile'),
    `FROM ${testEnv('BASE_IMAGE_DEBIAN')}\nLABEL org.example.stamp="${Date.now()}"\n`,
  );
  const { main } = await buildImage({
    workspace: context,
    inputs: { context: '.', image: repo.image, tags: 'type=raw,value=candidate', ...registryLogin() },
  });
  if (main.exitCode !== 0) throw new Error(`the build to promote failed:\n${main.log}`);
  built = { imageRef: main.outputs['image-ref'] as string, digest: main.outputs.digest as string };
});

describe('build-image promoting an image by digest', () => {
  it('builds nothing, checks the digest in the registry and gives it back unchanged', async () => {
    const { main } = await buildImage({
      inputs: { image: repo.image, 'image-ref': built.imageRef, ...registryLogin() },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toMatchObject({
      image: repo.image,
      digest: built.digest,
      'image-ref': built.imageRef,
      tags: '',
    });
    expect(main.log).toContain(`holds ${built.digest}`);
    expect(main.log).not.toMatch(/Docker and buildx|docker build/);
    expect(main.summary).toContain('promoted by digest');
  });

  it('fails naming the input when the registry has no such digest', async () => {
    const missing = `${repo.image}@sha256:${'0'.repeat(64)}`;
    const { main } = await buildImage({
      inputs: { image: repo.image, 'image-ref': missing, ...registryLogin() },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(
      `Input "image-ref" is "${missing}": the registry ${testEnv('REGISTRY')} has no manifest with that digest.`,
    );
  });

  it('says the registry refused when no credentials are given (the registry needs a login)', async () => {
    const { main } = await buildImage({ inputs: { image: repo.image, 'image-ref': built.imageRef } });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(`refused to show ${built.imageRef} (HTTP 401)`);
  });

  it('refuses a tag before asking the registry anything', async () => {
    const { main } = await buildImage({
      inputs: { image: repo.image, 'image-ref': `${repo.image}:candidate`, ...registryLogin() },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toMatch(/Input "image-ref" is ".*:candidate": .*by digest/);
    expect(() => parseDigestReference(`${repo.image}:candidate`)).toThrow(/it names a tag, not a digest/);
  });

  it('refuses a digest of another repository than image', async () => {
    const other = testRepository('envs-other').image;
    const { main } = await buildImage({
      inputs: { image: other, 'image-ref': built.imageRef, ...registryLogin() },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(`it is not in the repository of input "image" (${other})`);
  });

  it('gives up at its deadline on a registry that accepts and never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const reference = parseDigestReference(`127.0.0.1:${port}/team/app@${built.digest}`);
      const error = await verifyImageDigest(reference, { timeoutMs: 500 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorldError);
      expect((error as WorldError).message).toContain(
        `did not answer for 127.0.0.1:${port}/team/app@${built.digest} within`,
      );
      expect(error).not.toBeInstanceOf(UserError);
    } finally {
      silent.close();
    }
  });
});
