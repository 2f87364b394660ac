// The analysis client over TLS with a CA of its own and basic auth, against an https server this test runs
// with a certificate made by openssl for the occasion: the CA input is what makes the server trusted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { queryPrometheus } from '../../../packages/analysis/prometheus';

const dir = mkdtempSync(path.join(os.tmpdir(), 'analysis-tls-'));
const file = (name: string) => path.join(dir, name);
let server: Server;
let authorization: string | undefined;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

beforeAll(async () => {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=analysis test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  ]);
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('ext.cnf'),
    '-out',
    file('server.pem'),
  ]);
  server = createServer(
    { key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) },
    (request, response) => {
      authorization = request.headers.authorization;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.02'] }] },
        }),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const url = () => `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('the analysis client over TLS', () => {
  it('trusts the server through the given CA and sends basic auth', async () => {
    const answer = await queryPrometheus(
      {
        url: url(),
        ca: readFileSync(file('ca.pem'), 'utf8'),
        username: 'ci',
        password: 'pw',
        timeoutMs: 5000,
      },
      'up',
    );
    expect(answer.values).toEqual([0.02]);
    expect(authorization).toBe(`Basic ${Buffer.from('ci:pw').toString('base64')}`);
  });

  it('refuses the server without the CA', async () => {
    await expect(queryPrometheus({ url: url(), timeoutMs: 5000 }, 'up')).rejects.toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(/self[- ]signed|unable to (get|verify)/i),
    });
  });
});
