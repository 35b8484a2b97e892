import { describe, expect, it } from "vitest";
import {
  budgetRefusal,
  effectiveBudget,
  formatBytes,
  measuredOverLimit,
  startOfUtcDay,
} from "./query-budget";

const MB = 2 ** 20;
const GB = 2 ** 30;

describe("query budgets", () => {
  const budgets = [
    { role: "analyst", perQueryBytes: 100 * MB, perDayBytes: GB },
    { role: "engineer", perQueryBytes: 500 * MB, perDayBytes: null },
  ];

  it("applies the most generous of a person's roles, and none where a role has none", () => {
    expect(effectiveBudget(["analyst"], budgets)).toEqual({
      perQuery: { limitBytes: 100 * MB, role: "analyst" },
      perDay: { limitBytes: GB, role: "analyst" },
    });
    expect(effectiveBudget(["analyst", "engineer"], budgets)).toEqual({
      perQuery: { limitBytes: 500 * MB, role: "engineer" },
      perDay: null,
    });
    // A role with no budget row has no limits, so someone who holds it has none either.
    expect(effectiveBudget(["analyst", "admin"], budgets)).toEqual({ perQuery: null, perDay: null });
  });

  it("refuses a query over the per-query limit, naming the limit, the role and by how much", () => {
    const budget = effectiveBudget(["analyst"], budgets);
    const err = budgetRefusal(budget, 150 * MB, 0);
    expect(err?.code).toBe("BUDGET_EXCEEDED");
    expect(err?.message).toMatch(
      /would scan 150 MB, over the per-query limit of 100 MB for the role analyst by 50 MB/,
    );
    expect(err?.details).toMatchObject({ limit: "perQueryBytes", role: "analyst", overByBytes: 50 * MB });
    expect(budgetRefusal(budget, 100 * MB, 0)).toBeUndefined();
  });

  it("refuses a query that would take the day over its daily limit", () => {
    const err = budgetRefusal(effectiveBudget(["analyst"], budgets), 80 * MB, 1000 * MB);
    expect(err?.message).toMatch(
      /would scan 80 MB; with the 1000 MB you have scanned today \(UTC\) that is 1.05 GB, over the daily limit of 1 GB for the role analyst by 56 MB/,
    );
    expect(err?.details).toMatchObject({
      limit: "perDayBytes",
      usedTodayBytes: 1000 * MB,
      overByBytes: 56 * MB,
    });
  });

  it("fails a run whose measured bytes went over the per-query limit", () => {
    const err = measuredOverLimit(effectiveBudget(["analyst"], budgets), 101 * MB);
    expect(err?.message).toMatch(
      /scanned 101 MB, over the per-query limit of 100 MB for the role analyst by 1 MB/,
    );
    expect(measuredOverLimit(effectiveBudget(["analyst"], budgets), 100 * MB)).toBeUndefined();
  });

  it("writes bytes for people and counts days in UTC", () => {
    expect([formatBytes(0), formatBytes(1), formatBytes(1536), formatBytes(10 * GB)]).toEqual([
      "0 bytes",
      "1 byte",
      "1.5 KB",
      "10 GB",
    ]);
    expect(startOfUtcDay(new Date("2026-12-05T23:59:59+05:00")).toISOString()).toBe(
      "2026-12-05T00:00:00.000Z",
    );
  });
});
