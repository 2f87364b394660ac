import { randomBytes } from 'node:crypto';
import { errorMessage, maskSecrets } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import type { DeployRecord } from './types';

/** Who reports the Events: a qualified name, as events.k8s.io/v1 asks of reportingController. */
export const REPORTING_CONTROLLER = 'swiss-deploy.github.io/deploy';
const APP_LABEL = 'swiss-deploy/app';
const COLOR_LABEL = 'swiss-deploy/color';
const REVISION_ANNOTATION = 'swiss-deploy/revision';

/** The Event's reason: CamelCase, one per action and outcome. */
export function eventReason(record: Pick<DeployRecord, 'action' | 'outcome'>): string {
  if (record.action === 'rollback') return record.outcome === 'failed' ? 'RollbackFailed' : 'RolledBack';
  if (record.outcome === 'rolled-back') return 'RolledBack';
  if (record.outcome === 'aborted') return 'Aborted';
  const verb = record.action === 'promote' ? 'Promote' : 'Deploy';
  return `${verb}${record.outcome === 'failed' ? 'Failed' : 'Succeeded'}`;
}

function note(record: DeployRecord): string {
  const parts = [
    record.revision === undefined ? undefined : `revision ${record.revision}`,
    record.color ? `color ${record.color}` : undefined,
    record.environment ? `environment ${record.environment}` : undefined,
    record.message,
  ].filter(Boolean);
  // events.k8s.io/v1 allows a note of 1 kB.
  const text = maskSecrets(parts.join('; '));
  return Buffer.byteLength(text) > 1024 ? `${text.slice(0, 1000)}…` : text;
}

/** `2026-12-03T07:00:00.123000Z`: a MicroTime, as eventTime takes it. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface DeploymentList {
  items: { metadata: { name: string; annotations?: Record<string, string> } }[];
}

/**
 * The app's Deployments a run did not name: those of the color it names (a rollback's serving color), else
 * those of the newest revision (what a failed run applied).
 */
async function newestDeployments(kube: Kube, record: DeployRecord): Promise<string[]> {
  const selector = `${APP_LABEL}=${record.app}${record.color ? `,${COLOR_LABEL}=${record.color}` : ''}`;
  const list = await kube.request<DeploymentList>(
    'GET',
    `/apis/apps/v1/namespaces/${encodeURIComponent(record.namespace)}/deployments`,
    { query: { labelSelector: selector }, purpose: 'deploy-event' },
  );
  const revisionOf = (item: DeploymentList['items'][number]) =>
    Number(item.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  const newest = Math.max(0, ...list.items.map(revisionOf));
  return list.items.filter((item) => revisionOf(item) === newest).map((item) => item.metadata.name);
}

export interface EventOptions {
  /** repository/run, or the host: who in particular reported it. */
  instance: string;
  now?: Date;
}

/**
 * Records the run as an events.k8s.io/v1 Event regarding each of the app's colored Deployments it
 * touched, so `kubectl events --for deployment/web-blue` tells the deploy history next to the rollout's.
 * Returns the names of the Events made.
 */
export async function recordDeployEvent(
  kube: Kube,
  record: DeployRecord,
  options: EventOptions,
): Promise<string[]> {
  const deployments = record.deployments?.length ? record.deployments : await newestDeployments(kube, record);
  const now = options.now ?? new Date();
  const names: string[] = [];
  for (const name of deployments) {
    const event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        // `<object>.<hex>`, as Kubernetes names its own Events: unique, and a valid subdomain.
        name: `${name}.${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`,
        namespace: record.namespace,
        labels: { [APP_LABEL]: record.app, 'app.kubernetes.io/managed-by': 'swiss-deploy' },
      },
      eventTime: microTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: options.instance.slice(0, 128),
      action: record.action === 'chain' ? 'Deploy' : record.action[0]!.toUpperCase() + record.action.slice(1),
      reason: eventReason(record),
      type: record.outcome === 'succeeded' ? 'Normal' : 'Warning',
      note: note(record),
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: record.namespace, name },
    };
    const made = await kube.request<{ metadata: { name: string } }>(
      'POST',
      `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(record.namespace)}/events`,
      { body: event, purpose: 'deploy-event' },
    );
    names.push(made.metadata.name);
  }
  return names;
}

/** Best effort: an Event that cannot be written (no RBAC for events, API down) is a warning. */
export async function tryRecordDeployEvent(
  kube: Kube,
  record: DeployRecord,
  options: EventOptions & { warn: (line: string) => void },
): Promise<string[]> {
  try {
    return await recordDeployEvent(kube, record, options);
  } catch (error) {
    options.warn(`Could not record a Kubernetes Event for ${record.app}: ${errorMessage(error)}`);
    return [];
  }
}
