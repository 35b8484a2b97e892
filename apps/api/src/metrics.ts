// The API process's Prometheus registry (prom-client): the ingest and queue metrics register here,
// beside Node's process metrics; /metrics renders it together with the workers' aggregate.
import { collectDefaultMetrics, Registry } from "prom-client";

export const apiRegistry = new Registry();

collectDefaultMetrics({ register: apiRegistry });
// Gauges named like counters, which `promtool check metrics` rejects; each only sums the gauge of
// the same name without "_total", which stays (by type).
for (const name of [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
]) {
  apiRegistry.removeSingleMetric(name);
}

/** The text exposition of the API's metrics and, when given, the workers' aggregated registry. */
export function renderMetrics(workers?: Registry): Promise<string> {
  return (workers ? Registry.merge([apiRegistry, workers]) : apiRegistry).metrics();
}
