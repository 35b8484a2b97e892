import { describe, expect, it } from "vitest";
import { formatDateTime } from "@/lib/format";
import {
  chartFor,
  chartPoints,
  columnKind,
  defaultChart,
  integerColumn,
  MAX_CHART_POINTS,
  timeAxisLabel,
} from "./chart-defaults";

describe("chart defaults from column types", () => {
  it("reads engine types as time, number, category or other", () => {
    expect(columnKind("TIMESTAMP WITH TIME ZONE")).toBe("time");
    expect(columnKind("DATE")).toBe("time");
    expect(columnKind("DECIMAL(18,2)")).toBe("number");
    expect(columnKind("BIGINT")).toBe("number");
    expect(columnKind("VARCHAR")).toBe("category");
    expect(columnKind("STRUCT(a INTEGER)")).toBe("other");
  });

  it("draws a line over time for a date column and numbers", () => {
    expect(
      defaultChart([
        { name: "day", type: "DATE" },
        { name: "region", type: "VARCHAR" },
        { name: "orders", type: "BIGINT" },
        { name: "revenue", type: "DOUBLE" },
      ]),
    ).toEqual({ type: "line", x: "day", y: ["orders"] });
  });

  it("draws bars for one category and a number, a scatter for two numbers, nothing for text alone", () => {
    expect(
      defaultChart([
        { name: "region", type: "VARCHAR" },
        { name: "orders", type: "BIGINT" },
      ]),
    ).toEqual({ type: "bar", x: "region", y: ["orders"] });
    expect(
      defaultChart([
        { name: "price", type: "DOUBLE" },
        { name: "qty", type: "INTEGER" },
      ]),
    ).toEqual({ type: "scatter", x: "price", y: ["qty"] });
    expect(defaultChart([{ name: "name", type: "VARCHAR" }])).toBeUndefined();
  });

  it("keeps a saved chart whose columns are in the result, else falls back to the default", () => {
    const columns = [
      { name: "region", type: "VARCHAR" },
      { name: "orders", type: "BIGINT" },
    ];
    expect(chartFor({ type: "pie", x: "region", y: ["orders"] }, columns)).toEqual({
      type: "pie",
      x: "region",
      y: ["orders"],
    });
    expect(chartFor({ type: "line", x: "day", y: ["orders"] }, columns)).toEqual({
      type: "bar",
      x: "region",
      y: ["orders"],
    });
  });

  it("plots numbers sent as text, sorted along time, and at most so many points per chart type", () => {
    const columns = [
      { name: "day", type: "DATE" },
      { name: "orders", type: "BIGINT" },
    ];
    const chart = { type: "line" as const, x: "day", y: ["orders"] };
    expect(
      chartPoints(
        [
          { day: "2024-05-02", orders: "7" },
          { day: "2024-05-01", orders: "3" },
        ],
        chart,
        columns,
      ),
    ).toEqual({
      points: [
        { day: "2024-05-01", orders: 3 },
        { day: "2024-05-02", orders: 7 },
      ],
      truncated: false,
    });
    const many = Array.from({ length: MAX_CHART_POINTS.line + 1 }, (_, i) => ({ day: `d${i}`, orders: i }));
    expect(chartPoints(many, chart, columns)).toMatchObject({ truncated: true });
    expect(chartPoints(many, chart, columns).points).toHaveLength(MAX_CHART_POINTS.line);
    expect(chartPoints(many, { ...chart, type: "bar" }, columns).points).toHaveLength(MAX_CHART_POINTS.bar);
  });

  it("labels a time axis as people read it, not as ISO text", () => {
    expect(timeAxisLabel("2026-12-05T09:12:52.354Z")).toBe(
      formatDateTime(new Date("2026-12-05T09:12:52.354Z")),
    );
    expect(timeAxisLabel("2026-12-05T09:12:52.354Z")).not.toContain("T09");
    expect(timeAxisLabel("2026-12-05")).toBe("2026-12-05");
    expect(timeAxisLabel("not a time")).toBe("not a time");
    expect(timeAxisLabel(null)).toBe("");
  });

  it("tells whole-number columns from fractional ones, for the axis ticks", () => {
    expect(["BIGINT", "INTEGER", "hugeint", "INT8"].map(integerColumn)).toEqual([true, true, true, true]);
    expect(["DOUBLE", "DECIMAL(18,3)", "FLOAT", "VARCHAR"].map(integerColumn)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
