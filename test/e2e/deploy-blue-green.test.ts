// Real-node e2e: pods really run (kubelet + containerd), and the Services are reached through the API
// server's port-forward. The preview answers with the new version before the switch; the stable Service
// answers with it after.
import { openPortForward, KNOWN, Kube, type KubeObject, type Service } from '@swiss-deploy/kube';
import { loadManifests, runBlueGreen, type DeployOptions } from '@swiss-deploy/bluegreen';
import { testEnv } from '../support/env';
import { manifestFile, versionedApp } from '../support/real-node';

jest.setTimeout(300_000);

let kube: Kube;
let namespace: string;

function app(version: string): KubeObject[] {
  return versionedApp('hello', version) as KubeObject[];
}

async function deploy(version: string, overrides: Partial<DeployOptions> = {}) {
  return runBlueGreen(kube, {
    app: 'hello',
    namespace,
    manifests: loadManifests([manifestFile(app(version))]),
    timeoutMs: 180_000,
    holder: { identity: `e2e-${version}-${Date.now()}` },
    ...overrides,
  });
}

/** What a Service answers on /version, through a port-forward opened now (so it sees the current endpoints). */
async function answer(service: string): Promise<string> {
  const forward = await openPortForward(`${namespace}/${service}:80`, { kubeConfig: testEnv('KUBECONFIG') });
  try {
    const response = await fetch(`${forward.url}/version`);
    return (await response.text()).trim();
  } finally {
    await forward.close();
  }
}

beforeAll(async () => {
  const mode = testEnv('KUBE_MODE');
  if (mode !== 'real' && mode !== 'mixed')
    throw new Error(
      `the deploy e2e needs a real node (KUBE_MODE real or mixed), the environment runs ${mode}`,
    );
  kube = await Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });
  namespace = `e2e-bg-${Math.random().toString(36).slice(2, 8)}`;
  await kube.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
});

afterAll(async () => {
  await kube.request('DELETE', KNOWN.namespace(namespace)).catch(() => undefined);
});

describe('blue/green on a real node', () => {
  it('serves the new version on the preview before the switch and on the stable Service after it', async () => {
    await expect(deploy('v1')).resolves.toMatchObject({ status: 'succeeded', color: 'blue' });
    expect(await answer('hello')).toBe('v1');

    await expect(deploy('v2', { promotion: 'manual' })).resolves.toMatchObject({
      status: 'preview',
      color: 'blue',
    });
    expect(await answer('hello-preview')).toBe('v2');
    expect(await answer('hello')).toBe('v1');

    await expect(deploy('v2', { action: 'promote', manifests: undefined })).resolves.toMatchObject({
      status: 'promoted',
      color: 'green',
    });
    const stable = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/hello`);
    expect(stable.spec?.selector?.['swiss-deploy/color']).toBe('green');
    expect(await answer('hello')).toBe('v2');
  });
});
