// The kubernetes component with kwok nodes: Deployments become Available without running anything, and a
// pod labelled swiss-deploy.test/fail=<stage> fails the way a kubelet would report it (test/env/kubernetes/kwok-stages.yaml).
import {
  applyJson,
  createNamespace,
  getJson,
  nodesByKind,
  waitAvailable,
  waitFor,
  type KubeObject,
} from './kube';

interface ContainerStatus {
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason: string; message?: string }; running?: object; terminated?: object };
  lastState?: { terminated?: { exitCode: number; reason: string } };
}
interface Pod extends KubeObject {
  spec: { nodeName?: string };
  status: {
    phase: string;
    containerStatuses?: ContainerStatus[];
    conditions?: Array<{ type: string; status: string }>;
  };
}

const KWOK_SELECTOR = { type: 'kwok' };
let namespace: Awaited<ReturnType<typeof createNamespace>>;

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.kwok.length === 0) {
    throw new Error(
      `The cluster has no kwok node (KUBE_MODE=${nodes.mode}; nodes: ${nodes.real.map((n) => n.metadata.name).join(', ') || 'none'}). ` +
        'These tests need the kwok mode of test/env: `npm run env:up` without SWISS_DEPLOY_KUBE_MODE=real.',
    );
  }
  namespace = await createNamespace('env-kwok');
}, 120_000);

afterAll(async () => {
  await namespace?.remove();
});

function pod(name: string, labels: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: namespace.name, labels },
    spec: {
      nodeSelector: KWOK_SELECTOR,
      containers: [{ name: 'app', image: 'registry.invalid/swiss-deploy/app:1' }],
    },
  };
}

const getPod = (name: string) => () => getJson<Pod>(['pod', name, '--namespace', namespace.name]);
const firstContainer = (p: Pod): ContainerStatus | undefined => p.status.containerStatuses?.[0];

describe('the kubernetes component (kwok nodes)', () => {
  it('brings a Deployment of 2 replicas to Available on the kwok nodes', async () => {
    await applyJson([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: namespace.name },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              nodeSelector: KWOK_SELECTOR,
              containers: [{ name: 'web', image: 'registry.invalid/swiss-deploy/web:1' }],
            },
          },
        },
      },
    ]);
    await waitAvailable(namespace.name, 'web', 120);
    const deployment = await getJson<{ status: Record<string, number> }>([
      'deployment',
      'web',
      '--namespace',
      namespace.name,
    ]);
    expect(deployment.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    const pods = await getJson<{ items: Pod[] }>([
      'pods',
      '--namespace',
      namespace.name,
      '--selector',
      'app=web',
    ]);
    expect(pods.items.map((p) => p.status.phase)).toEqual(['Running', 'Running']);
    const { kwok } = await nodesByKind();
    for (const p of pods.items) expect(kwok.map((n) => n.metadata.name)).toContain(p.spec.nodeName);
  }, 180_000);

  it('shows ImagePullBackOff, backing off from ErrImagePull, for a pod labelled fail=image-pull', async () => {
    await applyJson([pod('pull', { 'swiss-deploy.test/fail': 'image-pull' })]);
    const failed = await waitFor(
      'ImagePullBackOff',
      getPod('pull'),
      (p) => firstContainer(p)?.state.waiting?.reason === 'ImagePullBackOff',
    );
    expect(failed.status.phase).toBe('Pending');
    expect(firstContainer(failed)?.ready).toBe(false);
    // the back-off names the pull error it backs off from, as the kubelet's message does
    expect(firstContainer(failed)?.state.waiting?.message).toContain('ErrImagePull');
  }, 180_000);

  it('shows CrashLoopBackOff with a growing restart count for a pod labelled fail=crash-loop', async () => {
    await applyJson([pod('crash', { 'swiss-deploy.test/fail': 'crash-loop' })]);
    const crashed = await waitFor(
      'CrashLoopBackOff after a restart',
      getPod('crash'),
      (p) =>
        firstContainer(p)?.state.waiting?.reason === 'CrashLoopBackOff' &&
        (firstContainer(p)?.restartCount ?? 0) >= 2,
    );
    expect(crashed.status.phase).toBe('Running');
    expect(firstContainer(crashed)?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  }, 180_000);

  it('keeps a pod labelled fail=never-ready running but never Ready', async () => {
    await applyJson([pod('unready', { 'swiss-deploy.test/fail': 'never-ready' })]);
    const running = await waitFor(
      'running containers',
      getPod('unready'),
      (p) => !!firstContainer(p)?.state.running,
    );
    expect(running.status.phase).toBe('Running');
    expect(firstContainer(running)?.ready).toBe(false);
    expect(running.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  }, 180_000);
});
