import { UserError } from '@swiss-deploy/kit';
import {
  KNOWN,
  KubeApiError,
  isNotFound,
  rolloutProgress,
  type Deployment,
  type Kube,
} from '@swiss-deploy/kube';
import { explainKubeError, namespaceMissing } from './errors';
import { readLiveState } from './live';
import { planColor, type ColorPlan } from './plan';
import { readRevisions, revisionManifests } from './revisions';
import { lockName } from './session';
import { gatewayRoute } from './switch';
import { LABELS, otherColor, type Color, type RevisionRecord, type RollbackSpec } from './types';

// The rollback's plan: the choices (target, mode, steps) as pure functions with table tests, and
// planRollback, which reads the facts they decide on.

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

/** What a rollback decided, before it does anything. */
export interface RollbackPlan {
  app: string;
  namespace: string;
  mode: RollbackMode;
  /** The live revision and color now. */
  from: { revision: number; color: Color };
  /** The revisions in the store, newest first, as read for this plan. */
  revisions: RevisionRecord[];
  /** The revision to return to (as recorded). */
  target: RevisionRecord;
  /** The color that will serve it: always the idle one. */
  color: Color;
  /** The number the rollback will be recorded under. */
  revision: number;
  /** The objects of the target in the idle color (for switch and scale-up, as the idle color holds them). */
  colorPlan: ColorPlan;
  idle: IdleWorkload[];
  /** Every write, in order. */
  steps: string[];
}

/**
 * Fails naming the input when the namespace does not exist. A deployer whose role may not read namespaces
 * (403) gets the usual "nothing to roll back" instead: that is true in its view as well.
 */
async function requireNamespace(kube: Kube, namespace: string): Promise<void> {
  try {
    await kube.request('GET', KNOWN.namespace(namespace), { purpose: 'read' });
  } catch (error) {
    if (isNotFound(error)) throw namespaceMissing(namespace);
    if (error instanceof KubeApiError && error.code === 403) return;
    throw explainKubeError(error);
  }
}

/**
 * Decides the rollback from the revision store and the cluster, with read requests only: which revision
 * is live, which one to return to, and whether the idle color can serve it at once (switch), after a
 * scale-up, or only after a redeploy.
 */
export async function planRollback(
  kube: Kube,
  options: Pick<RollbackSpec, 'app' | 'namespace' | 'to' | 'traffic'>,
): Promise<RollbackPlan> {
  const { app, namespace } = options;
  const revisions = await readRevisions(kube, namespace, app);
  // Listing a namespace that does not exist answers an empty list; say which input is wrong, as deploy does.
  if (revisions.length === 0) await requireNamespace(kube, namespace);
  const newest = revisions.find((r) => r.outcome === 'succeeded') ?? revisions[0];
  const services = newest
    ? planColor(revisionManifests(newest), { app, namespace, color: 'blue', revision: 0 }).services
    : [];
  const live = await readLiveState(kube, namespace, services);
  const { current, target } = chooseRollbackTarget(revisions, live.activeColor, options.to, options);
  const active = live.activeColor!;
  const color = otherColor(active);
  const revision = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
  const byNumber = new Map(revisions.map((r) => [r.revision, r]));

  // What the idle color holds decides the mode; a Deployment holds the target when the revision it was
  // applied for has the target's manifests (a rollback record carries the manifests it returned to).
  const probe = planColor(revisionManifests(target), { app, namespace, color, revision });
  const idle: IdleWorkload[] = [];
  for (const workload of probe.workloads) {
    const name = workload.object.metadata.name as string;
    const desired = workload.object.spec?.replicas ?? 1;
    let deployment: Deployment | undefined;
    try {
      deployment = await kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/${name}`, {
        purpose: 'read',
      });
    } catch (error) {
      if (!isNotFound(error)) throw explainKubeError(error);
    }
    if (!deployment) {
      idle.push({ name, desired, found: false, holdsTarget: false, replicas: 0, ready: false });
      continue;
    }
    const applied = Number(deployment.metadata.annotations?.[LABELS.revision]);
    const appliedRecord = Number.isInteger(applied) ? byNumber.get(applied) : undefined;
    const progress = rolloutProgress(deployment);
    idle.push({
      name,
      desired,
      found: true,
      holdsTarget: appliedRecord?.manifestDigest === target.manifestDigest,
      appliedRevision: Number.isInteger(applied) ? applied : undefined,
      replicas: deployment.spec?.replicas ?? 1,
      ready: progress.complete,
    });
  }
  const mode = chooseRollbackMode(idle);
  // Switch and scale-up judge the pods the idle color already runs, labelled with the revision they were
  // applied for; a redeploy labels new pods with the rollback's own number.
  const colorPlan =
    mode === 'redeploy'
      ? probe
      : planColor(revisionManifests(target), { app, namespace, color, revision: idle[0]!.appliedRevision! });
  const steps = rollbackSteps(mode, colorPlan, idle, {
    lock: lockName(app),
    revision,
    target: target.revision,
    active,
  });
  // A gateway rollback needs the target's route (or the named one): refused here, before any write.
  const route = gatewayRoute(options, colorPlan);
  if (route) {
    const at = steps.findIndex((s) => s.startsWith('patch Service'));
    steps.splice(
      at < 0 ? steps.length - 1 : at,
      0,
      `write HTTPRoute ${route.namespace}/${route.name} in one patch: weights ${active} 0 / ${color} 100, then wait until every parent accepts it`,
    );
  }
  return {
    app,
    namespace,
    mode,
    from: { revision: current.revision, color: active },
    revisions,
    target,
    color,
    revision,
    colorPlan,
    idle,
    steps,
  };
}
