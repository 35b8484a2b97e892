import { describe, expect, it } from "vitest";
import { validateRowFilter } from "./row-filter";

const table = {
  name: "curated.orders",
  columns: [
    { name: "region", type: "VARCHAR" },
    { name: "amount", type: "DOUBLE" },
    { name: "dt", type: "DATE" },
  ],
};

describe("validateRowFilter", () => {
  it.each([
    "region = 'eu'",
    "region IN ('eu', 'uk') AND amount < 100",
    "lower(region) LIKE 'e%' OR dt >= DATE '2026-01-01'",
    "coalesce(amount, 0) > 0",
  ])("accepts %s", async (predicate) => {
    await expect(validateRowFilter(predicate, table)).resolves.toBeUndefined();
  });

  it.each([
    ["", /write a condition/],
    ["regio = 'eu'", /regio/],
    ["region = ", /syntax error|Parser Error/i],
    ["region IN (SELECT region FROM curated.orders)", /subquery/],
    ["row_number() OVER () = 1", /window/],
    ["region = 'eu') UNION SELECT * FROM curated.orders WHERE (true", /one condition/],
    ["current_setting('allowed_paths') IS NOT NULL", /current_setting/],
    ["o.region = 'eu'", /without a table/],
  ])("refuses %s with a precise message", async (predicate, message) => {
    await expect(validateRowFilter(predicate, table)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(message),
      details: { field: "predicate" },
    });
  });
});
