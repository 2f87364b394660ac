import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { errorMessage, log } from '@swiss-deploy/kit';
import { utcDay } from './ignore-file';

/**
 * The vulnerability DB is cached between runs with the runner's cache service, one entry per day:
 * a job that finds today's DB asks no registry at all (the rate limits of trivy-action#389 and #430),
 * and one that finds yesterday's lets Trivy update it and saves the result for the jobs after it.
 */
export interface DbCachePlan {
  key: string;
  restoreKeys: string[];
  paths: string[];
}

export function dbCachePlan(
  cacheDir: string,
  now: Date,
  platform = `${process.platform}-${process.arch}`,
): DbCachePlan {
  const prefix = `swiss-deploy-trivy-db-${platform}-`;
  return {
    key: `${prefix}${utcDay(now)}`,
    restoreKeys: [prefix],
    paths: [path.join(cacheDir, 'db'), path.join(cacheDir, 'java-db')],
  };
}

export type DbRestore = 'today' | 'older' | 'none' | 'unavailable';

/** Restores the newest cached DB; never fails the scan (Trivy downloads what is missing). */
export async function restoreDb(plan: DbCachePlan): Promise<DbRestore> {
  const cache = await import('@actions/cache');
  if (!cache.isFeatureAvailable()) return 'unavailable';
  try {
    const hit = await cache.restoreCache([...plan.paths], plan.key, plan.restoreKeys);
    if (hit === undefined) return 'none';
    return hit === plan.key ? 'today' : 'older';
  } catch (error) {
    log.warning(`Could not restore the Trivy DB cache (${errorMessage(error)}); Trivy downloads it instead.`);
    return 'none';
  }
}

/** Saves today's DB unless it came from today's entry already. */
export async function saveDb(plan: DbCachePlan, restored: DbRestore): Promise<void> {
  if (restored === 'today' || restored === 'unavailable') return;
  const present = plan.paths.filter((p) => existsSync(p));
  if (present.length === 0) return;
  const cache = await import('@actions/cache');
  try {
    await cache.saveCache(present, plan.key);
  } catch (error) {
    // Another job of the same day saved it first, or the cache is full: the next run downloads again.
    log.info(`Trivy DB cache not saved: ${errorMessage(error)}`);
  }
}
