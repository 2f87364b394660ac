/**
 * The p-th percentile by the nearest-rank method: the smallest sample with at least p% of the samples at
 * or below it. Always a latency that was really measured; undefined for no samples.
 */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export interface LatencySummary {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export function summariseLatencies(samples: readonly number[]): LatencySummary {
  const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(samples.length ? Math.max(...samples) : undefined),
  };
}
