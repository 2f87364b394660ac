import { describeHolder } from '@swiss-deploy/kube';
import { LockHeldError } from '../../../packages/kube/lease';

describe('the lock holder in words', () => {
  const held = {
    holder: {
      identity: 'x',
      repository: 'swiss/example-app',
      runId: '7001',
      runAttempt: '2',
      runUrl: 'https://github.com/swiss/example-app/actions/runs/7001/attempts/2',
      job: 'deploy',
    },
    since: '2026-11-21T22:00:00.123456Z',
    renewed: '2026-11-21T22:00:40.000000Z',
    durationSeconds: 60,
    expired: false,
  };

  it('names repository, run, attempt, job, link and since when', () => {
    expect(describeHolder(held, Date.parse('2026-11-21T22:00:45Z'))).toBe(
      'swiss/example-app run 7001 attempt 2 job deploy (https://github.com/swiss/example-app/actions/runs/7001/attempts/2), since 2026-11-21T22:00:00Z, last renewed 5.0s ago',
    );
  });

  it('is a user error that says how to get the lock', () => {
    const error = new LockHeldError('prod/swiss-deploy-shop', held);
    expect(error.message).toMatch(
      /^Another deploy holds the lock prod\/swiss-deploy-shop: swiss\/example-app run 7001 attempt 2/,
    );
    expect(error.hint).toContain('its post step releases the lock');
    expect(error.hint).toContain('60s after its last renewal');
  });
});
