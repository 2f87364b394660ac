import { WorldError, formatDuration } from '@swiss-deploy/kit';
import type { Status } from './types';

/** A request the API server refused or could not serve, with its HTTP code and the server's own words. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status?: Status;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, code: number, status: Status | undefined, fallback: string) {
    const denied = code === 403 ? missingPermission(method, path, status?.message ?? fallback) : undefined;
    const lacks = denied ? `: ${describeMissingPermission(denied)} -` : '';
    super(
      `${method} ${path}: ${code} ${status?.reason ?? ''}${lacks} ${status?.message ?? fallback}`.replace(
        / +/g,
        ' ',
      ),
    );
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = status?.reason ?? '';
    this.status = status;
    this.method = method;
    this.path = path;
  }

  /** The server's explanation alone, without the request line. */
  get serverMessage(): string {
    return this.status?.message ?? this.message;
  }

  /** For a 403: the permission the request lacked, read from the server's words or else from the request. */
  get missingPermission(): MissingPermission | undefined {
    if (this.code !== 403) return undefined;
    return missingPermission(this.method, this.path, this.serverMessage);
  }
}

/** A permission RBAC refused: `patch` on `services` (group "") in namespace `shop`. */
export interface MissingPermission {
  verb: string;
  /** The resource, with its subresource: `pods/portforward`, `deployments/scale`. */
  resource: string;
  /** The API group; "" for the core group. */
  group: string;
  /** Absent for a cluster-scoped request. */
  namespace?: string;
}

/** `patch services`, `create leases.coordination.k8s.io`, `create pods/portforward`. */
export function describePermission(permission: MissingPermission): string {
  const [resource, subresource] = permission.resource.split('/');
  const qualified = permission.group === '' ? resource : `${resource}.${permission.group}`;
  return `${permission.verb} ${qualified}${subresource ? `/${subresource}` : ''}`;
}

/** `cannot patch services in namespace shop`: the words an RBAC refusal is reported in. */
export function describeMissingPermission(permission: MissingPermission): string {
  const where = permission.namespace ? ` in namespace ${permission.namespace}` : ' (cluster-wide)';
  return `cannot ${describePermission(permission)}${where}`;
}

// The RBAC authorizer's wording: `... cannot patch resource "services" in API group "" in the namespace "x"`.
const FORBIDDEN =
  /cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/;

function missingPermission(method: string, path: string, message: string): MissingPermission | undefined {
  return permissionFromMessage(message) ?? permissionFromRequest(method, path);
}

function permissionFromMessage(message: string): MissingPermission | undefined {
  const match = FORBIDDEN.exec(message);
  if (!match) return undefined;
  const [, verb, resource, group, namespace] = match as unknown as [string, string, string, string?, string?];
  return { verb, resource, group: group ?? '', ...(namespace ? { namespace } : {}) };
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** A webhook or another authorizer may word it otherwise; the request itself still says what was asked. */
function permissionFromRequest(method: string, path: string): MissingPermission | undefined {
  const [route, query = ''] = path.split('?');
  const match =
    /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(
      route ?? '',
    );
  if (!match) return undefined;
  const [, group = '', namespace, resource = '', name, subresource] = match as unknown as (
    string | undefined
  )[];
  let verb = VERBS[method];
  if (verb === undefined) {
    if (method === 'WATCH' || /(?:^|&)watch=(?:1|true)/.test(query)) verb = 'watch';
    else verb = name === undefined ? 'list' : 'get';
  } else if (method === 'DELETE' && name === undefined) verb = 'deletecollection';
  return {
    verb,
    resource: subresource ? `${resource}/${subresource}` : resource,
    group,
    ...(namespace ? { namespace: decodeURIComponent(namespace) } : {}),
  };
}

export const isNotFound = (error: unknown): boolean => error instanceof KubeApiError && error.code === 404;
export const isConflict = (error: unknown): boolean => error instanceof KubeApiError && error.code === 409;
export const isForbidden = (error: unknown): boolean => error instanceof KubeApiError && error.code === 403;
export const isUnauthorized = (error: unknown): boolean =>
  error instanceof KubeApiError && error.code === 401;
/** 410 Gone: a watch's resourceVersion is too old; the caller must list again. */
export const isGone = (error: unknown): boolean => error instanceof KubeApiError && error.code === 410;
export const isInvalid = (error: unknown): boolean => error instanceof KubeApiError && error.code === 422;

/**
 * The API server did not answer in time: connect, headers and body share one deadline, so an address that
 * accepts connections and never answers fails the step instead of hanging it until the job's limit.
 */
// What was left untouched is known only to the caller (the lock phase: everything), so it is not said here.
export class KubeTimeoutError extends WorldError {
  constructor(
    readonly server: string,
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(
      `The Kubernetes API server ${server} did not answer ${method} ${path} within ${formatDuration(timeoutMs)}.`,
      {
        hint:
          'Check that the kubeconfig names the right server address and that the runner can reach it ' +
          '(a firewall that accepts and never answers looks like this), then run again.',
      },
    );
    this.name = 'KubeTimeoutError';
  }
}

/** A watch delivered nothing, not even a bookmark, for its liveness window; the caller watches again. */
export class WatchStalledError extends Error {
  constructor(
    readonly path: string,
    readonly idleMs: number,
  ) {
    super(`The watch of ${path} delivered nothing for ${formatDuration(idleMs)}.`);
    this.name = 'WatchStalledError';
  }
}

export const isStalledWatch = (error: unknown): boolean => error instanceof WatchStalledError;
