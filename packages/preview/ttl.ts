import { EXPIRES_ANNOTATION, APP_LABEL, PR_LABEL, PREVIEW_LABEL, REPOSITORY_ANNOTATION } from './names';

/** RFC 3339 UTC without fractions, e.g. 2026-12-03T14:00:00Z: what the expiry annotation holds. */
export function expiresAt(now: Date, ttlMs: number): string {
  return new Date(Math.floor((now.getTime() + ttlMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant of an expiry annotation, or undefined when it is missing or not RFC 3339. */
export function parseExpiry(value: string | undefined): Date | undefined {
  if (!value || !RFC3339.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export interface NamespaceFacts {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ExpiredPreview {
  namespace: string;
  app: string;
  pr: number;
  expiresAt: string;
}

export interface ExpirySelection {
  expired: ExpiredPreview[];
  /** Preview namespaces left alone, and why (not expired yet, no readable expiry, another repository). */
  kept: { namespace: string; reason: string }[];
}

/**
 * Which of the listed namespaces the cleanup removes: previews (by label) of `app` when given, made by
 * `repository`, whose expiry has passed at `now`. A preview without a readable expiry is kept and named:
 * deleting on a guess is worse than a leftover someone can see.
 */
export function selectExpired(
  namespaces: readonly NamespaceFacts[],
  options: { now: Date; repository: string; app?: string },
): ExpirySelection {
  const selection: ExpirySelection = { expired: [], kept: [] };
  for (const ns of namespaces) {
    const labels = ns.labels ?? {};
    if (labels[PREVIEW_LABEL] !== 'true') continue;
    const app = labels[APP_LABEL] ?? '';
    if (options.app && app !== options.app) continue;
    const repository = ns.annotations?.[REPOSITORY_ANNOTATION];
    if (repository?.toLowerCase() !== options.repository.toLowerCase()) {
      selection.kept.push({ namespace: ns.name, reason: `made by ${repository ?? 'an unknown repository'}` });
      continue;
    }
    const pr = Number(labels[PR_LABEL]);
    const raw = ns.annotations?.[EXPIRES_ANNOTATION];
    const expiry = parseExpiry(raw);
    if (!app || !Number.isSafeInteger(pr) || pr < 1) {
      selection.kept.push({ namespace: ns.name, reason: 'its app or pull request label is missing' });
    } else if (!expiry) {
      selection.kept.push({
        namespace: ns.name,
        reason: `${EXPIRES_ANNOTATION} is ${raw === undefined ? 'missing' : JSON.stringify(raw)}, not an RFC 3339 time`,
      });
    } else if (expiry.getTime() > options.now.getTime()) {
      selection.kept.push({ namespace: ns.name, reason: `expires at ${raw}` });
    } else {
      selection.expired.push({ namespace: ns.name, app, pr, expiresAt: raw as string });
    }
  }
  return selection;
}
