// The nearest-rank percentile the benches print (p50, p95, p99), of values sorted ascending.

/** The value at percentile `p` (0–100) of `sorted` (ascending); NaN when there is none. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
