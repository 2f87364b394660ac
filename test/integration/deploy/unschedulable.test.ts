// Pods no node can fit, on the real scheduler and kwok's nodes. Without word from a cluster autoscaler a
// pod gets the grace period, then the deploy fails with the scheduler's reason; a TriggeredScaleUp keeps it
// waiting past the grace until the new node comes; a NotTriggerScaleUp fails it at once. The autoscaler
// cannot run here (it needs a cloud's node groups): the test speaks its part, with the events the cluster
// autoscaler documents (source cluster-autoscaler, reasons TriggeredScaleUp / NotTriggerScaleUp, on the pod),
// and adds the node a scale-up would, as a kwok node.
import { UserError } from '@swiss-deploy/kit';
import { KNOWN, type Deployment, type Kube, type KubeList, type KubeObject } from '@swiss-deploy/kube';
import { adminKube, appObjects, createNamespace, deleteNamespace, deploy, requireKwok } from './cluster';

jest.setTimeout(180_000);

let kube: Kube;
let namespace: string;
const pool = `pool-${Math.random().toString(36).slice(2, 8)}`;
const nodeName = `kwok-scaled-${pool}`;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-sched');
  await deploy(kube, namespace, appObjects({ version: '1', replicas: 1 }));
});

afterAll(async () => {
  await kube.request('DELETE', `/api/v1/nodes/${nodeName}`).catch(() => undefined);
  await deleteNamespace(kube, namespace);
});

const unfit = (version: string) =>
  appObjects({ version, replicas: 1, nodeSelector: { 'swiss-deploy.test/pool': pool } });

/** The pods of green that the scheduler has not placed, once there are any. */
async function pendingGreenPods(): Promise<KubeObject[]> {
  for (;;) {
    const pods = await kube.request<KubeList<KubeObject & { spec?: { nodeName?: string } }>>(
      'GET',
      `/api/v1/namespaces/${namespace}/pods`,
      { query: { labelSelector: 'swiss-deploy/color=green' } },
    );
    const pending = pods.items.filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp);
    if (pending.length > 0) return pending;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** An event on the pod as the cluster autoscaler writes it. */
async function autoscalerSays(pod: KubeObject, reason: string, message: string): Promise<void> {
  const now = new Date().toISOString();
  await kube.request('POST', `/api/v1/namespaces/${namespace}/events`, {
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${pod.metadata.name}.` },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata.name,
        namespace,
        uid: pod.metadata.uid,
      },
      reason,
      message,
      type: 'Normal',
      source: { component: 'cluster-autoscaler' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}

const failure = (run: Promise<unknown>) =>
  run.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('a new color whose pods no node can fit', () => {
  it('waits out the grace period without an autoscaler, then fails with the scheduler’s reason', async () => {
    const started = Date.now();
    const error = await failure(deploy(kube, namespace, unfit('2'), { unschedulableGraceMs: 4_000 }));
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toMatch(/Unschedulable/);
    expect(error?.message).toMatch(/node affinity\/selector/);
    // Not at the first FailedScheduling: the grace period was given (a lower bound, not a speed).
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    const green = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/shop-green`);
    expect(green.spec?.replicas).toBe(0);
  });

  it('fails at once, naming the autoscaler’s reason, when it says no node group fits', async () => {
    const running = failure(deploy(kube, namespace, unfit('3'), { unschedulableGraceMs: 120_000 }));
    const [pod] = await pendingGreenPods();
    await autoscalerSays(
      pod!,
      'NotTriggerScaleUp',
      "pod didn't trigger scale-up: 2 node(s) didn't match Pod's node affinity/selector",
    );
    const error = await running;
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toMatch(/NotTriggerScaleUp/);
    expect(error?.message).toMatch(/didn't trigger scale-up/);
  });

  it('keeps waiting past the grace period while the autoscaler brings a node, then goes live', async () => {
    const running = deploy(kube, namespace, unfit('4'), { unschedulableGraceMs: 3_000, timeoutMs: 90_000 });
    const [pod] = await pendingGreenPods();
    await autoscalerSays(pod!, 'TriggeredScaleUp', `pod triggered scale-up: [{${pool} 0->1 (max: 3)}]`);
    // Well past the grace period, the node the scale-up promised registers (a kwok node in that pool).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await kube.request('POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: nodeName,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/arch': 'amd64',
            'kubernetes.io/os': 'linux',
            'kubernetes.io/hostname': nodeName,
            type: 'kwok',
            'swiss-deploy.test/pool': pool,
          },
        },
        status: {
          allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
          capacity: { cpu: '4', memory: '16Gi', pods: '110' },
        },
      },
    });
    await expect(running).resolves.toMatchObject({ status: 'succeeded', color: 'green' });
  });
});
