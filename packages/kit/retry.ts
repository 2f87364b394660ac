export interface RetryOptions {
  /** Total tries, the first included. Default 4. */
  attempts?: number;
  /** Delay before the second try; doubles each time up to `maxDelayMs`. Default 500 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Decides whether a failure is worth another try. Default: every failure is. */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait, e.g. to log one line. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Injected in tests; defaults to Math.random and a real timer. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The delay before try `attempt + 1`: exponential, capped, with "full jitter" (uniform between zero and
 * the cap) so that many clients failing together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** Runs `operation` until it succeeds, a failure is not retryable, or the tries are used up. */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || (options.retryable && !options.retryable(error))) throw error;
      const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
