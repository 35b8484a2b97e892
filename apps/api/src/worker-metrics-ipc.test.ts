import { WorkerMetrics } from "@inlet/lake-core";
import { describe, expect, it } from "vitest";
import {
  METRICS_MESSAGE,
  type MetricsSnapshot,
  metricsOfMessage,
  WorkerMetricsBook,
} from "./worker-metrics-ipc";

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1));
}

/** A worker's snapshot as the API receives it: through the JSON of the fork channel. */
async function sent(m: WorkerMetrics): Promise<MetricsSnapshot> {
  const message = JSON.parse(
    JSON.stringify({ type: METRICS_MESSAGE, metrics: await m.registry.getMetricsAsJSON() }),
  );
  const snapshot = metricsOfMessage(message);
  if (!snapshot) throw new Error("a worker's own message was refused");
  return snapshot;
}

describe("WorkerMetricsBook", () => {
  it("keeps an exited worker's counters in the sums, and its gauges at 0", async () => {
    const book = new WorkerMetricsBook();
    const first = new WorkerMetrics();
    first.batchesCommitted.inc(52);
    first.inFlightFlushes.inc();
    book.update(0, await sent(first));
    const other = new WorkerMetrics();
    other.batchesCommitted.inc(10);
    book.update(1, await sent(other));
    expect(value(await book.registry().metrics(), "inlet_worker_batches_committed_total")).toBe(62);
    // Slot 0 dies and its successor starts from zero: the sum must not go down.
    book.retire(0);
    const successor = new WorkerMetrics();
    successor.batchesCommitted.inc(3);
    book.update(0, await sent(successor));
    const text = await book.registry().metrics();
    expect(value(text, "inlet_worker_batches_committed_total")).toBe(65);
    expect(value(text, "inlet_worker_in_flight_flushes")).toBe(0);
  });

  it("sums histograms bucket by bucket across workers", async () => {
    const book = new WorkerMetricsBook();
    const a = new WorkerMetrics();
    a.flushDurationSeconds.observe(0.02);
    const b = new WorkerMetrics();
    b.flushDurationSeconds.observe(0.2);
    b.flushDurationSeconds.observe(90);
    book.update(0, await sent(a));
    book.update(1, await sent(b));
    const text = await book.registry().metrics();
    expect(value(text, 'inlet_worker_flush_duration_seconds_bucket{le="0.025"}')).toBe(1);
    expect(value(text, 'inlet_worker_flush_duration_seconds_bucket{le="0.25"}')).toBe(2);
    expect(value(text, 'inlet_worker_flush_duration_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(value(text, "inlet_worker_flush_duration_seconds_count")).toBe(3);
    expect(value(text, "inlet_worker_flush_duration_seconds_sum")).toBeCloseTo(90.22);
  });

  it("renders nothing before any worker reported", async () => {
    expect((await new WorkerMetricsBook().registry().metrics()).trim()).toBe("");
  });
});

describe("metricsOfMessage", () => {
  it("takes only a well-formed metrics message", () => {
    expect(metricsOfMessage({ type: "other" })).toBeUndefined();
    expect(metricsOfMessage({ type: METRICS_MESSAGE, metrics: [{ name: "x" }] })).toBeUndefined();
    expect(metricsOfMessage({ type: METRICS_MESSAGE, metrics: [] })).toEqual([]);
  });
});
