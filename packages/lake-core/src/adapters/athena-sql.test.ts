import { describe, expect, it } from "vitest";
import { InletError } from "../errors";
import { explainAthenaMessage, prepareAthenaSql } from "./athena-sql";

const tables = new Map([
  ["curated.orders", '"inlet"."curated_orders__s2_aaaa"'],
  ["events", '"inlet"."events__s1_bbbb"'],
]);

function prepare(sql: string, params?: Parameters<typeof prepareAthenaSql>[1]["params"]) {
  return prepareAthenaSql(sql, { tables, params });
}

function refusal(sql: string): InletError {
  try {
    prepare(sql);
  } catch (err) {
    expect(err).toBeInstanceOf(InletError);
    return err as InletError;
  }
  throw new Error(`accepted: ${sql}`);
}

describe("prepareAthenaSql", () => {
  it("points bound names at their Glue tables, keeping aliases and adding the table's own name", () => {
    const p = prepare(
      `SELECT o.id, orders.amount FROM curated.orders o JOIN "curated"."orders" ON true, events`,
    );
    expect(p.sql).toBe(
      `SELECT o.id, orders.amount FROM "inlet"."curated_orders__s2_aaaa" o JOIN "inlet"."curated_orders__s2_aaaa" AS "orders" ON true, "inlet"."events__s1_bbbb" AS "events"`,
    );
    expect([...p.referenced].sort()).toEqual(["curated.orders", "events"]);
  });

  it("leaves WITH names, UNNEST, subqueries and FROM inside expressions alone", () => {
    const sql = `WITH events AS (SELECT 1 AS id), big (n) AS (SELECT count(*) FROM curated.orders)
      SELECT EXTRACT(YEAR FROM ts), a IS DISTINCT FROM b, x
      FROM events CROSS JOIN UNNEST(ARRAY[1, 2]) AS t(x), (SELECT 1) s, (VALUES ('a'), ('b')) v(y)
      WHERE id IN (SELECT id FROM curated.orders WHERE amount > 1)`;
    const p = prepare(sql);
    expect(p.referenced).toEqual(new Set(["curated.orders"]));
    expect(p.sql).not.toContain('"events__s1_bbbb"');
    expect(p.sql.match(/curated_orders__s2_aaaa/g)).toHaveLength(2);
  });

  it("refuses other tables, files, table functions and anything but one read-only query", () => {
    expect(refusal("SELECT * FROM curated.nope").message).toBe("Table 'curated.nope' does not exist");
    expect(refusal("SELECT *\nFROM  other.secret").details).toMatchObject({ line: 2, column: 7 });
    expect(refusal("SELECT * FROM awsdatacatalog.inlet.curated_orders__s2_aaaa").code).toBe("BAD_REQUEST");
    expect(refusal("SELECT * FROM '/etc/passwd'").message).toMatch(/only tables can be read/);
    // Not Trino syntax: left for Athena to refuse, naming no bound table.
    expect(prepare("SELECT * FROM read_csv('/etc/passwd') x").referenced.size).toBe(0);
    expect(refusal("SELECT * FROM TABLE(sequence(1, 2))").message).toMatch(/table functions/);
    expect(refusal("CREATE TABLE t AS SELECT 1").message).toBe(
      "only a read-only SELECT query is allowed, not CREATE",
    );
    expect(refusal("UNLOAD (SELECT 1) TO 's3://x/'").message).toMatch(/not UNLOAD/);
    expect(refusal("SELEC 1").message).toMatch(/^syntax error at or near "SELEC"/);
    expect(refusal("SELECT 1; SELECT 2").message).toBe("exactly one SQL statement is allowed, got 2");
    expect(refusal(" ; -- nothing").message).toBe("exactly one SQL statement is allowed, got 0");
    expect(refusal("SELECT * FROM events WHERE id = ?").message).toMatch(/positional parameters/);
  });

  it("drops the terminator and what follows, keeping offsets", () => {
    const p = prepare("SELECT ';' AS s, 'it''s;' AS t; -- done;");
    expect(p.sql).toBe("SELECT ';' AS s, 'it''s;' AS t");
  });

  it("binds $name parameters as Athena's positional ExecutionParameters, never in the text", () => {
    const p = prepare(
      "SELECT * FROM events WHERE d >= $day AND kind IN $kinds AND n < $n AND t = $t OR x IN $none",
      {
        day: { type: "date", value: "2026-01-02" },
        kinds: { type: "list", items: "text", value: ["a", "b'c"] },
        n: { type: "number", value: 1.5 },
        t: { type: "text", value: "x' OR '1'='1" },
        none: { type: "list", items: "number", value: [] },
      },
    );
    expect(p.sql).toContain("d >= ? AND kind IN (?, ?) AND n < ? AND t = ? OR x IN (NULL)");
    expect(p.executionParameters).toEqual([
      "DATE '2026-01-02'",
      "'a'",
      "'b''c'",
      "1.5",
      "'x'' OR ''1''=''1'",
    ]);
    expect(() => prepare("SELECT $missing")).toThrow(/parameter \$missing has no value/);
  });
});

describe("explainAthenaMessage", () => {
  it("moves line:column back to the typed SQL and names tables as the SQL does", () => {
    const sql = "SELECT nope\nFROM curated.orders WHERE x = 1";
    const p = prepare(sql);
    const at = p.sql.indexOf("WHERE") - p.sql.lastIndexOf("\n", p.sql.indexOf("WHERE"));
    const message = `COLUMN_NOT_FOUND: line 2:${at}: Column 'x' cannot be resolved in awsdatacatalog.inlet.curated_orders__s2_aaaa`;
    const explained = explainAthenaMessage(
      message,
      sql,
      p,
      new Map([["curated_orders__s2_aaaa", "curated.orders"]]),
    );
    expect(explained).toEqual({
      message: "COLUMN_NOT_FOUND: line 2:21: Column 'x' cannot be resolved in curated.orders",
      line: 2,
      column: 21,
    });
  });
});
