import { backoffDelay, retry } from '@swiss-deploy/kit';

describe('backoffDelay', () => {
  it('doubles its ceiling each attempt up to the cap, with full jitter below it', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100, 500, () => 1))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelay(3, 100, 500, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 500, () => 0.5)).toBe(200);
  });
});

describe('retry', () => {
  const noWait = { sleep: async () => undefined, random: () => 1 };

  it('returns the first success', async () => {
    let calls = 0;
    const value = await retry(async () => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    }, noWait);
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt with the last error', async () => {
    const delays: number[] = [];
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { ...noWait, attempts: 3, baseDelayMs: 10, onRetry: (_e, _a, d) => delays.push(d) },
      ),
    ).rejects.toThrow('fail 3');
    expect(delays).toEqual([10, 20]);
  });

  it('does not retry what is not retryable', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('401');
        },
        { ...noWait, retryable: (e) => !String(e).includes('401') },
      ),
    ).rejects.toThrow('401');
    expect(calls).toBe(1);
  });
});
