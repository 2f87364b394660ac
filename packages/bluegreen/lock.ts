import { errorMessage } from '@swiss-deploy/kit';
import { LeaseLock, type Kube, type LockHolder } from '@swiss-deploy/kube';
import { explainLockError } from './errors';
import type { Logger, Phase } from './types';

export const lockName = (app: string): string => `swiss-deploy-${app}`;

export interface LockOptions {
  app: string;
  namespace: string;
  holder: LockHolder;
  /** How long to wait for another deploy's lock; 0 fails at once. */
  lockWaitMs?: number;
  /** A lease the caller already holds (a chain of steps): used as it is, and left for the caller to release. */
  lock?: LeaseLock;
  /** Told once the lock is held, so the caller can save what its post step needs to release it. */
  onLocked?: (lock: { namespace: string; name: string; identity: string }) => void;
  log: Logger;
  phase: Phase;
}

/**
 * Runs `work` holding the app's deploy lock (docs/architecture.md §4.1): takes the Lease (or uses the one the caller
 * holds), renews it in the background, and releases it however `work` ends, unless the caller owns it.
 */
export async function withDeployLock<T>(
  kube: Kube,
  options: LockOptions,
  work: (lock: LeaseLock) => Promise<T>,
): Promise<T> {
  if (options.lock) {
    options.lock.assertHeld();
    return work(options.lock);
  }
  const lock = await acquireDeployLock(kube, options);
  try {
    return await work(lock);
  } finally {
    await lock
      .release()
      .catch((error) => options.log.warning(`Could not release the deploy lock: ${errorMessage(error)}`));
  }
}

/** Takes the app's Lease, waiting up to `lockWaitMs`; the caller must release it. */
export async function acquireDeployLock(kube: Kube, options: Omit<LockOptions, 'lock'>): Promise<LeaseLock> {
  const name = lockName(options.app);
  const lock = await options.phase(`Lock ${options.namespace}/${name}`, async () => {
    try {
      return await LeaseLock.acquire(kube, {
        namespace: options.namespace,
        name,
        holder: options.holder,
        waitMs: options.lockWaitMs ?? 0,
        onTakeover: (previous) =>
          options.log.warning(
            `Took over an expired deploy lock from ${previous.holder.repository ?? previous.holder.identity} run ${previous.holder.runId ?? '?'} (last renewed ${previous.renewed ?? '?'}); that run died without releasing it.`,
          ),
      });
    } catch (error) {
      throw explainLockError(error, options.namespace);
    }
  });
  options.onLocked?.({ namespace: options.namespace, name, identity: options.holder.identity });
  options.log.info(`Holding the deploy lock ${options.namespace}/${name} as ${options.holder.identity}.`);
  return lock;
}
