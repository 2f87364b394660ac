import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kube, KubeTimeoutError, LeaseLock, watchUntil } from '@swiss-deploy/kube';
import type { ConnectOptions } from '../../../packages/kube/client';

/** A kubeconfig for a plain-HTTP server on loopback, written where a test may write. */
function kubeconfigFor(server: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deadlines-'));
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "' + server + '", insecure-skip-tls-verify: true } }]',
      'users: [{ name: u, user: { token: t0ken } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n'),
  );
  return file;
}

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** Accepts every connection and never answers: a firewall, a wrong port, a wedged proxy. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  const url = await listen(server);
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const unexpected = (): never => {
  throw new Error('expected a failure');
};
const caught = (error: unknown): Error & { hint?: string } => error as Error & { hint?: string };

async function connect(server: string, options: Partial<ConnectOptions> = {}): Promise<Kube> {
  return Kube.connect({ kubeconfigFile: kubeconfigFor(server), env: {}, ...options });
}

describe('every Kubernetes request has a deadline', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeEach(async () => (silent = await silentServer()));
  afterEach(() => silent.close());

  it('fails a request to a server that accepts and never answers, naming the server and the request', async () => {
    const kube = await connect(silent.url, { requestTimeoutMs: 300 });
    const started = Date.now();
    const error = await kube
      .request('GET', '/apis/apps/v1/namespaces/shop/deployments')
      .then(unexpected, caught);
    expect(error).toBeInstanceOf(KubeTimeoutError);
    expect(error.message).toBe(
      `The Kubernetes API server ${silent.url} did not answer GET /apis/apps/v1/namespaces/shop/deployments within 300ms.`,
    );
    expect(error.hint).toContain('server address');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('lets one request shorten its own deadline, never lengthen it past the step timeout', async () => {
    const kube = await connect(silent.url, { requestTimeoutMs: 60_000, stepTimeoutMs: 400 });
    expect(kube.requestTimeoutMs).toBe(400);
    const short = await kube
      .request('GET', '/api/v1/namespaces', { timeoutMs: 100 })
      .then(unexpected, caught);
    expect(short.message).toContain('within 100ms');
    const capped = await kube
      .request('GET', '/api/v1/namespaces', { timeoutMs: 60_000 })
      .then(unexpected, caught);
    expect(capped.message).toContain('within 400ms');
  });

  it('defaults to 30 s per request', async () => {
    const kube = await connect(silent.url);
    expect(kube.requestTimeoutMs).toBe(30_000);
  });

  it('stops a request when its signal aborts, with the signal’s reason', async () => {
    const kube = await connect(silent.url);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('sibling decided')), 50);
    const error = await kube
      .request('GET', '/api/v1/pods', { signal: controller.signal })
      .then(unexpected, caught);
    expect(error.message).toBe('sibling decided');
  });

  it('fails opening a watch on a silent server with the same named error', async () => {
    const kube = await connect(silent.url, { requestTimeoutMs: 200 });
    const error = await watchUntil(
      kube,
      { path: '/api/v1/namespaces/shop/pods' },
      { deadline: Date.now() + 10_000, onTimeout: () => new Error('deadline'), decide: () => undefined },
    ).then(unexpected, caught);
    expect(error).toBeInstanceOf(KubeTimeoutError);
    expect(error.message).toMatch(/did not answer GET \/api\/v1\/namespaces\/shop\/pods within 200ms/);
  });

  it('bounds taking the deploy lock', async () => {
    const kube = await connect(silent.url, { stepTimeoutMs: 250 });
    const error = await LeaseLock.acquire(kube, {
      namespace: 'shop',
      name: 'swiss-deploy-web',
      holder: { identity: 'run-1' },
    }).then(unexpected, caught);
    expect(error).toBeInstanceOf(KubeTimeoutError);
    // The lock is taken by creating its Lease: that first request is the one bounded.
    expect(error.message).toContain(
      'did not answer POST /apis/coordination.k8s.io/v1/namespaces/shop/leases within 250ms',
    );
  });
});

describe('watch liveness', () => {
  it('tears down a watch that sends headers and then nothing, and watches again from the last resourceVersion', async () => {
    const watches: Array<string | null> = [];
    const open = new Set<http.ServerResponse>();
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      if (url.searchParams.get('watch') !== '1') {
        response.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [] }));
        return;
      }
      watches.push(url.searchParams.get('resourceVersion'));
      response.writeHead(200, { 'Content-Type': 'application/json' });
      open.add(response);
      if (watches.length === 1) {
        // One event, then a stream that stays open and silent: a half-open connection.
        const pod = { metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '11' } };
        response.write(JSON.stringify({ type: 'ADDED', object: pod }) + '\n');
        return;
      }
      const ready = { metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '12' }, ready: true };
      response.write(JSON.stringify({ type: 'MODIFIED', object: ready }) + '\n');
    });
    const url = await listen(server);
    try {
      const kube = await connect(url);
      const result = await watchUntil(
        kube,
        { path: '/api/v1/namespaces/shop/pods' },
        {
          deadline: Date.now() + 10_000,
          idleMs: 200,
          onTimeout: () => new Error('deadline'),
          decide: (objects) =>
            (objects.get('shop/web-1') as unknown as { ready?: boolean } | undefined)?.ready
              ? 'ready'
              : undefined,
        },
      );
      expect(result).toBe('ready');
      expect(watches).toEqual(['10', '11']);
      expect(kube.requestCounts()).toMatchObject({ list: 1, WATCH: 2 });
    } finally {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps a quiet watch that receives bookmarks', async () => {
    let watches = 0;
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      if (url.searchParams.get('watch') !== '1') {
        response.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [] }));
        return;
      }
      watches++;
      response.writeHead(200);
      const bookmark = { type: 'BOOKMARK', object: { metadata: { resourceVersion: '10' } } };
      const timer = setInterval(() => response.write(JSON.stringify(bookmark) + '\n'), 50);
      response.on('close', () => clearInterval(timer));
    });
    const url = await listen(server);
    try {
      const kube = await connect(url);
      const error = await watchUntil(
        kube,
        { path: '/api/v1/namespaces/shop/pods' },
        {
          deadline: Date.now() + 700,
          idleMs: 200,
          onTimeout: () => new Error('deadline passed'),
          decide: () => undefined,
        },
      ).then(unexpected, caught);
      expect(error.message).toBe('deadline passed');
      expect(watches).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
