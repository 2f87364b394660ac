import { KNOWN, LeaseLock, isNotFound, type Kube } from '@swiss-deploy/kube';
import { LockHeldError } from '../../../packages/kube/lease';
import type { Lease } from '../../../packages/kube/types';
import { adminKube, appObjects, createNamespace, deleteNamespace, deploy, requireKwok } from './cluster';

jest.setTimeout(180_000);

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-lock');
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

async function leaseExists(): Promise<boolean> {
  try {
    await kube.request<Lease>('GET', `${KNOWN.leases(namespace)}/swiss-deploy-shop`);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

describe('the deploy lock', () => {
  it('makes a second deploy of the same app fail at once, naming the holder, while the first goes on', async () => {
    let firstSettled = false;
    // minReadySeconds keeps the first deploy in its readiness gate for a while.
    const first = deploy(kube, namespace, appObjects({ version: '1', minReadySeconds: 6 })).finally(() => {
      firstSettled = true;
    });
    while (!(await leaseExists())) await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await deploy(kube, namespace, appObjects({ version: '2' })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(firstSettled).toBe(false);
    expect(second).toBeInstanceOf(LockHeldError);
    expect((second as Error).message).toMatch(
      /Another deploy holds the lock .*\/swiss-deploy-shop: swiss\/example-app run \d+ attempt 1 \(https:\/\/github.com\/swiss\/example-app\/actions\/runs\/\d+\), since \d{4}-\d\d-\d\dT/,
    );
    await expect(first).resolves.toMatchObject({ status: 'succeeded', color: 'blue' });
    expect(await leaseExists()).toBe(false);
  });

  it('takes over an expired lease with a warning', async () => {
    const long = new Date(Date.now() - 10 * 60_000).toISOString().replace('Z', '000Z');
    await kube.request('POST', KNOWN.leases(namespace), {
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'swiss-deploy-shop' },
        spec: {
          holderIdentity: 'swiss/example-app/runs/1/attempts/1/deploy/dead',
          leaseDurationSeconds: 60,
          acquireTime: long,
          renewTime: long,
        },
      },
    });
    const warnings: string[] = [];
    const report = await deploy(kube, namespace, appObjects({ version: '2' }), {
      log: { info: () => undefined, warning: (line) => warnings.push(line) },
    });
    expect(report).toMatchObject({ status: 'succeeded', color: 'green' });
    expect(warnings.join('\n')).toMatch(
      /Took over an expired deploy lock from swiss\/example-app\/runs\/1\/attempts\/1\/deploy\/dead/,
    );
    expect(await leaseExists()).toBe(false);
  });

  it('waits for a held lease when lock-timeout allows, and gets it when the holder releases it', async () => {
    const holder = await LeaseLock.acquire(kube, {
      namespace,
      name: 'swiss-deploy-shop',
      holder: { identity: 'other-run', repository: 'swiss/example-app', runId: '1', runAttempt: '2' },
    });
    const waiting = deploy(kube, namespace, appObjects({ version: '3' }), { lockWaitMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await holder.release();
    await expect(waiting).resolves.toMatchObject({ status: 'succeeded', color: 'blue' });
  });

  it('releases only its own lease in the post step', async () => {
    const lock = await LeaseLock.acquire(kube, {
      namespace,
      name: 'post-test',
      holder: { identity: 'run-a' },
    });
    expect(await LeaseLock.releaseIfHeld(kube, namespace, 'post-test', 'run-b')).toBe(false);
    expect(await LeaseLock.releaseIfHeld(kube, namespace, 'post-test', 'run-a')).toBe(true);
    await lock.release();
    expect(await LeaseLock.inspect(kube, namespace, 'post-test')).toBeUndefined();
  });
});
