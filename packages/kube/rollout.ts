import { UserError, WorldError, formatDuration, sleep } from '@swiss-deploy/kit';
import type { Kube } from './client';
import { KNOWN } from './discovery';
import type { Deployment, KubeEvent, KubeList, LabelSelector, Pod } from './types';
import { watchUntil } from './watch';

/** Container states that will not heal by waiting: the gate fails at once instead of at the timeout. */
const FATAL_WAITING = new Set([
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

export interface RolloutProgress {
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** True when every replica runs the current template and is ready and available. */
  complete: boolean;
  /** The Deployment controller gave up: progressDeadlineSeconds passed without progress. */
  deadlineExceeded?: string;
}

/** Where a Deployment stands, by the same rules as `kubectl rollout status`. */
export function rolloutProgress(deployment: Deployment): RolloutProgress {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1);
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const deadlineExceeded =
    observed && progressing?.reason === 'ProgressDeadlineExceeded'
      ? (progressing.message ?? 'ProgressDeadlineExceeded')
      : undefined;
  const complete =
    observed &&
    updated === desired &&
    ready === desired &&
    available === desired &&
    (status.replicas ?? 0) === desired;
  return { desired, updated, ready, available, complete, deadlineExceeded };
}

/** Ready and not being deleted: a pod that can take traffic. */
function isReadyPod(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * One gate progress line, counting only the new revision's pods (those the revision podSelector matched):
 * the Deployment's readyReplicas also counts the previous revision's pods still in the idle color, which
 * made "3/3 ready" appear while none of the new pods was. Pods of older ReplicaSets are told apart.
 */
export function gateProgressLine(
  name: string,
  deployment: Deployment | undefined,
  revisionPods: readonly Pod[],
  revision?: string | number,
): { line: string; ready: number; desired: number } {
  const ready = revisionPods.filter(isReadyPod).length;
  const desired = deployment?.spec?.replicas ?? 1;
  const status = deployment?.status ?? {};
  const old = Math.max(0, (status.replicas ?? 0) - (status.updatedReplicas ?? 0));
  const of = revision === undefined ? 'of the new pods' : `of revision ${revision}`;
  const line =
    `${name}: ${ready}/${desired} ${of} ready` +
    (old > 0 ? ` (${old} old ${old === 1 ? 'pod' : 'pods'} still terminating)` : '');
  return { line, ready, desired };
}

export const DEFAULT_UNSCHEDULABLE_GRACE_MS = 120_000;

export interface UnschedulableFacts {
  /** The scheduler's PodScheduled message, e.g. "0/3 nodes are available: 3 node(s) didn't match …". */
  schedulerMessage: string;
  /** When the pod was first seen Unschedulable (ms since epoch). */
  since: number;
  now: number;
  graceMs: number;
  /** The pod's events, any source. */
  events: readonly KubeEvent[];
}

export type UnschedulableVerdict =
  { wait: true; autoscaler?: string } | { wait: false; reason: string; message: string };

const eventTime = (e: KubeEvent): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';

/**
 * Whether an Unschedulable pod may still be placed: the cluster autoscaler's latest word decides
 * (TriggeredScaleUp: a node is coming; NotTriggerScaleUp: no node group can fit it); without any word
 * from an autoscaler the pod gets a grace period, then the scheduler's message is the reason.
 */
export function unschedulableVerdict(facts: UnschedulableFacts): UnschedulableVerdict {
  const latest = facts.events
    .filter(
      (e) =>
        (e.source?.component ?? e.reportingComponent) === 'cluster-autoscaler' &&
        (e.reason === 'TriggeredScaleUp' || e.reason === 'NotTriggerScaleUp'),
    )
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
    .at(-1);
  if (latest?.reason === 'TriggeredScaleUp') return { wait: true, autoscaler: latest.message ?? '' };
  if (latest?.reason === 'NotTriggerScaleUp')
    return {
      wait: false,
      reason: 'NotTriggerScaleUp',
      message: latest.message ?? 'no node group fits the pod',
    };
  if (facts.now - facts.since < facts.graceMs) return { wait: true };
  return { wait: false, reason: 'Unschedulable', message: facts.schedulerMessage };
}

export interface PodProblem {
  pod: string;
  container?: string;
  reason: string;
  message: string;
}

/** The reason a pod will not become ready without a change, or undefined while it may still. */
export function podProblem(pod: Pod): PodProblem | undefined {
  const name = pod.metadata.name ?? '?';
  if (pod.metadata.deletionTimestamp) return undefined;
  if (pod.status?.phase === 'Failed') {
    return {
      pod: name,
      reason: pod.status.reason ?? 'Failed',
      message: pod.status.message ?? 'the pod failed',
    };
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { pod: name, reason: 'Unschedulable', message: scheduled.message ?? 'no node fits the pod' };
  }
  for (const status of [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ]) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
      const last = status.lastState?.terminated;
      const exit = last
        ? ` (last exit code ${last.exitCode ?? '?'}${last.reason ? `, ${last.reason}` : ''})`
        : '';
      return {
        pod: name,
        container: status.name,
        reason: waiting.reason,
        message: `${waiting.message ?? waiting.reason}${exit}`,
      };
    }
    const terminated = status.state?.terminated;
    if (terminated?.reason === 'OOMKilled') {
      return {
        pod: name,
        container: status.name,
        reason: 'OOMKilled',
        message: 'the container ran out of memory',
      };
    }
  }
  return undefined;
}

/** Why a pod is not ready yet, for the timeout message (not fatal on its own). */
export function podWaitingReason(pod: Pod): string | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  for (const status of pod.status?.containerStatuses ?? []) {
    if (status.state?.waiting?.reason) return `${status.name}: ${status.state.waiting.reason}`;
    if (status.state?.running && !status.ready)
      return `${status.name}: running but not ready (readiness probe failing)`;
  }
  return ready?.message ?? ready?.reason ?? pod.status?.phase ?? 'Pending';
}

export function selectorString(selector: LabelSelector | Record<string, string> | undefined): string {
  if (!selector) return '';
  const labels =
    'matchLabels' in selector || 'matchExpressions' in selector
      ? (selector as LabelSelector)
      : { matchLabels: selector as Record<string, string> };
  const parts = Object.entries(labels.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const expression of labels.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') parts.push(`${expression.key} in (${values})`);
    else if (expression.operator === 'NotIn') parts.push(`${expression.key} notin (${values})`);
    else if (expression.operator === 'Exists') parts.push(expression.key);
    else if (expression.operator === 'DoesNotExist') parts.push(`!${expression.key}`);
  }
  return parts.join(',');
}

/** The last few events of one object, oldest first, as "Warning BackOff: Back-off pulling image …". */
export async function recentEvents(
  kube: Kube,
  namespace: string,
  kind: string,
  name: string,
  limit = 8,
): Promise<string[]> {
  try {
    const list = await kube.request<KubeList<KubeEvent>>('GET', KNOWN.events(namespace), {
      query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` },
      purpose: 'events',
    });
    const time = (e: KubeEvent): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
    return list.items
      .sort((a, b) => time(a).localeCompare(time(b)))
      .slice(-limit)
      .map(
        (e) =>
          `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ''}`,
      );
  } catch {
    return [];
  }
}

/**
 * The events of a pod that just failed. Its components record them asynchronously (the scheduler's
 * "Scheduled", the kubelet's back-off), so a failure seen on the watch can come before its first event is
 * stored: when there is none yet, ask again a few times, half a second apart. Only failing deploys wait.
 */
async function failureEvents(kube: Kube, namespace: string, pod: string): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const events = await recentEvents(kube, namespace, 'Pod', pod);
    if (events.length > 0 || attempt === 3) return events;
    await sleep(500);
  }
}

/** A rollout that cannot succeed without a change to the app or its manifests. */
export class RolloutFailedError extends UserError {
  constructor(
    message: string,
    readonly deployment: string,
    readonly problem?: PodProblem,
    readonly events: string[] = [],
  ) {
    super(message);
    this.name = 'RolloutFailedError';
  }
}

/** The gate did not open in time. */
export class RolloutTimeoutError extends WorldError {
  constructor(
    message: string,
    readonly deployment: string,
  ) {
    super(message);
    this.name = 'RolloutTimeoutError';
  }
}

export interface WaitForRolloutOptions {
  namespace: string;
  name: string;
  /** Only these pods are judged (the new template's); by default the Deployment's selector. */
  podSelector: string;
  deadline: number;
  signal?: AbortSignal;
  /** How long an Unschedulable pod may wait without word from a cluster autoscaler. Default 2 min. */
  unschedulableGraceMs?: number;
  /** The revision the podSelector picks, for the progress lines. */
  revision?: string | number;
  /** One line per state change, e.g. "web-green: 1/3 of revision 7 ready (2 old pods still terminating)". */
  onProgress?: (line: string) => void;
}

export interface RolloutResult {
  name: string;
  replicas: number;
  ready: number;
  durationMs: number;
  pods: Pod[];
}

/**
 * Waits until a Deployment is fully rolled out, watching the Deployment and its pods together. A pod in a
 * state that will not heal (image pull back-off, crash loop, bad config) or an exceeded progress deadline
 * fails at once, with the pod's reason and recent events. An Unschedulable pod fails only when the cluster
 * autoscaler says no node group fits it, or after the grace period without any autoscaler scale-up.
 */
export async function waitForRollout(kube: Kube, options: WaitForRolloutOptions): Promise<RolloutResult> {
  const started = Date.now();
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let lastDeployment: Deployment | undefined;
  let lastPods: Pod[] = [];
  let lastLine = '';
  const report = (): void => {
    if (!lastDeployment) return;
    const { line } = gateProgressLine(options.name, lastDeployment, lastPods, options.revision);
    if (line !== lastLine) options.onProgress?.(line);
    lastLine = line;
  };
  const describeWaiting = (): string => {
    const progress = lastDeployment
      ? gateProgressLine(options.name, lastDeployment, lastPods, options.revision)
      : undefined;
    const reasons = lastPods
      .map((pod) => ({ pod: pod.metadata.name, why: podWaitingReason(pod) }))
      .filter((p) => p.why)
      .map((p) => `${p.pod} (${p.why})`);
    return (
      `${progress ? `${progress.ready}/${progress.desired} of the new pods ready` : 'no status yet'}` +
      (reasons.length ? `; waiting: ${reasons.slice(0, 5).join('; ')}` : '')
    );
  };

  let podFailure: PodProblem | undefined;
  // Unschedulable pods wait for the autoscaler's word (read from their events, watched only once a pod
  // is unschedulable) or for the grace period; the verdict settles `scheduling`.
  const graceMs = options.unschedulableGraceMs ?? DEFAULT_UNSCHEDULABLE_GRACE_MS;
  const unschedulable = new Map<string, { message: string; since: number }>();
  let events: KubeEvent[] = [];
  let eventWatch: Promise<unknown> | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let toldAutoscaler = '';
  let settleScheduling: (problem: PodProblem) => void = () => undefined;
  const scheduling = new Promise<PodProblem>((resolve) => (settleScheduling = resolve));
  const judgeScheduling = (): void => {
    for (const [pod, seen] of unschedulable) {
      const verdict = unschedulableVerdict({
        schedulerMessage: seen.message,
        since: seen.since,
        now: Date.now(),
        graceMs,
        events: events.filter((e) => e.involvedObject?.name === pod),
      });
      if (!verdict.wait) {
        podFailure = { pod, reason: verdict.reason, message: verdict.message };
        settleScheduling(podFailure);
        return;
      }
      if (verdict.autoscaler !== undefined && toldAutoscaler === '') {
        toldAutoscaler = verdict.autoscaler;
        options.onProgress?.(`waiting for the cluster autoscaler: ${verdict.autoscaler}`);
      }
    }
  };
  const watchScheduling = (): void => {
    eventWatch ??= watchUntil(
      kube,
      { path: KNOWN.events(options.namespace), fieldSelector: 'involvedObject.kind=Pod' },
      {
        deadline: options.deadline,
        signal: controller.signal,
        onTimeout: () => new Error('events: deadline'),
        decide: (objects) => {
          events = [...objects.values()] as KubeEvent[];
          judgeScheduling();
          return undefined;
        },
      },
    ).catch(() => undefined);
    // The grace period ends between events too; never beyond the deadline, where the gate times out anyway.
    clearTimeout(graceTimer);
    graceTimer = setTimeout(
      judgeScheduling,
      Math.min(graceMs + 50, Math.max(0, options.deadline - Date.now())),
    );
  };

  const podWatch = watchUntil(
    kube,
    { path: KNOWN.pods(options.namespace), labelSelector: options.podSelector },
    {
      deadline: options.deadline,
      signal: controller.signal,
      onTimeout: () => new Error('pods: deadline'),
      decide: (objects) => {
        lastPods = [...objects.values()] as Pod[];
        report();
        const stillUnschedulable = new Set<string>();
        for (const pod of lastPods) {
          const problem = podProblem(pod);
          if (problem?.reason === 'Unschedulable') {
            stillUnschedulable.add(problem.pod);
            if (!unschedulable.has(problem.pod)) {
              unschedulable.set(problem.pod, { message: problem.message, since: Date.now() });
              watchScheduling();
            }
            continue;
          }
          if (problem) {
            podFailure = problem;
            return problem;
          }
        }
        for (const pod of unschedulable.keys()) if (!stillUnschedulable.has(pod)) unschedulable.delete(pod);
        if (unschedulable.size > 0) judgeScheduling();
        return undefined;
      },
    },
  ).catch(() => undefined);

  const deploymentWatch = watchUntil(
    kube,
    { path: KNOWN.deployments(options.namespace), fieldSelector: `metadata.name=${options.name}` },
    {
      deadline: options.deadline,
      signal: controller.signal,
      onTimeout: () =>
        new RolloutTimeoutError(
          `${options.name} was not ready within ${formatDuration(options.deadline - started)}: ${describeWaiting()}.`,
          options.name,
        ),
      decide: (objects) => {
        const deployment = objects.values().next().value as Deployment | undefined;
        if (!deployment) return undefined;
        lastDeployment = deployment;
        const progress = rolloutProgress(deployment);
        report();
        if (progress.deadlineExceeded) return { deadline: progress.deadlineExceeded };
        return progress.complete ? { complete: true } : undefined;
      },
    },
  );

  const first = await Promise.race([
    podWatch.then((problem) => (problem ? { problem } : new Promise<never>(() => undefined))),
    scheduling.then((problem) => ({ problem })),
    deploymentWatch.then((outcome) => ({ outcome })),
  ])
    .catch(async (error: unknown) => {
      // At the timeout, the events of the first pod still waiting usually say why (probe failures, back-off).
      const waiting = lastPods.find((pod) => podWaitingReason(pod));
      if (!(error instanceof RolloutTimeoutError) || !waiting?.metadata.name) throw error;
      const events = await recentEvents(kube, options.namespace, 'Pod', waiting.metadata.name);
      if (events.length === 0) throw error;
      throw new RolloutTimeoutError(
        `${error.message}\nRecent events of ${waiting.metadata.name}:\n${events.map((e) => `  ${e}`).join('\n')}`,
        options.name,
      );
    })
    .finally(() => {
      clearTimeout(graceTimer);
      controller.abort();
    });
  await eventWatch;

  if ('problem' in first || podFailure) {
    const problem = podFailure as PodProblem;
    const events = await failureEvents(kube, options.namespace, problem.pod);
    throw new RolloutFailedError(
      `${options.name}: pod ${problem.pod} ${problem.container ? `(container ${problem.container}) ` : ''}is in ${problem.reason}: ${problem.message}` +
        (events.length
          ? `\nRecent events of ${problem.pod}:\n${events.map((e) => `  ${e}`).join('\n')}`
          : ''),
      options.name,
      problem,
      events,
    );
  }
  const outcome = first.outcome as { deadline?: string; complete?: boolean } | undefined;
  if (outcome?.deadline) {
    const waiting = lastPods.find((pod) => podWaitingReason(pod))?.metadata.name;
    const events = waiting ? await failureEvents(kube, options.namespace, waiting) : [];
    throw new RolloutFailedError(
      `${options.name} exceeded its progress deadline (progressDeadlineSeconds): ${outcome.deadline}; ${describeWaiting()}.` +
        (events.length ? `\nRecent events of ${waiting}:\n${events.map((e) => `  ${e}`).join('\n')}` : ''),
      options.name,
      undefined,
      events,
    );
  }
  const progress = gateProgressLine(options.name, lastDeployment, lastPods, options.revision);
  return {
    name: options.name,
    replicas: lastDeployment ? progress.desired : 0,
    // The new revision's ready pods, never the previous revision's still in this color.
    ready: progress.ready,
    durationMs: Date.now() - started,
    pods: lastPods,
  };
}
