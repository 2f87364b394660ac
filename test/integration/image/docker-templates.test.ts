// The docker/ bases and templates, built by build-image on the environment's local bases and run.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { buildImage, swissNodeBase, testRepository } from './harness';

jest.setTimeout(900_000);

function docker(args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: testEnv('DOCKER_HOST') },
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/** Runs an image detached with its port 8080 on a free loopback port; returns the URL and a stopper. */
function run(image: string, extra: string[] = []): { url: string; stop: () => void } {
  const id = docker(['run', '-d', '--rm', '-p', '127.0.0.1::8080', ...extra, image]);
  const port = docker(['port', id, '8080/tcp']).split('\n')[0]?.split(':').pop();
  return { url: `http://127.0.0.1:${port}`, stop: () => void docker(['rm', '-f', id]) };
}

/** Polls until the server answers as expected, or gives up after the number of tries. */
async function until(
  url: string,
  accept: (body: string, status: number) => boolean,
  tries = 100,
): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    try {
      // Docker's port proxy accepts connections before the app listens; such a request never ends.
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = await response.text();
      if (accept(last, response.status)) return last;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never answered as expected; last answer: ${last}`);
}

/** A GET with the path sent as written: fetch would resolve the `..` segments before sending. */
function rawGet(base: string, rawPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/`, { path: rawPath, timeout: 5000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(`${response.statusCode}\n${body}`));
    });
    request.on('error', reject);
  });
}

async function localBuild(inputs: Record<string, string>): Promise<string> {
  const { main } = await buildImage({ inputs: { push: 'false', ...inputs } });
  if (main.exitCode !== 0) throw new Error(`build of ${inputs.context} failed:\n${main.log}`);
  return (main.outputs.tags as string).split('\n')[0] as string;
}

describe('the docker/ bases and templates', () => {
  it('serve a static site as a non-root user, with /healthz, hashed-asset caching and the SPA fallback', async () => {
    const node = await swissNodeBase();
    const staticBase = await localBuild({
      context: 'docker/base/static',
      image: testRepository('base-static').image,
      tags: 'type=raw,value=local',
      'build-args': `BASE_IMAGE=${node}`,
    });
    const site = await localBuild({
      context: 'test/fixtures/image/static-site',
      file: 'docker/templates/static/Dockerfile',
      image: testRepository('static-site').image,
      tags: 'type=raw,value=local',
      'build-args': `BUILD_IMAGE=${testEnv('BASE_IMAGE_NODE')}\nRUNTIME_IMAGE=${staticBase}`,
    });
    expect(docker(['image', 'inspect', '--format', '{{.Config.User}}', site])).toBe('10001:10001');
    expect(docker(['image', 'inspect', '--format', '{{json .Config.Healthcheck.Test}}', site])).toContain(
      'healthcheck.mjs',
    );
    const { url, stop } = run(site);
    try {
      await until(`${url}/healthz`, (_, status) => status === 200);
      expect(await (await fetch(`${url}/`)).text()).toContain('Grüezi from the static template');
      const asset = await fetch(`${url}/assets/app.3f2a9c1d.js`);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const deepLink = await fetch(`${url}/orders/42`);
      expect(deepLink.status).toBe(200);
      expect(await deepLink.text()).toContain('<h1>');
      expect((await fetch(`${url}/missing.png`)).status).toBe(404);
      const escape = await rawGet(url, '/../../../etc/passwd');
      expect(escape).not.toContain('root:x:0:0');
    } finally {
      stop();
    }
  });

  it('runs the development image on the mounted source and reloads it on save', async () => {
    const image = await localBuild({
      context: 'docker/dev',
      file: 'docker/dev/node.Dockerfile',
      image: testRepository('dev-node').image,
      tags: 'type=raw,value=local',
      'build-args': `BASE_IMAGE=${testEnv('BASE_IMAGE_NODE')}`,
    });
    const source = mkdtempSync(path.join(os.tmpdir(), 'dev-app-'));
    cpSync(path.join(repoRoot, 'examples', 'app'), source, { recursive: true });
    const { url, stop } = run(image, ['-v', `${source}:/app`]);
    try {
      expect(await until(`${url}/`, (body) => body.includes('Grüezi'))).toContain('dev');
      const server = path.join(source, 'server.js');
      writeFileSync(
        server,
        readFileSync(server, 'utf8').replace('Grüezi from example-app', 'Hoi from example-app'),
      );
      expect(await until(`${url}/`, (body) => body.includes('Hoi'))).toContain('Hoi from example-app dev');
    } finally {
      stop();
    }
  });
});
