import { KNOWN, type Deployment, type KubeList, type Pod, type Service } from '@swiss-deploy/kube';
import type { EndpointSlice } from '../../../packages/kube/types';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import { adminKube, appObjects, createNamespace, deleteNamespace, deploy, requireKwok } from './cluster';
import type { Kube } from '@swiss-deploy/kube';

jest.setTimeout(180_000);

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg');
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

async function liveColor(): Promise<string | undefined> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
  return service.spec?.selector?.['swiss-deploy/color'];
}

async function replicas(name: string): Promise<number | undefined> {
  const deployment = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/${name}`);
  return deployment.spec?.replicas;
}

async function endpointPods(service: string): Promise<string[]> {
  const slices = await kube.request<KubeList<EndpointSlice>>('GET', KNOWN.endpointSlices(namespace), {
    query: { labelSelector: `kubernetes.io/service-name=${service}` },
  });
  return slices.items.flatMap((s) => (s.endpoints ?? []).map((e) => e.targetRef?.name ?? '')).sort();
}

async function podsOf(color: string): Promise<string[]> {
  const pods = await kube.request<KubeList<Pod>>('GET', KNOWN.pods(namespace), {
    query: { labelSelector: `swiss-deploy/color=${color}` },
  });
  return pods.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name as string)
    .sort();
}

describe('deploy-blue-green against a real API server', () => {
  it('serves blue after the first deploy, green after the second (blue kept), blue again after the third', async () => {
    const first = await deploy(kube, namespace, appObjects({ version: '1' }));
    expect(first).toMatchObject({ status: 'succeeded', color: 'blue', revision: 1 });
    expect(first.previousColor).toBeUndefined();
    expect(await liveColor()).toBe('blue');
    expect(await endpointPods('shop')).toEqual(await podsOf('blue'));

    const second = await deploy(kube, namespace, appObjects({ version: '2' }), { previousReplicas: 'all' });
    expect(second).toMatchObject({ status: 'succeeded', color: 'green', previousColor: 'blue', revision: 2 });
    expect(await liveColor()).toBe('green');
    expect(await endpointPods('shop')).toEqual(await podsOf('green'));
    expect(await replicas('shop-blue')).toBe(2);

    const third = await deploy(kube, namespace, appObjects({ version: '3' }), { previousReplicas: 1 });
    expect(third).toMatchObject({ status: 'succeeded', color: 'blue', previousColor: 'green', revision: 3 });
    expect(await liveColor()).toBe('blue');
    expect(await replicas('shop-green')).toBe(1);
    const preview = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop-preview`);
    expect(preview.spec?.selector?.['swiss-deploy/color']).toBe('blue');

    const revisions = await readRevisions(kube, namespace, 'shop');
    expect(revisions.map((r) => [r.revision, r.color, r.outcome])).toEqual([
      [3, 'blue', 'succeeded'],
      [2, 'green', 'succeeded'],
      [1, 'blue', 'succeeded'],
    ]);
    expect(revisions[0]?.images[0]?.digest).toBe(`sha256:${'ab'.repeat(32)}`);
  });

  it('does nothing when the same revision is deployed again', async () => {
    const before = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
    const again = await deploy(kube, namespace, appObjects({ version: '3' }));
    expect(again).toMatchObject({ status: 'unchanged', color: 'blue', revision: 3 });
    const after = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await readRevisions(kube, namespace, 'shop')).length).toBe(3);
  });
});
