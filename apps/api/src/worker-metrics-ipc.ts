// Worker processes send their registry's metrics (prom-client's getMetricsAsJSON()) to the API over
// the fork channel; the API sums them with prom-client's AggregatorRegistry so one /metrics covers
// every worker it runs.
import type { WorkerMetrics } from "@inlet/lake-core";
import { AggregatorRegistry, type Registry } from "prom-client";
import { z } from "zod";

export const METRICS_MESSAGE = "inlet.worker.metrics";

const metricSnapshot = z.object({
  name: z.string(),
  help: z.string(),
  type: z.enum(["counter", "gauge", "histogram", "summary"]),
  aggregator: z.enum(["omit", "sum", "first", "min", "max", "average"]),
  values: z.array(
    z.object({
      value: z.number(),
      labels: z.record(z.string(), z.union([z.string(), z.number()])),
      metricName: z.string().optional(),
    }),
  ),
});
const metricsMessage = z.object({ type: z.literal(METRICS_MESSAGE), metrics: z.array(metricSnapshot) });

/** One worker's metrics as the channel carries them. */
export type MetricsSnapshot = z.infer<typeof metricSnapshot>[];

/** Sends the worker's metrics to the API that forked it, if any. */
export async function reportMetrics(metrics: WorkerMetrics): Promise<void> {
  const snapshot = await metrics.registry.getMetricsAsJSON();
  // The API may be gone (it exited, or was killed): a closed channel is not the worker's failure.
  if (!process.connected) return;
  process.send?.({ type: METRICS_MESSAGE, metrics: snapshot }, undefined, {}, () => {});
}

/** The metrics a worker sent, or undefined for any other message. */
export function metricsOfMessage(msg: unknown): MetricsSnapshot | undefined {
  const parsed = metricsMessage.safeParse(msg);
  return parsed.success ? parsed.data.metrics : undefined;
}

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

  /** The worker in `slot` exited: its counters and histograms stay in the sums, its gauges go to 0. */
  retire(slot: number): void {
    const last = this.latest.get(slot);
    if (!last) return;
    this.latest.delete(slot);
    // A gauge says what the worker is doing now, which ends with the process; kept at 0 rather than
    // dropped so the family stays on /metrics while no worker runs.
    this.retired.push(
      last.map((metric) =>
        metric.type === "gauge"
          ? { ...metric, values: metric.values.map((v) => ({ ...v, value: 0 })) }
          : metric,
      ),
    );
  }

  /** Every worker's metrics summed; empty until a worker has reported. */
  registry(): Registry {
    return AggregatorRegistry.aggregate([...this.retired, ...this.latest.values()]);
  }
}
