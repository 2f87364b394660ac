import { errorMessage } from '@swiss-deploy/kit';
import type { DeployRecord, Outcome } from './types';

export const PUSH_JOB = 'swiss_deploy';
const OUTCOMES: readonly Outcome[] = ['succeeded', 'failed', 'rolled-back', 'aborted'];
const REQUEST_TIMEOUT_MS = 10_000;

/** The group of one app in one namespace and environment: its labels on every series. */
export interface MetricGroup {
  app: string;
  namespace: string;
  environment: string;
}

/** What the previous pushes left, read back so the counters go on from there. */
export interface PreviousFigures {
  deployments: Record<Outcome, number>;
  changeFailures: number;
  restores: number;
  lastSuccess?: number;
  lastFailure?: number;
}

const NONE: PreviousFigures = {
  deployments: { succeeded: 0, failed: 0, 'rolled-back': 0, aborted: 0 },
  changeFailures: 0,
  restores: 0,
};

/** A label value or group-key value in the Pushgateway's URL-safe base64 form, which any text survives. */
function base64Segment(name: string, value: string): string {
  return `${name}@base64/${value === '' ? '=' : Buffer.from(value).toString('base64url')}`;
}

export function groupPath(group: MetricGroup): string {
  return [
    '/metrics/job',
    PUSH_JOB,
    base64Segment('app', group.app),
    base64Segment('namespace', group.namespace),
    base64Segment('environment', group.environment),
  ].join('/');
}

interface ApiGroup {
  labels: Record<string, string>;
  [metric: string]: unknown;
}

interface ApiFamily {
  metrics?: { labels?: Record<string, string>; value?: string }[];
}

/** The figures in the Pushgateway's /api/v1/metrics answer for this group; zeros when it has none yet. */
export function previousFigures(answer: unknown, group: MetricGroup): PreviousFigures {
  const groups = ((answer as { data?: ApiGroup[] })?.data ?? []).filter(
    (candidate) =>
      candidate.labels?.job === PUSH_JOB &&
      candidate.labels.app === group.app &&
      candidate.labels.namespace === group.namespace &&
      (candidate.labels.environment ?? '') === group.environment,
  );
  const found = groups[0];
  if (!found) return { ...NONE, deployments: { ...NONE.deployments } };
  const values = (name: string) => (found[name] as ApiFamily | undefined)?.metrics ?? [];
  const one = (name: string): number | undefined => {
    const value = Number(values(name)[0]?.value);
    return Number.isFinite(value) ? value : undefined;
  };
  const deployments = { ...NONE.deployments };
  for (const sample of values('swiss_deploy_deployments_total')) {
    const outcome = sample.labels?.outcome as Outcome | undefined;
    if (outcome && OUTCOMES.includes(outcome)) deployments[outcome] = Number(sample.value) || 0;
  }
  return {
    deployments,
    changeFailures: one('swiss_deploy_change_failures_total') ?? 0,
    restores: one('swiss_deploy_restores_total') ?? 0,
    lastSuccess: one('swiss_deploy_last_success_timestamp_seconds'),
    lastFailure: one('swiss_deploy_last_failure_timestamp_seconds'),
  };
}

/** The next figures and their text exposition (format 0.0.4), for one finished run. */
export function exposition(record: DeployRecord, previous: PreviousFigures, now: Date = new Date()): string {
  const seconds = now.getTime() / 1000;
  const deployments = { ...previous.deployments, [record.outcome]: previous.deployments[record.outcome] + 1 };
  const changeFailed = record.outcome === 'failed' || record.outcome === 'rolled-back';
  const succeeded = record.outcome === 'succeeded';
  // Time to restore: how long a rollback took, or, for the first success after a failure, since that failure.
  const restoredAfterFailure =
    succeeded &&
    previous.lastFailure !== undefined &&
    (previous.lastSuccess === undefined || previous.lastFailure > previous.lastSuccess);
  const restoreSeconds =
    record.outcome === 'rolled-back'
      ? record.durationMs / 1000
      : restoredAfterFailure
        ? seconds - (previous.lastFailure as number)
        : undefined;
  const lastSuccess = succeeded ? seconds : previous.lastSuccess;
  const lastFailure = changeFailed ? seconds : previous.lastFailure;
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  family(
    'swiss_deploy_deployments_total',
    'counter',
    'Deploy runs of this app, by outcome.',
    OUTCOMES.map((outcome) => [`{outcome="${outcome}"}`, deployments[outcome]]),
  );
  family('swiss_deploy_change_failures_total', 'counter', 'Runs that failed or were rolled back.', [
    ['', previous.changeFailures + (changeFailed ? 1 : 0)],
  ]);
  family('swiss_deploy_restores_total', 'counter', 'Times service was restored after a failed change.', [
    ['', previous.restores + (restoreSeconds === undefined ? 0 : 1)],
  ]);
  family('swiss_deploy_last_duration_seconds', 'gauge', 'How long the last run took.', [
    ['', record.durationMs / 1000],
  ]);
  family(
    'swiss_deploy_last_outcome',
    'gauge',
    'The last run: 1 for its outcome, 0 for the others.',
    OUTCOMES.map((outcome) => [`{outcome="${outcome}"}`, outcome === record.outcome ? 1 : 0]),
  );
  if (record.revision !== undefined)
    family('swiss_deploy_revision', 'gauge', 'The revision the last run recorded.', [['', record.revision]]);
  family('swiss_deploy_last_run_timestamp_seconds', 'gauge', 'When the last run ended.', [['', seconds]]);
  if (lastSuccess !== undefined)
    family('swiss_deploy_last_success_timestamp_seconds', 'gauge', 'When a run last succeeded.', [
      ['', lastSuccess],
    ]);
  if (lastFailure !== undefined)
    family('swiss_deploy_last_failure_timestamp_seconds', 'gauge', 'When a change last failed.', [
      ['', lastFailure],
    ]);
  if (restoreSeconds !== undefined)
    family('swiss_deploy_time_to_restore_seconds', 'gauge', 'How long the last restore took.', [
      ['', Math.max(0, restoreSeconds)],
    ]);
  return `${lines.join('\n')}\n`;
}

async function call(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, {
    ...init,
    redirect: 'error',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) {
    const text = (await response.text()).slice(0, 200).replace(/\s+/g, ' ');
    throw new Error(`${init.method ?? 'GET'} ${new URL(url).pathname}: HTTP ${response.status} ${text}`);
  }
  return response;
}

/**
 * Pushes the run's figures to the Pushgateway: reads the group's counters back, adds this run, and
 * replaces the group (PUT), all while the run holds the app's lock, so two runs never count over each other.
 */
export async function pushDeployMetrics(baseUrl: string, record: DeployRecord, now?: Date): Promise<void> {
  const base = baseUrl.replace(/\/+$/, '');
  const group: MetricGroup = {
    app: record.app,
    namespace: record.namespace,
    environment: record.environment ?? '',
  };
  const answer = await (await call(`${base}/api/v1/metrics`, { method: 'GET' })).json();
  const body = exposition(record, previousFigures(answer, group), now);
  await call(`${base}${groupPath(group)}`, {
    method: 'PUT',
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body,
  });
}

export async function tryPushDeployMetrics(
  baseUrl: string,
  record: DeployRecord,
  warn: (line: string) => void,
): Promise<boolean> {
  try {
    await pushDeployMetrics(baseUrl, record);
    return true;
  } catch (error) {
    const reason =
      (error as { name?: string }).name === 'TimeoutError' ? 'no answer within 10 s' : errorMessage(error);
    warn(`Could not push the deploy metrics of ${record.app} to the Pushgateway: ${reason}`);
    return false;
  }
}
