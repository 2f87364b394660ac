import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { TAG_PUSH, buildImage, registryLogin, swissNodeBase, testRepository } from './harness';
import { manifest, servedDigest } from './registry';

jest.setTimeout(900_000);

const SHA = '9f3c2a1b7e6d5c4b3a29180716f5e4d3c2b1a098';

function docker(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: testEnv('DOCKER_HOST'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A copy of examples/app whose code carries a stamp, so a build sees a code change and nothing else. */
function exampleWithStamp(stamp: string, into?: string): string {
  const dir = into ?? mkdtempSync(path.join(os.tmpdir(), 'example-app-'));
  cpSync(path.join(repoRoot, 'examples', 'app'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'stamp.js'), `module.exports = ${JSON.stringify(stamp)};\n`);
  return dir;
}

describe('build-image on the real engine, BuildKit and the local registry', () => {
  it('builds examples/app, pushes it, and the digest output is what the registry serves for every tag', async () => {
    const runtime = await swissNodeBase();
    const repo = testRepository('example-app');
    const { main, post, job } = await buildImage({
      ...TAG_PUSH,
      context: { ...TAG_PUSH.context, GITHUB_SHA: SHA },
      inputs: {
        context: 'examples/app',
        image: repo.image,
        tags: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=sha',
        'build-args': `BUILD_IMAGE=${testEnv('BASE_IMAGE_NODE')}\nRUNTIME_IMAGE=${runtime}\nAPP_VERSION=1.2.3`,
        ...registryLogin(),
      },
    });
    expect(main.exitCode).toBe(0);

    const digest = main.outputs.digest as string;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(main.outputs.image).toBe(repo.image);
    expect(main.outputs['image-ref']).toBe(`${repo.image}@${digest}`);
    expect(main.outputs.tags?.split('\n')).toEqual([
      `${repo.image}:1.2.3`,
      `${repo.image}:1.2`,
      `${repo.image}:sha-9f3c2a1`,
      `${repo.image}:latest`,
    ]);
    for (const tag of ['1.2.3', '1.2', 'sha-9f3c2a1', 'latest']) {
      expect(await servedDigest(repo.path, tag)).toBe(digest);
    }

    // Provenance is off by default: a plain image manifest, whose size is what the output says.
    const pushed = await manifest(repo.path, digest);
    expect(pushed.mediaType).toMatch(/image\.manifest|manifest\.v2/);
    const layers = pushed.layers as { size: number }[];
    const config = pushed.config as { size: number };
    const size = Number(main.outputs.size);
    expect(size).toBe(config.size + layers.reduce((sum, layer) => sum + layer.size, 0));

    const metadata = JSON.parse(main.outputs.metadata as string);
    expect(metadata).toMatchObject({
      image: repo.image,
      digest,
      'image-ref': `${repo.image}@${digest}`,
      version: '1.2.3',
      labels: {
        'org.opencontainers.image.source': 'https://github.com/swiss/example-app',
        'org.opencontainers.image.revision': SHA,
        'org.opencontainers.image.version': '1.2.3',
        'org.opencontainers.image.title': 'example-app',
        'org.opencontainers.image.licenses': 'MIT',
      },
    });
    expect(metadata.build.steps).toBeGreaterThan(0);

    // Pulling image-ref with a fresh client gives the same image, labelled and runnable.
    const config2 = mkdtempSync(path.join(os.tmpdir(), 'docker-config-'));
    const asClient = { DOCKER_CONFIG: config2 };
    execFileSync(
      'docker',
      ['login', '-u', testEnv('REGISTRY_USER'), '--password-stdin', testEnv('REGISTRY')],
      {
        input: testEnv('REGISTRY_PASSWORD'),
        env: { ...process.env, DOCKER_HOST: testEnv('DOCKER_HOST'), ...asClient },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const pulled = docker(['pull', main.outputs['image-ref'] as string], asClient);
    expect(pulled).toContain(`Digest: ${digest}`);
    const labels = JSON.parse(
      docker([
        'image',
        'inspect',
        '--format',
        '{{json .Config.Labels}}',
        main.outputs['image-ref'] as string,
      ]),
    );
    expect(labels['org.opencontainers.image.revision']).toBe(SHA);
    const user = docker([
      'image',
      'inspect',
      '--format',
      '{{.Config.User}}',
      main.outputs['image-ref'] as string,
    ]);
    expect(user.trim()).toBe('10001:10001');
    const version = docker([
      'run',
      '--rm',
      main.outputs['image-ref'] as string,
      'node',
      '-e',
      'console.log(process.env.APP_VERSION)',
    ]);
    expect(version.trim()).toBe('1.2.3');

    // Summary: tags, digest, size, build time, cached steps.
    expect(main.summary).toContain(digest);
    expect(main.summary).toContain('1.2.3 1.2 sha-9f3c2a1 latest');
    expect(main.summary).toMatch(/cached steps<\/td><td>\d+ \/ \d+/);
    expect(main.summary).toContain('build time');

    // The login lived in a DOCKER_CONFIG of its own, which post logged out of and removed.
    const login = JSON.parse(main.state['build-image-login'] as string);
    expect(login.dockerConfig.startsWith(job.context.RUNNER_TEMP as string)).toBe(true);
    expect(JSON.stringify(main.state)).not.toContain(testEnv('REGISTRY_PASSWORD'));
    expect(post?.exitCode).toBe(0);
    expect(post?.log).toContain(`logged out of ${testEnv('REGISTRY')}`);
    expect(existsSync(login.dockerConfig)).toBe(false);
  });

  it('reuses the cached layers when only the code changed, and keeps a registry cache beside the image', async () => {
    const runtime = await swissNodeBase();
    const repo = testRepository('example-cache');
    const workspace = exampleWithStamp(`first ${Date.now()} ${Math.random()}`);
    const inputs = {
      context: '.',
      image: repo.image,
      tags: 'type=raw,value=cache-test',
      'build-args': `BUILD_IMAGE=${testEnv('BASE_IMAGE_NODE')}\nRUNTIME_IMAGE=${runtime}`,
      'cache-from': 'registry',
      'cache-to': 'registry',
      ...registryLogin(),
    };
    const first = await buildImage({ workspace, inputs });
    expect(first.main.exitCode).toBe(0);
    const firstBuild = JSON.parse(first.main.outputs.metadata as string).build;
    expect(firstBuild.uncached).toContain('[runtime 4/4] COPY --chown=10001:10001 . .');
    expect(await servedDigest(repo.path, 'buildcache')).toMatch(/^sha256:/);

    exampleWithStamp(`second ${Date.now()} ${Math.random()}`, workspace);
    const second = await buildImage({ workspace, inputs });
    expect(second.main.exitCode).toBe(0);
    const build = JSON.parse(second.main.outputs.metadata as string).build;
    // Everything but the copy of the code comes from the cache: base, workdir, dependencies.
    expect(build.uncached).toEqual(['[runtime 4/4] COPY --chown=10001:10001 . .']);
    expect(build.cached).toBe(build.steps - 1);
    expect(build.cached).toBeGreaterThanOrEqual(5);
    expect(second.main.summary).toContain(`${build.cached} / ${build.steps}`);
    expect(second.main.outputs.digest).not.toBe(first.main.outputs.digest);
    expect(await servedDigest(repo.path, 'cache-test')).toBe(second.main.outputs.digest);
  });

  it('fails a broken Dockerfile with the failing line annotated, and pushes nothing', async () => {
    const repo = testRepository('broken');
    const tag = `never-${Date.now()}`;
    const { main } = await buildImage({
      inputs: {
        context: 'test/fixtures/image/broken-step',
        image: repo.image,
        tags: `type=raw,value=${tag}`,
        'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_DEBIAN')}`,
        ...registryLogin(),
      },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    const [annotation] = main.annotations.filter((a) => a.level === 'error');
    expect(annotation?.file).toBe('test/fixtures/image/broken-step/Dockerfile');
    expect(annotation?.line).toBe(6);
    expect(annotation?.message).toContain('did not complete successfully: exit code: 7');
    expect(annotation?.message).toContain('>>> RUN echo "this step fails on purpose" && exit 7');
    expect(await servedDigest(repo.path, tag)).toBeUndefined();
  });

  it('fails an unknown instruction with its line annotated', async () => {
    const { main } = await buildImage({
      inputs: {
        context: 'test/fixtures/image/broken-syntax',
        image: testRepository('broken').image,
        push: 'false',
        'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_DEBIAN')}`,
      },
    });
    expect(main.exitCode).toBe(1);
    const [annotation] = main.annotations.filter((a) => a.level === 'error');
    expect(annotation?.file).toBe('test/fixtures/image/broken-syntax/Dockerfile');
    expect(annotation?.line).toBe(5);
    expect(annotation?.message).toMatch(/unknown instruction: COPYY/i);
  });

  it('fails a wrong password with a clear error, and the password appears nowhere in the logs', async () => {
    const wrong = `not-the-password-${Date.now()}`;
    const { main, post } = await buildImage({
      inputs: {
        context: 'examples/app',
        image: testRepository('example-app').image,
        username: testEnv('REGISTRY_USER'),
        password: wrong,
      },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    const [annotation] = main.annotations.filter((a) => a.level === 'error');
    expect(annotation?.message).toContain(
      `The registry ${testEnv('REGISTRY')} refused the login of "${testEnv('REGISTRY_USER')}"`,
    );
    expect(annotation?.message).toContain('401 Unauthorized');
    expect(main.masks).toContain(wrong);
    for (const captured of [
      main.log,
      main.stderr,
      main.summary,
      JSON.stringify(main.state),
      post?.log ?? '',
    ]) {
      expect(captured).not.toContain(wrong);
    }
    // Apart from the ::add-mask:: command that tells the runner to hide it, stdout never holds it either.
    expect(main.stdout.split('\n').filter((line) => line.includes(wrong))).toEqual([`::add-mask::${wrong}`]);
  });

  it('fails an image over its size budget and says by how much', async () => {
    const repo = testRepository('big');
    const { main } = await buildImage({
      inputs: {
        context: 'test/fixtures/image/big',
        image: repo.image,
        tags: 'type=raw,value=budget',
        'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_DEBIAN')}`,
        'size-budget': '1MB',
        ...registryLogin(),
      },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    const [annotation] = main.annotations.filter((a) => a.level === 'error');
    const served = await servedDigest(repo.path, 'budget');
    const pushed = await manifest(repo.path, served as string);
    const bytes =
      (pushed.config as { size: number }).size +
      (pushed.layers as { size: number }[]).reduce((sum, layer) => sum + layer.size, 0);
    const mb = (n: number) => `${(n / 1e6).toFixed(n / 1e6 < 10 ? 2 : 1)} MB`;
    expect(annotation?.message).toContain(
      `The image is ${mb(bytes)}, ${mb(bytes - 1e6)} (${(((bytes - 1e6) / 1e6) * 100).toFixed(1)}%) over its size budget of 1.00 MB.`,
    );
    expect(main.summary).toContain(`over by ${mb(bytes - 1e6)}`);
  });

  it.each([
    [
      'a push to a branch',
      { name: 'push', payload: { ref: 'refs/heads/main' } },
      { GITHUB_REF: 'refs/heads/main' },
      ['main', 'sha-9f3c2a1'],
    ],
    ['the tag v1.2.3', TAG_PUSH.event, TAG_PUSH.context, ['v1.2.3', '1.2.3', 'sha-9f3c2a1', 'latest']],
    [
      'a pull request',
      { name: 'pull_request', payload: { number: 7, pull_request: { number: 7, base: { ref: 'main' } } } },
      { GITHUB_REF: 'refs/pull/7/merge', GITHUB_BASE_REF: 'main', GITHUB_HEAD_REF: 'feature/x' },
      ['pr-7', 'sha-9f3c2a1'],
    ],
    [
      'a scheduled run',
      { name: 'schedule', payload: { schedule: '0 2 * * *' } },
      { GITHUB_REF: 'refs/heads/main' },
      ['main', 'sha-9f3c2a1'],
    ],
  ])(
    'tags %s from the event the runner hands it, with the default rules',
    async (_, event, context, expected) => {
      const repo = testRepository('events');
      const { main } = await buildImage({
        event,
        context: { ...context, GITHUB_SHA: SHA },
        inputs: {
          context: 'docker/dev',
          file: 'docker/dev/node.Dockerfile',
          image: repo.image,
          push: 'false',
          'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_NODE')}`,
        },
      });
      expect(main.exitCode).toBe(0);
      expect(main.outputs.tags?.split('\n')).toEqual(expected.map((tag) => `${repo.image}:${tag}`));
    },
  );

  it('hands build secrets to RUN --mount=type=secret without putting them in a layer, the history or the log', async () => {
    const secret = `npm-token-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const repo = testRepository('secret');
    const { main } = await buildImage({
      inputs: {
        context: 'test/fixtures/image/secret',
        image: repo.image,
        tags: 'type=raw,value=local',
        push: 'false',
        secrets: `npm_token=${secret}`,
        'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_DEBIAN')}\nNONCE=${Date.now()}`,
      },
    });
    expect(main.exitCode).toBe(0);
    const image = `${repo.image}:local`;
    const checksum = docker(['run', '--rm', image, 'cat', '/token.sha256']).trim();
    expect(checksum).toBe(createHash('sha256').update(secret).digest('hex'));
    const history = docker(['image', 'history', '--no-trunc', '--format', '{{.CreatedBy}}', image]);
    expect(history).not.toContain(secret);
    expect(main.log).not.toContain(secret);
    expect(main.stderr).not.toContain(secret);
  });

  it('builds without pushing into the local engine when push is false', async () => {
    const { main } = await buildImage({
      inputs: {
        context: 'docker/base/node',
        image: testRepository('local-only').image,
        tags: 'type=raw,value=local',
        push: 'false',
        'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_NODE')}`,
      },
    });
    expect(main.exitCode).toBe(0);
    const id = docker([
      'image',
      'inspect',
      '--format',
      '{{.Id}}',
      `${testRepository('local-only').image}:local`,
    ]);
    expect(id.trim()).toBe(main.outputs.digest);
    expect(Number(main.outputs.size)).toBeGreaterThan(0);
  });
});
