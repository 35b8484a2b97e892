import { describe, expect, it } from "vitest";
import { Counter, Gauge, renderPrometheus } from "./metrics";

describe("renderPrometheus", () => {
  it("renders counters and gauges with sorted, escaped labels", () => {
    const requests = new Counter("inlet_test_requests_total", "Requests.\nBy status.");
    requests.inc({ status: "202", code: "ACCEPTED" });
    requests.inc({ code: "ACCEPTED", status: "202" }, 2);
    requests.inc({ status: "400", code: 'say "hi"\\\n' });
    const depth = new Gauge("inlet_test_depth", "Depth.");
    depth.set({}, 5);
    depth.dec({}, 2);
    expect(renderPrometheus([requests, depth])).toBe(
      [
        "# HELP inlet_test_requests_total Requests.\\nBy status.",
        "# TYPE inlet_test_requests_total counter",
        'inlet_test_requests_total{code="ACCEPTED",status="202"} 3',
        'inlet_test_requests_total{code="say \\"hi\\"\\\\\\n",status="400"} 1',
        "# HELP inlet_test_depth Depth.",
        "# TYPE inlet_test_depth gauge",
        "inlet_test_depth 3",
        "",
      ].join("\n"),
    );
    expect(requests.get({ status: "202", code: "ACCEPTED" })).toBe(3);
  });

  it("refuses a decreasing counter and an invalid name", () => {
    expect(() => new Counter("inlet_c_total", "c").inc({}, -1)).toThrow();
    expect(() => new Gauge("bad name", "g")).toThrow();
  });

  it("renders nothing for no metrics and special values in Prometheus spelling", () => {
    expect(renderPrometheus([])).toBe("");
    const g = new Gauge("inlet_g", "g");
    g.set({ k: "inf" }, Number.POSITIVE_INFINITY);
    g.set({ k: "nan" }, Number.NaN);
    expect(renderPrometheus([g])).toContain('inlet_g{k="inf"} +Inf\ninlet_g{k="nan"} NaN');
  });
});
