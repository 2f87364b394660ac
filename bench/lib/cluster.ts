// The test environment's cluster for the benchmarks: namespaces of our own (labelled, removed after), the
// manifests of a small web app, and a recorder that watches a namespace's Deployments and EndpointSlices and
// timestamps (monotonic clock of this process) the first moment a condition holds.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { KNOWN, Kube, type KubeObject, type WatchEvent } from '@swiss-deploy/kube';
import { readEnvFile, envFilePath } from '../../test/support/env';

export const OWNER_LABEL = 'swiss-deploy.bench/owner';

export function env(key: string): string {
  const value = readEnvFile()[key];
  if (!value) throw new Error(`${envFilePath()} has no ${key}: run \`npm run env:up\` first.`);
  return value;
}

export async function adminKube(): Promise<Kube> {
  return Kube.connect({ kubeconfigFile: env('KUBECONFIG') });
}

export async function createNamespace(kube: Kube, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kube.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [OWNER_LABEL]: 'bench' } } },
  });
  return name;
}

export async function deleteNamespace(kube: Kube, name: string): Promise<void> {
  await kube.request('DELETE', KNOWN.namespace(name)).catch(() => undefined);
}

/**
 * Waits (bounded) until no namespace of ours is left, terminating ones included, so one measurement does not
 * pay for the clean-up of the one before. Returns how many were still there when it gave up.
 */
export async function settleNamespaces(kube: Kube, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await kube.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces', {
      query: { labelSelector: `${OWNER_LABEL}=bench` },
    });
    if (list.items.length === 0 || Date.now() > deadline) return list.items.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Namespaces an interrupted earlier run left behind. */
export async function deleteLeftovers(kube: Kube): Promise<number> {
  const list = await kube.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces', {
    query: { labelSelector: `${OWNER_LABEL}=bench` },
  });
  for (const ns of list.items) await deleteNamespace(kube, ns.metadata.name as string);
  return list.items.length;
}

export interface AppOptions {
  app?: string;
  version: string;
  replicas?: number;
  minReadySeconds?: number;
  /** Extra ConfigMaps, to grow the object count. */
  configMaps?: number;
}

/** A web app as render-helm produces it: a ConfigMap, a Deployment and its Service (pods land on kwok nodes). */
export function appObjects(options: AppOptions): KubeObject[] {
  const app = options.app ?? 'shop';
  const labels = { 'app.kubernetes.io/name': app };
  const extra: KubeObject[] = Array.from({ length: options.configMaps ?? 0 }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${app}-extra-${i}`, labels },
    data: { INDEX: String(i), VERSION: options.version },
  }));
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
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'swiss-deploy.bench/version': options.version } },
          spec: {
            containers: [
              {
                name: 'web',
                image: `registry.example/shop@sha256:${'ab'.repeat(32)}`,
                env: [{ name: 'VERSION', value: options.version }],
                ports: [{ name: 'http', containerPort: 8080 }],
              },
            ],
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
    ...extra,
  ];
}

export function writeManifests(dir: string, name: string, objects: readonly KubeObject[]): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

interface Deployment extends KubeObject {
  spec?: { replicas?: number };
  status?: {
    readyReplicas?: number;
    updatedReplicas?: number;
    replicas?: number;
    observedGeneration?: number;
  };
}
interface EndpointSlice extends KubeObject {
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[];
}

/**
 * Watches one namespace's Deployments and the EndpointSlices of one Service. `when(name, predicate)` records
 * the monotonic time of the first event after which the predicate holds.
 */
export class NamespaceRecorder {
  readonly deployments = new Map<string, Deployment>();
  readonly slices = new Map<string, EndpointSlice>();
  private readonly abort = new AbortController();
  private readonly conditions = new Map<string, { test: () => boolean; at?: number }>();
  private readonly watches: Promise<void>[] = [];
  /** Conditions still waiting: stop() settles them with what they have. */
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly kube: Kube,
    readonly namespace: string,
    readonly service: string,
  ) {}

  start(): this {
    const onEvent =
      <T extends KubeObject>(map: Map<string, T>) =>
      (event: WatchEvent<T>): void => {
        const name = event.object.metadata.name as string;
        if (event.type === 'DELETED') map.delete(name);
        else if (event.type === 'ADDED' || event.type === 'MODIFIED') map.set(name, event.object);
        this.check();
      };
    const keep = (path: string, query: Record<string, string>, handler: (e: WatchEvent<never>) => void) =>
      this.watches.push(
        (async () => {
          // A watch the server ends is reopened until we stop (with a fresh initial listing).
          while (!this.abort.signal.aborted) {
            await this.kube
              .watch(path, query, handler, this.abort.signal)
              .catch(() => new Promise((resolve) => setTimeout(resolve, 250)));
          }
        })(),
      );
    keep(KNOWN.deployments(this.namespace), {}, onEvent(this.deployments) as never);
    keep(
      `/apis/discovery.k8s.io/v1/namespaces/${this.namespace}/endpointslices`,
      { labelSelector: `kubernetes.io/service-name=${this.service}` },
      onEvent(this.slices) as never,
    );
    return this;
  }

  /** Starts timing a condition; resolves with the time it first held (or undefined after timeoutMs). */
  when(name: string, test: () => boolean, timeoutMs = 120_000): Promise<number | undefined> {
    const entry: { test: () => boolean; at?: number } = { test };
    this.conditions.set(name, entry);
    if (test()) entry.at = performance.now();
    const started = performance.now();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearInterval(poll);
        this.pending.delete(finish);
        resolve(entry.at);
      };
      const poll = setInterval(() => {
        if (entry.at !== undefined || performance.now() - started > timeoutMs) finish();
      }, 5);
      this.pending.add(finish);
    });
  }

  private check(): void {
    const now = performance.now();
    for (const entry of this.conditions.values()) if (entry.at === undefined && entry.test()) entry.at = now;
  }

  /** The colored Deployment `<app>-<color>` has all its replicas updated, ready and observed. */
  ready(deployment: string): boolean {
    const d = this.deployments.get(deployment);
    const want = d?.spec?.replicas ?? 0;
    const s = d?.status;
    return (
      !!d &&
      want > 0 &&
      (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      (s?.readyReplicas ?? 0) >= want &&
      (s?.updatedReplicas ?? 0) >= want
    );
  }

  /** Every endpoint of the Service's slices is a pod of `podPrefix`, and at least `count` are ready. */
  endpointsOnly(podPrefix: string, count: number): boolean {
    let ready = 0;
    for (const slice of this.slices.values()) {
      for (const endpoint of slice.endpoints ?? []) {
        if (!endpoint.targetRef?.name?.startsWith(podPrefix)) return false;
        if (endpoint.conditions?.ready !== false) ready++;
      }
    }
    return ready >= count;
  }

  /** Lets the watches deliver their initial listing. */
  async settle(ms = 750): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  async stop(): Promise<void> {
    for (const finish of [...this.pending]) finish();
    this.abort.abort();
    await Promise.all(this.watches);
  }
}
