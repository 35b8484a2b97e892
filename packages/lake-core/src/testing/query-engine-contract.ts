// queryEngineContract: the Vitest suite every QueryEngine adapter must pass, over real Parquet fixtures.

import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { InletError } from "../errors";
import type { ObjectStore } from "../ports/object-store";
import type { BoundFile, QueryEngine, QueryRequest, TableBinding } from "../ports/query-engine";

export interface QueryEngineUnderTest {
  engine: QueryEngine;
  cleanup(): Promise<void>;
}

export interface QueryFixtures {
  dir: string;
  /** The store holding the fixtures' files (a local directory). */
  store: ObjectStore;
  /** curated.orders: 1,000 rows in two files; the second file adds a `coupon` column. */
  orders: TableBinding;
  /** curated.refunds: no files yet, only declared columns. */
  refunds: TableBinding;
  /** events (unqualified, main schema): 3 rows in one file. */
  events: TableBinding;
  ordersBytes: number;
}

/** Writes the contract's Parquet fixtures with DuckDB itself (ZSTD, like the pipeline writes). */
export async function createQueryFixtures(dir: string): Promise<QueryFixtures> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const ordersA = join(dir, "curated/orders/dt=2026-01-01/part-a.parquet");
  const ordersB = join(dir, "curated/orders/dt=2026-01-02/part-b.parquet");
  const events = join(dir, "events/part-0.parquet");
  for (const file of [ordersA, ordersB, events]) await mkdir(dirname(file), { recursive: true });
  try {
    await connection.run(`
      COPY (
        SELECT range + 1 AS id,
               'customer-' || ((range % 7) + 1) AS customer,
               CAST((range % 100) + 0.25 AS DECIMAL(12,2)) AS amount,
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (range) MINUTE AS ts
        FROM range(600)
      ) TO '${ordersA}' (FORMAT parquet, COMPRESSION zstd)`);
    await connection.run(`
      COPY (
        SELECT range + 601 AS id,
               'customer-' || ((range % 7) + 1) AS customer,
               CAST((range % 100) + 0.25 AS DECIMAL(12,2)) AS amount,
               TIMESTAMP '2026-01-02 00:00:00' + INTERVAL (range) MINUTE AS ts,
               CASE WHEN range % 2 = 0 THEN 'WELCOME' END AS coupon
        FROM range(400)
      ) TO '${ordersB}' (FORMAT parquet, COMPRESSION zstd)`);
    await connection.run(`
      COPY (SELECT * FROM (VALUES (1, 'signup'), (2, 'login'), (3, 'logout')) v(id, kind))
      TO '${events}' (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const bound = async (path: string, rowCount: number): Promise<BoundFile> => ({
    key: relative(dir, path),
    bytes: (await stat(path)).size,
    rowCount,
  });
  const orderFiles = [await bound(ordersA, 600), await bound(ordersB, 400)];
  const ordersBytes = orderFiles.reduce((n, f) => n + f.bytes, 0);
  return {
    dir,
    store: new LocalFsObjectStore(dir, { fsync: false }),
    orders: { name: "curated.orders", tableId: "t-orders", snapshotSeq: 2, files: orderFiles },
    refunds: {
      name: "curated.refunds",
      tableId: "t-refunds",
      snapshotSeq: 0,
      files: [],
      columns: [
        { name: "id", type: "BIGINT" },
        { name: "reason", type: "VARCHAR" },
        { name: "amount", type: "DECIMAL(12,2)" },
      ],
    },
    events: { name: "events", tableId: "t-events", snapshotSeq: 1, files: [await bound(events, 3)] },
    ordersBytes,
  };
}

async function rejection(promise: Promise<unknown>): Promise<InletError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InletError);
  return err as InletError;
}

export interface QueryEngineContractOptions {
  /**
   * The engine's API returns arrays, maps and structs as text without their element types (Athena's
   * GetQueryResults: `[1, 2]`, `{a=1, b=x}`), and the adapter passes that text on.
   */
  complexValuesAsText?: boolean;
}

export function queryEngineContract(
  name: string,
  makeEngine: (fixtures: QueryFixtures) => Promise<QueryEngineUnderTest>,
  options: QueryEngineContractOptions = {},
): void {
  describe(`QueryEngine contract: ${name}`, () => {
    let subject: QueryEngineUnderTest;
    let dir: string | undefined;
    let fx: QueryFixtures;
    let tables: TableBinding[];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "inlet-query-fixtures-"));
      fx = await createQueryFixtures(dir);
      tables = [fx.orders, fx.refunds, fx.events];
      subject = await makeEngine(fx);
    });

    afterAll(async () => {
      await subject?.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const query = (sql: string, extra: Partial<QueryRequest> = {}) =>
      subject.engine.query({ sql, tables, ...extra });

    it("aggregates across all files of a table", async () => {
      const res = await query(
        "SELECT count(*) AS n, sum(amount) AS total, min(id) AS first, max(id) AS last FROM curated.orders",
      );
      expect(res.columns.map((c) => c.name)).toEqual(["n", "total", "first", "last"]);
      // sum over 600 + 400 rows of (range % 100) + 0.25
      const expected = (6 * 4950 + 4 * 4950 + 1000 * 0.25).toFixed(2);
      expect(res.rows).toEqual([{ n: "1000", total: expected, first: "1", last: "1000" }]);
      expect(res.truncated).toBe(false);
      expect(res.durationMs).toBeGreaterThanOrEqual(0);
    });

    it("unions files by column name, filling columns a file lacks with NULL", async () => {
      const res = await query(
        "SELECT coupon, count(*) AS n FROM curated.orders GROUP BY coupon ORDER BY coupon NULLS FIRST",
      );
      expect(res.rows).toEqual([
        { coupon: null, n: "800" },
        { coupon: "WELCOME", n: "200" },
      ]);
    });

    it("shows a declared column that no file holds yet as NULL (added by a newer schema version)", async () => {
      const orders = {
        ...fx.orders,
        columns: [
          { name: "id", type: "BIGINT" },
          { name: "channel", type: "VARCHAR" },
          { name: "coupon", type: "VARCHAR" },
        ],
      };
      const res = await subject.engine.query({
        sql: "SELECT count(*) AS n, count(channel) AS with_channel, count(coupon) AS with_coupon FROM curated.orders",
        tables: [orders],
      });
      expect(res.rows).toEqual([{ n: "1000", with_channel: "0", with_coupon: "200" }]);
      const typed = await subject.engine.query({
        sql: "SELECT channel FROM curated.orders LIMIT 1",
        tables: [orders],
      });
      expect(typed.columns).toEqual([{ name: "channel", type: "VARCHAR" }]);
    });

    it("supports CTEs, joins and unqualified table names", async () => {
      const res = await query(`
        WITH big AS (SELECT id, customer FROM curated.orders WHERE amount > 98)
        SELECT e.kind, count(b.id) AS n
        FROM events e LEFT JOIN big b ON b.id = e.id * 100
        GROUP BY e.kind ORDER BY e.kind`);
      expect(res.rows).toEqual([
        { kind: "login", n: "1" },
        { kind: "logout", n: "1" },
        { kind: "signup", n: "1" },
      ]);
    });

    it("exposes a table without files as an empty table with its declared columns", async () => {
      const res = await query("SELECT * FROM curated.refunds");
      expect(res.columns).toEqual([
        { name: "id", type: "BIGINT" },
        { name: "reason", type: "VARCHAR" },
        { name: "amount", type: "DECIMAL(12,2)" },
      ]);
      expect(res.rows).toEqual([]);
      expect(res.bytesScanned).toBe(0);
      const joined = await query(
        "SELECT count(*) AS n FROM curated.orders o LEFT JOIN curated.refunds r ON r.id = o.id WHERE r.id IS NULL",
      );
      expect(joined.rows).toEqual([{ n: "1000" }]);
    });

    it("returns at most maxRows rows and says the result was truncated", async () => {
      const res = await query("SELECT id FROM curated.orders ORDER BY id", { maxRows: 10 });
      expect(res.rows).toHaveLength(10);
      expect(res.rows[0]).toEqual({ id: "1" });
      expect(res.rows[9]).toEqual({ id: "10" });
      expect(res.truncated).toBe(true);

      const exact = await query("SELECT id FROM events ORDER BY id", { maxRows: 3 });
      expect(exact.rows).toHaveLength(3);
      expect(exact.truncated).toBe(false);
    });

    it("rejects a query that fails mid-scan instead of returning the rows before the failure", async () => {
      // The bad value comes long after the first result chunks (DuckDB streams 2,048 rows at a time).
      const overFiles = query(
        `SELECT o.id, CAST(CASE WHEN o.id = 1000 AND r.range = 99 THEN 'bad' ELSE '1' END AS INTEGER) AS v
         FROM curated.orders o, range(100) r`,
        { maxRows: 200_000 },
      );
      const err = await rejection(overFiles);
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toMatch(/Conversion Error/);
      const deep = query(
        "SELECT CAST(CASE WHEN range = 50000 THEN 'bad' ELSE range::VARCHAR END AS INTEGER) AS v FROM range(100000)",
        { maxRows: 200_000 },
      );
      expect((await rejection(deep)).message).toMatch(/Conversion Error/);
    });

    it("accepts a statement with a terminating semicolon and trailing comment", async () => {
      const res = await query("SELECT ';' AS s, 'it''s;' AS t; -- done;", { maxRows: 5 });
      expect(res.rows).toEqual([{ s: ";", t: "it's;" }]);
      const commented = await query("SELECT id FROM events ORDER BY id -- last line", { maxRows: 2 });
      expect(commented.rows).toEqual([{ id: 1 }, { id: 2 }]);
      expect(commented.truncated).toBe(true);
    });

    it("converts values to JSON-safe forms", async () => {
      const res = await query(`
        SELECT 9007199254740993::BIGINT AS big,
               170141183460469231731687303715884105727::HUGEINT AS huge,
               12.34::DECIMAL(10,2) AS dec,
               42 AS int,
               1.5::DOUBLE AS dbl,
               true AS bool,
               NULL AS nothing,
               'text' AS str,
               TIMESTAMP '2026-01-02 03:04:05.123456' AS ts,
               TIMESTAMP '2026-01-02 03:04:05' AS ts_whole,
               TIMESTAMPTZ '2026-01-02 03:04:05.5+00' AS tstz,
               DATE '2026-01-02' AS d,
               [1, 2, 3] AS list,
               {'source': 'web', 'score': 0.5::DOUBLE, 'amount': 0.5, 'at': TIMESTAMP '2026-01-02 00:00:00'} AS struct,
               [{'n': 10::BIGINT}] AS nested`);
      const row = res.rows[0]!;
      expect(row).toEqual({
        big: "9007199254740993",
        huge: "170141183460469231731687303715884105727",
        dec: "12.34",
        int: 42,
        dbl: 1.5,
        bool: true,
        nothing: null,
        str: "text",
        ts: "2026-01-02T03:04:05.123456Z",
        ts_whole: "2026-01-02T03:04:05.000Z",
        tstz: "2026-01-02T03:04:05.500Z",
        d: "2026-01-02",
        ...(options.complexValuesAsText
          ? {
              list: "[1, 2, 3]",
              struct: "{source=web, score=0.5, amount=0.5, at=2026-01-02 00:00:00.000}",
              nested: "[{n=10}]",
            }
          : {
              list: [1, 2, 3],
              struct: { source: "web", score: 0.5, amount: "0.5", at: "2026-01-02T00:00:00.000Z" },
              nested: [{ n: "10" }],
            }),
      });
      expect(JSON.parse(JSON.stringify(res.rows))).toEqual(res.rows);
      const types = Object.fromEntries(res.columns.map((c) => [c.name, c.type]));
      expect(types.big).toBe("BIGINT");
      expect(types.dec).toBe("DECIMAL(10,2)");
      expect(types.ts).toBe("TIMESTAMP");
    });

    it("reads timestamps from Parquet as ISO strings", async () => {
      const res = await query("SELECT ts FROM curated.orders WHERE id IN (1, 601) ORDER BY id");
      expect(res.rows).toEqual([{ ts: "2026-01-01T00:00:00.000Z" }, { ts: "2026-01-02T00:00:00.000Z" }]);
    });

    it("keeps duplicate output column names apart", async () => {
      const res = await query("SELECT 1 AS a, 2 AS a");
      const names = res.columns.map((c) => c.name);
      expect(new Set(names).size).toBe(2);
      expect(Object.keys(res.rows[0]!)).toEqual(names);
    });

    it("cannot read arbitrary files or change its configuration", async () => {
      const attempts = [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM query('SELECT 1')",
        `SELECT * FROM read_parquet('${join(fx.dir, fx.orders.files[0]!.key)}')`,
        `SELECT * FROM '${join(fx.dir, fx.orders.files[0]!.key)}'`,
        "SET enable_external_access = true",
        "COPY (SELECT 1) TO '/tmp/inlet-should-not-exist.csv'",
        "ATTACH '/tmp/inlet-should-not-exist.duckdb' AS x",
        "INSTALL httpfs",
        "CREATE TABLE t AS SELECT 1",
      ];
      for (const sql of attempts) {
        const err = await rejection(query(sql));
        expect(err.code, sql).toBe("BAD_REQUEST");
      }
    });

    it("rejects more than one statement", async () => {
      const err = await rejection(query("SELECT 1; SELECT 2"));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toMatch(/one SQL statement/);
      expect((await rejection(query("  ; "))).code).toBe("BAD_REQUEST");
    });

    it("reports syntax errors with the engine's message", async () => {
      const err = await rejection(query("SELEC id FROM curated.orders"));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toContain('syntax error at or near "SELEC"');
    });

    it("reports unknown tables and columns as bad requests", async () => {
      const table = await rejection(query("SELECT * FROM curated.nope"));
      expect(table.code).toBe("BAD_REQUEST");
      expect(table.message).toContain("curated.nope");
      const column = await rejection(query("SELECT nope FROM curated.orders"));
      expect(column.code).toBe("BAD_REQUEST");
      expect(column.message).toContain("nope");
    });

    it("reports bytes scanned for the tables a query reads, and none for others", async () => {
      // At most the files' bytes: an engine reading Parquet fetches only the columns a query needs.
      const orders = await query("SELECT customer, amount FROM curated.orders");
      expect(orders.bytesScanned).toBeGreaterThan(0);
      expect(orders.bytesScanned).toBeLessThanOrEqual(fx.ordersBytes);
      expect((await query("SELECT 1 AS one")).bytesScanned).toBe(0);
      const events = await query("SELECT * FROM events");
      expect(events.bytesScanned).toBeGreaterThan(0);
      expect(events.bytesScanned).toBeLessThan(fx.ordersBytes);
    });

    it("fails fast when the signal is already aborted", async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(query("SELECT 1", { signal: controller.signal }));
      expect(err.details?.aborted).toBe(true);
    });

    it("interrupts a running query when the signal aborts", async () => {
      const controller = new AbortController();
      // A cross join of 10^12 rows: it only ends by being interrupted.
      const running = query(
        "SELECT count(*) FROM range(1000000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3",
        { signal: controller.signal },
      );
      // Aborted while it runs: an abort before the query starts would take the already-aborted path.
      setTimeout(() => controller.abort(), 300);
      const err = await rejection(running);
      expect(err.details?.aborted).toBe(true);
    });

    it("binds $name parameters as typed values, never as SQL text", async () => {
      const res = await query(
        "SELECT id FROM curated.orders WHERE customer = $c AND id <= $n AND id IN $ids ORDER BY id",
        {
          params: {
            c: { type: "text", value: "customer-1" },
            n: { type: "number", value: 20 },
            ids: { type: "list", items: "number", value: [1, 8, 15, 22] },
          },
        },
      );
      expect(res.rows.map((r) => String(r.id))).toEqual(["1", "8", "15"]);
      const day = await query("SELECT count(*) AS n FROM curated.orders WHERE CAST(ts AS DATE) = $d", {
        params: { d: { type: "date", value: "2026-01-02" } },
      });
      expect(String(day.rows[0]?.n)).toBe("400");
      const evil = "it's'; DROP TABLE x; --";
      const echoed = await query("SELECT $t AS t, $tags AS tags", {
        params: { t: { type: "text", value: evil }, tags: { type: "list", items: "text", value: ["a'b"] } },
      });
      expect(echoed.rows[0]?.t).toBe(evil);
    });

    it("exports a whole result as CSV with a header, beyond any row cap", async () => {
      const csv = await subject.engine.exportCsv({
        sql: "SELECT id, customer FROM curated.orders WHERE id > $from ORDER BY id",
        tables,
        params: { from: { type: "number", value: 0 } },
      });
      let text = "";
      for await (const chunk of csv.body) text += String(chunk);
      // Engines may quote every field (Athena's result files do).
      const lines = text.replaceAll('"', "").trimEnd().split("\n");
      expect(lines).toHaveLength(1001);
      expect(lines[0]).toBe("id,customer");
      expect(lines[1]).toBe("1,customer-1");
      expect(lines[1000]).toBe("1000,customer-1");
      expect(csv.rows).toBe(1000);
      expect(csv.bytesScanned).toBeGreaterThan(0);
      const refused = await rejection(
        subject.engine.exportCsv({ sql: "SELECT * FROM curated.nope", tables }),
      );
      expect(refused.code).toBe("BAD_REQUEST");
    });
  });
}
