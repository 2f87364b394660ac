import { runNotifications, type RunFacts } from '@swiss-deploy/notify';
import { KubeTimeoutError, type Kube } from '@swiss-deploy/kube';
import { tryRecordDeployEvent } from './events';
import { tryPushDeployMetrics } from './pushgateway';
import type { DeployRecord, Outcome } from './types';

/** The inputs every deploy entry shares for what it tells the world (kit's telemetryInputs). */
export interface TelemetryInputs {
  notify?: string;
  'notify-secret'?: string;
  'pushgateway-url'?: string;
}

/** What a finished run learned. */
export type RunResult = Omit<DeployRecord, 'action' | 'app' | 'namespace' | 'environment'> & {
  images?: string[];
  /** Why a failed run failed: when the API server was out of reach, no Event is tried. */
  error?: unknown;
};

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** The run failed because the API server could not be reached or did not answer: an Event would fail too. */
export function clusterUnreachable(error: unknown): boolean {
  for (
    let cause = error, depth = 0;
    cause && depth < 8;
    cause = (cause as { cause?: unknown }).cause, depth++
  ) {
    if (cause instanceof KubeTimeoutError) return true;
    if (UNREACHABLE_CODES.has((cause as { code?: string }).code ?? '')) return true;
  }
  return false;
}

/** A run's side channels: notifications, the cluster's Events, the Pushgateway. All best effort. */
export interface RunObserver {
  started(message?: string): Promise<void>;
  /** `kube` when the run reached the cluster (no Event otherwise). */
  finished(kube: Kube | undefined, result: RunResult): Promise<void>;
}

interface Log {
  warning: (line: string) => void;
  info: (line: string) => void;
}

/** The outcome of a deploy-blue-green report's status: a preview, promotion or no-op succeeded. */
export function outcomeOfStatus(status: string): Outcome {
  if (status === 'aborted' || status === 'failed' || status === 'rolled-back') return status;
  return 'succeeded';
}

/** `repository/run-id`, or this host's name: the Event's reportingInstance. */
function instance(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) return `${env.GITHUB_REPOSITORY}/${env.GITHUB_RUN_ID}`;
  return env.HOSTNAME || 'swiss-deploy';
}

/**
 * What the deploy entries call once their inputs parse: validates the telemetry inputs (an InputError
 * names them, before any side effect) and returns the run's observer. `enabled: false` (a dry run) keeps
 * the validation and tells no one.
 */
export function observeRun(
  inputs: TelemetryInputs,
  facts: RunFacts & { action: DeployRecord['action'] },
  log: Log,
  options: { enabled?: boolean } = {},
): RunObserver & { traceWith(trace: { traceId?: string }): void } {
  const enabled = options.enabled !== false;
  const traced: { traceId?: string } = {};
  const notify = runNotifications(inputs, facts, log, { enabled, trace: traced });
  const pushgateway = inputs['pushgateway-url'];
  return {
    traceWith: (trace) => void (traced.traceId = trace.traceId),
    started: (message) => notify.send('started', message === undefined ? {} : { message }),
    async finished(kube, result) {
      if (!enabled) return;
      const { error, images, ...learned } = result;
      const record: DeployRecord = { ...facts, ...learned };
      await Promise.all([
        notify.send(result.outcome, { ...learned, ...(images ? { images } : {}) }),
        kube && !(error !== undefined && clusterUnreachable(error))
          ? tryRecordDeployEvent(kube, record, { instance: instance(), warn: log.warning }).then((names) => {
              if (names.length > 0) log.info(`Recorded the Kubernetes Event ${names.join(', ')}.`);
            })
          : undefined,
        pushgateway ? tryPushDeployMetrics(pushgateway, record, log.warning) : undefined,
      ]);
    },
  };
}
