// A namespace of pods and Services for the port-forward tests, made with @kubernetes/client-node.
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  type V1Pod,
  type V1PodSpec,
  type V1Service,
} from '@kubernetes/client-node';

type Scheduling = Pick<V1PodSpec, 'nodeSelector' | 'tolerations'>;
import { readEnvFile, testEnv } from '../../support/env';

export interface TestCluster {
  kubeconfig: string;
  mode: string;
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
}

export function testCluster(): TestCluster {
  const kubeconfig = testEnv('KUBECONFIG');
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return {
    kubeconfig,
    mode: testEnv('KUBE_MODE'),
    core: config.makeApiClient(CoreV1Api),
    discovery: config.makeApiClient(DiscoveryV1Api),
  };
}

/** Whether pods can really run: a real node alone, or beside the kwok nodes (mixed, the default). */
export function hasRealNode(cluster: TestCluster): boolean {
  return cluster.mode === 'real' || cluster.mode === 'mixed';
}

/**
 * What lands a pod on the real node. In mixed mode the node is tainted, so a pod must tolerate the taint
 * and select the node's label (KUBE_REAL_TOLERATION key=value:effect, KUBE_REAL_NODE_SELECTOR key=value).
 */
export function realNodeScheduling(cluster: TestCluster): Scheduling {
  const env = readEnvFile();
  const selector =
    cluster.mode === 'mixed' ? testEnv('KUBE_REAL_NODE_SELECTOR') : env.KUBE_REAL_NODE_SELECTOR;
  const toleration = cluster.mode === 'mixed' ? testEnv('KUBE_REAL_TOLERATION') : env.KUBE_REAL_TOLERATION;
  const spec: Scheduling = {};
  if (selector) {
    const [key, value] = selector.split('=') as [string, string | undefined];
    spec.nodeSelector = { [key]: value ?? '' };
  }
  if (toleration) {
    const match = /^([^=]+)=([^:]*):(.+)$/.exec(toleration);
    if (!match) throw new Error(`KUBE_REAL_TOLERATION is "${toleration}", expected key=value:effect`);
    spec.tolerations = [{ key: match[1], operator: 'Equal', value: match[2], effect: match[3] }];
  }
  return spec;
}

/** The image real-node pods run: busybox httpd on 8080 serving "swiss-deploy test pod" at /. */
export function testImage(): string {
  return readEnvFile().KUBE_TEST_IMAGE ?? 'swiss-deploy.test/busybox-httpd:local';
}

export async function createNamespace(cluster: TestCluster, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await cluster.core.createNamespace({
    body: { metadata: { name, labels: { 'swiss-deploy.test/owner': 'smoke-tests' } } },
  });
  return name;
}

export async function deleteNamespace(cluster: TestCluster, name: string): Promise<void> {
  await cluster.core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

/**
 * A pod of the test app. `ready: false` keeps it from ever being Ready on either kind of node: kwok's
 * never-ready stage, and a readiness probe that always fails on a real node. Without `scheduling` it
 * lands on a kwok node in mixed mode.
 */
export function webPod(
  name: string,
  labels: Record<string, string>,
  options: { ready?: boolean; command?: string[]; scheduling?: Scheduling } = {},
): V1Pod {
  const notReady = options.ready === false;
  return {
    metadata: {
      name,
      labels: { ...labels, ...(notReady ? { 'swiss-deploy.test/fail': 'never-ready' } : {}) },
    },
    spec: {
      ...options.scheduling,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'web',
          image: testImage(),
          imagePullPolicy: 'Never',
          ...(options.command ? { command: options.command } : {}),
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: notReady
            ? { exec: { command: ['sh', '-c', 'exit 1'] }, periodSeconds: 1 }
            : { tcpSocket: { port: 8080 as never }, periodSeconds: 1 },
        },
      ],
    },
  };
}

export function webService(name: string, selector: Record<string, string>): V1Service {
  return {
    metadata: { name },
    spec: {
      selector,
      ports: [
        { name: 'http', port: 80, targetPort: 'http' as never },
        { name: 'admin', port: 9090, targetPort: 8080 as never },
      ],
    },
  };
}

/** Waits until the Service's EndpointSlices list `ready` ready endpoints (and no fewer). */
export async function waitForReadyEndpoints(
  cluster: TestCluster,
  namespace: string,
  service: string,
  ready: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    const slices = await cluster.discovery.listNamespacedEndpointSlice({
      namespace,
      labelSelector: `kubernetes.io/service-name=${service}`,
    });
    seen = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
    if (seen === ready) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `Service ${namespace}/${service} has ${seen} ready endpoints, not ${ready}, after ${timeoutMs} ms`,
  );
}
