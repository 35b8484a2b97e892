import { describe, expect, it } from "vitest";
import type { PlannerTable } from "../query/sql-planner";
import { ColumnLineageCache, columnLineage, type LineageResult, lineageOfPlan } from "./column-lineage";

const PEOPLE: PlannerTable = {
  name: "curated.lineage_people",
  columns: [
    { name: "id", type: "BIGINT" },
    { name: "email", type: "VARCHAR" },
    { name: "region", type: "VARCHAR" },
    { name: "ssn", type: "VARCHAR" },
    { name: "dt", type: "DATE" },
  ],
};
const ORDERS: PlannerTable = {
  name: "curated.lineage_orders",
  columns: [
    { name: "order_id", type: "BIGINT" },
    { name: "person_id", type: "BIGINT" },
    { name: "amount", type: "BIGINT" },
    { name: "dt", type: "DATE" },
  ],
};
const TABLES = [PEOPLE, ORDERS];

/** Each result column with its sources written `table.column` (the schema left off). */
async function lineage(sql: string): Promise<Record<string, string[]>> {
  const result = await columnLineage(sql, TABLES);
  if (!result.ok) throw new Error(`no lineage: ${result.reason}`);
  return Object.fromEntries(
    result.lineage.columns.map((c) => [
      c.name,
      c.sources.map((s) => `${s.table.replace(/^curated\.lineage_/, "")}.${s.column}`),
    ]),
  );
}

describe("column lineage of a definition", () => {
  it("follows a column through an alias and a function", async () => {
    expect(await lineage("SELECT lower(email) AS e, region, 1 AS one FROM curated.lineage_people")).toEqual({
      e: ["people.email"],
      region: ["people.region"],
      one: [],
    });
  });

  it("follows aggregates: their arguments, not the grouping or the filters that choose rows", async () => {
    expect(
      await lineage(`SELECT region, count(DISTINCT email) AS emails, count(*) AS n,
                            max(ssn) FILTER (WHERE id > 3) AS top_ssn
                     FROM curated.lineage_people WHERE dt > DATE '2024-01-01' GROUP BY region`),
    ).toEqual({
      region: ["people.region"],
      emails: ["people.email"],
      n: [],
      top_ssn: ["people.id", "people.ssn"],
    });
  });

  it("follows each side of a join to its own table", async () => {
    expect(
      await lineage(`SELECT p.region, o.amount, p.email || ':' || CAST(o.order_id AS VARCHAR) AS tag
                     FROM curated.lineage_people p JOIN curated.lineage_orders o ON o.person_id = p.id`),
    ).toEqual({
      region: ["people.region"],
      amount: ["orders.amount"],
      tag: ["orders.order_id", "people.email"],
    });
    expect(
      await lineage(`SELECT o.order_id, p.email FROM curated.lineage_orders o
                     LEFT JOIN curated.lineage_people p ON o.person_id = p.id`),
    ).toEqual({ order_id: ["orders.order_id"], email: ["people.email"] });
  });

  it("follows columns through CTEs, also when one is read twice", async () => {
    expect(
      await lineage(`WITH x AS (SELECT lower(email) AS e, id FROM curated.lineage_people),
                          y AS (SELECT e, count(*) AS n FROM x GROUP BY e)
                     SELECT y.e, y.n, a.id FROM y JOIN x a ON a.e = y.e`),
    ).toEqual({ e: ["people.email"], n: [], id: ["people.id"] });
  });

  it("gives every column of SELECT * its own source", async () => {
    expect(await lineage("SELECT * FROM curated.lineage_people")).toEqual({
      id: ["people.id"],
      email: ["people.email"],
      region: ["people.region"],
      ssn: ["people.ssn"],
      dt: ["people.dt"],
    });
    expect(
      await lineage(`SELECT * EXCLUDE (dt) FROM curated.lineage_people p
                     JOIN curated.lineage_orders o ON o.person_id = p.id`),
    ).toMatchObject({ email: ["people.email"], amount: ["orders.amount"], person_id: ["orders.person_id"] });
  });

  it("unions both sides of a set operation, column by column", async () => {
    expect(
      await lineage(`SELECT email AS v, region FROM curated.lineage_people
                     UNION ALL SELECT CAST(amount AS VARCHAR), 'x' FROM curated.lineage_orders`),
    ).toEqual({ v: ["orders.amount", "people.email"], region: ["people.region"] });
  });

  it("follows windows, subqueries and IN through what they compute", async () => {
    expect(
      await lineage(`SELECT id, row_number() OVER (PARTITION BY email ORDER BY dt) AS rn,
                            (SELECT max(amount) FROM curated.lineage_orders o WHERE o.person_id = p.id) AS top,
                            region IN (SELECT CAST(amount AS VARCHAR) FROM curated.lineage_orders) AS hit
                     FROM curated.lineage_people p`),
    ).toEqual({
      id: ["people.id"],
      rn: ["people.dt", "people.email"],
      top: ["orders.amount"],
      hit: ["orders.amount", "people.region"],
    });
  });

  it("follows a recursive CTE until its columns stop growing", async () => {
    const result = await lineage(`WITH RECURSIVE t(n, e) AS (
        SELECT 1, min(email) FROM curated.lineage_people
        UNION ALL SELECT n + 1, e || ssn FROM t, curated.lineage_people WHERE n < 3)
      SELECT n, e FROM t`);
    expect(result.n).toEqual([]);
    expect(result.e).toEqual(["people.email", "people.ssn"]);
  });

  it("is not ok when DuckDB cannot plan the definition over the tables", async () => {
    const result = await columnLineage("SELECT nope FROM curated.lineage_people", TABLES);
    expect(result.ok).toBe(false);
  });

  it("makes every column of an operator it does not know depend on every column read under it", () => {
    const plan = {
      plans: [
        {
          type: "LOGICAL_PROJECTION",
          expressions: [{ expression_class: "BOUND_REF", index: 0 }],
          children: [
            {
              type: "LOGICAL_SOMETHING_NEW",
              children: [
                {
                  type: "LOGICAL_GET",
                  name: "seq_scan",
                  function_data: { schema: "curated", table: "p" },
                  names: ["a", "b", "c"],
                  column_indexes: [{ index: 0 }, { index: 2 }],
                  children: [],
                },
              ],
            },
          ],
        },
      ],
    };
    const result: LineageResult = lineageOfPlan(plan, ["x"]);
    expect(result).toEqual({
      ok: true,
      lineage: {
        columns: [
          {
            name: "x",
            sources: [
              { table: "curated.p", column: "a" },
              { table: "curated.p", column: "c" },
            ],
          },
        ],
      },
    });
  });

  it("gives every result column every column the plan reads when the result's width does not match", () => {
    const plan = {
      plans: [
        {
          type: "LOGICAL_GET",
          name: "seq_scan",
          function_data: { schema: "curated", table: "p" },
          names: ["a", "b"],
          column_indexes: [{ index: 0 }, { index: 1 }],
          children: [],
        },
      ],
    };
    const result = lineageOfPlan(plan, ["only"]);
    expect(result.ok && result.lineage.columns[0]?.sources.map((s) => s.column)).toEqual(["a", "b"]);
  });

  it("caches by definition and input columns", async () => {
    let calls = 0;
    const cache = new ColumnLineageCache(2, async () => {
      calls++;
      return { ok: true, lineage: { columns: [] } };
    });
    await cache.get("SELECT 1", TABLES);
    await cache.get("SELECT 1", [...TABLES].reverse());
    expect(calls).toBe(1);
    await cache.get("SELECT 1", [{ ...PEOPLE, columns: PEOPLE.columns.slice(1) }, ORDERS]);
    expect(calls).toBe(2);
    await cache.get("SELECT 2", TABLES);
    await cache.get("SELECT 3", TABLES);
    await cache.get("SELECT 1", TABLES);
    expect(calls).toBe(5);
  });
});
