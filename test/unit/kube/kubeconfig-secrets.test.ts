import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskSecrets } from '@swiss-deploy/kit';
import { Kube } from '@swiss-deploy/kube';
import { aliasBomb } from '../../support/yaml-bombs';

/** Written the way LockSession writes the kubeconfig input: a swiss-deploy-kubeconfig-* file in RUNNER_TEMP. */
function inputFile(text: string): { file: string; env: NodeJS.ProcessEnv } {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  const file = path.join(temp, 'swiss-deploy-kubeconfig-abc123');
  writeFileSync(file, text);
  return { file, env: { RUNNER_TEMP: temp } };
}

const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );

describe('kubeconfig secrets', () => {
  it('says only line and column of a YAML error, never the content or the temp path', async () => {
    const { file, env } = inputFile(
      'apiVersion: v1\nkind: Config\nusers: [{ name: u, user: { token: "s3cr3t-token-value-0123456789 } }]\n',
    );
    const error = await failure(Kube.connect({ kubeconfigFile: file, env }));
    expect(error.message).toMatch(
      /^The kubeconfig input is not valid YAML at line \d+, column \d+: [^\n]+\.$/,
    );
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).not.toContain(file);
    expect(error.message).not.toContain(env.RUNNER_TEMP as string);
  });

  it('names the input, not its temp file, when the kubeconfig has no current cluster', async () => {
    const { file, env } = inputFile('apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    const error = await failure(Kube.connect({ kubeconfigFile: file, env }));
    expect(error.message).toBe('The kubeconfig input has no current cluster with a server address.');
  });

  it('masks every credential of the kubeconfig, however short', async () => {
    const { file, env } = inputFile(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]',
        'users:',
        '  - { name: a, user: { token: tk1 } }',
        '  - { name: b, user: { username: admin, password: pw } }',
        '  - { name: c, user: { client-certificate-data: Y2VydA==, client-key-data: a2V5 } }',
        '  - name: d',
        '    user:',
        '      exec: { apiVersion: client.authentication.k8s.io/v1, command: x, env: [{ name: T, value: ex } ] }',
        '  - { name: e, user: { auth-provider: { name: oidc, config: { id-token: oi, client-secret: cs } } } }',
        'contexts: [{ name: x, context: { cluster: c, user: a } }]',
        'current-context: x',
      ].join('\n'),
    );
    await Kube.connect({ kubeconfigFile: file, env });
    expect(maskSecrets('token tk1 password pw key a2V5 env ex id oi secret cs')).toBe(
      'token *** password *** key *** env *** id *** secret ***',
    );
    // Certificate data is public; the user name is not a credential.
    expect(maskSecrets('Y2VydA== admin')).toBe('Y2VydA== admin');
  });

  it('refuses an alias bomb as the alias limit, by position only, before the client parses it', async () => {
    const { file, env } = inputFile(
      `apiVersion: v1\nkind: Config\nusers: [{ name: u, user: { token: s3cr3t-bomb-token } }]\n${aliasBomb('x')}`,
    );
    const error = await failure(Kube.connect({ kubeconfigFile: file, env }));
    expect(error.message).toMatch(
      /^The kubeconfig input goes over a YAML limit at line 1: it expands more than 100 aliases, the limit that stops an alias bomb .*\.$/,
    );
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).not.toContain(file);
  });
});

describe('a kubeconfig the plain reader leaves to the library', () => {
  // Here, not with the plain reader's tests: this file loads the library anyway.
  it('refuses plain HTTP without insecure-skip-tls-verify, with the library’s reason', async () => {
    const { file, env } = inputFile(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1" } }]',
        'users: [{ name: u, user: { token: t0ken } }]',
        'contexts: [{ name: x, context: { cluster: c, user: u } }]',
        'current-context: x',
      ].join('\n'),
    );
    const kube = await Kube.connect({ kubeconfigFile: file, env });
    const error = await failure(kube.request('GET', '/api/v1/namespaces'));
    expect(error.message).toMatch(/HTTP protocol is not allowed when skipTLSVerify is not set or false/);
  });
});
