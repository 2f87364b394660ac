import { adminKube, appObjects, createNamespace, deleteNamespace, deploy, requireKwok } from './cluster';
import type { Kube } from '@swiss-deploy/kube';

jest.setTimeout(180_000);

const namespaces: string[] = [];
let admin: Kube;

beforeAll(async () => {
  requireKwok();
  admin = await adminKube();
});

afterAll(async () => {
  for (const namespace of namespaces) await deleteNamespace(admin, namespace);
});

/** Requests of one first deploy whose gate waits `minReadySeconds`, lock renewals apart. */
async function requestsOfDeploy(
  minReadySeconds: number,
): Promise<{ counts: Record<string, number>; gateMs: number }> {
  const kube = await adminKube();
  const namespace = await createNamespace(admin, 'bg-req');
  namespaces.push(namespace);
  const report = await deploy(kube, namespace, appObjects({ version: '1', minReadySeconds }));
  return { counts: report.requests, gateMs: report.gateMs ?? 0 };
}

describe('the cost of waiting', () => {
  it('makes the same number of API requests whether the readiness gate waits 2 or 8 seconds (watches, not polling)', async () => {
    const short = await requestsOfDeploy(2);
    const long = await requestsOfDeploy(8);
    expect(long.gateMs).toBeGreaterThan(short.gateMs);
    const withoutRenewals = (counts: Record<string, number>): number =>
      (counts['*'] ?? 0) - (counts['lease-renew'] ?? 0);
    expect(withoutRenewals(long.counts)).toBe(withoutRenewals(short.counts));
    expect(long.counts.WATCH).toBe(short.counts.WATCH);
  });
});
