import { describe, expect, it } from "vitest";
import { sparkPoints, trendSummary } from "./sparkline";

const H = 3_600_000;
const FROM = Date.parse("2026-03-02T00:00:00Z");

describe("sparkPoints", () => {
  it("keeps one point per hour when they fit, and sums hours into equal buckets when not", () => {
    expect(sparkPoints([1, 0, 2], FROM)).toEqual([
      { at: FROM, spanMs: H, count: 1 },
      { at: FROM + H, spanMs: H, count: 0 },
      { at: FROM + 2 * H, spanMs: H, count: 2 },
    ]);
    const week = Array.from({ length: 169 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const points = sparkPoints(week, FROM, 84);
    expect(points).toHaveLength(57);
    expect(points[0]).toEqual({ at: FROM, spanMs: 3 * H, count: 2 });
    expect(points.at(-1)).toEqual({ at: FROM + 168 * H, spanMs: H, count: 1 });
    expect(points.reduce((n, p) => n + p.count, 0)).toBe(85);
    expect(sparkPoints([], FROM)).toEqual([]);
  });
});

describe("trendSummary", () => {
  it("says how many letters the chart holds and where most came", () => {
    expect(trendSummary(sparkPoints([0, 0], FROM))).toBe("No letters over the 2 hours charted");
    const text = trendSummary(sparkPoints([1, 4, 1], FROM));
    expect(text).toMatch(/^6 letters over the 3 hours charted, most \(4\) in the hour from /);
  });
});
