// The cluster2 component: a second control plane beside the first, on loopback, with its own CA; its kwok
// nodes are Ready, a Deployment becomes available on them, and a port-forward through its API server reaches
// a pod port (kwok answers it with the component's static HTTP server).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KNOWN, Kube, type Deployment, type KubeList, type KubeObject } from '@swiss-deploy/kube';
import { envFilePath, secondCluster, testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { run } from './run';

jest.setTimeout(120_000);

let kube: Kube;
const namespace = `cluster2-env-${randomBytes(3).toString('hex')}`;

interface Node extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

beforeAll(async () => {
  kube = await Kube.connect({ kubeconfigFile: secondCluster().kubeconfig });
});

afterAll(async () => {
  await kube.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
});

describe('the cluster2 component', () => {
  it('serves its own API server on loopback, apart from the first cluster', async () => {
    const { apiServer, kubeconfig } = secondCluster();
    expect(new URL(apiServer).hostname).toBe('127.0.0.1');
    expect(apiServer).not.toBe(testEnv('KUBE_API_SERVER'));
    const version = await kube.request<{ gitVersion: string }>('GET', '/version');
    expect(version.gitVersion).toBe(testEnv('KUBERNETES_VERSION'));
    // Its own CA: the first cluster's kubeconfig does not vouch for it, nor the other way round.
    const caOf = (file: string) =>
      /certificate-authority-data:\s*(\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
    expect(caOf(kubeconfig)).toBeDefined();
    expect(caOf(kubeconfig)).not.toBe(caOf(testEnv('KUBECONFIG')));
  });

  it('has only kwok nodes, all Ready', async () => {
    const nodes = await kube.request<KubeList<Node>>('GET', '/api/v1/nodes');
    expect(nodes.items.length).toBeGreaterThanOrEqual(2);
    for (const node of nodes.items) {
      expect({
        name: node.metadata.name,
        kwok: node.metadata.annotations?.['kwok.x-k8s.io/node'],
        ready: node.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      }).toEqual({ name: expect.stringMatching(/^cluster2-node-\d+$/), kwok: 'fake', ready: 'True' });
    }
  });

  it('runs a Deployment to available on its nodes, and a port-forward to it answers', async () => {
    await kube.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    const labels = { app: 'web' };
    await kube.request('POST', KNOWN.deployments(namespace), {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: `registry.invalid/web@sha256:${'0'.repeat(64)}`,
                  ports: [{ name: 'http', containerPort: 8080 }],
                },
              ],
            },
          },
        },
      },
    });
    await kube.request('POST', KNOWN.services(namespace), {
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 'http' }] },
      },
    });
    let deployment: Deployment | undefined;
    const deadline = Date.now() + 60_000;
    const available = (d: Deployment) =>
      (d.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True') &&
      d.status?.availableReplicas === 2;
    while (Date.now() < deadline) {
      deployment = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/web`);
      if (available(deployment)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(deployment?.status).toMatchObject({ availableReplicas: 2, readyReplicas: 2 });
    const pods = await kube.request<KubeList<KubeObject & { spec: { nodeName?: string } }>>(
      'GET',
      `/api/v1/namespaces/${namespace}/pods`,
    );
    expect(pods.items.map((p) => p.spec.nodeName)).toEqual([
      expect.stringMatching(/^cluster2-node-/),
      expect.stringMatching(/^cluster2-node-/),
    ]);
    const forward = await kube.portForward(`${namespace}/web:80`);
    try {
      const answer = await fetch(`${forward.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect({ status: answer.status, body: (await answer.text()).trim() }).toEqual({
        status: 200,
        body: 'ok',
      });
    } finally {
      await forward.close();
    }
  });

  it('is reused by a second env.sh up: the same processes keep running', async () => {
    const pids = () =>
      ['etcd', 'apiserver', 'controller-manager', 'scheduler', 'kwok'].map((name) =>
        readFileSync(path.join(path.dirname(envFilePath()), 'pids', `cluster2-${name}.pid`), 'utf8').trim(),
      );
    const before = pids();
    const up = await run('bash', [path.join(repoRoot, 'test', 'env', 'env.sh'), 'up', 'cluster2'], {
      timeoutMs: 100_000,
    });
    expect({ code: up.code, stderr: up.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('cluster 2 is already up: reusing it'),
    });
    expect(up.stdout).toMatch(/^cluster2\s+up\s/m);
    expect(pids()).toEqual(before);
  });
});
