// Reading an audit entry's before/after and reason for people.
import { describe, expect, it } from "vitest";
import { summarizeChange, tableNamed, valueText } from "./audit-changes";

describe("summarizeChange", () => {
  it("lists the fields of before and after that differ, added and removed ones included", () => {
    const summary = summarizeChange({
      table: "curated.orders",
      before: { column: "email", action: "mask", roles: ["analyst"], style: { keep: 4 } },
      after: { column: "email", action: "deny", roles: ["analyst"], style: { keep: 4 }, note: "x" },
      reason: "PII review",
    });
    expect(summary).toEqual({
      reason: "PII review",
      changes: [
        { field: "action", before: "mask", after: "deny" },
        { field: "note", before: undefined, after: "x" },
      ],
    });
  });

  it("treats objects with their keys in another order as the same", () => {
    expect(summarizeChange({ before: { a: { x: 1, y: 2 } }, after: { a: { y: 2, x: 1 } } }).changes).toEqual(
      [],
    );
  });

  it("lists a created or deleted record's fields", () => {
    expect(summarizeChange({ before: null, after: { column: "email", action: "mask" } }).changes).toEqual([
      { field: "column", before: undefined, after: "email" },
      { field: "action", before: undefined, after: "mask" },
    ]);
    expect(summarizeChange({ before: { column: "email" }, after: null }).changes).toEqual([
      { field: "column", before: "email", after: undefined },
    ]);
  });

  it("compares whole values otherwise (a list, a number, nothing on both sides)", () => {
    expect(summarizeChange({ before: null, after: null }).changes).toEqual([]);
    expect(summarizeChange({ before: null, after: "x" }).changes).toEqual([{ before: null, after: "x" }]);
    expect(summarizeChange({ before: [1, 2], after: [1, 2, 3] }).changes).toEqual([
      { before: [1, 2], after: [1, 2, 3] },
    ]);
    expect(summarizeChange({ before: 5, after: 5 }).changes).toEqual([]);
  });

  it("has no changes without both before and after", () => {
    // A retention entry's `before` is a day, not a prior value.
    expect(summarizeChange({ before: "2025-01-01", partitions: 3 })).toEqual({});
    expect(summarizeChange({ reason: "first-start seed" })).toEqual({ reason: "first-start seed" });
    expect(summarizeChange({ reason: "  " })).toEqual({});
    expect(summarizeChange(null)).toEqual({});
    expect(summarizeChange([1])).toEqual({});
  });
});

describe("valueText", () => {
  it("writes text as it is, nothing as none, the rest as JSON, cut short", () => {
    expect(valueText("mask")).toBe("mask");
    expect(valueText(null)).toBe("none");
    expect(valueText(undefined)).toBe("none");
    expect(valueText({ a: [1, "b"] })).toBe('{"a":[1,"b"]}');
    expect(valueText("x".repeat(10), 5)).toBe("xxxx…");
  });
});

describe("tableNamed", () => {
  it("is the details' table when it is text", () => {
    expect(tableNamed({ table: "curated.orders", before: null })).toBe("curated.orders");
    expect(tableNamed({ table: 3 })).toBeUndefined();
    expect(tableNamed(null)).toBeUndefined();
  });
});
