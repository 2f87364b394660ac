// The rollback library against the real API server (kwok nodes: pods become Ready without running).
import { readRevisions } from '../../../packages/bluegreen/revisions';
import type { RollbackRecord } from '../../../packages/bluegreen/rollback-plan';
import { UserError, WorldError } from '@swiss-deploy/kit';
import { KNOWN, LeaseLock, Kube, type KubeObject, type Kube as KubeClient } from '@swiss-deploy/kube';
import { LockHeldError } from '../../../packages/kube/lease';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  snapshotNamespace,
} from '../deploy/cluster';
import { deployment, endpointPods, liveColor, podsOf, rollback, writeRequests } from './rollback-cluster';

jest.setTimeout(240_000);

let kube: KubeClient;
const namespaces: string[] = [];

beforeAll(async () => {
  kube = await adminKube();
});

afterAll(async () => {
  for (const namespace of namespaces) await deleteNamespace(kube, namespace);
});

async function namespace(prefix: string): Promise<string> {
  const name = await createNamespace(kube, prefix);
  namespaces.push(name);
  return name;
}

/** A client of its own, so its request counters hold one run's requests only. */
const freshKube = (): Promise<Kube> => Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });

async function configVersion(ns: string): Promise<string | undefined> {
  const map = await kube.request<KubeObject & { data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${ns}/configmaps/shop-config`,
  );
  return map.data?.VERSION;
}

describe('rollback to the previous revision after two deploys', () => {
  let ns: string;

  beforeAll(async () => {
    ns = await namespace('rb-switch');
    await deploy(kube, ns, appObjects({ version: '1' }));
    await deploy(kube, ns, appObjects({ version: '2' }), { previousReplicas: 'all' });
    expect(await liveColor(kube, ns)).toBe('green');
  });

  it('prints the exact plan in a dry run and makes no write request', async () => {
    const before = await snapshotNamespace(kube, ns);
    const client = await freshKube();
    const lines: string[] = [];
    const report = await rollback(client, ns, {
      dryRun: true,
      log: { info: (line) => lines.push(line), warning: (line) => lines.push(line) },
    });
    expect(report).toMatchObject({
      dryRun: true,
      mode: 'switch',
      color: 'blue',
      previousColor: 'green',
      revision: 3,
      from: { revision: 2, color: 'green' },
      to: { revision: 1, color: 'blue' },
    });
    expect(report.steps).toEqual([
      `take the lock ${ns}/swiss-deploy-shop`,
      `patch Service ${ns}/shop (server-side apply): selector swiss-deploy/color green → blue`,
      'wait until the EndpointSlices of shop hold only ready blue pods',
      'apply ConfigMap/shop-config as in revision 1',
      'record revision 3: rollback to revision 1, blue live, green kept running',
    ]);
    expect(lines[0]).toBe(
      'Dry run: would roll shop back from revision 2 (green) to revision 1 in blue, mode switch: blue still runs revision 1, ready.',
    );
    expect(lines).toContain('Dry run: nothing was changed.');
    expect(writeRequests(client)).toBe(0);
    expect(await snapshotNamespace(kube, ns)).toEqual(before);
  });

  it('switches the stable Service back in one patch, confirms the EndpointSlices, and records the rollback', async () => {
    const bluePods = await podsOf(kube, ns, 'blue');
    const client = await freshKube();
    const started = Date.now();
    const report = await rollback(client, ns);
    console.log(`rollback switch (library, call → EndpointSlices all blue): ${Date.now() - started} ms`);
    expect(report).toMatchObject({ dryRun: false, mode: 'switch', color: 'blue', revision: 3 });
    expect(report.gateMs).toBeUndefined();
    expect(client.requestCount('switch')).toBe(1);
    expect(client.requestCount('scale')).toBe(0);
    expect(await liveColor(kube, ns)).toBe('blue');
    expect(await endpointPods(kube, ns)).toEqual(bluePods);
    expect(await configVersion(ns)).toBe('1');
    expect((await deployment(kube, ns, 'shop-green')).spec?.replicas).toBe(2);

    const [recorded] = (await readRevisions(kube, ns, 'shop')) as RollbackRecord[];
    expect(recorded).toMatchObject({
      revision: 3,
      color: 'blue',
      previousColor: 'green',
      outcome: 'succeeded',
      actor: 'on-call-alice',
      runUrl: expect.stringMatching(/^https:\/\/github.com\/swiss\/example-app\/actions\/runs\/\d+$/),
      rollback: {
        reason: 'checkout returns 500 since the last deploy',
        mode: 'switch',
        actor: 'on-call-alice',
        from: { revision: 2, color: 'green' },
        to: { revision: 1, color: 'blue' },
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    const revisions = await readRevisions(kube, ns, 'shop');
    expect(recorded?.manifestDigest).toBe(revisions.find((r) => r.revision === 1)?.manifestDigest);
    await expect(kube.request('GET', `${KNOWN.leases(ns)}/swiss-deploy-shop`)).rejects.toMatchObject({
      code: 404,
    });
  });

  it('goes forward again with "previous" after a rollback, and a deploy of the live manifests is a no-op', async () => {
    const again = await rollback(kube, ns);
    expect(again).toMatchObject({ mode: 'switch', color: 'green', revision: 4, to: { revision: 2 } });
    expect(await liveColor(kube, ns)).toBe('green');
    const same = await deploy(kube, ns, appObjects({ version: '2' }));
    expect(same).toMatchObject({ status: 'unchanged', color: 'green', revision: 4 });
  });
});

describe('rollback when the old color was scaled down', () => {
  it('scales it back up, gates on readiness, then switches', async () => {
    const ns = await namespace('rb-scale');
    await deploy(kube, ns, appObjects({ version: '1' }));
    await deploy(kube, ns, appObjects({ version: '2' }), { previousReplicas: 0 });
    expect((await deployment(kube, ns, 'shop-blue')).spec?.replicas).toBe(0);
    const client = await freshKube();
    const report = await rollback(client, ns);
    expect(report).toMatchObject({ mode: 'scale-up', color: 'blue', revision: 3, to: { revision: 1 } });
    expect(report.gateMs).toEqual(expect.any(Number));
    expect(client.requestCount('scale')).toBe(1);
    expect(client.requestCount('switch')).toBe(1);
    expect((await deployment(kube, ns, 'shop-blue')).spec?.replicas).toBe(2);
    expect(await liveColor(kube, ns)).toBe('blue');
    expect(await endpointPods(kube, ns)).toEqual(await podsOf(kube, ns, 'blue'));
  });
});

describe('rollback to revision 1 after three deploys with scale-down', () => {
  it('redeploys revision 1 from the revision store into the idle color through the readiness gate', async () => {
    const ns = await namespace('rb-redeploy');
    await deploy(kube, ns, appObjects({ version: '1' }));
    await deploy(kube, ns, appObjects({ version: '2' }), { previousReplicas: 0 });
    await deploy(kube, ns, appObjects({ version: '3' }), { previousReplicas: 0 });
    expect(await liveColor(kube, ns)).toBe('blue');
    const lines: string[] = [];
    const report = await rollback(kube, ns, {
      to: 1,
      reason: 'revision 2 and 3 both broke the search',
      log: { info: (line) => lines.push(line), warning: (line) => lines.push(line) },
    });
    expect(report).toMatchObject({
      mode: 'redeploy',
      color: 'green',
      previousColor: 'blue',
      revision: 4,
      from: { revision: 3, color: 'blue' },
      to: { revision: 1, color: 'green' },
    });
    expect(report.gateMs).toEqual(expect.any(Number));
    expect(lines.join('\n')).toContain(
      'mode redeploy: green holds revision 2, not 1; it comes back from the revision store',
    );
    const green = await deployment(kube, ns, 'shop-green');
    expect(green.spec?.replicas).toBe(2);
    expect(green.metadata.annotations?.['swiss-deploy/revision']).toBe('4');
    expect(green.spec?.template?.spec?.containers?.[0]?.env).toEqual([{ name: 'VERSION', value: '1' }]);
    expect(green.status?.readyReplicas).toBe(2);
    expect(await liveColor(kube, ns)).toBe('green');
    expect(await endpointPods(kube, ns)).toEqual(await podsOf(kube, ns, 'green'));
    expect(await configVersion(ns)).toBe('1');
    const revisions = (await readRevisions(kube, ns, 'shop')) as RollbackRecord[];
    expect(revisions.map((r) => [r.revision, r.color, r.outcome])).toEqual([
      [4, 'green', 'succeeded'],
      [3, 'blue', 'succeeded'],
      [2, 'green', 'succeeded'],
      [1, 'blue', 'succeeded'],
    ]);
    expect(revisions[0]?.rollback).toMatchObject({
      mode: 'redeploy',
      reason: 'revision 2 and 3 both broke the search',
    });
    // The redeployed color is now the one a rollback of the rollback would find still running.
    const back = await rollback(kube, ns, { dryRun: true });
    expect(back).toMatchObject({ mode: 'switch', color: 'blue', to: { revision: 3 } });
  });

  it('leaves live traffic alone when the redeployed revision misses its gate, and records the failed rollback', async () => {
    const ns = await namespace('rb-gate');
    // minReadySeconds keeps revision 1 from passing a gate shorter than that.
    await deploy(kube, ns, appObjects({ version: '1', minReadySeconds: 8 }));
    await deploy(kube, ns, appObjects({ version: '2' }), { previousReplicas: 0 });
    await deploy(kube, ns, appObjects({ version: '3' }), { previousReplicas: 0 });
    const blueEndpoints = await endpointPods(kube, ns);
    const error = (await rollback(kube, ns, { to: 1, timeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    )) as WorldError;
    expect(error).toBeInstanceOf(WorldError);
    expect(error.hint).toContain(
      'Live traffic is untouched: the stable Services still select blue (revision 3); the rollback is recorded as failed revision 4.',
    );
    expect(await liveColor(kube, ns)).toBe('blue');
    expect(await endpointPods(kube, ns)).toEqual(blueEndpoints);
    expect((await deployment(kube, ns, 'shop-green')).spec?.replicas).toBe(0);
    const [failed] = (await readRevisions(kube, ns, 'shop')) as RollbackRecord[];
    expect(failed).toMatchObject({ revision: 4, outcome: 'failed', rollback: { mode: 'redeploy' } });
    // A failed rollback is not a revision to return to, and the live one is still "current".
    const next = await rollback(kube, ns, { dryRun: true });
    expect(next).toMatchObject({ from: { revision: 3 }, to: { revision: 2 } });
  });
});

/** Waits until the controller has caught up with a Deployment scaled to zero (its status stops changing). */
async function settled(ns: string, name: string): Promise<void> {
  let seen = '';
  for (;;) {
    const current = await deployment(kube, ns, name);
    const status = current.status ?? {};
    const caughtUp =
      (status.observedGeneration ?? 0) >= (current.metadata.generation ?? 1) && !status.replicas;
    // Caught up, and no status write (conditions, counts) since the last look a second ago.
    if (caughtUp && current.metadata.resourceVersion === seen) return;
    seen = caughtUp ? (current.metadata.resourceVersion ?? '') : '';
    await new Promise((resolve) => setTimeout(resolve, caughtUp ? 1_000 : 200));
  }
}

describe('rollback refusals change nothing', () => {
  let ns: string;

  beforeAll(async () => {
    ns = await namespace('rb-refuse');
  });

  async function refused(options: Parameters<typeof rollback>[2]): Promise<Error> {
    const before = await snapshotNamespace(kube, ns);
    const client = await freshKube();
    const error = await rollback(client, ns, options).then(
      () => new Error('the rollback went through'),
      (e: unknown) => e as Error,
    );
    expect(writeRequests(client)).toBe(0);
    expect(await snapshotNamespace(kube, ns)).toEqual(before);
    return error;
  }

  it('names the namespace input when the namespace does not exist, in a dry run and for real', async () => {
    const missing = `${ns}-missing`;
    for (const options of [{ dryRun: true }, {}]) {
      const client = await freshKube();
      const error = await rollback(client, missing, options).then(
        () => new Error('the rollback went through'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toBe(
        `Input "namespace" is "${missing}": that namespace does not exist in the cluster.`,
      );
      expect(writeRequests(client)).toBe(0);
    }
  });

  it('says there is nothing to roll back before the first deploy', async () => {
    const error = await refused({});
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(`Nothing to roll back: shop has no recorded revision in namespace ${ns}.`);
  });

  it('says there is nothing to roll back after a single deploy', async () => {
    await deploy(kube, ns, appObjects({ version: '1' }));
    const error = await refused({ to: 'previous' });
    expect(error.message).toBe(
      'Nothing to roll back: revision 1 of shop is live and no earlier revision with other manifests succeeded.',
    );
  });

  it('names an unknown revision and the recorded ones', async () => {
    const error = await refused({ to: 9 });
    expect(error.message).toBe(
      `Input "to" is "9": shop has no revision 9 in namespace ${ns} (recorded: 1 (succeeded)).`,
    );
  });

  it('refuses a revision recorded as failed', async () => {
    await expect(deploy(kube, ns, appObjects({ version: '2', fail: 'image-pull' }))).rejects.toThrow(
      /ImagePull|ErrImage/,
    );
    // The Deployment controller is still scaling the failed color down; let it finish before the snapshot.
    await settled(ns, 'shop-green');
    const error = await refused({ to: 2 });
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/^Input "to" is "2": revision 2 of shop is recorded as failed \(/);
    expect((error as UserError).hint).toBe('Roll back to a revision that succeeded: 1. Nothing was changed.');
  });

  it('fails at once, naming the holder, when a deploy holds the lock', async () => {
    await deploy(kube, ns, appObjects({ version: '3' }));
    const holder = await LeaseLock.acquire(kube, {
      namespace: ns,
      name: 'swiss-deploy-shop',
      holder: {
        identity: 'swiss/example-app/runs/4242/attempts/1/deploy/abcd',
        repository: 'swiss/example-app',
        runId: '4242',
        runAttempt: '1',
      },
    });
    try {
      const before = await snapshotNamespace(kube, ns);
      const client = await freshKube();
      const error = (await rollback(client, ns).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(LockHeldError);
      expect(error.message).toMatch(
        new RegExp(
          `^Another deploy holds the lock ${ns}/swiss-deploy-shop: swiss/example-app run 4242 attempt 1`,
        ),
      );
      expect(client.requestCount('switch')).toBe(0);
      expect(await snapshotNamespace(kube, ns)).toEqual(before);
      expect(await liveColor(kube, ns)).toBe('green');
    } finally {
      await holder.release();
    }
  });
});
