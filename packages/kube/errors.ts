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
