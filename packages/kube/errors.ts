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
    super(
      `${method} ${path}: ${code} ${status?.reason ?? ''} ${status?.message ?? fallback}`.replace(/ +/g, ' '),
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
