import { UserError } from '@swiss-deploy/kit';
import { parseRollbackTarget } from '@swiss-deploy/bluegreen';
import {
  chooseRollbackMode,
  chooseRollbackTarget,
  rollbackSteps,
  type IdleWorkload,
} from '../../../packages/bluegreen/rollback-plan';
import { planColor } from '../../../packages/bluegreen/plan';
import type { RevisionRecord } from '../../../packages/bluegreen/types';

const digest = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function revision(
  number: number,
  color: 'blue' | 'green',
  outcome: RevisionRecord['outcome'] = 'succeeded',
  manifests = number,
): RevisionRecord {
  return {
    app: 'shop',
    namespace: 'prod',
    revision: number,
    color,
    outcome,
    manifestDigest: digest(manifests),
    manifests: [],
    images: [],
    startedAt: '2026-11-21T22:00:00.000Z',
  };
}

const where = { app: 'shop', namespace: 'prod' };

function refusal(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

describe('choosing the revision to roll back to', () => {
  const history = [revision(3, 'blue'), revision(2, 'green'), revision(1, 'blue')];

  it('takes the newest earlier successful revision for "previous"', () => {
    const { current, target } = chooseRollbackTarget(history, 'blue', 'previous', where);
    expect([current.revision, target.revision]).toEqual([3, 2]);
  });

  it('skips failed, aborted and superseded revisions and ones with the live manifests for "previous"', () => {
    const revisions = [
      revision(6, 'green', 'succeeded', 9),
      revision(5, 'blue', 'failed'),
      revision(4, 'blue', 'aborted'),
      revision(3, 'blue', 'superseded'),
      revision(2, 'green', 'succeeded', 9),
      revision(1, 'blue'),
    ];
    const { current, target } = chooseRollbackTarget(revisions, 'green', 'previous', where);
    expect([current.revision, target.revision]).toEqual([6, 1]);
  });

  it('treats a rollback revision as the live one, so "previous" twice goes back and forth', () => {
    const afterRollback = [revision(3, 'blue', 'succeeded', 1), ...history.slice(1)];
    const { current, target } = chooseRollbackTarget(afterRollback, 'blue', 'previous', where);
    expect([current.revision, target.revision]).toEqual([3, 2]);
  });

  it('takes a revision by number', () => {
    expect(chooseRollbackTarget(history, 'blue', 1, where).target.revision).toBe(1);
  });

  it('refuses when nothing was ever recorded', () => {
    expect(refusal(() => chooseRollbackTarget([], undefined, 'previous', where)).message).toBe(
      'Nothing to roll back: shop has no recorded revision in namespace prod.',
    );
  });

  it('refuses "previous" when only one revision ever succeeded', () => {
    const error = refusal(() =>
      chooseRollbackTarget([revision(2, 'green', 'failed'), revision(1, 'blue')], 'blue', 'previous', where),
    );
    expect(error.message).toBe(
      'Nothing to roll back: revision 1 of shop is live and no earlier revision with other manifests succeeded.',
    );
    expect(error.hint).toContain('Recorded revisions: 2 (failed), 1 (succeeded). Nothing was changed.');
  });

  it('refuses an unknown revision and lists the recorded ones', () => {
    const error = refusal(() => chooseRollbackTarget(history, 'blue', 7, where));
    expect(error.message).toBe(
      'Input "to" is "7": shop has no revision 7 in namespace prod (recorded: 3 (succeeded), 2 (succeeded), 1 (succeeded)).',
    );
  });

  it('refuses a revision recorded as failed, with its error, and names the ones that succeeded', () => {
    const failed = {
      ...revision(4, 'green', 'failed'),
      error: 'shop-green: pod is in CrashLoopBackOff\nmore',
    };
    const error = refusal(() => chooseRollbackTarget([failed, ...history], 'blue', 4, where));
    expect(error.message).toBe(
      'Input "to" is "4": revision 4 of shop is recorded as failed (shop-green: pod is in CrashLoopBackOff).',
    );
    expect(error.hint).toBe('Roll back to a revision that succeeded: 3, 2, 1. Nothing was changed.');
  });

  it('refuses a revision that never went live', () => {
    const error = refusal(() =>
      chooseRollbackTarget([revision(4, 'green', 'aborted'), ...history], 'blue', 4, where),
    );
    expect(error.message).toContain('never served live traffic (it is recorded as aborted)');
  });

  it('refuses the revision that is live already', () => {
    expect(refusal(() => chooseRollbackTarget(history, 'blue', 3, where)).message).toBe(
      'Nothing to roll back: revision 3 of shop has the same manifests as the live revision 3.',
    );
  });

  it('refuses when no stable Service selects a color', () => {
    expect(refusal(() => chooseRollbackTarget(history, undefined, 'previous', where)).message).toBe(
      'Nothing to roll back: no stable Service of shop selects a color in prod.',
    );
  });
});

describe('choosing the rollback mode from what the idle color holds', () => {
  const idle = (overrides: Partial<IdleWorkload> = {}): IdleWorkload => ({
    name: 'shop-green',
    desired: 2,
    found: true,
    holdsTarget: true,
    appliedRevision: 2,
    replicas: 2,
    ready: true,
    ...overrides,
  });

  it('switches when the idle color runs the target, ready, at full size', () => {
    expect(chooseRollbackMode([idle()])).toBe('switch');
  });

  it('scales up when the idle color holds the target but was scaled down', () => {
    expect(chooseRollbackMode([idle({ replicas: 0, ready: true })])).toBe('scale-up');
    expect(chooseRollbackMode([idle({ replicas: 1, ready: true })])).toBe('scale-up');
  });

  it('scales up (and so gates) when the idle color holds the target but is not ready', () => {
    expect(chooseRollbackMode([idle({ ready: false })])).toBe('scale-up');
  });

  it('redeploys when the idle color holds another revision or nothing', () => {
    expect(chooseRollbackMode([idle({ holdsTarget: false })])).toBe('redeploy');
    expect(chooseRollbackMode([idle({ found: false, holdsTarget: false })])).toBe('redeploy');
    expect(chooseRollbackMode([idle(), idle({ name: 'worker-green', holdsTarget: false })])).toBe('redeploy');
    expect(chooseRollbackMode([])).toBe('redeploy');
  });
});

describe('the "to" input', () => {
  it.each([
    ['previous', 'previous'],
    ['Previous', 'previous'],
    ['', 'previous'],
    ['12', 12],
  ])('reads %j as %j', (text, expected) => {
    expect(parseRollbackTarget(text)).toBe(expected);
  });

  it.each(['0', '-1', 'last', '1.5', 'v2'])('refuses %j', (text) => {
    expect(parseRollbackTarget(text)).toBeUndefined();
  });
});

describe('the plan a dry run prints', () => {
  const manifests = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-config' }, data: { VERSION: '1' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'shop' } },
        template: {
          metadata: { labels: { app: 'shop' } },
          spec: { containers: [{ name: 'web', image: 'x' }] },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop' },
      spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] },
    },
  ].map((object) => ({ object, source: { file: 'revision 1', line: 1 } }));
  const plan = planColor(manifests, { app: 'shop', namespace: 'prod', color: 'green', revision: 2 });
  const facts = { lock: 'swiss-deploy-shop', revision: 4, target: 2, active: 'blue' as const };
  const idle: IdleWorkload[] = [
    { name: 'shop-green', desired: 2, found: true, holdsTarget: true, replicas: 0, ready: true },
  ];

  it('is one selector patch per stable Service for a switch', () => {
    expect(rollbackSteps('switch', plan, idle, facts)).toEqual([
      'take the lock prod/swiss-deploy-shop',
      'patch Service prod/shop (server-side apply): selector swiss-deploy/color blue → green',
      'wait until the EndpointSlices of shop hold only ready green pods',
      'apply ConfigMap/shop-config as in revision 2',
      'record revision 4: rollback to revision 2, green live, blue kept running',
    ]);
  });

  it('scales and gates before the switch for a scale-up', () => {
    expect(rollbackSteps('scale-up', plan, idle, facts)).toEqual([
      'take the lock prod/swiss-deploy-shop',
      'apply ConfigMap/shop-config as in revision 2',
      'scale Deployment prod/shop-green from 0 to 2 replicas',
      'gate: wait until shop-green is fully ready',
      'patch Service prod/shop (server-side apply): selector swiss-deploy/color blue → green',
      'wait until the EndpointSlices of shop hold only ready green pods',
      'record revision 4: rollback to revision 2, green live, blue kept running',
    ]);
  });

  it('applies every object of the revision into the idle color for a redeploy', () => {
    const steps = rollbackSteps('redeploy', plan, idle, facts);
    expect(steps).toContain('server-side dry run of the 4 objects of revision 2');
    expect(steps).toContain("apply Deployment prod/shop-green (revision 2's manifests, 2 replicas)");
    expect(steps).toContain('apply Service prod/shop-preview selecting green');
    expect(steps.indexOf('gate: wait until shop-green is fully ready')).toBeLessThan(
      steps.findIndex((s) => s.startsWith('patch Service prod/shop ')),
    );
  });
});
