import { UserError, WorldError, sleep } from '@swiss-deploy/kit';
import { FIELD_MANAGER, isNotFound, type Kube, type KubeList, type KubeObject } from '@swiss-deploy/kube';
import {
  EXPIRES_ANNOTATION,
  PREVIEW_LABEL,
  REPOSITORY_ANNOTATION,
  isPreviewOf,
  previewLabels,
  previewNamespace,
  type PreviewId,
} from './names';
import type { NamespaceFacts } from './ttl';

export interface PrepareOptions {
  expiresAt: string;
  repository: string;
  /** A registry login written as a kubernetes.io/dockerconfigjson Secret in the namespace. */
  pullSecret?: { name: string; registry: string; username: string; password: string };
}

const apply = {
  contentType: 'application/apply-patch+yaml',
  query: { fieldManager: FIELD_MANAGER, force: true },
};

/**
 * Creates the preview's namespace, labelled as this app's and PR's preview, with its expiry (moved on at
 * every push), and the pull secret when given. A namespace of that name that is not this preview is
 * refused: a preview never takes over a namespace it did not make.
 */
export async function preparePreview(kube: Kube, id: PreviewId, options: PrepareOptions): Promise<string> {
  const name = previewNamespace(id);
  const existing = await readNamespace(kube, name);
  if (existing && !isPreviewOf(existing.labels, id)) {
    throw new UserError(
      `Namespace ${name} exists and is not the preview of ${id.app} for pull request ${id.pr} (it lacks the label ${PREVIEW_LABEL}=true with the matching app and PR labels).`,
      {
        hint: 'Rename the app input, or remove that namespace if it is an old leftover. Nothing was changed.',
      },
    );
  }
  await kube.request('PATCH', `/api/v1/namespaces/${name}`, {
    ...apply,
    purpose: 'preview-namespace',
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: previewLabels(id),
        annotations: { [EXPIRES_ANNOTATION]: options.expiresAt, [REPOSITORY_ANNOTATION]: options.repository },
      },
    },
  });
  if (options.pullSecret) {
    const { name: secretName, registry, username, password } = options.pullSecret;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    const config = JSON.stringify({ auths: { [registry]: { username, password, auth } } });
    await kube.request('PATCH', `/api/v1/namespaces/${name}/secrets/${secretName}`, {
      ...apply,
      purpose: 'preview-pull-secret',
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/dockerconfigjson',
        metadata: { name: secretName, namespace: name, labels: previewLabels(id) },
        data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
      },
    });
  }
  return name;
}

export type TeardownOutcome = 'deleted' | 'absent';

/**
 * Deletes the preview's namespace (and with it the app's workloads, Services, routes, lease and revision
 * history) and waits until the API server no longer has it, or `timeoutMs`. A namespace of that name
 * without this preview's labels is refused and left alone.
 */
export async function deletePreview(kube: Kube, id: PreviewId, timeoutMs: number): Promise<TeardownOutcome> {
  const name = previewNamespace(id);
  const existing = await readNamespace(kube, name);
  if (!existing) return 'absent';
  if (!isPreviewOf(existing.labels, id)) {
    throw new UserError(
      `Namespace ${name} is not labelled as the preview of ${id.app} for pull request ${id.pr}: it is not deleted.`,
      {
        hint: `Only namespaces the preview action made (label ${PREVIEW_LABEL}=true) are torn down. Nothing was changed.`,
      },
    );
  }
  try {
    await kube.request('DELETE', `/api/v1/namespaces/${name}`, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' },
      purpose: 'preview-delete',
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const deadline = Date.now() + timeoutMs;
  // A namespace goes once its finalizers have emptied it; one GET a second is a handful of requests.
  while (await readNamespace(kube, name)) {
    if (Date.now() >= deadline) {
      throw new WorldError(
        `Namespace ${name} was still terminating after ${Math.round(timeoutMs / 1000)}s.`,
        { untouched: 'The deletion goes on in the cluster; a later teardown or cleanup finds it gone.' },
      );
    }
    await sleep(1000);
  }
  return 'deleted';
}

/** Every namespace labelled as a preview (of `app`, when given). */
export async function listPreviews(kube: Kube, app?: string): Promise<NamespaceFacts[]> {
  const selector = app ? `${PREVIEW_LABEL}=true,swiss-deploy/preview-app=${app}` : `${PREVIEW_LABEL}=true`;
  const list = await kube.request<KubeList<KubeObject>>('GET', '/api/v1/namespaces', {
    query: { labelSelector: selector, limit: 500 },
    purpose: 'preview-list',
  });
  return list.items.map((ns) => ({
    name: ns.metadata.name as string,
    labels: ns.metadata.labels,
    annotations: ns.metadata.annotations,
  }));
}

interface RouteObject extends KubeObject {
  spec?: {
    rules?: { host?: string }[];
    tls?: { hosts?: string[] }[];
    hostnames?: string[];
    ports?: { port: number }[];
  };
}

/**
 * Where the preview answers: the hosts of its Ingresses and HTTPRoutes as URLs, its Services other than the
 * colored and preview ones (`namespace/name:port`), and its expiry. A cluster without the Gateway API has
 * no HTTPRoutes.
 */
export async function previewEndpoints(
  kube: Kube,
  namespace: string,
): Promise<{ routes: string[]; services: string[]; expiresAt?: string }> {
  const ns = await readNamespace(kube, namespace);
  const routes = new Set<string>();
  const ingresses = await kube.request<KubeList<RouteObject>>(
    'GET',
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`,
    { purpose: 'preview-routes' },
  );
  for (const ingress of ingresses.items) {
    const tlsHosts = new Set((ingress.spec?.tls ?? []).flatMap((t) => t.hosts ?? []));
    for (const rule of ingress.spec?.rules ?? []) {
      if (rule.host) routes.add(`${tlsHosts.has(rule.host) ? 'https' : 'http'}://${rule.host}/`);
    }
  }
  try {
    const httpRoutes = await kube.request<KubeList<RouteObject>>(
      'GET',
      `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes`,
      { purpose: 'preview-routes' },
    );
    for (const route of httpRoutes.items) {
      for (const host of route.spec?.hostnames ?? []) routes.add(`http://${host}/`);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const services = await kube.request<KubeList<RouteObject>>(
    'GET',
    `/api/v1/namespaces/${namespace}/services`,
    {
      purpose: 'preview-routes',
    },
  );
  const stable = services.items
    .filter((s) => !/-(preview|blue|green)$/.test(s.metadata.name as string))
    .map((s) => `${namespace}/${s.metadata.name as string}:${s.spec?.ports?.[0]?.port ?? 80}`);
  return {
    routes: [...routes].sort(),
    services: stable.sort(),
    expiresAt: ns?.annotations?.[EXPIRES_ANNOTATION],
  };
}

async function readNamespace(kube: Kube, name: string): Promise<NamespaceFacts | undefined> {
  try {
    const ns = await kube.request<KubeObject>('GET', `/api/v1/namespaces/${name}`, {
      purpose: 'preview-read',
    });
    return { name, labels: ns.metadata.labels, annotations: ns.metadata.annotations };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
