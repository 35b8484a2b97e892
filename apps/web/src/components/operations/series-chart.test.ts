import { describe, expect, it } from "vitest";
import { formatCompact } from "@/lib/format";
import { distinctTicks } from "./series-chart";

const rate = (v: number) => `${formatCompact(v)}/s`;

describe("distinctTicks", () => {
  it("gives the y axis ticks whose labels all differ as the chart writes them", () => {
    const small = distinctTicks(0.1, rate)!;
    expect(new Set(small.map(rate)).size).toBe(small.length);
    expect(small[0]).toBe(0);
    expect(small[small.length - 1]).toBeGreaterThanOrEqual(0.1);
    expect(distinctTicks(400, rate)).toEqual([0, 100, 200, 300, 400]);
    expect(distinctTicks(37, rate)).toEqual([0, 10, 20, 30, 40]);
  });

  it("draws an all-zero series on 0 to 1, not recharts' 0 to 4 (which read as 400 % busy)", () => {
    expect(distinctTicks(0, rate)).toEqual([0, 1]);
    expect(distinctTicks(Number.NaN, rate)).toBeUndefined();
  });
});
