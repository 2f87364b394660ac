// The example app as a process: what the probes, the smoke tests and the quick start rely on.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
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

/** GET on a kept-alive agent: the status, the Connection header and the socket's local port (its identity). */
function get(
  agent: http.Agent,
  url: string,
): Promise<{ status: number; connection?: string; socket: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        // Read now: the socket is gone from the response once a closing connection ends.
        const socket = res.socket.localPort ?? 0;
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, socket }),
        );
      })
      .on('error', reject);
  });
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
    const { app, url } = await startApp({ STARTUP_DELAY_MS: '60000', DRAIN_DELAY_MS: '200' });
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

  it('keeps answering for its drain delay after SIGTERM, closing each connection it answers, then exits', async () => {
    const { app, url } = await startApp({ DRAIN_DELAY_MS: '1500' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(agent, `${url}/version`)).toMatchObject({ status: 200, connection: 'keep-alive' });
      const exited = once(app, 'exit');
      app.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Still serving, not ready, and telling kept-alive clients to reconnect (to a pod that stays).
      expect(await get(agent, `${url}/version`)).toMatchObject({ status: 200, connection: 'close' });
      expect(await get(agent, `${url}/readyz`)).toMatchObject({ status: 503, connection: 'close' });
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      agent.destroy();
      app.kill('SIGKILL');
    }
  });

  it('closes a kept-alive connection older than its maximum age after the next answer', async () => {
    const { app, url } = await startApp({ CONNECTION_MAX_AGE_MS: '300' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(agent, `${url}/version`);
      expect(first.connection).toBe('keep-alive');
      expect((await get(agent, `${url}/version`)).socket).toBe(first.socket);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await get(agent, `${url}/version`)).toMatchObject({ socket: first.socket, connection: 'close' });
      expect((await get(agent, `${url}/version`)).socket).not.toBe(first.socket);
    } finally {
      agent.destroy();
      app.kill('SIGKILL');
    }
  });
});
