import { UserError } from '@swiss-deploy/kit';
import type { ColorPlan } from './plan';
import type { Color, RevisionRecord } from './types';

/**
 * How a rollback reaches its target. `switch`: the idle color still runs the target, ready, so one selector
 * patch per stable Service does it. `scale-up`: the idle color holds the target but was scaled down; scale
 * it up and gate on readiness first. `redeploy`: the idle color holds something else; deploy the target
 * from the revision store into it, through the same readiness gate as a deploy.
 */
export type RollbackMode = 'switch' | 'scale-up' | 'redeploy';

/** `previous`, or a revision number from the store. */
export type RollbackTarget = 'previous' | number;

/** Who rolled back, why, from where to where: kept with the revision the rollback records. */
export interface RollbackAudit {
  reason: string;
  mode: RollbackMode;
  actor?: string;
  runUrl?: string;
  /** The revision and color that served before the rollback. */
  from: { revision: number; color: Color };
  /** The revision returned to, and the color that serves it now. */
  to: { revision: number; color: Color };
  at: string;
}

/** A revision record written by a rollback: a normal revision (so later deploys and rollbacks see it) plus the audit. */
export interface RollbackRecord extends RevisionRecord {
  rollback?: RollbackAudit;
}

/** Where one workload of the idle color stands, as read from the cluster. */
export interface IdleWorkload {
  /** `<name>-<idle color>`. */
  name: string;
  /** Replicas the target revision asks for. */
  desired: number;
  found: boolean;
  /** The Deployment runs the target's manifests (by manifest digest of the revision it was applied for). */
  holdsTarget: boolean;
  /** The revision number the Deployment was applied for (its `swiss-deploy/revision` annotation). */
  appliedRevision?: number;
  replicas: number;
  /** Fully rolled out: every replica updated, ready and available. */
  ready: boolean;
}

/** The mode follows from what the idle color holds; anything doubtful falls back to a full redeploy. */
export function chooseRollbackMode(idle: readonly IdleWorkload[]): RollbackMode {
  if (idle.length === 0 || idle.some((w) => !w.found || !w.holdsTarget)) return 'redeploy';
  if (idle.every((w) => w.ready && w.replicas >= w.desired && w.replicas > 0)) return 'switch';
  return 'scale-up';
}

export function parseRollbackTarget(text: string): RollbackTarget | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'previous' || value === '') return 'previous';
  if (/^\d{1,9}$/.test(value) && Number(value) > 0) return Number(value);
  return undefined;
}

const describe = (r: RevisionRecord): string => `${r.revision} (${r.outcome})`;

function listed(revisions: readonly RevisionRecord[]): string {
  return revisions.length ? revisions.map(describe).join(', ') : 'none';
}

/**
 * The revision serving now and the one to return to. Every refusal is a UserError raised before anything
 * is touched: nothing live, nothing to go back to, an unknown number, a revision that never served.
 */
export function chooseRollbackTarget(
  revisions: readonly RevisionRecord[],
  activeColor: Color | undefined,
  to: RollbackTarget,
  where: { app: string; namespace: string },
): { current: RevisionRecord; target: RevisionRecord } {
  const { app, namespace } = where;
  const noChange = 'Nothing was changed.';
  if (revisions.length === 0) {
    throw new UserError(`Nothing to roll back: ${app} has no recorded revision in namespace ${namespace}.`, {
      hint: `Check the app and namespace inputs; deploy-blue-green records every revision there. ${noChange}`,
    });
  }
  const current = revisions.find((r) => r.outcome === 'succeeded' && r.color === activeColor);
  if (!activeColor || !current) {
    throw new UserError(
      `Nothing to roll back: ${activeColor ? `no successful revision of ${app} is recorded for the live color ${activeColor}` : `no stable Service of ${app} selects a color in ${namespace}`}.`,
      { hint: `Recorded revisions: ${listed(revisions)}. Deploy the app instead. ${noChange}` },
    );
  }
  const eligible = revisions.filter((r) => r.outcome === 'succeeded');
  if (to === 'previous') {
    const target = eligible.find(
      (r) => r.revision < current.revision && r.manifestDigest !== current.manifestDigest,
    );
    if (!target) {
      throw new UserError(
        `Nothing to roll back: revision ${current.revision} of ${app} is live and no earlier revision with other manifests succeeded.`,
        { hint: `Recorded revisions: ${listed(revisions)}. ${noChange}` },
      );
    }
    return { current, target };
  }
  const target = revisions.find((r) => r.revision === to);
  if (!target) {
    throw new UserError(
      `Input "to" is "${to}": ${app} has no revision ${to} in namespace ${namespace} (recorded: ${listed(revisions)}).`,
      {
        hint: `Pick one of the recorded revisions, or "previous". The store keeps the last history-limit revisions. ${noChange}`,
      },
    );
  }
  if (target.outcome !== 'succeeded') {
    const why =
      target.outcome === 'failed'
        ? `is recorded as failed${target.error ? ` (${target.error.split('\n')[0]})` : ''}`
        : `never served live traffic (it is recorded as ${target.outcome})`;
    throw new UserError(`Input "to" is "${to}": revision ${to} of ${app} ${why}.`, {
      hint: `Roll back to a revision that succeeded: ${eligible.map((r) => r.revision).join(', ') || 'none'}. ${noChange}`,
    });
  }
  if (target.manifestDigest === current.manifestDigest) {
    throw new UserError(
      `Nothing to roll back: revision ${to} of ${app} has the same manifests as the live revision ${current.revision}.`,
      { hint: `Pick another revision (recorded: ${listed(revisions)}). ${noChange}` },
    );
  }
  return { current, target };
}

/** The writes a rollback will make, in order, in words precise enough to check against the cluster. */
export function rollbackSteps(
  mode: RollbackMode,
  plan: ColorPlan,
  idle: readonly IdleWorkload[],
  facts: { lock: string; revision: number; target: number; active: Color },
): string[] {
  const ns = plan.namespace;
  const steps = [`take the lock ${ns}/${facts.lock}`];
  const others = plan.others.map((o) => `${o.object.kind}/${o.object.metadata.name}`);
  const applyOthers = others.length ? [`apply ${others.join(', ')} as in revision ${facts.target}`] : [];
  const switchSteps = [
    ...plan.services.map(
      (s) =>
        `patch Service ${ns}/${s.name} (server-side apply): selector swiss-deploy/color ${facts.active} → ${plan.color}`,
    ),
    ...plan.services.map(
      (s) => `wait until the EndpointSlices of ${s.name} hold only ready ${plan.color} pods`,
    ),
  ];
  const gate = `gate: wait until ${plan.workloads.map((w) => w.object.metadata.name).join(', ')} ${plan.workloads.length > 1 ? 'are' : 'is'} fully ready`;
  const record = `record revision ${facts.revision}: rollback to revision ${facts.target}, ${plan.color} live, ${facts.active} kept running`;
  if (mode === 'switch') return [...steps, ...switchSteps, ...applyOthers, record];
  if (mode === 'scale-up') {
    return [
      ...steps,
      ...applyOthers,
      ...idle.map((w) => `scale Deployment ${ns}/${w.name} from ${w.replicas} to ${w.desired} replicas`),
      gate,
      ...switchSteps,
      record,
    ];
  }
  return [
    ...steps,
    `server-side dry run of the ${plan.others.length + plan.workloads.length + plan.attached.length + plan.services.length * 2} objects of revision ${facts.target}`,
    ...applyOthers,
    ...plan.workloads.map(
      (w) =>
        `apply Deployment ${ns}/${w.object.metadata.name} (revision ${facts.target}'s manifests, ${w.object.spec?.replicas ?? 1} replicas)`,
    ),
    ...plan.attached.map((a) => `apply ${a.object.kind} ${ns}/${a.object.metadata.name}`),
    ...plan.services.map((s) => `apply Service ${ns}/${s.preview.metadata.name} selecting ${plan.color}`),
    gate,
    ...switchSteps,
    record,
  ];
}
