import { createHash } from 'node:crypto';
import type { Deployment, KubeObject } from '@swiss-deploy/kube';
import { LABELS, type ManifestObject } from './types';

/**
 * Config owned by its color (docs/architecture.md §4.2). A ConfigMap or Secret that a workload's pods read is applied
 * as a copy named after its content, and the colored workload points at the copy. A new revision's config
 * is then a new object that no live pod reads, a failed deploy changes nothing a live pod sees, and the old
 * color keeps reading the old copy, so a switch back serves the old config at once.
 */

export type ConfigKind = 'ConfigMap' | 'Secret';

/** One content-named copy: `<name>-<hash>`, immutable, labelled with the app and the name it copies. */
export interface ConfigCopy {
  kind: ConfigKind;
  /** The name in the manifests, which the pod templates reference. */
  original: string;
  /** `<original>-<10 hex of the content hash>`. */
  name: string;
  object: KubeObject;
  source: ManifestObject['source'];
}

/** A reference from a pod template to a ConfigMap or Secret, with a way to point it elsewhere. */
interface ConfigReference {
  kind: ConfigKind;
  name: string;
  rename(to: string): void;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const asArray = (value: unknown): Json[] =>
  Array.isArray(value) ? (value.map(asObject).filter(Boolean) as Json[]) : [];

function reference(kind: ConfigKind, holder: Json | undefined, key: string): ConfigReference[] {
  const name = holder?.[key];
  if (!holder || typeof name !== 'string' || name === '') return [];
  return [{ kind, name, rename: (to) => (holder[key] = to) }];
}

/**
 * Every ConfigMap and Secret a pod spec reads: volumes (also projected), envFrom, env valueFrom, and the
 * image pull Secrets (so a restarted old pod pulls with the credentials its revision shipped).
 */
export function configReferences(podSpec: unknown): ConfigReference[] {
  const spec = asObject(podSpec);
  if (!spec) return [];
  const found: ConfigReference[] = [];
  for (const volume of asArray(spec.volumes)) {
    found.push(...reference('ConfigMap', asObject(volume.configMap), 'name'));
    found.push(...reference('Secret', asObject(volume.secret), 'secretName'));
    for (const source of asArray(asObject(volume.projected)?.sources)) {
      found.push(...reference('ConfigMap', asObject(source.configMap), 'name'));
      found.push(...reference('Secret', asObject(source.secret), 'name'));
    }
  }
  const containers = [
    ...asArray(spec.initContainers),
    ...asArray(spec.containers),
    ...asArray(spec.ephemeralContainers),
  ];
  for (const container of containers) {
    for (const from of asArray(container.envFrom)) {
      found.push(...reference('ConfigMap', asObject(from.configMapRef), 'name'));
      found.push(...reference('Secret', asObject(from.secretRef), 'name'));
    }
    for (const variable of asArray(container.env)) {
      const valueFrom = asObject(variable.valueFrom);
      found.push(...reference('ConfigMap', asObject(valueFrom?.configMapKeyRef), 'name'));
      found.push(...reference('Secret', asObject(valueFrom?.secretKeyRef), 'name'));
    }
  }
  for (const pullSecret of asArray(spec.imagePullSecrets))
    found.push(...reference('Secret', pullSecret, 'name'));
  return found;
}

const isConfig = (object: KubeObject): object is KubeObject & { kind: ConfigKind } =>
  object.apiVersion === 'v1' && (object.kind === 'ConfigMap' || object.kind === 'Secret');

/** The content that a pod reads; metadata is left out so relabelling never renames a copy. */
function contentHash(object: KubeObject): string {
  const { apiVersion: _a, kind, metadata: _m, immutable: _i, ...content } = object as Json;
  return createHash('sha256')
    .update(JSON.stringify(sortKeys({ kind, ...content })))
    .digest('hex')
    .slice(0, 10);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  const object = asObject(value);
  if (!object) return value;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, sortKeys(object[key])]),
  );
}

/** The key a copy or reference is found by: `ConfigMap/shop-config`. */
export const configKey = (kind: string, name: string): string => `${kind}/${name}`;

/**
 * Splits the manifests' ConfigMaps and Secrets into those the workloads read (returned as content-named
 * copies, with the workloads rewritten in place to reference them) and the rest, which stay as they are.
 */
export function planConfigCopies(
  objects: readonly ManifestObject[],
  workloads: readonly Deployment[],
  app: string,
  namespace: string,
): { copies: ConfigCopy[]; copied: Set<ManifestObject> } {
  const configs = new Map<string, ManifestObject>();
  for (const manifest of objects) {
    if (isConfig(manifest.object))
      configs.set(configKey(manifest.object.kind, manifest.object.metadata.name as string), manifest);
  }
  const copies = new Map<string, ConfigCopy>();
  for (const workload of workloads) {
    for (const ref of configReferences(workload.spec?.template?.spec)) {
      const key = configKey(ref.kind, ref.name);
      const manifest = configs.get(key);
      // Config the manifests do not carry (made by another tool, optional) is the cluster's, not ours.
      if (!manifest) continue;
      let copy = copies.get(key);
      if (!copy) {
        const name = `${ref.name}-${contentHash(manifest.object)}`;
        const object = structuredClone(manifest.object) as KubeObject & { immutable?: boolean };
        object.metadata = {
          name,
          namespace,
          labels: {
            ...manifest.object.metadata.labels,
            [LABELS.app]: app,
            [LABELS.managedBy]: 'swiss-deploy',
            [LABELS.role]: 'config',
            [LABELS.config]: ref.name,
          },
          ...(manifest.object.metadata.annotations
            ? { annotations: { ...manifest.object.metadata.annotations } }
            : {}),
        };
        // A copy never changes: its name is its content. Immutable also spares the kubelet its watches.
        object.immutable = true;
        copy = { kind: ref.kind, original: ref.name, name, object, source: manifest.source };
        copies.set(key, copy);
      }
      ref.rename(copy.name);
    }
  }
  const copied = new Set([...copies.keys()].map((key) => configs.get(key)!));
  return { copies: [...copies.values()], copied };
}

/** Names (`Kind/name`) of the config copies that a Deployment's pods read. */
export function copiesReadBy(deployment: Deployment): string[] {
  return configReferences(deployment.spec?.template?.spec).map((ref) => configKey(ref.kind, ref.name));
}
