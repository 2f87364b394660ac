// The deploy chain holds one lease from its first apply to its last step: a second deploy of the same app
// while the chain checks its preview is refused, naming the chain as the holder, and the chain's check
// judges its own pods.
import { loadManifests, runDeployChain } from '@swiss-deploy/bluegreen';
import type { Kube } from '@swiss-deploy/kube';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
  writeManifests,
} from './cluster';

jest.setTimeout(180_000);

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'bg-chain');
  await deploy(kube, namespace, appObjects({ version: '1', replicas: 1 }));
});
afterAll(async () => deleteNamespace(kube, namespace));

describe('the deploy chain under one lease', () => {
  it('refuses a second deploy during the preview check, naming the holder, then promotes its own revision', async () => {
    const holder = {
      identity: 'swiss/example-app/runs/4242/attempts/1/deploy/chain',
      repository: 'swiss/example-app',
      runId: '4242',
      runAttempt: '1',
    };
    const racing: unknown[] = [];
    const steps = await runDeployChain(kube, {
      app: 'shop',
      namespace,
      timeoutMs: 60_000,
      holder,
      manifests: loadManifests([writeManifests(appObjects({ version: '2', replicas: 1 }))]),
      check: {
        run: async (target) => {
          if (target === 'preview') {
            racing.push(
              await deploy(kube, namespace, appObjects({ version: 'racer', replicas: 1 }), {
                lockWaitMs: 0,
              }).then(
                () => 'deployed',
                (error: Error) => error.message,
              ),
            );
          }
          return { passed: true };
        },
        passed: (report) => report.passed,
        describe: () => '',
      },
    });
    expect(racing).toEqual([
      expect.stringMatching(/Another deploy holds the lock .*swiss\/example-app run 4242 attempt 1/),
    ]);
    expect(steps.deploy.status).toBe('promoted');
    expect(steps.deploy.revision).toBe(2);
    expect(steps.deploy.color).toBe('green');
  });
});
