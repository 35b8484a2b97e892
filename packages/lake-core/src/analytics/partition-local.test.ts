import { describe, expect, it } from "vitest";
import { parseSql } from "../query/sql-planner";
import { partitionLocality } from "./partition-local";

async function locality(sql: string) {
  return partitionLocality(await parseSql(sql));
}

describe("partition-local definitions", () => {
  it.each([
    "SELECT dt, count(*) AS orders, sum(amount) AS total FROM curated.orders GROUP BY dt",
    "SELECT o.dt, o.paid, count(*) AS n FROM curated.orders AS o WHERE o.amount > 10 GROUP BY o.dt, o.paid",
    "SELECT dt, count(*) FROM curated.orders GROUP BY 1",
    "SELECT dt AS dt, count(*) FROM curated.orders GROUP BY ALL HAVING count(*) > 1",
    "SELECT * FROM curated.orders WHERE amount > 0",
    "SELECT * EXCLUDE (note) FROM curated.orders",
    "SELECT DISTINCT dt, id FROM curated.orders ORDER BY dt",
  ])("recomputes only changed partitions of: %s", async (sql) => {
    expect(await locality(sql)).toEqual({ local: true, input: "curated.orders" });
  });

  it.each([
    ["SELECT count(*) AS n FROM curated.orders", "dt unchanged"],
    ["SELECT paid, count(*) AS n, min(dt) AS dt FROM curated.orders GROUP BY paid", "dt unchanged"],
    ["SELECT CAST(dt AS VARCHAR) AS dt FROM curated.orders", "dt unchanged"],
    ["SELECT dt AS day, count(*) FROM curated.orders GROUP BY dt", "dt unchanged"],
    ["SELECT dt, paid, count(*) FROM curated.orders GROUP BY paid, dt, ROLLUP (paid)", "ROLLUP"],
    ["SELECT dt, count(*) OVER () AS n FROM curated.orders", "window"],
    ["SELECT o.dt, p.x FROM curated.orders o JOIN curated.payments p ON o.id = p.id", "more than one table"],
    ["SELECT dt FROM curated.orders WHERE amount > (SELECT avg(amount) FROM curated.orders)", "subquery"],
    ["WITH x AS (SELECT * FROM curated.orders) SELECT * FROM x", "WITH"],
    ["SELECT dt FROM curated.orders UNION ALL SELECT dt FROM curated.returns", "combines"],
    ["SELECT dt, id FROM curated.orders LIMIT 10", "LIMIT"],
    ["SELECT DISTINCT ON (id) dt, id FROM curated.orders", "DISTINCT ON"],
    ["SELECT dt, now() AS at FROM curated.orders", "now()"],
    ["SELECT dt, current_date AS today FROM curated.orders", "current_date"],
    ["SELECT * REPLACE (dt + 1 AS dt) FROM curated.orders", "dt unchanged"],
    ["SELECT *, count(*) AS n FROM curated.orders GROUP BY ALL", "only through *"],
    ["SELECT dt, paid, count(*) FROM curated.orders GROUP BY paid", "without dt"],
  ])("refreshes whole: %s", async (sql, why) => {
    const result = await locality(sql);
    expect(result.local).toBe(false);
    expect(result.local ? "" : result.reason).toContain(why);
  });
});
