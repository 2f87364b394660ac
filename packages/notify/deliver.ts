import { backoffDelay, errorMessage, sleep } from '@swiss-deploy/kit';

export interface DeliveryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** Deadline of each request. */
  requestTimeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After honoured; a longer one ends the tries. */
  maxRetryAfterMs: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  attempts: 4,
  requestTimeoutMs: 10_000,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

/** Retry-After as seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export type DeliveryResult =
  { ok: true; attempts: number; status: number } | { ok: false; attempts: number; reason: string };

/**
 * POSTs one JSON body until the receiver takes it (2xx), refuses it for good (another 4xx), or the tries
 * are used up. 429 and 5xx are retried after the receiver's Retry-After, or an exponential backoff with
 * jitter; network errors and timeouts are retried too. Never throws: a notification is a side channel.
 */
export async function deliver(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: DeliveryOptions = DEFAULT_DELIVERY,
): Promise<DeliveryResult> {
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  let reason = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    let delay: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'swiss-deploy', ...headers },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      // Read the answer so the connection is free; its text is the receiver's, never logged whole.
      const answer = (await response.text()).slice(0, 200);
      if (response.ok) return { ok: true, attempts: attempt, status: response.status };
      reason = `HTTP ${response.status}${answer ? ` ${answer.replace(/\s+/g, ' ')}` : ''}`;
      if (response.status !== 429 && response.status < 500) return { ok: false, attempts: attempt, reason };
      delay = retryAfterMs(response.headers.get('retry-after'));
      if (delay !== undefined && delay > options.maxRetryAfterMs)
        return {
          ok: false,
          attempts: attempt,
          reason: `${reason} (Retry-After ${Math.round(delay / 1000)}s is too long)`,
        };
    } catch (error) {
      const name = (error as { name?: string }).name;
      reason =
        name === 'TimeoutError'
          ? `no answer within ${options.requestTimeoutMs} ms`
          : errorMessage((error as { cause?: unknown }).cause ?? error);
    }
    if (attempt < options.attempts)
      await wait(delay ?? backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs, random));
  }
  return { ok: false, attempts: options.attempts, reason };
}
