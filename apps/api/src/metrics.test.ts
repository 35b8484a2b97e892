import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { apiRegistry, renderMetrics } from "./metrics";

describe("the API's registry", () => {
  it("carries Node's process metrics, without the gauges named like counters", async () => {
    const names = (await apiRegistry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(["process_cpu_seconds_total", "nodejs_heap_size_used_bytes"]),
    );
    expect(names.filter((n) => n.startsWith("nodejs_active_") && n.endsWith("_total"))).toEqual([]);
  });

  it("renders the workers' registry after its own, and refuses a name both hold", async () => {
    const workers = new Registry();
    new Counter({ name: "inlet_test_worker_total", help: "A worker's counter.", registers: [workers] }).inc(
      2,
    );
    const text = await renderMetrics(workers);
    expect(text).toContain("# TYPE process_cpu_seconds_total counter");
    expect(text).toContain("inlet_test_worker_total 2\n");

    const clash = new Registry();
    new Counter({ name: "process_cpu_seconds_total", help: "Clash.", registers: [clash] });
    await expect(async () => renderMetrics(clash)).rejects.toThrow(/already been registered/);
  });
});
