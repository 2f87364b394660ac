// Config owned by its color, read where it matters: inside the running pods of the real node. The kubelet
// here syncs mounted ConfigMaps within seconds, so an in-place change of a live pod's config would show.
// Invariant: no deploy, failed or not, changes a byte a live pod reads before the switch, and right after
// an instant rollback the pods that serve read the old revision's config.
import {
  KNOWN,
  Kube,
  openPortForward,
  type KubeList,
  type KubeObject,
  type Service,
} from '@swiss-deploy/kube';
import { loadManifests, runBlueGreen, runRollback, type DeployOptions } from '@swiss-deploy/bluegreen';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { testEnv } from '../support/env';
import { kubectl } from '../integration/env/kube';
import { httpdDeployment, requireRealNode } from '../support/real-node';

jest.setTimeout(420_000);

let kube: Kube;
let namespace: string;
const work = mkdtempSync(path.join(os.tmpdir(), 'e2e-config-'));

/** The app: httpd serving /www, with the ConfigMap `shop-config` mounted at /www/config. */
function app(config: string, ready = true): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'shop' };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shop-config', labels },
      data: { 'settings.txt': config },
    },
    httpdDeployment({
      name: 'shop',
      labels,
      readyPath: ready ? '/config/settings.txt' : '/never-there',
      container: { volumeMounts: [{ name: 'config', mountPath: '/www/config', readOnly: true }] },
      pod: { volumes: [{ name: 'config', configMap: { name: 'shop-config' } }] },
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop', labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ];
}

function deploy(config: string, overrides: Partial<DeployOptions> & { ready?: boolean } = {}) {
  const file = path.join(work, `app-${Date.now()}.yaml`);
  writeFileSync(
    file,
    app(config, overrides.ready ?? true)
      .map((o) => stringify(o))
      .join('---\n'),
  );
  return runBlueGreen(kube, {
    app: 'shop',
    namespace,
    manifests: loadManifests([file]),
    timeoutMs: 180_000,
    holder: { identity: `e2e-config-${Date.now()}` },
    ...overrides,
  });
}

interface Pod extends KubeObject {
  status?: { phase?: string };
  metadata: KubeObject['metadata'] & { uid?: string; deletionTimestamp?: string };
}

/** The running pods the stable Service sends traffic to now. */
async function livePods(): Promise<Pod[]> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
  const selector = Object.entries(service.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await kube.request<KubeList<Pod>>('GET', `/api/v1/namespaces/${namespace}/pods`, {
    query: { labelSelector: selector },
  });
  const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  if (running.length === 0) throw new Error(`no running pod behind Service shop (selector ${selector})`);
  return running;
}

/** The config file as each live pod reads it, from inside the container. */
async function readInside(pods: Pod[]): Promise<string[]> {
  return Promise.all(
    pods.map(async (pod) => {
      const result = await kubectl([
        'exec',
        '--namespace',
        namespace,
        pod.metadata.name as string,
        '--',
        '/bin/busybox',
        'cat',
        '/www/config/settings.txt',
      ]);
      return result.stdout;
    }),
  );
}

/** What the stable Service serves as its config, through a port-forward opened now. */
async function served(): Promise<string> {
  const forward = await openPortForward(`${namespace}/shop:80`, { kubeConfig: testEnv('KUBECONFIG') });
  try {
    return await (await fetch(`${forward.url}/config/settings.txt`)).text();
  } finally {
    await forward.close();
  }
}

/** Reads the live pods' config over and over while `work` runs; returns every distinct value seen. */
async function watchLiveConfig<T>(
  work: () => Promise<T>,
): Promise<{ seen: Set<string>; outcome: T | Error }> {
  const pods = await livePods();
  const seen = new Set<string>();
  let done = false;
  const reader = (async () => {
    while (!done) {
      for (const text of await readInside(pods)) seen.add(text);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  let outcome: T | Error;
  try {
    outcome = await work();
  } catch (error) {
    outcome = error as Error;
  } finally {
    done = true;
  }
  await reader;
  return { seen, outcome };
}

beforeAll(async () => {
  requireRealNode(testEnv('KUBE_MODE'));
  kube = await Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });
  namespace = `e2e-config-${Math.random().toString(36).slice(2, 8)}`;
  await kube.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
});

afterAll(async () => {
  await kube.request('DELETE', KNOWN.namespace(namespace)).catch(() => undefined);
});

describe('config inside the pods of the real node', () => {
  it('is the first revision’s config once it is live', async () => {
    await expect(deploy('config v1\n')).resolves.toMatchObject({ status: 'succeeded', color: 'blue' });
    expect(await readInside(await livePods())).toEqual(['config v1\n']);
  });

  it('stays byte for byte the same in the live pods while a deploy with new config fails its gate', async () => {
    const before = await livePods();
    // Long enough for the kubelet (10 s sync here) to have rewritten a mounted ConfigMap more than once.
    const { seen, outcome } = await watchLiveConfig(() =>
      deploy('config v2\n', { ready: false, timeoutMs: 30_000 }),
    );
    expect(outcome).toBeInstanceOf(Error);
    expect([...seen]).toEqual(['config v1\n']);
    const after = await livePods();
    expect(after.map((p) => p.metadata.uid)).toEqual(before.map((p) => p.metadata.uid));
    expect(await readInside(after)).toEqual(['config v1\n']);
    expect(await served()).toBe('config v1\n');
  });

  it('stays the same in the live pods up to the switch of a good deploy, then the new pods read the new config', async () => {
    const { seen, outcome } = await watchLiveConfig(() => deploy('config v2\n', { promotion: 'manual' }));
    expect(outcome).toMatchObject({ status: 'preview', color: 'blue' });
    expect([...seen]).toEqual(['config v1\n']);
    await expect(deploy('config v2\n', { action: 'promote', manifests: undefined })).resolves.toMatchObject({
      status: 'promoted',
      color: 'green',
    });
    expect(await readInside(await livePods())).toEqual(['config v2\n']);
    expect(await served()).toBe('config v2\n');
  });

  it('serves the old revision’s config right after an instant rollback', async () => {
    const report = await runRollback(kube, {
      app: 'shop',
      namespace,
      to: 'previous',
      reason: 'e2e: config of the previous revision',
      timeoutMs: 120_000,
      holder: { identity: `e2e-config-rollback-${Date.now()}` },
    });
    expect(report).toMatchObject({ mode: 'switch', color: 'blue' });
    // No wait: the pods that serve now must read the old config already.
    expect(await readInside(await livePods())).toEqual(['config v1\n']);
    expect(await served()).toBe('config v1\n');
  });
});
