import {
  KNOWN,
  Kube,
  LeaseLock,
  applyObject,
  Discovery,
  watchUntil,
  type KubeObject,
} from '@swiss-deploy/kube';
import { testEnv } from '../../support/env';

jest.setTimeout(120_000);

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  kube = await Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });
  namespace = `kube-watch-${Math.random().toString(36).slice(2, 8)}`;
  await kube.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
});

afterAll(async () => {
  await kube.request('DELETE', KNOWN.namespace(namespace)).catch(() => undefined);
});

const configMap = (name: string, value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data: { value },
});

describe('watchUntil', () => {
  it('resumes from a given resourceVersion without listing (the server replays, or answers 410 Gone and it lists)', async () => {
    await applyObject(kube, new Discovery(kube), configMap('gone', 'here'), { force: true });
    const before = kube.requestCounts();
    const seen = await watchUntil(
      kube,
      { path: `/api/v1/namespaces/${namespace}/configmaps`, fieldSelector: 'metadata.name=gone' },
      {
        resourceVersion: '1',
        deadline: Date.now() + 30_000,
        onTimeout: () => new Error('never saw the ConfigMap'),
        decide: (objects) => [...objects.values()][0]?.data as Record<string, string> | undefined,
      },
    );
    expect(seen).toEqual({ value: 'here' });
    const after = kube.requestCounts();
    const watches = (after.WATCH ?? 0) - (before.WATCH ?? 0);
    const lists = (after.list ?? 0) - (before.list ?? 0);
    // Replayed from the watch cache: one watch, no list. Gone: the 410 watch, then one list that decides.
    expect(watches).toBe(1);
    expect(lists).toBeLessThanOrEqual(1);
  });

  it('sees a change made after it started, through the watch', async () => {
    const discovery = new Discovery(kube);
    await applyObject(kube, discovery, configMap('later', 'one'), { force: true });
    const waiting = watchUntil(
      kube,
      { path: `/api/v1/namespaces/${namespace}/configmaps`, fieldSelector: 'metadata.name=later' },
      {
        deadline: Date.now() + 30_000,
        onTimeout: () => new Error('never saw the change'),
        decide: (objects) =>
          (objects.values().next().value?.data as { value?: string })?.value === 'two' ? true : undefined,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await applyObject(kube, discovery, configMap('later', 'two'), { force: true });
    await expect(waiting).resolves.toBe(true);
  });

  it('fails with its own error at the deadline', async () => {
    await expect(
      watchUntil(
        kube,
        { path: `/api/v1/namespaces/${namespace}/configmaps`, fieldSelector: 'metadata.name=never' },
        {
          deadline: Date.now() + 1_500,
          onTimeout: () => new Error('deadline passed'),
          decide: () => undefined,
        },
      ),
    ).rejects.toThrow('deadline passed');
  });
});

describe('LeaseLock', () => {
  it('renews the lease while held and deletes it on release', async () => {
    const lock = await LeaseLock.acquire(kube, {
      namespace,
      name: 'renewed',
      holder: { identity: 'me' },
      durationSeconds: 3,
    });
    const first = await LeaseLock.inspect(kube, namespace, 'renewed');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const later = await LeaseLock.inspect(kube, namespace, 'renewed');
    expect(later?.holder.identity).toBe('me');
    expect(later?.renewed).not.toBe(first?.renewed);
    expect(later?.expired).toBe(false);
    await lock.release();
    expect(await LeaseLock.inspect(kube, namespace, 'renewed')).toBeUndefined();
  });
});
