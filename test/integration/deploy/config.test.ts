// Config owned by its color, against the real API server: a new revision's config is a new object, so no
// deploy (failed or not) changes what the live pods read, traffic objects move only at the switch, a
// rollback finds the old config still there, and copies no kept revision reads are collected.
import { KNOWN, type Deployment, type Kube, type KubeList, type KubeObject } from '@swiss-deploy/kube';
import { runRollback } from '@swiss-deploy/bluegreen';
import { configReferences } from '../../../packages/bluegreen/config';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import { adminKube, appObjects, createNamespace, deleteNamespace, deploy, requireKwok } from './cluster';

jest.setTimeout(180_000);

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-config');
});
afterAll(async () => deleteNamespace(kube, namespace));

const ingress = (host: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'shop', labels: { 'app.kubernetes.io/name': 'shop' } },
  spec: {
    rules: [
      {
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'shop', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});

const app = (version: string, host: string, extra: Parameters<typeof appObjects>[0] = { version }) =>
  appObjects({ ...extra, version, readsConfig: true, replicas: 1, extra: [ingress(host)] });

async function configMaps(): Promise<Map<string, KubeObject>> {
  const list = await kube.request<KubeList<KubeObject>>('GET', `/api/v1/namespaces/${namespace}/configmaps`, {
    query: { labelSelector: 'swiss-deploy/role=config' },
  });
  return new Map(list.items.map((item) => [item.metadata.name as string, item]));
}

/** The ConfigMaps a colored Deployment's pods read, by name. */
async function readBy(color: string): Promise<string[]> {
  const deployment = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/shop-${color}`);
  return [...new Set(configReferences(deployment.spec?.template?.spec).map((r) => r.name))];
}

const ingressObject = () =>
  kube.request<KubeObject>('GET', `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/shop`);

describe('config owned by its color', () => {
  let liveCopy: string;

  it('deploys the config as an immutable copy named after its content, which the live pods read', async () => {
    await deploy(kube, namespace, app('1', 'v1.example'));
    const [name] = await readBy('blue');
    expect(name).toMatch(/^shop-config-[0-9a-f]{10}$/);
    const copy = (await configMaps()).get(name!);
    expect(copy).toMatchObject({ data: { VERSION: '1' }, immutable: true });
    // The name in the manifests is never applied: nothing reads it, so nothing could change under a pod.
    await expect(
      kube.request('GET', `/api/v1/namespaces/${namespace}/configmaps/shop-config`),
    ).rejects.toMatchObject({ code: 404 });
    liveCopy = name!;
  });

  it('leaves every byte the live pods read, and the Ingress, as they were when the new color fails its gate', async () => {
    const before = (await configMaps()).get(liveCopy)!;
    const ingressBefore = await ingressObject();
    await expect(
      deploy(kube, namespace, app('2', 'v2.example', { version: '2', fail: 'image-pull' }), {
        timeoutMs: 20_000,
      }),
    ).rejects.toThrow(/ImagePullBackOff/);
    const after = await configMaps();
    expect(after.get(liveCopy)).toEqual(before);
    expect(await readBy('blue')).toEqual([liveCopy]);
    expect((await ingressObject()).metadata.resourceVersion).toBe(ingressBefore.metadata.resourceVersion);
    // The failed revision's own copy exists, read only by the failed (scaled-down) color.
    const [failedCopy] = await readBy('green');
    expect(failedCopy).not.toBe(liveCopy);
    expect(after.get(failedCopy!)).toMatchObject({ data: { VERSION: '2' } });
  });

  it('switches the Ingress with the Service, and a rollback serves the old config and the old Ingress at once', async () => {
    await deploy(kube, namespace, app('3', 'v3.example'));
    expect(((await ingressObject()).spec as { rules: { host: string }[] }).rules[0]!.host).toBe('v3.example');
    const [greenCopy] = await readBy('green');
    expect((await configMaps()).get(greenCopy!)).toMatchObject({ data: { VERSION: '3' } });
    expect(await readBy('blue')).toEqual([liveCopy]);

    const report = await runRollback(kube, {
      app: 'shop',
      namespace,
      to: 'previous',
      reason: 'config test',
      timeoutMs: 30_000,
      holder: { identity: `rollback/${Date.now()}` },
    });
    expect(report.mode).toBe('switch');
    expect(((await ingressObject()).spec as { rules: { host: string }[] }).rules[0]!.host).toBe('v1.example');
    expect((await configMaps()).get(liveCopy)).toMatchObject({ data: { VERSION: '1' } });
  });

  it('records the copies each revision reads and collects the ones no kept revision or Deployment reads', async () => {
    const revisions = await readRevisions(kube, namespace, 'shop');
    expect(revisions.find((r) => r.revision === 1)?.configs).toEqual([`ConfigMap/${liveCopy}`]);
    for (const version of ['4', '5', '6'])
      await deploy(kube, namespace, app(version, `v${version}.example`), { historyLimit: 2 });
    const kept = new Set((await readRevisions(kube, namespace, 'shop')).flatMap((r) => r.configs ?? []));
    const read = new Set(
      [...(await readBy('blue')), ...(await readBy('green'))].map((n) => `ConfigMap/${n}`),
    );
    const left = new Set([...(await configMaps()).keys()].map((n) => `ConfigMap/${n}`));
    expect(left).toEqual(new Set([...kept, ...read]));
    expect(left.has(`ConfigMap/${liveCopy}`)).toBe(false);
  });
});
