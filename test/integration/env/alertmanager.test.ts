// The environment's Alertmanager: an alert handed to it reaches the webhook receiver as a payload of the
// documented format, firing and then resolved.
import { randomBytes } from 'node:crypto';
import {
  postAlerts,
  startAlertReceiver,
  webhookPayloadProblems,
  type AlertReceiver,
} from '../../support/observability';
import { waitFor } from './kube';

jest.setTimeout(120_000);

let receiver: AlertReceiver | undefined;

beforeAll(async () => {
  receiver = await startAlertReceiver();
});

afterAll(async () => {
  await receiver?.close();
});

describe('the alertmanager component', () => {
  it('refuses a payload that is not of the documented webhook format', () => {
    expect(webhookPayloadProblems({ version: '3', alerts: [] })).toEqual(
      expect.arrayContaining(['version is "3", not "4"', 'alerts is not a non-empty list']),
    );
  });

  it('delivers a firing and then a resolved alert to the webhook, version 4', async () => {
    const r = receiver as AlertReceiver;
    const alertname = `SwissEnvAlert${randomBytes(3).toString('hex')}`;
    const labels = { alertname, namespace: 'analysis-alertmanager', severity: 'test' };
    await postAlerts([{ labels, annotations: { summary: 'a test alert' } }]);
    const ours = (status: string) => () =>
      Promise.resolve(r.payloads.filter((p) => p.status === status && p.groupLabels.alertname === alertname));
    const firing = await waitFor('a firing payload', ours('firing'), (list) => list.length > 0, 60_000);
    expect(firing[0]).toMatchObject({
      version: '4',
      receiver: 'webhook',
      groupLabels: { alertname, namespace: 'analysis-alertmanager' },
      commonAnnotations: { summary: 'a test alert' },
    });
    expect(firing[0]?.alerts.map((a) => [a.status, a.labels])).toEqual([['firing', labels]]);

    await postAlerts([{ labels, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    const resolved = await waitFor('a resolved payload', ours('resolved'), (list) => list.length > 0, 60_000);
    expect(resolved[0]?.alerts[0]?.status).toBe('resolved');
    expect(r.refused).toEqual([]);
  });
});
