// What a pod needs to run on the test cluster's real node, and the test image's web server there. In the
// mixed mode that node is labelled and tainted so that only pods asking for it run there (the rest land on
// kwok's fake nodes). Used by the e2e and data-plane tests and by the traffic benchmark.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { testEnv } from './env';

/** nodeSelector and toleration that put a pod on the real node. */
export function realNodeScheduling(): { nodeSelector: Record<string, string>; tolerations: object[] } {
  const selector = testEnv('KUBE_REAL_NODE_SELECTOR');
  const eq = selector.indexOf('=');
  if (eq <= 0) throw new Error(`KUBE_REAL_NODE_SELECTOR is not key=value: ${selector}`);
  const toleration = /^([^=]+)=([^:]*):(\w+)$/.exec(testEnv('KUBE_REAL_TOLERATION'));
  if (!toleration)
    throw new Error(`KUBE_REAL_TOLERATION is not key=value:Effect: ${testEnv('KUBE_REAL_TOLERATION')}`);
  return {
    nodeSelector: { [selector.slice(0, eq)]: selector.slice(eq + 1) },
    tolerations: [{ key: toleration[1], operator: 'Equal', value: toleration[2], effect: toleration[3] }],
  };
}

/** Fails the suite loudly when the environment has no real node to run pods on. */
export function requireRealNode(mode: string): void {
  if (mode !== 'real' && mode !== 'mixed')
    throw new Error(`this test needs a real node (KUBE_MODE real or mixed), the environment runs ${mode}`);
}

export interface HttpdOptions {
  name: string;
  labels: Record<string, string>;
  namespace?: string;
  replicas?: number;
  /** Shell run before busybox httpd serves /www on :8080, e.g. writing the file it answers with. */
  setup?: string;
  /** The readiness probe's path. */
  readyPath: string;
  /** More fields of the container (volumeMounts…) and of the pod spec (volumes…). */
  container?: Record<string, unknown>;
  pod?: Record<string, unknown>;
}

/** A Deployment of the test image (busybox httpd on :8080, port name http) on the real node. */
export function httpdDeployment(options: HttpdOptions): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; namespace?: string };
  spec: Record<string, unknown>;
} {
  const serve = 'exec httpd -f -p 8080 -h /www';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: options.name,
      labels: options.labels,
      ...(options.namespace ? { namespace: options.namespace } : {}),
    },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: options.labels },
      template: {
        metadata: { labels: options.labels },
        spec: {
          ...realNodeScheduling(),
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'web',
              image: testEnv('KUBE_TEST_IMAGE'),
              imagePullPolicy: 'Never',
              command: ['/bin/sh', '-c', options.setup ? `${options.setup} && ${serve}` : serve],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: options.readyPath, port: 8080 }, periodSeconds: 1 },
              ...options.container,
            },
          ],
          ...options.pod,
        },
      },
    },
  };
}

/**
 * An app that answers its version on /version: the test image's Deployment on the real node and a Service
 * `name` on port 80, both labelled `app.kubernetes.io/name: name`.
 */
export function versionedApp(
  name: string,
  version: string,
  replicas = 1,
): [ReturnType<typeof httpdDeployment>, Record<string, unknown>] {
  const labels = { 'app.kubernetes.io/name': name };
  return [
    httpdDeployment({
      name,
      labels,
      replicas,
      setup: `echo ${version} > /www/version`,
      readyPath: '/version',
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ];
}

/** Writes objects to one multi-document YAML file in a fresh temporary folder; returns its path. */
export function manifestFile(objects: readonly unknown[], prefix = 'e2e-manifests-'): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), prefix)), 'app.yaml');
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}
