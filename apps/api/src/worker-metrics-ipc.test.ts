import { WorkerMetrics } from "@inlet/lake-core";
import { expect, it } from "vitest";
import { snapshotMetrics, WorkerMetricsBook } from "./worker-metrics-ipc";

function value(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
}

it("keeps an exited worker's counters in the sums, and drops its gauges", () => {
  const book = new WorkerMetricsBook();
  const first = new WorkerMetrics();
  first.batchesCommitted = 52;
  first.inFlightFlushes = 1;
  book.update(0, snapshotMetrics(first));
  const other = new WorkerMetrics();
  other.batchesCommitted = 10;
  book.update(1, snapshotMetrics(other));
  expect(value(book.render(), "inlet_worker_batches_committed_total")).toBe(62);
  // Slot 0 dies and its successor starts from zero: the sum must not go down.
  book.retire(0);
  const successor = new WorkerMetrics();
  successor.batchesCommitted = 3;
  book.update(0, snapshotMetrics(successor));
  const text = book.render();
  expect(value(text, "inlet_worker_batches_committed_total")).toBe(65);
  expect(value(text, "inlet_worker_in_flight_flushes")).toBe(0);
});
