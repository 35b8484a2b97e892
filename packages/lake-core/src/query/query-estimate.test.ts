import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import { isInletError } from "../errors";
import { compactTable } from "../maintenance/compact";
import type { QueryParam, TableBinding } from "../ports/query-engine";
import { createTestSource, seededRandom, type TestSource } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { bindingOf } from "./lake-reader";
import { queryCostUsd } from "./price-sheet";
import { estimateQuery } from "./query-estimate";

const bed = usePipelineTestBed("query-estimate");
let engine: DuckDbQueryEngine;
let orders: TestSource;
let customers: TestSource;
let ordersTable: string;
let customersTable: string;

const DAYS = ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05", "2024-05-06"];
const ORDER_SCHEMA = {
  type: "object",
  required: ["id", "amount", "created_at"],
  properties: {
    id: { type: "string" },
    customer: { type: "string" },
    amount: { type: "number" },
    qty: { type: "integer" },
    paid: { type: "boolean" },
    note: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
};
const CUSTOMER_SCHEMA = {
  type: "object",
  required: ["id", "created_at"],
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    country: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
};

/** Batches of orders spread over DAYS: each batch writes one small file per day it touches. */
function orderBatches(batches: number, perBatch: number, seed: number): string[][] {
  const rnd = seededRandom(seed);
  let n = 0;
  return Array.from({ length: batches }, () =>
    Array.from({ length: perBatch }, () => {
      const day = DAYS[Math.floor(rnd() * DAYS.length)]!;
      const hour = String(Math.floor(rnd() * 24)).padStart(2, "0");
      const minute = String(Math.floor(rnd() * 60)).padStart(2, "0");
      return JSON.stringify({
        id: `o${seed}-${n++}`,
        customer: `c${Math.floor(rnd() * 50)}`,
        amount: Math.round(rnd() * 100_000) / 100,
        qty: 1 + Math.floor(rnd() * 9),
        paid: rnd() < 0.5,
        note: `note ${Math.floor(rnd() * 1e9).toString(36)} ${"x".repeat(Math.floor(rnd() * 40))}`,
        created_at: `${day}T${hour}:${minute}:00Z`,
      });
    }),
  );
}

function customerBatch(): string[] {
  return Array.from({ length: 50 }, (_, i) =>
    JSON.stringify({
      id: `c${i}`,
      name: `Customer ${i}`,
      country: ["NL", "DE", "FR"][i % 3],
      created_at: `${DAYS[i % 2]}T08:00:00Z`,
    }),
  );
}

async function bind(name: string): Promise<TableBinding> {
  const view = await bed.catalog.tableSnapshot(name);
  if (!view) throw new Error(`no table ${name}`);
  return bindingOf(view);
}

async function measured(sql: string, tables: string[], params?: Record<string, QueryParam>): Promise<number> {
  const bindings = await Promise.all(tables.map(bind));
  const result = await engine.query({ sql, tables: bindings, maxRows: 10, ...(params ? { params } : {}) });
  return result.bytesScanned;
}

function within10Percent(estimate: number, actual: number): boolean {
  return Math.abs(estimate - actual) <= 0.1 * actual;
}

beforeAll(async () => {
  engine = createDuckDbEngine({ store: bed.store, threads: 1 });
  orders = await createTestSource(bed.t.db, { schema: ORDER_SCHEMA });
  customers = await createTestSource(bed.t.db, { schema: CUSTOMER_SCHEMA });
  ordersTable = `curated.${orders.slug}`;
  customersTable = `curated.${customers.slug}`;
  await commitBatchesOneByOne(bed, orders, orderBatches(6, 400, 7));
  await commitBatchesOneByOne(bed, customers, [customerBatch()]);
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe("column statistics at commit", () => {
  it("records each curated file's per-column bytes, min, max and nulls from its footer", async () => {
    const view = await bed.catalog.tableSnapshot(ordersTable);
    expect(view?.files.length).toBeGreaterThanOrEqual(DAYS.length * 5);
    for (const file of view?.files ?? []) {
      const columns = file.columnStats?.columns ?? {};
      const day = file.partition.slice("dt=".length);
      expect(columns.dt).toMatchObject({ min: day, max: day, nulls: 0 });
      expect(columns.amount?.bytes).toBeGreaterThan(0);
      expect(columns._event_time?.min?.startsWith(day)).toBe(true);
      const columnBytes = Object.values(columns).reduce((n, c) => n + c.bytes, 0);
      expect(columnBytes).toBeLessThan(file.bytes);
    }
  });

  it("records them for a file compaction writes", async () => {
    const src = await createTestSource(bed.t.db, { schema: ORDER_SCHEMA });
    const table = `curated.${src.slug}`;
    await commitBatchesOneByOne(bed, src, orderBatches(3, 30, 11));
    const result = await compactTable({ ...bed, tmpDir: `${bed.dir}/tmp` }, table, { minFiles: 2 });
    expect(result.filesAdded).toBeGreaterThan(0);
    const view = await bed.catalog.tableSnapshot(table);
    const compacted = view?.files.filter((f) => f.path.includes("compact-")) ?? [];
    expect(compacted.length).toBe(result.filesAdded);
    for (const file of compacted) {
      expect(file.columnStats?.columns?.id?.bytes).toBeGreaterThan(0);
      expect(file.columnStats?.columns?.dt?.min).toBe(file.partition.slice("dt=".length));
    }
  });
});

describe("the estimate against the bytes DuckDB scans", () => {
  const cases: {
    name: string;
    sql: () => string;
    tables: () => string[];
    params?: Record<string, QueryParam>;
  }[] = [
    { name: "count(*)", sql: () => `SELECT count(*) FROM ${ordersTable}`, tables: () => [ordersTable] },
    {
      name: "a filter on a date range",
      sql: () => `SELECT * FROM ${ordersTable} WHERE dt BETWEEN '2024-05-02' AND '2024-05-03'`,
      tables: () => [ordersTable],
    },
    {
      name: "a projection of 2 columns",
      sql: () => `SELECT id, amount FROM ${ordersTable}`,
      tables: () => [ordersTable],
    },
    {
      name: "a GROUP BY",
      sql: () => `SELECT dt, count(*) AS n, sum(amount) AS total FROM ${ordersTable} GROUP BY dt ORDER BY dt`,
      tables: () => [ordersTable],
    },
    {
      name: "a join of two tables",
      sql: () =>
        `SELECT c.country, sum(o.amount) FROM ${ordersTable} o JOIN ${customersTable} c ON o.customer = c.id
           WHERE o.dt >= DATE '2024-05-04' GROUP BY c.country`,
      tables: () => [ordersTable, customersTable],
    },
    {
      name: "an event-time range",
      sql: () =>
        `SELECT id, qty FROM ${ordersTable}
           WHERE _event_time >= TIMESTAMPTZ '2024-05-03 00:00:00+00' AND _event_time < TIMESTAMPTZ '2024-05-04 00:00:00+00'`,
      tables: () => [ordersTable],
    },
    {
      name: "the newest rows (ORDER BY … LIMIT)",
      sql: () => `SELECT id, amount, _event_time FROM ${ordersTable} ORDER BY _event_time DESC LIMIT 20`,
      tables: () => [ordersTable],
    },
    {
      name: "a date parameter",
      sql: () => `SELECT id, note FROM ${ordersTable} WHERE dt = $day`,
      tables: () => [ordersTable],
      params: { day: { type: "date", value: "2024-05-05" } },
    },
  ];

  for (const c of cases) {
    it(`is within 10 % of the measured bytes for ${c.name}`, async () => {
      const estimate = await estimateQuery({ catalog: bed.catalog }, c.sql(), c.params);
      const actual = await measured(c.sql(), c.tables(), c.params);
      console.log(`${c.name}: estimate ${estimate.bytes} B, measured ${actual} B`);
      expect(within10Percent(estimate.bytes, actual), `estimate ${estimate.bytes}, measured ${actual}`).toBe(
        true,
      );
      expect(estimate.costUsd).toBe(queryCostUsd(estimate.bytes));
    });
  }

  it("reads nothing but row counts for count(*)", async () => {
    const estimate = await estimateQuery({ catalog: bed.catalog }, `SELECT count(*) FROM ${ordersTable}`);
    expect(estimate.bytes).toBe(0);
    expect(estimate.tables[0]?.columnsRead).toEqual([]);
  });

  it("names the partitions, files and columns a date range reads", async () => {
    const sql = `SELECT id, amount FROM ${ordersTable} WHERE dt BETWEEN '2024-05-02' AND '2024-05-03'`;
    const estimate = await estimateQuery({ catalog: bed.catalog }, sql);
    const [t] = estimate.tables;
    const view = await bed.catalog.tableSnapshot(ordersTable);
    expect(t?.name).toBe(ordersTable);
    expect(t?.snapshotSeq).toBe(view?.seq);
    expect(t?.partitionsRead).toEqual(["dt=2024-05-02", "dt=2024-05-03"]);
    expect(t?.filesRead).toBe(view?.files.filter((f) => t?.partitionsRead.includes(f.partition)).length);
    expect(t?.filesTotal).toBe(view?.files.length);
    expect(t?.columnsRead).toEqual(["id", "amount", "dt"]);
  });

  it("measures the footer sizes of exactly the columns and partitions read", async () => {
    const view = await bed.catalog.tableSnapshot(ordersTable);
    const files = view?.files ?? [];
    const paths = await Promise.all(files.map((f) => bed.store.localPath(f.path)));
    const footerBytes = async (where: string) => {
      const list = paths.map((p) => `'${p}'`).join(", ");
      const reader = await bed.duck.runAndReadAll(
        `SELECT coalesce(sum(total_compressed_size), 0)::BIGINT AS n FROM parquet_metadata([${list}]) WHERE ${where}`,
      );
      return Number(reader.getRowObjectsJson()[0]?.n);
    };
    const days = paths.filter((_, i) => ["dt=2024-05-02", "dt=2024-05-03"].includes(files[i]!.partition));
    expect(
      await measured(`SELECT * FROM ${ordersTable} WHERE dt BETWEEN '2024-05-02' AND '2024-05-03'`, [
        ordersTable,
      ]),
    ).toBe(await footerBytes(`file_name IN (${days.map((p) => `'${p}'`).join(", ")})`));
    expect(await measured(`SELECT id, amount FROM ${ordersTable}`, [ordersTable])).toBe(
      await footerBytes("path_in_schema IN ('id', 'amount')"),
    );
  });

  it("reads less for fewer columns and fewer days", async () => {
    const all = await measured(`SELECT * FROM ${ordersTable}`, [ordersTable]);
    const two = await measured(`SELECT id, amount FROM ${ordersTable}`, [ordersTable]);
    const oneDay = await measured(`SELECT * FROM ${ordersTable} WHERE dt = '2024-05-01'`, [ordersTable]);
    const view = await bed.catalog.tableSnapshot(ordersTable);
    const fileBytes = view?.files.reduce((n, f) => n + f.bytes, 0) ?? 0;
    expect(all).toBeLessThan(fileBytes);
    expect(two).toBeLessThan(all / 2);
    expect(oneDay).toBeLessThan(all / 3);
    expect(oneDay).toBeGreaterThan(0);
  });

  it("prunes by a parameter's value only once it has one", async () => {
    const sql = `SELECT id FROM ${ordersTable} WHERE dt = $day`;
    const unknown = await estimateQuery({ catalog: bed.catalog }, sql);
    const known = await estimateQuery({ catalog: bed.catalog }, sql, {
      day: { type: "date", value: "2024-05-02" },
    });
    expect(unknown.tables[0]?.partitionsRead.length).toBe(DAYS.length);
    expect(known.tables[0]?.partitionsRead).toEqual(["dt=2024-05-02"]);
  });

  it("follows the table's new snapshot and estimates at a snapshot the caller resolved", async () => {
    const src = await createTestSource(bed.t.db, { schema: ORDER_SCHEMA });
    const table = `curated.${src.slug}`;
    await commitBatchesOneByOne(bed, src, orderBatches(1, 50, 31));
    const sql = `SELECT id FROM ${table}`;
    const first = await estimateQuery({ catalog: bed.catalog }, sql);
    const resolved = await bed.catalog.tableSnapshot(table);
    await commitBatchesOneByOne(bed, src, orderBatches(1, 50, 37));
    const second = await estimateQuery({ catalog: bed.catalog }, sql);
    expect(second.tables[0]?.snapshotSeq).toBeGreaterThan(first.tables[0]?.snapshotSeq ?? 0);
    expect(second.bytes).toBeGreaterThan(first.bytes);
    const atResolved = await estimateQuery(
      { catalog: bed.catalog, snapshots: resolved ? [resolved] : [] },
      sql,
    );
    expect(atResolved).toEqual(first);
  });

  it("reads no file: the estimate comes from the catalog alone", async () => {
    const sql = `SELECT * FROM ${ordersTable} WHERE amount > 500`;
    const view = await bed.catalog.tableSnapshot(ordersTable);
    const catalogOnly = {
      url: "catalog-only",
      tableVersion: async (name: string) =>
        name === ordersTable && view ? { seq: view.seq, changedAt: new Date(0) } : undefined,
      tableSnapshot: async (name: string) => (name === ordersTable ? view : undefined),
    } as unknown as typeof bed.catalog;
    const estimate = await estimateQuery({ catalog: catalogOnly }, sql);
    expect(estimate.bytes).toBeGreaterThan(0);
  });
});

describe("files committed before statistics were recorded", () => {
  /** Clears files' statistics; the table's row is touched too, as a commit would, so caches see it. */
  async function forgetStats(table: string, andWhere: string): Promise<void> {
    await bed.t.db.pool.query(
      `UPDATE data_files SET column_stats = '{}'
       WHERE table_id = (SELECT id FROM lake_tables WHERE name = $1) ${andWhere}`,
      [table],
    );
    await bed.t.db.pool.query(
      "UPDATE lake_tables SET updated_at = updated_at + interval '1 second' WHERE name = $1",
      [table],
    );
  }

  it("are estimated from their bytes and the columns' shares, pruned by partition, without failing", async () => {
    const src = await createTestSource(bed.t.db, { schema: ORDER_SCHEMA });
    const table = `curated.${src.slug}`;
    await commitBatchesOneByOne(bed, src, orderBatches(4, 200, 23));
    const sql = `SELECT id, amount FROM ${table} WHERE dt = '2024-05-03'`;
    const before = await estimateQuery({ catalog: bed.catalog }, sql);
    // Half the files lose their statistics, as files written before they were recorded have none.
    await forgetStats(table, "AND added_seq % 2 = 0");
    const after = await estimateQuery({ catalog: bed.catalog }, sql);
    expect(after.tables[0]?.partitionsRead).toEqual(["dt=2024-05-03"]);
    expect(after.bytes).toBeGreaterThan(0);
    expect(Math.abs(after.bytes - before.bytes)).toBeLessThan(0.5 * before.bytes);
    const actual = await measured(sql, [table]);
    expect(within10Percent(actual, before.bytes)).toBe(true);

    await forgetStats(table, "");
    const none = await estimateQuery({ catalog: bed.catalog }, `SELECT * FROM ${table}`);
    const view = await bed.catalog.tableSnapshot(table);
    expect(none.bytes).toBeLessThanOrEqual(view?.files.reduce((n, f) => n + f.bytes, 0) ?? 0);
    expect(none.bytes).toBeGreaterThan(0);
  });
});

describe("refusals", () => {
  async function refusal(sql: string): Promise<{ message: string; details: Record<string, unknown> }> {
    try {
      await estimateQuery({ catalog: bed.catalog }, sql);
    } catch (err) {
      if (isInletError(err) && err.code === "BAD_REQUEST")
        return { message: err.message, details: err.details ?? {} };
      throw err;
    }
    throw new Error("estimateQuery accepted the query");
  }

  it("gives a syntax error's line and column", async () => {
    const r = await refusal(`SELECT id,\n  amount FORM ${ordersTable}`);
    expect(r.message).toMatch(/syntax error/);
    expect(r.message).toContain("line 2");
    expect(r.details).toMatchObject({ field: "sql", line: 2 });
    expect(r.details.column).toBeGreaterThan(1);
  });

  it("names an unknown table", async () => {
    const r = await refusal("SELECT * FROM curated.no_such_table");
    expect(r.message).toContain("curated.no_such_table");
    expect(r.details).toMatchObject({ field: "sql", table: "curated.no_such_table" });
  });

  it("names an unknown column", async () => {
    const r = await refusal(`SELECT no_such_column FROM ${ordersTable}`);
    expect(r.message).toContain("no_such_column");
    expect(r.details).toMatchObject({ field: "sql" });
  });

  it("estimates a query with a constant DuckDB writes as a bare Infinity", async () => {
    const sql = `SELECT 1e999 AS big, id FROM ${ordersTable} WHERE amount < 1e999 AND dt = '2024-05-01'`;
    const estimate = await estimateQuery({ catalog: bed.catalog }, sql);
    expect(estimate.tables[0]?.partitionsRead).toEqual(["dt=2024-05-01"]);
    expect(estimate.bytes).toBe(await measured(sql, [ordersTable]));
  });

  it("refuses a file read with DuckDB's reason: the estimate reads no file", async () => {
    const r = await refusal("SELECT * FROM read_parquet('/etc/hostname')");
    expect(r.message).toMatch(/disabled|Permission/i);
  });

  it("does not take a CTE for a table", async () => {
    const estimate = await estimateQuery(
      { catalog: bed.catalog },
      `WITH recent AS (SELECT * FROM ${ordersTable} WHERE dt = '2024-05-06') SELECT count(*) FROM recent`,
    );
    expect(estimate.tables.map((t) => t.name)).toEqual([ordersTable]);
    expect(estimate.tables[0]?.partitionsRead).toEqual(["dt=2024-05-06"]);
  });
});
