import { eventReason } from '../../../packages/telemetry/events';
import { exposition, groupPath, previousFigures } from '../../../packages/telemetry/pushgateway';
import type { DeployRecord } from '../../../packages/telemetry/types';

const base: DeployRecord = {
  action: 'deploy',
  outcome: 'succeeded',
  app: 'shop',
  namespace: 'prod',
  environment: 'production',
  revision: 4,
  durationMs: 42_000,
};
const group = { app: 'shop', namespace: 'prod', environment: 'production' };
const now = new Date('2026-12-03T08:00:00Z');
const t = now.getTime() / 1000;

/** The value of one sample line in a text exposition. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The figures as /api/v1/metrics would return them after pushing `text`. */
function asApi(text: string): unknown {
  const families: Record<string, { metrics: { labels: Record<string, string>; value: string }[] }> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{outcome="([^"]+)"\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, outcome, v] = match as unknown as [string, string, string | undefined, string];
    (families[name] ??= { metrics: [] }).metrics.push({ labels: outcome ? { outcome } : {}, value: v });
  }
  return { status: 'success', data: [{ labels: { job: 'swiss_deploy', ...group }, ...families }] };
}

describe('deploy figures for the Pushgateway', () => {
  it('names Events by action and outcome', () => {
    expect(eventReason({ action: 'deploy', outcome: 'succeeded' })).toBe('DeploySucceeded');
    expect(eventReason({ action: 'chain', outcome: 'failed' })).toBe('DeployFailed');
    expect(eventReason({ action: 'promote', outcome: 'succeeded' })).toBe('PromoteSucceeded');
    expect(eventReason({ action: 'abort', outcome: 'aborted' })).toBe('Aborted');
    expect(eventReason({ action: 'chain', outcome: 'rolled-back' })).toBe('RolledBack');
    expect(eventReason({ action: 'rollback', outcome: 'rolled-back' })).toBe('RolledBack');
    expect(eventReason({ action: 'rollback', outcome: 'failed' })).toBe('RollbackFailed');
  });

  it('groups by app, namespace and environment in base64, so any value survives the URL', () => {
    expect(groupPath({ app: 'shop', namespace: 'prod', environment: '' })).toBe(
      '/metrics/job/swiss_deploy/app@base64/c2hvcA/namespace@base64/cHJvZA/environment@base64/=',
    );
  });

  it('starts the counters from zero for a group the Pushgateway does not have', () => {
    const text = exposition(base, previousFigures({ status: 'success', data: [] }, group), now);
    expect(value(text, 'swiss_deploy_deployments_total{outcome="succeeded"}')).toBe(1);
    expect(value(text, 'swiss_deploy_deployments_total{outcome="failed"}')).toBe(0);
    expect(value(text, 'swiss_deploy_change_failures_total')).toBe(0);
    expect(value(text, 'swiss_deploy_last_success_timestamp_seconds')).toBe(t);
    expect(value(text, 'swiss_deploy_last_duration_seconds')).toBe(42);
    expect(value(text, 'swiss_deploy_revision')).toBe(4);
    expect(value(text, 'swiss_deploy_time_to_restore_seconds')).toBeUndefined();
    expect(text).toContain('# TYPE swiss_deploy_deployments_total counter');
  });

  it('counts a failure, then times the restore from it to the next success', () => {
    const first = exposition(base, previousFigures({ data: [] }, group), new Date(now.getTime() - 3_600_000));
    const failed = exposition(
      { ...base, outcome: 'failed' },
      previousFigures(asApi(first), group),
      new Date(now.getTime() - 600_000),
    );
    expect(value(failed, 'swiss_deploy_deployments_total{outcome="failed"}')).toBe(1);
    expect(value(failed, 'swiss_deploy_change_failures_total')).toBe(1);
    expect(value(failed, 'swiss_deploy_last_outcome{outcome="failed"}')).toBe(1);
    const restored = exposition(base, previousFigures(asApi(failed), group), now);
    expect(value(restored, 'swiss_deploy_deployments_total{outcome="succeeded"}')).toBe(2);
    expect(value(restored, 'swiss_deploy_time_to_restore_seconds')).toBe(600);
    expect(value(restored, 'swiss_deploy_restores_total')).toBe(1);
    // The next success restores nothing.
    const again = exposition(base, previousFigures(asApi(restored), group), now);
    expect(value(again, 'swiss_deploy_restores_total')).toBe(1);
    expect(value(again, 'swiss_deploy_time_to_restore_seconds')).toBeUndefined();
  });

  it('times a rollback as its own restore', () => {
    const text = exposition(
      { ...base, action: 'rollback', outcome: 'rolled-back', durationMs: 7_500 },
      previousFigures({ data: [] }, group),
      now,
    );
    expect(value(text, 'swiss_deploy_time_to_restore_seconds')).toBe(7.5);
    expect(value(text, 'swiss_deploy_change_failures_total')).toBe(1);
    expect(value(text, 'swiss_deploy_deployments_total{outcome="rolled-back"}')).toBe(1);
  });

  it('reads only its own group back', () => {
    const other = exposition(base, previousFigures({ data: [] }, group), now);
    const api = asApi(other) as { data: { labels: Record<string, string> }[] };
    api.data[0]!.labels.environment = 'staging';
    expect(previousFigures(api, group).deployments.succeeded).toBe(0);
  });
});
