// Helpers for the deploy tests: a namespace per test file, manifests of a small app, a snapshot of what a
// namespace holds, and the deploy itself with a test run's identity.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadManifests, runBlueGreen, type DeployOptions } from '@swiss-deploy/bluegreen';
import type { DeployReport } from '../../../packages/bluegreen/types';
import { KNOWN, Kube, type KubeList, type KubeObject } from '@swiss-deploy/kube';
import { testEnv } from '../../support/env';

export type FailureStage = 'image-pull' | 'crash-loop' | 'never-ready';

export async function adminKube(): Promise<Kube> {
  return Kube.connect({ kubeconfigFile: testEnv('KUBECONFIG') });
}

/**
 * The kwok failure stages and fake nodes exist in the kwok and mixed node modes (in mixed, the real node is
 * tainted, so these pods land on kwok nodes); the tests that rely on them say so loudly.
 */
export function requireKwok(): void {
  const mode = testEnv('KUBE_MODE');
  if (mode !== 'kwok' && mode !== 'mixed')
    throw new Error(`these tests need kwok nodes (KUBE_MODE kwok or mixed), the environment runs ${mode}`);
}

export async function createNamespace(kube: Kube, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kube.request('POST', '/api/v1/namespaces', {
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'swiss-deploy.test/owner': 'deploy-tests' } },
    },
  });
  await namespaceSettled(name);
  return name;
}

/**
 * Waits until the controllers have filled a new namespace (its default ServiceAccount and the
 * kube-root-ca.crt ConfigMap), so a before/after snapshot sees only what a test did. Uses a client of its
 * own, so the caller's request counts stay the test's.
 */
async function namespaceSettled(namespace: string): Promise<void> {
  const observer = await adminKube();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const accounts = await observer.request<KubeList<KubeObject>>(
      'GET',
      `/api/v1/namespaces/${namespace}/serviceaccounts`,
    );
    const maps = await observer.request<KubeList<KubeObject>>(
      'GET',
      `/api/v1/namespaces/${namespace}/configmaps`,
    );
    if (
      accounts.items.some((item) => item.metadata.name === 'default') &&
      maps.items.some((item) => item.metadata.name === 'kube-root-ca.crt')
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`namespace ${namespace} was not set up by the controllers within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function deleteNamespace(kube: Kube, name: string): Promise<void> {
  await kube.request('DELETE', KNOWN.namespace(name)).catch(() => undefined);
}

export interface AppOptions {
  app?: string;
  version: string;
  replicas?: number;
  fail?: FailureStage;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
  image?: string;
  port?: number;
  /** The pods read the ConfigMap (envFrom and a volume), so it is owned by the color. */
  readsConfig?: boolean;
  /** Pods only fit nodes with these labels (none may have them: Unschedulable). */
  nodeSelector?: Record<string, string>;
  extra?: KubeObject[];
}

/** A web app as render-helm would produce it: a ConfigMap, a Deployment and its Service. */
export function appObjects(options: AppOptions): KubeObject[] {
  const app = options.app ?? 'shop';
  const labels = { 'app.kubernetes.io/name': app };
  const podLabels: Record<string, string> = {
    ...labels,
    ...(options.fail ? { 'swiss-deploy.test/fail': options.fail } : {}),
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${app}-config`, labels },
      data: { VERSION: options.version },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, labels },
      spec: {
        replicas: options.replicas ?? 2,
        ...(options.minReadySeconds ? { minReadySeconds: options.minReadySeconds } : {}),
        ...(options.progressDeadlineSeconds
          ? { progressDeadlineSeconds: options.progressDeadlineSeconds }
          : {}),
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: podLabels, annotations: { 'swiss-deploy.test/version': options.version } },
          spec: {
            ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
            containers: [
              {
                name: 'web',
                image: options.image ?? `registry.example/shop@sha256:${'ab'.repeat(32)}`,
                env: [{ name: 'VERSION', value: options.version }],
                ports: [{ name: 'http', containerPort: options.port ?? 8080 }],
                ...(options.readsConfig
                  ? {
                      envFrom: [{ configMapRef: { name: `${app}-config` } }],
                      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
                    }
                  : {}),
              },
            ],
            ...(options.readsConfig
              ? { volumes: [{ name: 'config', configMap: { name: `${app}-config` } }] }
              : {}),
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    ...(options.extra ?? []),
  ];
}

/** Writes the objects as a manifests file: under `into` (a job's workspace) or a fresh temp folder. */
export function writeManifests(objects: readonly unknown[] | string, into = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(into, 'manifests-'));
  const file = path.join(dir, 'manifests.yaml');
  writeFileSync(file, typeof objects === 'string' ? objects : objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

let runs = 0;

export async function deploy(
  kube: Kube,
  namespace: string,
  objects: readonly KubeObject[] | string,
  overrides: Partial<DeployOptions> = {},
): Promise<DeployReport> {
  runs++;
  const file = writeManifests(objects);
  return runBlueGreen(kube, {
    app: 'shop',
    namespace,
    manifests: loadManifests([file]),
    timeoutMs: 60_000,
    holder: {
      identity: `swiss/example-app/runs/${9000 + runs}/attempts/1/deploy/${Math.random().toString(16).slice(2, 10)}`,
      repository: 'swiss/example-app',
      runId: String(9000 + runs),
      runAttempt: '1',
      runUrl: `https://github.com/swiss/example-app/actions/runs/${9000 + runs}`,
    },
    run: { commit: '9f3c2a1b7e6d5c4b3a29180716f5e4d3c2b1a098', repository: 'swiss/example-app' },
    ...overrides,
  });
}

/** What a namespace holds, by kind/name → resourceVersion (plus the Service selectors and replicas as text). */
export async function snapshotNamespace(kube: Kube, namespace: string): Promise<Record<string, string>> {
  const kinds: [string, string][] = [
    ['Deployment', KNOWN.deployments(namespace)],
    ['Service', KNOWN.services(namespace)],
    ['ConfigMap', `/api/v1/namespaces/${namespace}/configmaps`],
    ['Secret', KNOWN.secrets(namespace)],
    ['Lease', KNOWN.leases(namespace)],
    ['ServiceAccount', `/api/v1/namespaces/${namespace}/serviceaccounts`],
  ];
  const snapshot: Record<string, string> = {};
  for (const [kind, path] of kinds) {
    const list = await kube.request<KubeList<KubeObject>>('GET', path);
    for (const item of list.items) {
      // A Deployment's status is the controllers' to write at any time (a kwok pod turning Ready moves its
      // resourceVersion); what a deploy or rollback would change is its metadata or its spec.
      snapshot[`${kind}/${item.metadata.name}`] =
        kind === 'Deployment'
          ? JSON.stringify({
              generation: item.metadata.generation,
              labels: item.metadata.labels,
              annotations: item.metadata.annotations,
              spec: (item as KubeObject & { spec?: unknown }).spec,
            })
          : (item.metadata.resourceVersion ?? '');
    }
  }
  return snapshot;
}

export async function getObject<T extends KubeObject>(kube: Kube, path: string): Promise<T> {
  return kube.request<T>('GET', path);
}
