import { manifestDigest } from '@swiss-deploy/kit';
import type { RolloutResult } from '@swiss-deploy/kube';
import { explainKubeError, withOutcome } from './errors';
import type { DeployDecision } from './deploy-decision';
import { planColor, workloadImages, type ColorPlan } from './plan';
import { pruneRevisions, recordRevision } from './revisions';
import { gatewayRoute, keepPrevious, liveRoute, scaleToZero, switchTraffic } from './switch';
import type { Color, DeployReport, DeploySpec, ManifestObject, RevisionRecord, StepContext } from './types';

// What one deploy, promote or abort records and reports, and its last step: switch, keep the previous color,
// record. deploy.ts and canary-steps.ts orchestrate with these.

/** One deploy, promote or abort under the lock. */
export interface DeployRun {
  step: StepContext;
  options: DeploySpec;
  started: number;
}

export function newRecord(
  run: DeployRun,
  plan: ColorPlan,
  manifests: readonly ManifestObject[],
  previousColor?: Color,
): RevisionRecord {
  const objects = manifests.map((m) => m.object);
  return {
    app: plan.app,
    namespace: plan.namespace,
    revision: plan.revision,
    color: plan.color,
    previousColor,
    outcome: 'deploying',
    manifestDigest: manifestDigest(objects),
    manifests: objects,
    images: workloadImages(objects),
    configs: plan.configs.map((c) => `${c.kind}/${c.name}`),
    ...trafficRecord(run.step, plan),
    ...run.options.run,
    startedAt: new Date(run.started).toISOString(),
  };
}

/** What the record keeps of the traffic mode: enough for a later switch back to write the route as this one did. */
function trafficRecord(step: StepContext, plan: ColorPlan): Pick<RevisionRecord, 'traffic' | 'route'> {
  const gateway = gatewayRoute(step, plan);
  return gateway ? { traffic: 'gateway', route: `${gateway.namespace}/${gateway.name}` } : {};
}

export function baseReport(
  run: DeployRun,
  plan: ColorPlan,
  color: Color,
  previousColor: Color | undefined,
): DeployReport {
  return {
    app: plan.app,
    namespace: plan.namespace,
    status: 'succeeded',
    color,
    previousColor,
    revision: plan.revision,
    previewServices: plan.services.map(
      (s) => `${plan.namespace}/${s.preview.metadata.name}:${s.preview.spec?.ports?.[0]?.port ?? 80}`,
    ),
    stableServices: plan.services.map(
      (s) => `${plan.namespace}/${s.name}:${s.stable.spec?.ports?.[0]?.port ?? 80}`,
    ),
    images: workloadImages(plan.workloads.map((w) => w.object)),
    replicas: plan.workloads.map((w) => ({
      workload: w.object.metadata.name as string,
      ready: 0,
      desired: w.object.spec?.replicas ?? 1,
    })),
    durationMs: 0,
    requests: {},
    runUrl: run.options.run?.runUrl,
  };
}

export function finish(run: DeployRun, report: DeployReport): DeployReport {
  report.durationMs = Date.now() - run.started;
  report.requests = run.step.kube.requestCounts();
  return report;
}

/** The report of a deploy with nothing to do: the revision already live, or waiting in preview. */
export function unchangedReport(
  run: DeployRun,
  manifests: readonly ManifestObject[],
  decision: Extract<DeployDecision, { kind: 'unchanged' }>,
): DeployReport {
  const same = decision.revision;
  const plan = planColor(manifests, { ...run.options, color: same.color, revision: same.revision });
  const report = baseReport(run, plan, decision.color, same.previousColor);
  report.status = decision.status;
  if (same.strategy === 'canary') {
    report.strategy = 'canary';
    report.step = same.step;
    report.weight = same.weight;
  }
  return finish(run, report);
}

/** What the gate tells the report: how long it took, the replicas ready, the digests really running. */
export function reportGate(report: DeployReport, gated: readonly RolloutResult[], color: Color): void {
  report.gateMs = Math.max(...gated.map((g) => g.durationMs));
  report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
  report.images = withRunningDigests(report.images, gated, color);
}

/** Switch, keep the previous color, record success and prune; a failed switch is recorded too. */
export async function switchAndRecord(
  run: DeployRun,
  plan: ColorPlan,
  record: RevisionRecord,
  report: DeployReport,
  revisions: readonly RevisionRecord[],
  active: Color | undefined,
  deadline: number,
): Promise<DeployReport> {
  const { step, options } = run;
  const { kube } = step;
  try {
    report.switchMs = await step.phase(`Switch live traffic to ${plan.color}`, () =>
      switchTraffic(step, plan, liveRoute(revisions, active, options.app, options.namespace), deadline),
    );
  } catch (error) {
    await recordRevision(kube, {
      ...record,
      outcome: 'failed',
      error: (error as Error).message,
      finishedAt: new Date().toISOString(),
    }).catch((recordError: unknown) =>
      step.log.warning(`Could not record the failed revision: ${(recordError as Error).message}`),
    );
    throw error;
  }
  report.color = plan.color;
  // Traffic is on the new color: what is left does not depend on each other's order, so it runs at once,
  // and the lock is released (by the caller) only once all of it is done. The prune works from the records
  // read under this lock plus this one (nothing else writes the store meanwhile), not from a second read.
  const succeeded: RevisionRecord = {
    ...record,
    outcome: 'succeeded',
    previousColor: active,
    switchMs: report.switchMs,
    finishedAt: new Date().toISOString(),
  };
  const known = [succeeded, ...revisions.filter((r) => r.revision !== record.revision)];
  const settled = await Promise.allSettled([
    recordRevision(kube, succeeded),
    keepPrevious(step, plan, active, options.previousReplicas ?? 'all'),
    pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10, known, step.log),
  ]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  report.status = record.outcome === 'preview' ? 'promoted' : 'succeeded';
  return finish(run, report);
}

/** Digests of what really runs, from the pods' imageIDs, where the manifest named a tag. */
function withRunningDigests(
  images: DeployReport['images'],
  gated: readonly RolloutResult[],
  color: Color,
): DeployReport['images'] {
  return images.map((image) => {
    if (image.digest) return image;
    const pods =
      gated.find((g) => g.name === image.workload || g.name === `${image.workload}-${color}`)?.pods ?? [];
    for (const pod of pods) {
      const status = pod.status?.containerStatuses?.find((c) => c.name === image.container);
      const digest = /(sha256:[a-f0-9]{64})$/.exec(status?.imageID ?? '')?.[1];
      if (digest && !/^0+$/.test(digest.slice(7))) return { ...image, digest };
    }
    return image;
  });
}

/** Before the switch nothing live changed: scale the new color to zero and record the failure. */
export async function failBeforeSwitch(
  run: DeployRun,
  plan: ColorPlan,
  record: RevisionRecord,
  active: Color | undefined,
  error: unknown,
): Promise<Error> {
  const { step } = run;
  await scaleToZero(
    step,
    plan.workloads.map((w) => w.object.metadata.name as string),
  );
  await recordRevision(step.kube, {
    ...record,
    outcome: 'failed',
    error: (error as Error).message ?? String(error),
    finishedAt: new Date().toISOString(),
  }).catch((recordError: unknown) =>
    step.log.warning(`Could not record the failed revision: ${(recordError as Error).message}`),
  );
  const left =
    `Live traffic is untouched: ${active ? `the stable Services still select ${active}, and its routes and the config its pods read are as they were` : 'no stable Service was created'}. ` +
    `${plan.workloads.map((w) => w.object.metadata.name).join(', ')} ${plan.workloads.length > 1 ? 'were' : 'was'} scaled to 0; revision ${plan.revision} is recorded as failed.`;
  return withOutcome(explainKubeError(error), `The deploy of revision ${plan.revision} failed`, {
    untouched: active ? `live traffic (still ${active})` : 'nothing was live',
    hint: `${left}\nFix the cause above and deploy again (same commit re-runs are fine: a failed revision is not a no-op).`,
  });
}
