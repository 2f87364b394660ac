import type { Kube } from './client';
import { isGone, isStalledWatch } from './errors';
import type { KubeList, KubeObject, WatchEvent } from './types';

export interface WatchTarget {
  /** Collection path, e.g. /apis/apps/v1/namespaces/shop/deployments. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchUntilOptions<R> {
  /** Absolute time (ms since epoch) after which the wait fails with `onTimeout`. */
  deadline: number;
  onTimeout: () => Error;
  /** Aborting stops the wait quietly (resolves undefined); used when a sibling wait already decided. */
  signal?: AbortSignal;
  /**
   * Watch from this resourceVersion without listing first (the objects start empty). A version the server
   * no longer has answers 410 Gone, and the wait lists again.
   */
  resourceVersion?: string;
  /** The watch's liveness window instead of the client's (see ConnectOptions.watchIdleMs). */
  idleMs?: number;
  /** Called with every change; return a value to finish, throw to fail. */
  decide: (objects: ReadonlyMap<string, KubeObject>, event?: WatchEvent<KubeObject>) => R | undefined;
}

/**
 * List, then watch from the list's resourceVersion until `decide` returns a value: an informer for one wait.
 * The request count depends on what happens, not on how long it takes: one list, one watch that lasts until
 * the deadline (timeoutSeconds), bookmarks to keep the resourceVersion fresh, and a new list only when the
 * server answers 410 Gone. A watch that goes silent (no event, no bookmark) for its liveness window is opened
 * again from the last resourceVersion: a half-open connection must not outlive the deadline unnoticed.
 */
export async function watchUntil<R>(
  kube: Kube,
  target: WatchTarget,
  options: WatchUntilOptions<R>,
): Promise<R | undefined> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort();
    },
    Math.max(0, options.deadline - Date.now()),
  );
  try {
    const objects = new Map<string, KubeObject>();
    let resourceVersion: string | undefined = options.resourceVersion;
    let result: R | undefined;
    const key = (object: KubeObject): string =>
      `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
    while (!controller.signal.aborted) {
      if (resourceVersion === undefined) {
        let list: KubeList<KubeObject>;
        try {
          list = await kube.request<KubeList<KubeObject>>('GET', target.path, {
            query: { labelSelector: target.labelSelector, fieldSelector: target.fieldSelector },
            purpose: 'list',
            signal: controller.signal,
          });
        } catch (error) {
          if (controller.signal.aborted) break;
          throw error;
        }
        objects.clear();
        for (const item of list.items) objects.set(key(item), item);
        resourceVersion = list.metadata.resourceVersion;
        result = options.decide(objects);
        if (result !== undefined) return result;
      }
      const seconds = Math.max(1, Math.ceil((options.deadline - Date.now()) / 1000) + 5);
      try {
        await kube.watch<KubeObject>(
          target.path,
          {
            labelSelector: target.labelSelector,
            fieldSelector: target.fieldSelector,
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: seconds,
          },
          (event) => {
            resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
            if (event.type === 'BOOKMARK') return;
            if (event.type === 'DELETED') objects.delete(key(event.object));
            else objects.set(key(event.object), event.object);
            result = options.decide(objects, event);
            if (result !== undefined) controller.abort();
          },
          controller.signal,
          { idleMs: options.idleMs },
        );
      } catch (error) {
        if (isStalledWatch(error)) continue;
        if (!isGone(error)) throw error;
        resourceVersion = undefined;
      }
      if (result !== undefined) return result;
    }
    if (timedOut) throw options.onTimeout();
    return undefined;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abort);
    controller.abort();
  }
}
