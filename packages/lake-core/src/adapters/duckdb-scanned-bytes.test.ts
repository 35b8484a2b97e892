import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoundFile, TableBinding } from "../ports/query-engine";
import { createDuckDbEngine, type DuckDbQueryEngine } from "./duckdb-engine";
import { LocalFsObjectStore } from "./local-fs-store";
import { readFooterStats } from "./parquet-footer-stats";

let dir: string;
let duck: DuckDBConnection;
let instance: DuckDBInstance;
let engine: DuckDbQueryEngine;
let day1: string;
let day2: string;
let wide: string;

/** Compressed bytes of the given column chunks, summed from the footers by DuckDB itself. */
async function footerBytes(paths: string[], where = "true"): Promise<number> {
  const list = paths.map((p) => `'${p}'`).join(", ");
  const reader = await duck.runAndReadAll(
    `SELECT coalesce(sum(total_compressed_size), 0)::BIGINT AS n FROM parquet_metadata([${list}]) WHERE ${where}`,
  );
  return Number(reader.getRowObjectsJson()[0]?.n);
}

async function boundFile(path: string, rowCount: number, withStats: boolean): Promise<BoundFile> {
  const [columnStats] = withStats ? await readFooterStats(duck, [path]) : [undefined];
  return { key: path.slice(dir.length + 1), bytes: (await stat(path)).size, rowCount, columnStats };
}

async function table(withStats: boolean): Promise<TableBinding> {
  return {
    name: "curated.orders",
    tableId: "t-orders",
    snapshotSeq: 1,
    files: [await boundFile(day1, 3000, withStats), await boundFile(day2, 3000, withStats)],
  };
}

async function scanned(sql: string, withStats: boolean, params?: Record<string, number>): Promise<number> {
  const result = await engine.query({
    sql,
    tables: [
      await table(withStats),
      { name: "wide", tableId: "t-wide", snapshotSeq: 1, files: [await boundFile(wide, 10_000, withStats)] },
    ],
    maxRows: 1,
    ...(params
      ? {
          params: Object.fromEntries(
            Object.entries(params).map(([k, v]) => [k, { type: "number" as const, value: v }]),
          ),
        }
      : {}),
  });
  return result.bytesScanned;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-scanned-bytes-"));
  day1 = join(dir, "curated/orders/dt=2026-01-01/a.parquet");
  day2 = join(dir, "curated/orders/dt=2026-01-02/b.parquet");
  wide = join(dir, "wide/w.parquet");
  for (const p of [day1, day2, wide]) await mkdir(join(p, ".."), { recursive: true });
  instance = await DuckDBInstance.create(":memory:");
  duck = await instance.connect();
  await duck.run("SET TimeZone = 'UTC'");
  for (const [path, day] of [
    [day1, "2026-01-01"],
    [day2, "2026-01-02"],
  ] as const) {
    await duck.run(`COPY (
      SELECT range AS id, 'customer-' || (range % 97) AS customer, range * 1.5 AS amount,
             TIMESTAMPTZ '${day} 00:00:00+00' + INTERVAL (range) SECOND AS _event_time, DATE '${day}' AS dt
      FROM range(3000)) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
  }
  // Sorted by id in row groups of 2,048 rows, with nested columns: pruning by row group.
  await duck.run(`COPY (
    SELECT range AS id, md5(range::VARCHAR) AS h, {'a': range, 'b': 'x' || range} AS s, [range, range + 1] AS l
    FROM range(10000)) TO '${wide}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`);
  engine = createDuckDbEngine({ store: new LocalFsObjectStore(dir, { fsync: false }), threads: 1 });
});

afterAll(async () => {
  await engine?.close();
  duck?.closeSync();
  instance?.closeSync();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("footer statistics", () => {
  it("sums a nested column's leaves under its name and keeps min and max of plain columns", async () => {
    const [stats] = await readFooterStats(duck, [wide]);
    expect(stats?.rowGroups?.length).toBe(5);
    expect(Object.keys(stats?.columns ?? {})).toEqual(["id", "h", "s", "l"]);
    expect(stats?.columns?.s?.bytes).toBe(await footerBytes([wide], "path_in_schema LIKE 's, %'"));
    expect(stats?.rowGroups?.[0]?.columns.id).toMatchObject({ min: "0", max: "2047", nulls: 0 });
    expect(stats?.rowGroups?.[0]?.columns.s?.min).toBeUndefined();
    expect(stats?.rowGroups?.[0]?.rows).toBe(2048);
  });
});

describe("bytes scanned by the DuckDB engine", () => {
  for (const withStats of [true, false]) {
    const from = withStats ? "the catalog's statistics" : "the files' footers";
    it(`counts the columns a query reads, from ${from}`, async () => {
      expect(await scanned("SELECT customer FROM curated.orders", withStats)).toBe(
        await footerBytes([day1, day2], "path_in_schema = 'customer'"),
      );
      expect(await scanned("SELECT count(*) FROM curated.orders", withStats)).toBe(0);
      expect(await scanned("SELECT * FROM curated.orders", withStats)).toBe(await footerBytes([day1, day2]));
    });

    it(`leaves out the files a partition filter prunes, from ${from}`, async () => {
      expect(await scanned("SELECT sum(amount) FROM curated.orders WHERE dt = '2026-01-02'", withStats)).toBe(
        await footerBytes([day2], "path_in_schema IN ('amount', 'dt')"),
      );
      const events =
        "SELECT id FROM curated.orders WHERE _event_time >= TIMESTAMPTZ '2026-01-02 00:30:00+00'";
      expect(await scanned(events, withStats)).toBe(
        await footerBytes([day2], "path_in_schema IN ('id', '_event_time')"),
      );
    });

    it(`leaves out the row groups min/max rule out, from ${from}`, async () => {
      expect(await scanned("SELECT h FROM wide WHERE id < 3000", withStats)).toBe(
        await footerBytes([wide], "row_group_id IN (0, 1) AND path_in_schema IN ('id', 'h')"),
      );
      expect(await scanned("SELECT s FROM wide WHERE id IN (5000, 9000)", withStats)).toBe(
        await footerBytes(
          [wide],
          "row_group_id IN (2, 4) AND (path_in_schema = 'id' OR path_in_schema LIKE 's, %')",
        ),
      );
      expect(await scanned("SELECT h FROM wide WHERE id < $below", withStats, { below: 100 })).toBe(
        await footerBytes([wide], "row_group_id = 0 AND path_in_schema IN ('id', 'h')"),
      );
    });
  }

  it("counts a top-N query's columns in full, as a LIMIT does not change what the plan scans", async () => {
    expect(await scanned("SELECT h FROM wide ORDER BY id DESC LIMIT 5", true)).toBe(
      await footerBytes([wide], "path_in_schema IN ('id', 'h')"),
    );
    expect(await scanned("SELECT h FROM wide WHERE id < 3000 LIMIT 5", true)).toBe(
      await footerBytes([wide], "row_group_id IN (0, 1) AND path_in_schema IN ('id', 'h')"),
    );
  });

  it("reads everything a filter it cannot judge by statistics leaves open", async () => {
    expect(await scanned("SELECT h FROM wide WHERE id % 2 = 0", true)).toBe(
      await footerBytes([wide], "path_in_schema IN ('id', 'h')"),
    );
  });
});
