import type { Kube } from './client';
import type { Discovery } from './discovery';
import { objectPath } from './discovery';
import type { KubeObject } from './types';

/** The one field manager every write of this suite uses, so server-side apply knows what we own. */
export const FIELD_MANAGER = 'swiss-deploy';

export interface ApplyOptions {
  /** Validate, authorize and admit everything, persist nothing (dryRun=All). */
  dryRun?: boolean;
  /**
   * Take over fields another manager owns. Right for the objects a deploy defines: the pipeline is their
   * single writer, and the lease keeps two deploys from applying at once.
   */
  force?: boolean;
  purpose?: string;
}

export class UnknownKindError extends Error {
  constructor(readonly object: KubeObject) {
    super(`the cluster does not serve ${object.apiVersion} ${object.kind}`);
    this.name = 'UnknownKindError';
  }
}

/**
 * Server-side apply of one whole object (PATCH application/apply-patch+yaml, JSON being YAML). Fields the
 * manager applied before and no longer sends are removed, as `kubectl apply --server-side` does.
 */
export async function applyObject<T extends KubeObject>(
  kube: Kube,
  discovery: Discovery,
  object: KubeObject,
  options: ApplyOptions = {},
): Promise<T> {
  const info = await discovery.lookup(object.apiVersion, object.kind);
  if (!info) throw new UnknownKindError(object);
  const path = objectPath(
    object.apiVersion,
    info.resource,
    object.metadata.name as string,
    info.namespaced ? object.metadata.namespace : undefined,
  );
  return kube.request<T>('PATCH', path, {
    body: object,
    contentType: 'application/apply-patch+yaml',
    query: {
      fieldManager: FIELD_MANAGER,
      force: options.force ? true : undefined,
      dryRun: options.dryRun ? 'All' : undefined,
    },
    purpose: options.purpose ?? (options.dryRun ? 'dry-run' : 'apply'),
  });
}

/**
 * Sets a Deployment's replicas through its scale subresource. A partial server-side apply would drop every
 * other field our manager owns, so scaling is a merge patch of spec.replicas alone.
 */
export async function scaleDeployment(
  kube: Kube,
  namespace: string,
  name: string,
  replicas: number,
): Promise<void> {
  await kube.request('PATCH', `${objectPath('apps/v1', 'deployments', name, namespace)}/scale`, {
    body: { spec: { replicas } },
    contentType: 'application/merge-patch+json',
    query: { fieldManager: FIELD_MANAGER },
    purpose: 'scale',
  });
}
