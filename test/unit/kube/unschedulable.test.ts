import { unschedulableVerdict } from '../../../packages/kube/rollout';
import type { KubeEvent } from '../../../packages/kube/types';

const autoscaler = (reason: string, message: string, at: string): KubeEvent => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `web.${reason}` },
  reason,
  message,
  lastTimestamp: at,
  source: { component: 'cluster-autoscaler' },
  involvedObject: { kind: 'Pod', name: 'web-1' },
});
const scheduler = (at: string): KubeEvent => ({
  ...autoscaler('FailedScheduling', '0/3 nodes are available', at),
  source: { component: 'default-scheduler' },
});

const up = autoscaler(
  'TriggeredScaleUp',
  'pod triggered scale-up: [{pool-a 1->2 (max: 5)}]',
  '2026-12-02T09:00:10Z',
);
const no = autoscaler(
  'NotTriggerScaleUp',
  "pod didn't trigger scale-up: 2 node(s) didn't match node selector",
  '2026-12-02T09:00:20Z',
);

describe('an Unschedulable pod', () => {
  const since = Date.parse('2026-12-02T09:00:00Z');
  const facts = {
    schedulerMessage: '0/3 nodes are available: 3 node(s) didn’t match Pod’s node affinity',
    since,
    graceMs: 120_000,
  };

  it.each([
    ['waits while the autoscaler reports a scale-up', [up], 10_000, { wait: true, autoscaler: up.message }],
    [
      'waits on a scale-up past the grace period: a node is coming',
      [up],
      600_000,
      { wait: true, autoscaler: up.message },
    ],
    [
      'fails fast when the autoscaler says no node group fits',
      [no],
      1_000,
      { wait: false, reason: 'NotTriggerScaleUp', message: no.message },
    ],
    [
      'follows the autoscaler’s latest word (scale-up after a refusal)',
      [up, { ...no, lastTimestamp: '2026-12-02T09:00:05Z' }],
      1_000,
      { wait: true, autoscaler: up.message },
    ],
    [
      'follows the autoscaler’s latest word (refusal after a scale-up)',
      [up, no],
      1_000,
      { wait: false, reason: 'NotTriggerScaleUp', message: no.message },
    ],
    [
      'waits through the grace period without an autoscaler',
      [scheduler('2026-12-02T09:00:01Z')],
      119_000,
      { wait: true },
    ],
    [
      'fails with the scheduler’s message after the grace period',
      [scheduler('2026-12-02T09:00:01Z')],
      120_000,
      { wait: false, reason: 'Unschedulable', message: facts.schedulerMessage },
    ],
    [
      'fails at once with a zero grace and no autoscaler',
      [],
      0,
      { wait: false, reason: 'Unschedulable', message: facts.schedulerMessage },
    ],
  ])('%s', (_case, events, elapsed, verdict) => {
    const graceMs = elapsed === 0 ? 0 : facts.graceMs;
    expect(unschedulableVerdict({ ...facts, graceMs, events, now: since + elapsed })).toEqual(verdict);
  });

  it('ignores scale-up words from anything but the cluster autoscaler', () => {
    const forged = { ...up, source: { component: 'someone-else' } };
    expect(unschedulableVerdict({ ...facts, events: [forged], now: since + 200_000 })).toMatchObject({
      wait: false,
      reason: 'Unschedulable',
    });
  });
});
