// openPortForward against the test cluster (either node mode): Service → EndpointSlices → ready pods and
// the container port the targetPort names, and the errors a person can act on.
import { UserError, WorldError } from '@swiss-deploy/kit';
import { openPortForward } from '@swiss-deploy/kube';
import {
  createNamespace,
  deleteNamespace,
  testCluster,
  waitForReadyEndpoints,
  webPod,
  webService,
  type TestCluster,
} from './cluster';

let cluster: TestCluster;
let namespace: string;

beforeAll(async () => {
  cluster = testCluster();
  namespace = await createNamespace(cluster, 'smoke-resolve');
  const labels = { app: 'web', color: 'green' };
  for (const pod of [
    webPod('web-green-1', labels),
    webPod('web-green-2', labels),
    webPod('web-green-3', labels, { ready: false }),
  ]) {
    await cluster.core.createNamespacedPod({ namespace, body: pod });
  }
  await cluster.core.createNamespacedPod({
    namespace,
    body: webPod('web-blue-1', { app: 'web', color: 'blue' }, { ready: false }),
  });
  await cluster.core.createNamespacedService({ namespace, body: webService('web-preview', labels) });
  await cluster.core.createNamespacedService({
    namespace,
    body: webService('web-blue', { app: 'web', color: 'blue' }),
  });
  await cluster.core.createNamespacedService({ namespace, body: webService('nobody', { app: 'none' }) });
  await waitForReadyEndpoints(cluster, namespace, 'web-preview', 2);
}, 120_000);

afterAll(async () => {
  await deleteNamespace(cluster, namespace);
});

describe('openPortForward resolves a Service through its EndpointSlices', () => {
  it('forwards to the ready pods only, at the container port the named targetPort means', async () => {
    const events: string[] = [];
    const forward = await openPortForward(`${namespace}/web-preview:http`, {
      kubeConfig: cluster.kubeconfig,
      onEvent: (e) => events.push(e),
    });
    try {
      expect(forward.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(forward.backends.servicePort).toEqual({ name: 'http', port: 80, targetPort: 'http' });
      expect(forward.backends.ready).toEqual([
        { pod: 'web-green-1', port: 8080 },
        { pod: 'web-green-2', port: 8080 },
      ]);
      expect(forward.backends.notReady).toEqual(['web-green-3']);
      expect(events).toEqual([
        `forwarding 127.0.0.1:${forward.localPort} → Service ${namespace}/web-preview port 80 → pod web-green-1 (and 1 more, in turn) port 8080, through the API server`,
      ]);
    } finally {
      await forward.close();
    }
  });

  it('takes the Service port by number as well, and a kubeconfig given as text', async () => {
    const { readFileSync } = await import('node:fs');
    const forward = await openPortForward(`${namespace}/web-preview:9090`, {
      kubeConfig: readFileSync(cluster.kubeconfig, 'utf8'),
    });
    try {
      expect(forward.backends.servicePort).toEqual({ name: 'admin', port: 9090, targetPort: 8080 });
      expect(forward.backends.ready.map((b) => b.port)).toEqual([8080, 8080]);
    } finally {
      await forward.close();
    }
  });

  it('says so when the Service does not exist', async () => {
    await expect(openPortForward(`${namespace}/nope:80`, { kubeConfig: cluster.kubeconfig })).rejects.toThrow(
      new UserError(`Service ${namespace}/nope does not exist.`),
    );
  });

  it('lists the ports a Service has when asked for another', async () => {
    await expect(
      openPortForward(`${namespace}/web-preview:8080`, { kubeConfig: cluster.kubeconfig }),
    ).rejects.toThrow(`Service ${namespace}/web-preview has no port 8080; it has 80 (http), 9090 (admin).`);
  });

  it('waits for a ready pod, then names the pods that are not ready', async () => {
    const events: string[] = [];
    const opening = openPortForward(`${namespace}/web-blue:80`, {
      kubeConfig: cluster.kubeconfig,
      readyTimeoutMs: 1500,
      onEvent: (e) => events.push(e),
    });
    await expect(opening).rejects.toThrow(WorldError);
    await expect(opening).rejects.toThrow(
      `Service ${namespace}/web-blue:80 has no ready pod after 1.5s (1 not ready: web-blue-1).`,
    );
    expect(events).toEqual([`Service ${namespace}/web-blue:80 has no ready pod yet; waiting up to 1.5s`]);
  });

  it('tells a Service whose selector matches nothing', async () => {
    await expect(
      openPortForward(`${namespace}/nobody:80`, { kubeConfig: cluster.kubeconfig, readyTimeoutMs: 500 }),
    ).rejects.toThrow('no endpoints at all: does its selector match any pod?');
  });
});
