import type { Kube } from './client';
import { isNotFound } from './errors';
import type { KubeObject } from './types';

export interface ResourceInfo {
  /** The plural resource name used in paths ("deployments"). */
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

/** Maps apiVersion + kind to a resource path, asking the API server once per group/version. */
export class Discovery {
  private readonly cache = new Map<string, Promise<ApiResourceList | undefined>>();

  constructor(private readonly kube: Kube) {}

  private groupVersion(apiVersion: string): Promise<ApiResourceList | undefined> {
    let entry = this.cache.get(apiVersion);
    if (!entry) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      entry = this.kube.request<ApiResourceList>('GET', path, { purpose: 'discovery' }).catch((error) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      this.cache.set(apiVersion, entry);
    }
    return entry;
  }

  /** The resource for a kind, or undefined when the cluster does not serve that apiVersion/kind. */
  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const list = await this.groupVersion(apiVersion);
    const match = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
    return match ? { resource: match.name, namespaced: match.namespaced, verbs: match.verbs } : undefined;
  }
}

/** The collection path of a resource: /apis/apps/v1/namespaces/ns/deployments. */
export function collectionPath(apiVersion: string, resource: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}`
    : `${base}/${resource}`;
}

/** The path of one object: its collection path plus its name. */
export function objectPath(apiVersion: string, resource: string, name: string, namespace?: string): string {
  return `${collectionPath(apiVersion, resource, namespace)}/${encodeURIComponent(name)}`;
}

/** Paths of the built-in kinds this suite manages itself, no discovery needed. */
export const KNOWN = {
  deployments: (ns: string) => collectionPath('apps/v1', 'deployments', ns),
  services: (ns: string) => collectionPath('v1', 'services', ns),
  pods: (ns: string) => collectionPath('v1', 'pods', ns),
  events: (ns: string) => collectionPath('v1', 'events', ns),
  secrets: (ns: string) => collectionPath('v1', 'secrets', ns),
  configMaps: (ns: string) => collectionPath('v1', 'configmaps', ns),
  endpointSlices: (ns: string) => collectionPath('discovery.k8s.io/v1', 'endpointslices', ns),
  leases: (ns: string) => collectionPath('coordination.k8s.io/v1', 'leases', ns),
  namespace: (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}`,
} as const;

export function describeObject(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${object.kind}/${object.metadata.name ?? '?'}`;
}
