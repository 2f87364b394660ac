import { UserError, WorldError, formatDuration } from '@swiss-deploy/kit';
import type { Kube } from './client';
import { KNOWN } from './discovery';
import { isConflict, isNotFound } from './errors';
import type { Lease } from './types';
import { watchUntil } from './watch';

/** Who holds a lock, in words a person on call can act on. */
export interface LockHolder {
  /** Unique per deploy attempt; the post step releases only a lease that still carries it. */
  identity: string;
  repository?: string;
  runId?: string;
  runAttempt?: string;
  runUrl?: string;
  job?: string;
}

export interface AcquireOptions {
  namespace: string;
  name: string;
  holder: LockHolder;
  /** How long a lease lives without renewal; a crashed holder's lease may be taken over after it. */
  durationSeconds?: number;
  /** How long to wait for a held lease to be released or expire; 0 fails at once. */
  waitMs?: number;
  /** Told once when an expired lease is taken over. */
  onTakeover?: (previous: HeldLease) => void;
}

export interface HeldLease {
  holder: LockHolder;
  since?: string;
  renewed?: string;
  durationSeconds: number;
  expired: boolean;
}

const ANNOTATION = 'swiss-deploy/holder';
export const DEFAULT_LEASE_SECONDS = 60;

/** Lease times are MicroTime: RFC 3339 with microseconds. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function describeLease(lease: Lease, now = Date.now()): HeldLease {
  let holder: LockHolder = { identity: lease.spec?.holderIdentity ?? '' };
  try {
    const annotated = JSON.parse(lease.metadata.annotations?.[ANNOTATION] ?? '{}') as LockHolder;
    if (annotated.identity === holder.identity) holder = annotated;
  } catch {
    // A lease written by someone else: its identity is all we know.
  }
  const durationSeconds = lease.spec?.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS;
  const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  const expired = !holder.identity || !renewed || Date.parse(renewed) + durationSeconds * 1000 < now;
  return { holder, since: lease.spec?.acquireTime, renewed, durationSeconds, expired };
}

/** "swiss/app run 7001 attempt 1 (https://…), since 2026-…, renewed 4s ago" */
export function describeHolder(held: HeldLease, now = Date.now()): string {
  const { holder } = held;
  const who = holder.repository
    ? `${holder.repository} run ${holder.runId ?? '?'} attempt ${holder.runAttempt ?? '?'}${holder.job ? ` job ${holder.job}` : ''}`
    : holder.identity;
  const parts = [who];
  if (holder.runUrl) parts.push(`(${holder.runUrl})`);
  if (held.since) parts.push(`since ${held.since.replace(/\.\d+Z$/, 'Z')}`);
  if (held.renewed)
    parts.push(`last renewed ${formatDuration(Math.max(0, now - Date.parse(held.renewed)))} ago`);
  return parts.join(', ').replace(', (', ' (');
}

export class LockHeldError extends UserError {
  constructor(
    readonly lockName: string,
    readonly held: HeldLease,
  ) {
    super(`Another deploy holds the lock ${lockName}: ${describeHolder(held)}.`, {
      hint:
        `Wait for that run to finish, or cancel it (its post step releases the lock). A holder that died ` +
        `without releasing loses the lock ${held.durationSeconds}s after its last renewal. Set lock-timeout ` +
        `to wait for the lock instead of failing.`,
    });
    this.name = 'LockHeldError';
  }
}

/**
 * A coordination.k8s.io/v1 Lease held by one deploy: created or taken over with optimistic concurrency
 * (resourceVersion), renewed in the background, deleted on release so nothing is left behind.
 */
export class LeaseLock {
  private timer?: NodeJS.Timeout;
  private lost?: Error;
  private releasing = false;
  private renewing = false;

  private constructor(
    private readonly kube: Kube,
    readonly namespace: string,
    readonly name: string,
    readonly holder: LockHolder,
    private lease: Lease,
    private readonly durationSeconds: number,
  ) {}

  static async acquire(kube: Kube, options: AcquireOptions): Promise<LeaseLock> {
    const durationSeconds = options.durationSeconds ?? DEFAULT_LEASE_SECONDS;
    const deadline = Date.now() + (options.waitMs ?? 0);
    const path = `${KNOWN.leases(options.namespace)}/${encodeURIComponent(options.name)}`;
    for (;;) {
      const now = new Date();
      const spec = {
        holderIdentity: options.holder.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
      };
      const metadata = {
        name: options.name,
        namespace: options.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'swiss-deploy' },
        annotations: { [ANNOTATION]: JSON.stringify(options.holder) },
      };
      // Create first: a released lock has no Lease, so the usual run takes it in one request. The create is
      // atomic; only when a Lease exists (409) is it read, to wait for it or take over an expired one.
      let current: Lease;
      try {
        const created = await kube.request<Lease>('POST', KNOWN.leases(options.namespace), {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec },
          query: { fieldManager: 'swiss-deploy' },
          purpose: 'lease',
        });
        return new LeaseLock(
          kube,
          options.namespace,
          options.name,
          options.holder,
          created,
          durationSeconds,
        ).start();
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      try {
        current = await kube.request<Lease>('GET', path, { purpose: 'lease' });
      } catch (error) {
        // Released between our create and our read: create again.
        if (isNotFound(error)) continue;
        throw error;
      }
      try {
        const held = describeLease(current);
        if (held.expired) {
          if (held.holder.identity) options.onTakeover?.(held);
          const taken = await kube.request<Lease>('PUT', path, {
            body: {
              ...current,
              metadata: {
                ...current.metadata,
                ...metadata,
                labels: { ...current.metadata.labels, ...metadata.labels },
              },
              spec: { ...spec, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + 1 },
            },
            query: { fieldManager: 'swiss-deploy' },
            purpose: 'lease',
          });
          return new LeaseLock(
            kube,
            options.namespace,
            options.name,
            options.holder,
            taken,
            durationSeconds,
          ).start();
        }
        if (Date.now() >= deadline) throw new LockHeldError(`${options.namespace}/${options.name}`, held);
        await waitForChange(kube, options.namespace, options.name, current, deadline, held);
      } catch (error) {
        // Someone else created or took the lease between our read and our write: read it again.
        if (!isConflict(error)) throw error;
      }
    }
  }

  private start(): this {
    const interval = (this.durationSeconds * 1000) / 3;
    this.timer = setInterval(() => void this.renew(interval), interval);
    this.timer.unref();
    return this;
  }

  /** Set when a renewal found the lease taken or gone; the deploy must stop before its next write. */
  get lostError(): Error | undefined {
    return this.lost;
  }

  /** Throws if the lease was lost, so a deploy never writes without holding it. */
  assertHeld(): void {
    if (this.lost) throw this.lost;
  }

  /** Each renewal ends before the next is due, so renewals against a silent server never pile up. */
  private async renew(timeoutMs: number): Promise<void> {
    if (this.releasing || this.lost || this.renewing) return;
    this.renewing = true;
    try {
      this.lease = await this.kube.request<Lease>(
        'PUT',
        `${KNOWN.leases(this.namespace)}/${encodeURIComponent(this.name)}`,
        {
          body: { ...this.lease, spec: { ...this.lease.spec, renewTime: microTime() } },
          query: { fieldManager: 'swiss-deploy' },
          purpose: 'lease-renew',
          timeoutMs,
        },
      );
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) {
        this.lost = new WorldError(
          `The deploy lock ${this.namespace}/${this.name} was taken over or deleted while this deploy held it.`,
          {
            cause: error,
          },
        );
        this.stop();
      }
      // Other failures (a blip of the API server, a timeout): the next renewal tries again, well before expiry.
    } finally {
      this.renewing = false;
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deletes the lease if it is still ours (uid + resourceVersion preconditions). */
  async release(): Promise<void> {
    this.releasing = true;
    this.stop();
    if (this.lost) return;
    await deleteLease(this.kube, this.namespace, this.name, this.lease);
  }

  /** For the post step: releases the lease only when it still names this holder. */
  static async releaseIfHeld(
    kube: Kube,
    namespace: string,
    name: string,
    identity: string,
  ): Promise<boolean> {
    let lease: Lease;
    try {
      lease = await kube.request<Lease>('GET', `${KNOWN.leases(namespace)}/${encodeURIComponent(name)}`);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    if (lease.spec?.holderIdentity !== identity) return false;
    await deleteLease(kube, namespace, name, lease);
    return true;
  }

  /** Reads who holds a lease, if anyone. */
  static async inspect(kube: Kube, namespace: string, name: string): Promise<HeldLease | undefined> {
    try {
      const lease = await kube.request<Lease>(
        'GET',
        `${KNOWN.leases(namespace)}/${encodeURIComponent(name)}`,
      );
      return describeLease(lease);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

async function deleteLease(kube: Kube, namespace: string, name: string, lease: Lease): Promise<void> {
  try {
    await kube.request('DELETE', `${KNOWN.leases(namespace)}/${encodeURIComponent(name)}`, {
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: lease.metadata.uid, resourceVersion: lease.metadata.resourceVersion },
      },
      purpose: 'lease',
    });
  } catch (error) {
    // Gone already, or changed hands after expiry: either way it is no longer ours to delete.
    if (!isNotFound(error) && !isConflict(error)) throw error;
  }
}

/** Waits (watching, not polling) until the lease changes, disappears, or its holder's time runs out. */
async function waitForChange(
  kube: Kube,
  namespace: string,
  name: string,
  current: Lease,
  deadline: number,
  held: HeldLease,
): Promise<void> {
  const expiresAt = held.renewed ? Date.parse(held.renewed) + held.durationSeconds * 1000 + 1 : Date.now();
  const until = Math.min(deadline, expiresAt);
  await watchUntil(
    kube,
    { path: KNOWN.leases(namespace), fieldSelector: `metadata.name=${name}` },
    {
      deadline: until,
      onTimeout: () => new Error('lease wait over'),
      decide: (objects) => {
        const now = [...objects.values()][0];
        return !now || now.metadata.resourceVersion !== current.metadata.resourceVersion ? true : undefined;
      },
    },
  ).catch((error: Error) => {
    if (error.message !== 'lease wait over') throw error;
  });
}
