import type { Color, RevisionRecord } from './types';

/** A canary waiting in preview after a step that gave it traffic. */
export const pausedCanary = (record: RevisionRecord): boolean =>
  record.outcome === 'preview' && record.strategy === 'canary' && (record.step ?? 0) > 0;

/**
 * What a deploy of manifests with a given digest should do, decided from the revision store and the live
 * color alone:
 * - `blocked`: a paused canary holds a share of live traffic and these are other manifests; it must be
 *   promoted or aborted first.
 * - `unchanged`: the newest revision has these manifests and is live on the active color, or waits in
 *   preview (a paused canary included); `color` is the one serving live traffic.
 * - `deploy`: anything else, a failed, aborted or superseded revision with the same manifests included.
 */
export type DeployDecision =
  | { kind: 'deploy' }
  | { kind: 'blocked'; paused: RevisionRecord }
  | {
      kind: 'unchanged';
      revision: RevisionRecord;
      status: 'unchanged' | 'preview' | 'paused';
      color: Color;
    };

export function decideDeploy(
  revisions: readonly RevisionRecord[],
  digest: string,
  active: Color | undefined,
): DeployDecision {
  const paused = revisions.find(pausedCanary);
  if (paused && paused.manifestDigest !== digest) return { kind: 'blocked', paused };
  const latest = revisions[0];
  if (!latest || latest.manifestDigest !== digest) return { kind: 'deploy' };
  if (latest.outcome === 'preview') {
    // A service canary's stable Services select both colors: the record says which one is stable.
    const canary = pausedCanary(latest);
    const color = (canary ? latest.previousColor : active) ?? latest.color;
    return { kind: 'unchanged', revision: latest, status: canary ? 'paused' : 'preview', color };
  }
  if (latest.outcome === 'succeeded' && latest.color === active)
    return { kind: 'unchanged', revision: latest, status: 'unchanged', color: active };
  return { kind: 'deploy' };
}
