// The example app as a process: what the probes, the smoke tests and the quick start rely on.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import { repoRoot } from '../../support/versions';

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  return port;
}

async function startApp(env: Record<string, string>): Promise<{ app: ChildProcess; url: string }> {
  const port = await freePort();
  const app = spawn(process.execPath, [path.join(repoRoot, 'examples', 'app', 'server.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  app.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('"listening"')) await once(app.stdout as NodeJS.ReadableStream, 'data');
  return { app, url: `http://127.0.0.1:${port}` };
}

describe('the example app', () => {
  it('answers /healthz, /readyz and /version with the version it was built with', async () => {
    const { app, url } = await startApp({ APP_VERSION: '1.2.3', DEPLOY_COLOR: 'blue' });
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      expect(await ready.text()).toBe('ready\n');
      const version = await (await fetch(`${url}/version`)).json();
      expect(version).toMatchObject({ version: '1.2.3', color: 'blue' });
      expect((await fetch(`${url}/nope`)).status).toBe(404);
      expect((await fetch(`${url}/`, { method: 'POST' })).status).toBe(405);
    } finally {
      app.kill('SIGKILL');
    }
  });

  it('is not ready while it starts up, and stops cleanly on SIGTERM', async () => {
    const { app, url } = await startApp({ STARTUP_DELAY_MS: '60000' });
    try {
      const starting = await fetch(`${url}/readyz`);
      expect(starting.status).toBe(503);
      expect(await starting.text()).toBe('starting\n');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      app.kill('SIGTERM');
      const [code] = await once(app, 'exit');
      expect(code).toBe(0);
    } finally {
      app.kill('SIGKILL');
    }
  });
});
