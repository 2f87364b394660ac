import { UserError, WorldError, errorMessage, formatDuration } from '@swiss-deploy/kit';
import {
  Discovery,
  KNOWN,
  LeaseLock,
  applyObject,
  isNotFound,
  scaleDeployment,
  selectorString,
  waitForEndpoints,
  waitForRollout,
  type Kube,
  type KubeList,
  type LockHolder,
  type Pod,
  type RolloutResult,
} from '@swiss-deploy/kube';
import { explainApplyError, explainKubeError, explainLockError } from './errors';
import { readLiveState } from './live';
import {
  manifestDigest,
  planColor,
  validateManifests,
  workloadImages,
  type ColorPlan,
  type PlannedObject,
} from './plan';
import { pruneRevisions, readRevisions, recordRevision } from './revisions';
import {
  otherColor,
  type Color,
  type DeployAction,
  type DeployReport,
  type ManifestObject,
  type PromotionMode,
  type RevisionRecord,
} from './types';

export interface Logger {
  info(line: string): void;
  warning(line: string): void;
}

/** Where the run comes from, recorded with each revision. */
export interface RunInfo {
  commit?: string;
  ref?: string;
  repository?: string;
  runUrl?: string;
  actor?: string;
}

export interface DeployOptions {
  app: string;
  namespace: string;
  /** Required for `deploy`; `promote` and `abort` work from the revision store. */
  manifests?: readonly ManifestObject[];
  action?: DeployAction;
  timeoutMs: number;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler (default 2 min). */
  unschedulableGraceMs?: number;
  promotion?: PromotionMode;
  /** Replicas the previous color keeps after a switch; `all` leaves it as it was (instant rollback). */
  previousReplicas?: number | 'all';
  historyLimit?: number;
  /** How long to wait for another deploy's lock; 0 fails at once. */
  lockWaitMs?: number;
  holder: LockHolder;
  run?: RunInfo;
  log?: Logger;
  /** Runs one phase, e.g. inside a collapsible log group. */
  phase?: <T>(title: string, work: () => Promise<T>) => Promise<T>;
  /** Told once the lock is held, so the caller can save what its post step needs to release it. */
  onLocked?: (lock: { namespace: string; name: string; identity: string }) => void;
}

const silent: Logger = { info: () => undefined, warning: () => undefined };
const direct = <T>(_title: string, work: () => Promise<T>): Promise<T> => work();

export const lockName = (app: string): string => `swiss-deploy-${app}`;

/**
 * The blue/green deploy of DESIGN.md §4: lock, plan and apply the idle color, gate on readiness with
 * watches, switch the stable Services in one patch each, confirm their endpoints, keep the previous color,
 * record the revision. A failure before the switch leaves live traffic as it was.
 */
export async function runBlueGreen(kube: Kube, options: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  const log = options.log ?? silent;
  const phase = options.phase ?? direct;
  const action = options.action ?? 'deploy';
  if (action === 'deploy') {
    if (!options.manifests) throw new UserError('Input "manifests" is required to deploy.');
    validateManifests(options.manifests, options);
  }

  const lock = await phase(`Lock ${options.namespace}/${lockName(options.app)}`, async () => {
    try {
      return await LeaseLock.acquire(kube, {
        namespace: options.namespace,
        name: lockName(options.app),
        holder: options.holder,
        waitMs: options.lockWaitMs ?? 0,
        onTakeover: (previous) =>
          log.warning(
            `Took over an expired deploy lock from ${previous.holder.repository ?? previous.holder.identity} run ${previous.holder.runId ?? '?'} (last renewed ${previous.renewed ?? '?'}); that run died without releasing it.`,
          ),
      });
    } catch (error) {
      throw explainLockError(error, options.namespace);
    }
  });
  options.onLocked?.({
    namespace: options.namespace,
    name: lockName(options.app),
    identity: options.holder.identity,
  });
  log.info(
    `Holding the deploy lock ${options.namespace}/${lockName(options.app)} as ${options.holder.identity}.`,
  );
  try {
    const context: RunContext = { kube, options, log, phase, lock, started };
    if (action === 'promote') return await promote(context);
    if (action === 'abort') return await abort(context);
    return await deploy(context);
  } catch (error) {
    throw explainKubeError(error);
  } finally {
    await lock
      .release()
      .catch((error) => log.warning(`Could not release the deploy lock: ${errorMessage(error)}`));
  }
}

interface RunContext {
  kube: Kube;
  options: DeployOptions;
  log: Logger;
  phase: <T>(title: string, work: () => Promise<T>) => Promise<T>;
  lock: LeaseLock;
  started: number;
}

function newRecord(
  context: RunContext,
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
    ...context.options.run,
    startedAt: new Date(context.started).toISOString(),
  };
}

function baseReport(
  context: RunContext,
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
    runUrl: context.options.run?.runUrl,
  };
}

function finish(context: RunContext, report: DeployReport): DeployReport {
  report.durationMs = Date.now() - context.started;
  report.requests = context.kube.requestCounts();
  return report;
}

async function deploy(context: RunContext): Promise<DeployReport> {
  const { kube, options, log, phase, lock } = context;
  const manifests = options.manifests!;
  const discovery = new Discovery(kube);

  // Plan: the live color decides the idle one; the store gives the next number.
  const probe = planColor(manifests, {
    app: options.app,
    namespace: options.namespace,
    color: 'blue',
    revision: 0,
  });
  const { live, revisions } = await phase('Read the live state', async () => {
    const live = await readLiveState(kube, options.namespace, probe.services);
    const revisions = await readRevisions(kube, options.namespace, options.app);
    log.info(
      live.activeColor ? `Live color: ${live.activeColor}.` : 'No live color yet: this is the first deploy.',
    );
    return { live, revisions };
  });
  const active = live.activeColor;
  const digest = manifestDigest(manifests.map((m) => m.object));
  const latest = revisions[0];
  if (
    latest &&
    latest.manifestDigest === digest &&
    ((latest.outcome === 'succeeded' && latest.color === active) || latest.outcome === 'preview')
  ) {
    log.info(
      `Revision ${latest.revision} has the same manifests (${digest.slice(0, 19)}…) and is ${latest.outcome === 'preview' ? 'waiting in preview' : 'live'}: nothing to do.`,
    );
    const plan = planColor(manifests, {
      app: options.app,
      namespace: options.namespace,
      color: latest.color,
      revision: latest.revision,
    });
    const report = baseReport(context, plan, active ?? latest.color, latest.previousColor);
    report.status = latest.outcome === 'preview' ? 'preview' : 'unchanged';
    return finish(context, report);
  }
  const color: Color = active ? otherColor(active) : 'blue';
  const revision = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
  const plan = planColor(manifests, { app: options.app, namespace: options.namespace, color, revision });
  const all: PlannedObject[] = [
    ...plan.others,
    ...plan.workloads.map((w) => ({ object: w.object, source: w.source })),
    ...plan.attached,
    ...plan.services.map((s) => ({ object: s.preview, source: s.source })),
    ...plan.services.map((s) => ({ object: s.stable, source: s.source })),
  ];

  // Dry run of everything, stable Services included: unknown kinds, RBAC and invalid objects fail here,
  // before the revision is recorded or anything else changes.
  await phase(`Check revision ${revision} (${color}) with a server-side dry run`, async () => {
    for (const planned of all) {
      try {
        await applyObject(kube, discovery, planned.object, { dryRun: true, force: true });
      } catch (error) {
        throw explainApplyError(error, planned, options.namespace);
      }
    }
    log.info(`${all.length} objects pass the API server's validation, admission and RBAC.`);
  });

  const record = newRecord(context, plan, manifests, active);
  const report = baseReport(context, plan, active ?? color, active);
  for (const stale of revisions.filter((r) => r.outcome === 'preview' || r.outcome === 'deploying')) {
    await recordRevision(kube, { ...stale, outcome: 'superseded', finishedAt: new Date().toISOString() });
  }
  await recordRevision(kube, record);
  let switched = false;
  // The timeout covers the gate and the switch, not the wait for the lock.
  const deadline = Date.now() + options.timeoutMs;
  try {
    await phase(`Apply revision ${revision} to the idle color, ${color}`, async () => {
      for (const planned of [
        ...plan.others,
        ...plan.workloads.map((w) => ({ object: w.object, source: w.source })),
        ...plan.attached,
      ]) {
        lock.assertHeld();
        await applyObject(kube, discovery, planned.object, { force: true }).catch((error) => {
          throw explainApplyError(error, planned, options.namespace);
        });
      }
      for (const service of plan.services) {
        await applyObject(kube, discovery, service.preview, { force: true });
      }
      log.info(
        `Applied ${plan.workloads.map((w) => w.object.metadata.name).join(', ')}` +
          (plan.services.length
            ? ` and preview ${plan.services.map((s) => s.preview.metadata.name).join(', ')}`
            : '') +
          (plan.others.length ? `, ${plan.others.length} other objects` : '') +
          '.',
      );
    });

    const gated = await phase(
      `Gate: wait until ${color} is ready (timeout ${formatDuration(options.timeoutMs)})`,
      () => gate(context, plan, deadline),
    );
    report.gateMs = Math.max(...gated.map((g) => g.durationMs));
    record.gateMs = report.gateMs;
    report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
    report.images = withRunningDigests(report.images, gated, color);
    record.images = report.images.map((image) => ({
      ...image,
      workload: image.workload.replace(new RegExp(`-${color}$`), ''),
    }));

    if ((options.promotion ?? 'auto') === 'manual') {
      record.outcome = 'preview';
      record.finishedAt = new Date().toISOString();
      await recordRevision(kube, record);
      log.info(
        `Revision ${revision} is ready in ${color} behind ${report.previewServices.join(', ')}; live traffic stays on ${active ?? 'nothing yet'}. Run again with action: promote (or abort).`,
      );
      report.status = 'preview';
      return finish(context, report);
    }

    switched = true;
    report.switchMs = await phase(`Switch live traffic to ${color}`, () =>
      switchTraffic(context, plan, active, deadline),
    );
    record.switchMs = report.switchMs;
    report.color = color;
    await keepPrevious(context, plan, active);
    record.outcome = 'succeeded';
    record.finishedAt = new Date().toISOString();
    await recordRevision(kube, record);
    await pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10);
    report.status = 'succeeded';
    return finish(context, report);
  } catch (error) {
    if (switched) throw error;
    throw await failBeforeSwitch(context, plan, record, active, error);
  }
}

/** Readiness gate over every workload of the color; the first failure stops the others. */
export async function gate(context: RunContext, plan: ColorPlan, deadline: number): Promise<RolloutResult[]> {
  const controller = new AbortController();
  try {
    return await Promise.all(
      plan.workloads.map((workload) =>
        waitForRollout(context.kube, {
          namespace: plan.namespace,
          name: workload.object.metadata.name as string,
          podSelector: selectorString(workload.podSelector),
          revision: plan.revision,
          unschedulableGraceMs: context.options.unschedulableGraceMs,
          deadline,
          signal: controller.signal,
          onProgress: (line) => context.log.info(line),
        }),
      ),
    );
  } finally {
    controller.abort();
  }
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

/**
 * One server-side apply per stable Service moves its selector (and any port change) to the new color in
 * a single write; then its EndpointSlices must hold the new pods only. If they never do, the old selector
 * goes back before the error is raised.
 */
export async function switchTraffic(
  context: RunContext,
  plan: ColorPlan,
  previous: Color | undefined,
  deadline: number,
): Promise<number> {
  const { kube, log, lock } = context;
  const discovery = new Discovery(kube);
  const started = Date.now();
  const switchedServices: typeof plan.services = [];
  try {
    for (const service of plan.services) {
      lock.assertHeld();
      await applyObject(kube, discovery, service.stable, { force: true, purpose: 'switch' });
      switchedServices.push(service);
      log.info(`Service ${service.name} now selects ${plan.color}.`);
    }
    for (const service of plan.services) {
      const selector = { ...service.baseSelector, 'swiss-deploy/color': plan.color };
      const pods = await kube.request<KubeList<Pod>>('GET', KNOWN.pods(plan.namespace), {
        query: { labelSelector: selectorString(selector) },
        purpose: 'list',
      });
      const expected = new Set(pods.items.map((p) => p.metadata.name as string));
      const desired = plan.workloads
        .filter((w) =>
          Object.entries(service.baseSelector).every(
            ([k, v]) => w.object.spec?.template?.metadata?.labels?.[k] === v,
          ),
        )
        .reduce((sum, w) => sum + (w.object.spec?.replicas ?? 1), 0);
      const state = await waitForEndpoints(kube, {
        namespace: plan.namespace,
        service: service.name,
        expectedPods: expected,
        minReady: Math.min(desired, expected.size),
        deadline: Math.max(deadline, Date.now() + 60_000),
      });
      log.info(`Service ${service.name}: ${state.ready} ready endpoints, all ${plan.color}.`);
    }
  } catch (error) {
    if (previous) {
      for (const service of switchedServices) {
        const back = structuredClone(service.stable);
        back.spec = { ...back.spec, selector: { ...service.baseSelector, 'swiss-deploy/color': previous } };
        await applyObject(kube, discovery, back, { force: true, purpose: 'switch' }).catch((undo) =>
          log.warning(`Could not switch ${service.name} back to ${previous}: ${errorMessage(undo)}`),
        );
      }
    }
    throw new WorldError(`The switch to ${plan.color} did not reach the endpoints: ${errorMessage(error)}`, {
      cause: error,
      untouched: previous ? `the stable Services were switched back to ${previous}` : undefined,
      hint: 'Check the endpointslice controller and the pods of the new color, then deploy again.',
    });
  }
  return Date.now() - started;
}

/** Scales the previous color to `previous-replicas`, unless it should stay whole for instant rollback. */
async function keepPrevious(
  context: RunContext,
  plan: ColorPlan,
  previous: Color | undefined,
): Promise<void> {
  const keep = context.options.previousReplicas ?? 'all';
  if (!previous || keep === 'all') return;
  for (const workload of plan.workloads) {
    const name = `${workload.baseName}-${previous}`;
    try {
      await scaleDeployment(context.kube, plan.namespace, name, keep);
      context.log.info(`Scaled the previous color's ${name} to ${keep} replicas.`);
    } catch (error) {
      if (!isNotFound(error))
        context.log.warning(`Could not scale ${name} to ${keep}: ${errorMessage(error)}`);
    }
  }
}

/** Before the switch nothing live changed: scale the new color to zero and record the failure. */
async function failBeforeSwitch(
  context: RunContext,
  plan: ColorPlan,
  record: RevisionRecord,
  active: Color | undefined,
  error: unknown,
): Promise<Error> {
  const { kube, log } = context;
  for (const workload of plan.workloads) {
    await scaleDeployment(kube, plan.namespace, workload.object.metadata.name as string, 0).catch(
      (scaleError) => {
        if (!isNotFound(scaleError))
          log.warning(`Could not scale ${workload.object.metadata.name} to 0: ${errorMessage(scaleError)}`);
      },
    );
  }
  record.outcome = 'failed';
  record.error = errorMessage(error);
  record.finishedAt = new Date().toISOString();
  await recordRevision(kube, record).catch((recordError) =>
    log.warning(`Could not record the failed revision: ${errorMessage(recordError)}`),
  );
  const left =
    `Live traffic is untouched: ${active ? `the stable Services still select ${active}` : 'no stable Service was created'}. ` +
    `${plan.workloads.map((w) => w.object.metadata.name).join(', ')} ${plan.workloads.length > 1 ? 'were' : 'was'} scaled to 0; revision ${plan.revision} is recorded as failed.`;
  const next =
    'Fix the cause above and deploy again (same commit re-runs are fine: a failed revision is not a no-op).';
  if (error instanceof UserError || error instanceof WorldError) {
    Object.defineProperty(error, 'hint', { value: `${left}\n${next}`, configurable: true });
    if (error instanceof WorldError)
      Object.defineProperty(error, 'untouched', {
        value: active ? `live traffic (still ${active})` : 'nothing was live',
        configurable: true,
      });
    return error;
  }
  return new WorldError(`The deploy of revision ${plan.revision} failed: ${errorMessage(error)}`, {
    cause: error,
    untouched: active ? `live traffic (still ${active})` : 'nothing was live',
    hint: `${left}\n${next}`,
  });
}

async function latestPreview(
  context: RunContext,
  verb: string,
): Promise<{ record: RevisionRecord; plan: ColorPlan }> {
  const { kube, options } = context;
  const revisions = await readRevisions(kube, options.namespace, options.app);
  const latest = revisions[0];
  if (!latest || latest.outcome !== 'preview') {
    throw new UserError(
      `Nothing to ${verb}: ${latest ? `the latest revision of ${options.app}, ${latest.revision}, is ${latest.outcome}` : `${options.app} has no recorded revision in ${options.namespace}`}, not waiting in preview.`,
      {
        hint: 'Deploy with promotion: manual first; promote and abort finish that preview. Nothing was changed.',
      },
    );
  }
  const manifests: ManifestObject[] = latest.manifests.map((object) => ({
    object,
    source: { file: `revision ${latest.revision}`, line: 1 },
  }));
  const plan = planColor(manifests, {
    app: options.app,
    namespace: options.namespace,
    color: latest.color,
    revision: latest.revision,
  });
  return { record: latest, plan };
}

async function promote(context: RunContext): Promise<DeployReport> {
  const { kube, options, phase, log } = context;
  const deadline = Date.now() + options.timeoutMs;
  const { record, plan } = await latestPreview(context, 'promote');
  const live = await readLiveState(kube, options.namespace, plan.services);
  const active = live.activeColor;
  const report = baseReport(context, plan, active ?? plan.color, active);
  const gated = await phase(`Gate: check that ${plan.color} is still ready`, () =>
    gate(context, plan, deadline),
  );
  report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
  report.switchMs = await phase(`Switch live traffic to ${plan.color}`, () =>
    switchTraffic(context, plan, active, deadline),
  );
  report.color = plan.color;
  await keepPrevious(context, plan, active);
  await recordRevision(kube, {
    ...record,
    outcome: 'succeeded',
    previousColor: active,
    switchMs: report.switchMs,
    finishedAt: new Date().toISOString(),
  });
  await pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10);
  log.info(`Promoted revision ${record.revision}: ${plan.color} is live.`);
  report.status = 'promoted';
  report.images = record.images;
  return finish(context, report);
}

async function abort(context: RunContext): Promise<DeployReport> {
  const { kube, options, log } = context;
  const { record, plan } = await latestPreview(context, 'abort');
  const live = await readLiveState(kube, options.namespace, plan.services);
  for (const workload of plan.workloads) {
    await scaleDeployment(kube, plan.namespace, workload.object.metadata.name as string, 0).catch((error) => {
      if (!isNotFound(error)) throw error;
    });
  }
  await recordRevision(kube, { ...record, outcome: 'aborted', finishedAt: new Date().toISOString() });
  log.info(
    `Aborted revision ${record.revision}: ${plan.color} scaled to 0; live traffic stays on ${live.activeColor ?? 'nothing'}.`,
  );
  const report = baseReport(context, plan, live.activeColor ?? plan.color, undefined);
  report.status = 'aborted';
  report.images = record.images;
  return finish(context, report);
}
