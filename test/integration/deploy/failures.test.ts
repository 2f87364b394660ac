import { UserError } from '@swiss-deploy/kit';
import { KNOWN, type Deployment, type Kube, type Service } from '@swiss-deploy/kube';
import { readRevisions } from '../../../packages/bluegreen/revisions';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
  type FailureStage,
} from './cluster';

jest.setTimeout(180_000);

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-fail');
  // Blue serves version 1; every failing deploy below targets green.
  await deploy(kube, namespace, appObjects({ version: '1' }));
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

/** The live side, byte for byte: the stable Service and the live Deployment's spec. */
async function liveSide(): Promise<string> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
  const live = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/shop-blue`);
  return JSON.stringify({ service, live: { metadata: live.metadata, spec: live.spec } });
}

const cases: [string, FailureStage, Record<string, unknown>, RegExp][] = [
  ['a bad image', 'image-pull', {}, /ImagePullBackOff/],
  ['a crash loop', 'crash-loop', {}, /CrashLoopBackOff[\s\S]*last exit code 1/],
  [
    'pods that never become ready',
    'never-ready',
    { progressDeadlineSeconds: 3 },
    /progress deadline[\s\S]*running but not ready/,
  ],
];

describe('a deploy whose new color fails its readiness gate', () => {
  it.each(cases)(
    'with %s leaves live traffic and the stable Service untouched, names the reason and scales the failed color to zero',
    async (_what, fail, extra, reason) => {
      const before = await liveSide();
      const revisionsBefore = await readRevisions(kube, namespace, 'shop');
      const error = await deploy(
        kube,
        namespace,
        appObjects({ version: `bad-${fail}`, fail, ...extra }),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(reason);
      // The pod's own events come with its reason (kwok has no kubelet: the scheduler's event at least).
      expect((error as Error).message).toMatch(
        /Recent events of shop-green-[a-z0-9-]+:\n {2}Normal Scheduled: Successfully assigned/,
      );
      expect((error as UserError).hint).toContain(
        'Live traffic is untouched: the stable Services still select blue',
      );
      expect(await liveSide()).toBe(before);
      const green = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/shop-green`);
      expect(green.spec?.replicas).toBe(0);
      const [latest] = await readRevisions(kube, namespace, 'shop');
      expect(latest).toMatchObject({
        revision: (revisionsBefore[0]?.revision ?? 0) + 1,
        color: 'green',
        outcome: 'failed',
      });
      expect(latest?.error).toMatch(reason);
    },
  );

  it('fails on the timeout, with what it was waiting for, when the pods are slower than the deploy', async () => {
    const before = await liveSide();
    const error = await deploy(kube, namespace, appObjects({ version: 'slow', fail: 'never-ready' }), {
      timeoutMs: 2_000,
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/Recent events of shop-green-/);
    expect(error?.message).toMatch(
      /shop-green was not ready within .*: 0\/2 of the new pods ready.*running but not ready/,
    );
    expect(await liveSide()).toBe(before);
  });

  it('deploys the next good revision over the failed one', async () => {
    const report = await deploy(kube, namespace, appObjects({ version: '2' }));
    expect(report).toMatchObject({ status: 'succeeded', color: 'green', previousColor: 'blue' });
  });
});
