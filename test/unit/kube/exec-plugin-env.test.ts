// A kubeconfig exec plugin is started by the Kubernetes client with this process's environment. The step's
// inputs and the runner's tokens must not reach it; the kubeconfig's own exec env must.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kube } from '@swiss-deploy/kube';

const dir = mkdtempSync(path.join(os.tmpdir(), 'exec-plugin-'));
const dump = path.join(dir, 'env.json');
const canaries = {
  INPUT_KUBECONFIG: 'kubeconfig-canary-0123456789',
  'INPUT_GITHUB-TOKEN': 'ghs_canary0123456789',
  ACTIONS_RUNTIME_TOKEN: 'runtime-canary-0123456789',
  GITHUB_TOKEN: 'ghs_canary9876543210',
};

// The plugin writes the environment it got, then answers with a token as an ExecCredential.
const plugin = `require('fs').writeFileSync(${JSON.stringify(dump)}, JSON.stringify(process.env));
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'plugin-token-0123456789' } }));`;

function kubeconfig(): string {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9', 'insecure-skip-tls-verify': true } }],
      users: [
        {
          name: 'u',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: ['-e', plugin],
              env: [{ name: 'PLUGIN_REGION', value: 'eu-central-2' }],
              interactiveMode: 'Never',
            },
          },
        },
      ],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return file;
}

describe('a kubeconfig exec plugin', () => {
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, canaries));
  afterAll(() => {
    for (const name of Object.keys(canaries)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('gets its own env and PATH, but none of the step inputs or runner tokens', async () => {
    const kube = await Kube.connect({ kubeconfigFile: kubeconfig(), requestTimeoutMs: 5_000 });
    // The plugin runs when the request is signed; the closed port then refuses the connection.
    await expect(kube.request('GET', '/version')).rejects.toThrow();
    const seen = JSON.parse(readFileSync(dump, 'utf8')) as Record<string, string>;
    expect(seen.PLUGIN_REGION).toBe('eu-central-2');
    expect(seen.PATH).toBe(process.env.PATH);
    const leaked = Object.entries(canaries).filter(([name, value]) => seen[name] === value);
    expect(leaked).toEqual([]);
    expect(JSON.stringify(seen)).not.toMatch(/canary/);
  });
});
