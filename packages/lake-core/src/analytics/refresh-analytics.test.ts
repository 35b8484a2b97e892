import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../adapters/duckdb-engine";
import { sqlString } from "../adapters/duckdb-sql";
import { vacuumTable } from "../maintenance/vacuum";
import type { AnalyticsRefreshMode } from "../ports/catalog";
import type { QueryEngine, TableBinding } from "../ports/query-engine";
import { bindingOf } from "../query/lake-reader";
import { MemoryQueryHistory } from "../testing/memory-query-history";
import { createTestSource, enqueueRawBatch, waitUntil } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { startWorker } from "../worker/worker";
import { planDefinition } from "./analytics-definition";
import { type AnalyticsRefreshDeps, type RefreshOutcome, refreshAnalyticsTable } from "./refresh-analytics";

const bed = usePipelineTestBed("refresh-analytics");

function order(id: string, day: number, amount: number, note = "0"): string {
  return JSON.stringify({ id, amount, qty: 1, note, created_at: `2024-05-0${day}T10:00:00Z` });
}

/** An engine that remembers the tables each refresh bound (to see which files it read). */
function watchedEngine(): { engine: QueryEngine; bound: TableBinding[][] } {
  const inner = createDuckDbEngine({ store: bed.store });
  const bound: TableBinding[][] = [];
  const engine: QueryEngine = {
    kind: inner.kind,
    query: (req) => inner.query(req),
    exportCsv: (req) => inner.exportCsv(req),
    exportParquet: (req, file) => {
      bound.push(req.tables);
      return inner.exportParquet(req, file);
    },
    close: () => inner.close(),
  };
  return { engine, bound };
}

function depsWith(engine: QueryEngine, history = new MemoryQueryHistory()): AnalyticsRefreshDeps {
  return { catalog: bed.catalog, store: bed.store, engine, history, tmpDir: join(bed.dir, "tmp") };
}

async function define(name: string, sql: string, refreshMode: AnalyticsRefreshMode = "on_commit") {
  const plan = await planDefinition(bed.catalog, sql);
  return bed.catalog.transaction((tx) =>
    tx.createAnalyticsTable({
      name,
      definition: sql,
      inputs: plan.views.map((v) => v.name),
      columns: [],
      partitionBy: [],
      refreshMode,
      createdById: undefined,
    }),
  );
}

/** The table's rows as the query path reads them, at its current snapshot. */
async function rowsOf(name: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const view = await bed.catalog.tableSnapshot(name);
  if (!view || view.files.length === 0) return [];
  const engine = createDuckDbEngine({ store: bed.store });
  try {
    const result = await engine.query({
      sql: `SELECT * FROM ${name} ORDER BY ${orderBy}`,
      tables: [bindingOf(view)],
      maxRows: 1000,
    });
    return result.rows;
  } finally {
    await engine.close();
  }
}

function refreshed(outcome: RefreshOutcome) {
  if (outcome.status !== "refreshed")
    throw new Error(`refresh ${outcome.status}: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("analytics table refresh", () => {
  it("materializes a whole table as ZSTD Parquet under analytics/ and replaces it on the next refresh", async () => {
    const src = await createTestSource(bed.t.db);
    await commitBatchesOneByOne(bed, src, [[order("a", 1, 10), order("b", 1, 20)], [order("c", 2, 5)]]);
    const name = `analytics.totals_${src.slug}`;
    await define(name, `SELECT count(*) AS orders, sum(amount) AS total FROM curated.${src.slug}`);
    const history = new MemoryQueryHistory();
    const { engine } = watchedEngine();

    const first = refreshed(
      await refreshAnalyticsTable(depsWith(engine, history), name, { ranBy: "user-1" }),
    );
    expect(first).toMatchObject({ mode: "full", seq: 1, rows: 1, files: 1, partitions: undefined });
    expect(await rowsOf(name, "orders")).toEqual([{ orders: "3", total: 35 }]);
    const table = await bed.catalog.getAnalyticsTable(name);
    expect(table).toMatchObject({
      partitionBy: [],
      columns: [
        { name: "orders", type: "BIGINT" },
        { name: "total", type: "DOUBLE" },
      ],
      lastRefreshError: undefined,
    });
    expect(table?.inputs[`curated.${src.slug}`]).toBe(
      (await bed.catalog.tableSnapshot(`curated.${src.slug}`))?.seq,
    );
    const view = await bed.catalog.tableSnapshot(name);
    expect(view?.files.map((f) => f.path)).toEqual([
      expect.stringMatching(new RegExp(`^analytics/totals_${src.slug}/refresh-.*\\.parquet$`)),
    ]);
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    const meta = await conn.runAndReadAll(
      `SELECT DISTINCT compression FROM parquet_metadata(${sqlString(await bed.store.localPath(view!.files[0]!.path))})`,
    );
    expect(meta.getRowsJson().flat()).toEqual(["ZSTD"]);
    conn.closeSync();
    instance.closeSync();
    // Recorded like any read, as a run of the refresh path.
    expect(history.last()).toMatchObject({
      userId: "user-1",
      path: "refresh",
      status: "succeeded",
      rowCount: 1,
      tables: [{ name: `curated.${src.slug}`, snapshotSeq: 2 }],
    });

    await commitBatchesOneByOne(bed, src, [[order("d", 3, 1)]]);
    const second = refreshed(await refreshAnalyticsTable(depsWith(engine), name));
    expect(second).toMatchObject({ mode: "full", seq: 2 });
    expect(await rowsOf(name, "orders")).toEqual([{ orders: "4", total: 36 }]);
    const after = await bed.catalog.tableSnapshot(name);
    expect(after?.files).toHaveLength(1);
    expect(after?.files[0]?.path).not.toBe(view?.files[0]?.path);
    const snaps = await bed.catalog.listSnapshots(after!.tableId, { limit: 5 });
    expect(snaps.items.map((s) => [s.operation, s.addedFiles, s.removedFiles])).toEqual([
      ["refresh", 1, 1],
      ["refresh", 1, 0],
    ]);
    // The vacuum deletes the replaced file once no snapshot within the retention reads it.
    const vacuumed = await vacuumTable({ catalog: bed.catalog, store: bed.store }, name, { retentionMs: 0 });
    expect(vacuumed.expiredFiles).toBe(1);
    expect(await bed.store.head(view!.files[0]!.path)).toBeUndefined();
    expect(await bed.store.head(after!.files[0]!.path)).toBeDefined();
  });

  it("recomputes only the dt partitions whose input files changed when the definition is partition-local", async () => {
    const src = await createTestSource(bed.t.db);
    const curated = `curated.${src.slug}`;
    await commitBatchesOneByOne(bed, src, [
      [order("a", 1, 10), order("b", 1, 20), order("c", 2, 5)],
      [order("d", 3, 7)],
    ]);
    const name = `analytics.daily_${src.slug}`;
    const definition = `SELECT dt, count(*) AS orders, sum(amount) AS total FROM ${curated} GROUP BY dt`;
    await define(name, definition);
    const { engine, bound } = watchedEngine();

    const first = refreshed(await refreshAnalyticsTable(depsWith(engine), name));
    expect(first.mode).toBe("full");
    const before = await bed.catalog.tableSnapshot(name);
    expect(before?.files.map((f) => f.partition)).toEqual([
      "dt=2024-05-01",
      "dt=2024-05-02",
      "dt=2024-05-03",
    ]);
    expect((await bed.catalog.getAnalyticsTable(name))?.partitionBy).toEqual(["dt"]);

    await commitBatchesOneByOne(bed, src, [[order("e", 2, 100)]]);
    const second = refreshed(await refreshAnalyticsTable(depsWith(engine), name));
    expect(second).toMatchObject({ mode: "incremental", partitions: ["dt=2024-05-02"], rows: 1, files: 1 });
    // The refresh read only dt=2024-05-02's input files.
    const read = bound.at(-1)!;
    const inputView = await bed.catalog.tableSnapshot(curated);
    expect(read[0]?.files.map((f) => f.key).sort()).toEqual(
      inputView!.files
        .filter((f) => f.partition === "dt=2024-05-02")
        .map((f) => f.path)
        .sort(),
    );
    const after = await bed.catalog.tableSnapshot(name);
    const pathOf = (files: typeof after, p: string) => files?.files.find((f) => f.partition === p)?.path;
    expect(pathOf(after, "dt=2024-05-01")).toBe(pathOf(before, "dt=2024-05-01"));
    expect(pathOf(after, "dt=2024-05-03")).toBe(pathOf(before, "dt=2024-05-03"));
    expect(pathOf(after, "dt=2024-05-02")).not.toBe(pathOf(before, "dt=2024-05-02"));
    const snaps = await bed.catalog.listSnapshots(after!.tableId, { limit: 1 });
    expect(snaps.items[0]).toMatchObject({
      operation: "refresh",
      addedFiles: 1,
      removedFiles: 1,
      partitions: ["dt=2024-05-02"],
    });

    // The same rows as a whole recomputation over the input.
    const whole = await engine.query({
      sql: `${definition} ORDER BY dt`,
      tables: [bindingOf(inputView!)],
      maxRows: 100,
    });
    expect(await rowsOf(name, "dt")).toEqual(whole.rows);
    expect(whole.rows).toEqual([
      { dt: "2024-05-01", orders: "2", total: 30 },
      { dt: "2024-05-02", orders: "2", total: 105 },
      { dt: "2024-05-03", orders: "1", total: 7 },
    ]);

    // Forced whole, every partition is rewritten.
    const full = refreshed(await refreshAnalyticsTable(depsWith(engine), name, { full: true }));
    expect(full).toMatchObject({ mode: "full", files: 3 });
    expect(await rowsOf(name, "dt")).toEqual(whole.rows);
  });

  it("keeps the last good snapshot and records the error when a refresh fails", async () => {
    const src = await createTestSource(bed.t.db);
    await commitBatchesOneByOne(bed, src, [[order("a", 1, 10, "1"), order("b", 2, 20, "2")]]);
    const name = `analytics.notes_${src.slug}`;
    await define(name, `SELECT dt, sum(CAST(note AS INTEGER)) AS notes FROM curated.${src.slug} GROUP BY dt`);
    const { engine } = watchedEngine();
    refreshed(await refreshAnalyticsTable(depsWith(engine), name));
    const good = await bed.catalog.tableSnapshot(name);
    const goodRows = await rowsOf(name, "dt");
    // sum() of integers is a HUGEINT, which Parquet keeps as a DOUBLE.
    expect(goodRows).toEqual([
      { dt: "2024-05-01", notes: 1 },
      { dt: "2024-05-02", notes: 2 },
    ]);

    // A note that is no number makes the cast fail at run time.
    await commitBatchesOneByOne(bed, src, [[order("c", 2, 5, "abc")]]);
    const history = new MemoryQueryHistory();
    const failed = await refreshAnalyticsTable(depsWith(engine, history), name, { ranBy: "user-2" });
    expect(failed.status).toBe("failed");
    expect(failed.status === "failed" ? failed.error : "").toMatch(/Conversion Error.*abc/s);
    const table = await bed.catalog.getAnalyticsTable(name);
    expect(table?.lastRefreshError).toMatch(/Conversion Error/);
    expect(table?.lastRefreshAt).toBeInstanceOf(Date);
    expect(table?.currentSeq).toBe(good?.seq);
    expect((await bed.catalog.tableSnapshot(name))?.files).toEqual(good?.files);
    expect(await rowsOf(name, "dt")).toEqual(goodRows);
    expect(history.last()).toMatchObject({ path: "refresh", status: "failed" });
    let objects = 0;
    for await (const _ of bed.store.list(`analytics/notes_${src.slug}/`)) objects += 1;
    expect(objects).toBe(good?.files.length);
    // The table is not due again until the retry interval has passed.
    const due = await bed.catalog.dueAnalyticsTables({ now: new Date(), retryFailedAfterMs: 60_000 });
    expect(due.map((d) => d.name)).not.toContain(name);
  });

  it("is refreshed by the worker right after an input commits", async () => {
    const src = await createTestSource(bed.t.db);
    const name = `analytics.live_${src.slug}`;
    const history = new MemoryQueryHistory();
    await commitBatchesOneByOne(bed, src, [[order("a", 1, 10)]]);
    const table = await define(name, `SELECT dt, count(*) AS orders FROM curated.${src.slug} GROUP BY dt`);
    // The table's creator is who its runs are recorded for.
    await bed.t.db.pool.query("UPDATE lake_tables SET created_by_id = 'creator' WHERE id = $1", [table.id]);
    const worker = await startWorker({
      catalog: bed.catalog,
      store: bed.store,
      queue: bed.queue,
      logger: pino({ level: "silent" }),
      queryHistory: history,
      config: {
        flushIntervalMs: 50,
        compactIntervalMs: 0,
        vacuumIntervalMs: 0,
        retentionIntervalMs: 0,
        strandedSweepIntervalMs: 0,
        landing: "off",
        // Far longer than the test: only a commit's wake can start these refreshes.
        analyticsRefreshIntervalMs: 10 * 60_000,
        tmpDir: join(bed.dir, "worker-tmp"),
      },
    });
    try {
      await enqueueRawBatch(bed, src, [order("b", 1, 1), order("c", 2, 2)]);
      await waitUntil(
        "the first refresh after a commit",
        async () => (await rowsOf(name, "dt")).length === 2,
        30_000,
      );
      expect(await rowsOf(name, "dt")).toEqual([
        { dt: "2024-05-01", orders: "2" },
        { dt: "2024-05-02", orders: "1" },
      ]);
      await enqueueRawBatch(bed, src, [order("d", 2, 3)]);
      await waitUntil(
        "an incremental refresh after the next commit",
        async () => (await rowsOf(name, "dt")).at(-1)?.orders === "2",
        30_000,
      );
      const snaps = await bed.catalog.listSnapshots(table.id, { limit: 1 });
      expect(snaps.items[0]).toMatchObject({ operation: "refresh", partitions: ["dt=2024-05-02"] });
      expect(history.runs.map((r) => [r.userId, r.path, r.status])).toContainEqual([
        "creator",
        "refresh",
        "succeeded",
      ]);
      expect(worker.metrics.analyticsRefreshes).toBeDefined();
    } finally {
      await worker.stop();
    }
  });
});
