// Worker processes send their counters to the API over the fork channel; the API sums them so
// one /metrics covers every worker it runs.
import { Histogram, renderWorkerMetrics, WorkerMetrics } from "@inlet/lake-core";

export const METRICS_MESSAGE = "inlet.worker.metrics";

type HistogramSnapshot = { buckets: number[]; counts: number[]; count: number; sum: number };
export type MetricsSnapshot = Record<string, number | HistogramSnapshot>;

export function snapshotMetrics(m: WorkerMetrics): MetricsSnapshot {
  const out: MetricsSnapshot = {};
  for (const [key, value] of Object.entries(m)) {
    if (typeof value === "number") out[key] = value;
    else if (value instanceof Histogram) {
      out[key] = {
        buckets: [...value.buckets],
        counts: [...value.counts],
        count: value.count,
        sum: value.sum,
      };
    }
  }
  return out;
}

export function isMetricsMessage(msg: unknown): msg is { type: string; metrics: MetricsSnapshot } {
  return typeof msg === "object" && msg !== null && (msg as { type?: unknown }).type === METRICS_MESSAGE;
}

/** The sum of every worker's latest snapshot, rendered in Prometheus text. */
export function renderMergedWorkerMetrics(snapshots: Iterable<MetricsSnapshot>): string {
  const merged = new WorkerMetrics();
  const target = merged as unknown as Record<string, number | Histogram>;
  let any = false;
  for (const snap of snapshots) {
    any = true;
    for (const [key, value] of Object.entries(snap)) {
      const current = target[key];
      if (typeof value === "number" && typeof current === "number") target[key] = current + value;
      else if (
        typeof value === "object" &&
        current instanceof Histogram &&
        value.counts.length === current.counts.length
      ) {
        current.count += value.count;
        current.sum += value.sum;
        value.counts.forEach((c, i) => {
          current.counts[i] = (current.counts[i] ?? 0) + c;
        });
      }
    }
  }
  return any ? renderWorkerMetrics(merged) : "";
}

/** Gauges of a worker's snapshot: what it is doing now, which ends with the process. */
const GAUGES = new Set(["inFlightFlushes"]);

/**
 * The latest snapshot of each worker slot, plus the counters of workers that exited: a restarted
 * worker counts from zero, and without its predecessor's totals the API's sums would go down, which
 * Prometheus reads as a counter reset.
 */
export class WorkerMetricsBook {
  private readonly latest = new Map<number, MetricsSnapshot>();
  private readonly retired: MetricsSnapshot[] = [];

  update(slot: number, snapshot: MetricsSnapshot): void {
    this.latest.set(slot, snapshot);
  }

  /** The worker in `slot` exited: its counters stay in the sums, its gauges go. */
  retire(slot: number): void {
    const last = this.latest.get(slot);
    if (!last) return;
    this.latest.delete(slot);
    this.retired.push(Object.fromEntries(Object.entries(last).filter(([key]) => !GAUGES.has(key))));
  }

  render(): string {
    return renderMergedWorkerMetrics([...this.retired, ...this.latest.values()]);
  }
}
