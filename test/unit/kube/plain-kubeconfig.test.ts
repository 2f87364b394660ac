import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskSecrets } from '@swiss-deploy/kit';
import { Kube } from '@swiss-deploy/kube';

/** An API server stand-in on loopback that records each request's Authorization and the connections made. */
async function recordingServer(): Promise<{
  url: string;
  authorizations: (string | undefined)[];
  connections: () => number;
  close: () => Promise<void>;
}> {
  const authorizations: (string | undefined)[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((request, response) => {
    authorizations.push(request.headers.authorization);
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify({ kind: 'NamespaceList', items: [] }));
  });
  server.on('connection', (socket: net.Socket) => {
    connections += 1;
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    authorizations,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function kubeconfig(lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'plain-kubeconfig-')), 'config');
  writeFileSync(file, ['apiVersion: v1', 'kind: Config', ...lines].join('\n'));
  return file;
}

describe('a plain kubeconfig (server, CA, token or client certificate)', () => {
  let server: Awaited<ReturnType<typeof recordingServer>>;
  beforeEach(async () => (server = await recordingServer()));
  afterEach(() => server.close());

  const tokenConfig = (token: string, extraContext = ''): string =>
    kubeconfig([
      `clusters: [{ name: c, cluster: { server: "${server.url}", insecure-skip-tls-verify: true } }]`,
      `users: [{ name: u, user: { token: ${token} } }, { name: other, user: { token: other-user-secret } }]`,
      `contexts: [{ name: x, context: { cluster: c, user: u } }${extraContext}]`,
      'current-context: x',
    ]);

  it("sends the context's user's token on every request and masks every user's token", async () => {
    const kube = await Kube.connect({ kubeconfigFile: tokenConfig('s3cr3t-token'), env: {} });
    await kube.request('GET', '/api/v1/namespaces');
    expect(server.authorizations).toEqual(['Bearer s3cr3t-token']);
    expect(kube.contextName).toBe('x');
    expect(maskSecrets('s3cr3t-token and other-user-secret')).toBe('*** and ***');
  });

  it('reuses one connection for requests one after another', async () => {
    const kube = await Kube.connect({ kubeconfigFile: tokenConfig('t0ken'), env: {} });
    for (let i = 0; i < 5; i++) await kube.request('GET', '/api/v1/namespaces');
    expect(server.authorizations).toHaveLength(5);
    expect(server.connections()).toBe(1);
  });

  it('takes the context input, and names the contexts there are when it is not one of them', async () => {
    const file = tokenConfig('t0ken', `, { name: y, context: { cluster: c, user: other } }`);
    const kube = await Kube.connect({ kubeconfigFile: file, context: 'y', env: {} });
    await kube.request('GET', '/api/v1/namespaces');
    expect(server.authorizations).toEqual(['Bearer other-user-secret']);
    await expect(Kube.connect({ kubeconfigFile: file, context: 'z', env: {} })).rejects.toThrow(
      'Input "context" is "z": the kubeconfig has no such context (it has: x, y).',
    );
  });

  it('reads KUBECONFIG when it names one file', async () => {
    const kube = await Kube.connect({ env: { KUBECONFIG: tokenConfig('from-env') } });
    await kube.request('GET', '/api/v1/namespaces');
    expect(server.authorizations).toEqual(['Bearer from-env']);
  });
});
