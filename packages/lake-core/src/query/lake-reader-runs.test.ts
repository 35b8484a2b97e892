import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import { InletError } from "../errors";
import { MemoryQueryHistory } from "../testing/memory-query-history";
import { createTestSource, type TestSource } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { LakeReader, type Reader } from "./lake-reader";
import type { QueryLimits } from "./query-runs";

const bed = usePipelineTestBed("lake-reader-runs");
let engine: DuckDbQueryEngine;
let source: TestSource;
let table: string;
const engines: DuckDbQueryEngine[] = [];
const analyst: Reader = { userId: "u-analyst", roles: ["analyst"] };
const admin: Reader = { userId: "u-admin", roles: ["admin"] };

/** A query that only ends by being interrupted (a cross join of 10^12 rows). */
const ENDLESS =
  "SELECT count(*) AS n FROM range(1000000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3";

const order = (id: string, day: string, amount = 10) =>
  JSON.stringify({ id, amount, created_at: `${day}T10:00:00Z` });

function reader(opts: { limits?: Partial<QueryLimits>; memoryLimit?: string } = {}) {
  const history = new MemoryQueryHistory();
  const own = opts.memoryLimit
    ? createDuckDbEngine({ store: bed.store, threads: 1, memoryLimit: opts.memoryLimit })
    : engine;
  if (own !== engine) engines.push(own);
  const lake = new LakeReader({
    catalog: bed.catalog,
    engine: own,
    history,
    budgets: history,
    limits: opts.limits,
  });
  return { lake, history };
}

async function refusal(promise: Promise<unknown>): Promise<InletError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InletError);
  return err as InletError;
}

beforeAll(async () => {
  engine = createDuckDbEngine({ store: bed.store, threads: 1 });
  source = await createTestSource(bed.t.db);
  table = `curated.${source.slug}`;
  await commitBatchesOneByOne(bed, source, [
    [order("a1", "2026-01-01", 5), order("a2", "2026-01-01", 7), order("r2'; DROP", "2026-01-01", 1)],
    [order("b1", "2026-01-02", 11), order("b2", "2026-01-02", 13)],
  ]);
});
afterAll(async () => {
  await Promise.all([engine, ...engines].map((e) => e?.close()));
});

describe("LakeReader.runQuery", () => {
  it("runs SQL over the tables it names at their snapshot, and records who ran what, what it read and cost", async () => {
    const { lake, history } = reader();
    const res = await lake.runQuery(analyst, {
      sql: `SELECT count(*) AS n, sum(amount) AS total FROM ${table} WHERE dt = {{day}}`,
      params: { day: { type: "date", value: "2026-01-02" } },
    });
    expect(res.rows).toEqual([{ n: "2", total: 24 }]);
    expect(res.columns.map((c) => c.name)).toEqual(["n", "total"]);
    expect(res.tables).toEqual([{ name: table, snapshotSeq: 2 }]);
    expect(res.estimate?.tables[0]?.name).toBe(table);
    expect(res.costUsd).toBeGreaterThan(0);
    const run = history.last()!;
    expect(run).toMatchObject({
      id: res.runId,
      userId: "u-analyst",
      path: "sql",
      status: "succeeded",
      sql: `SELECT count(*) AS n, sum(amount) AS total FROM ${table} WHERE dt = {{day}}`,
      parameters: { day: "2026-01-02" },
      tables: [{ name: table, snapshotSeq: 2 }],
      engine: "duckdb",
      rowCount: 1,
      bytesScanned: res.bytesScanned,
      costUsd: res.costUsd,
      estimatedBytes: res.estimate?.bytes,
      estimatedCostUsd: res.estimate?.costUsd,
    });
    expect("durationMs" in run && run.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("binds parameters as values: a quote or '; DROP stays data, never SQL", async () => {
    const { lake } = reader();
    const evil = "r2'; DROP";
    const found = await lake.runQuery(analyst, {
      sql: `SELECT id, {{v}} AS echoed FROM ${table} WHERE id = {{v}}`,
      params: { v: { type: "text", value: evil } },
    });
    expect(found.rows).toEqual([{ id: evil, echoed: evil }]);
    const listed = await lake.runQuery(analyst, {
      sql: `SELECT id FROM ${table} WHERE id IN {{ids}} AND amount >= {{min}} ORDER BY id`,
      params: {
        ids: { type: "list", value: ["a1", "b2", "x' OR '1'='1"] },
        min: { type: "number", value: 6 },
      },
    });
    expect(listed.rows).toEqual([{ id: "b2" }]);
    const wrong = await refusal(
      lake.runQuery(analyst, {
        sql: `SELECT * FROM ${table} WHERE dt = {{day}}`,
        params: { day: { type: "date", value: "Jan 2" } },
      }),
    );
    expect([wrong.code, wrong.details?.field]).toEqual(["BAD_REQUEST", "params.day"]);
    expect(wrong.message).toMatch(/{{day}} must be a date/);
  });

  it("names an unknown table or column, and places a syntax error by line and column", async () => {
    const { lake, history } = reader();
    const unknownTable = await refusal(lake.runQuery(analyst, { sql: "SELECT *\nFROM   curated.nope" }));
    expect(unknownTable.message).toBe("Unknown table curated.nope (line 2, column 8)");
    expect(unknownTable.details).toMatchObject({ field: "sql", table: "curated.nope", line: 2, column: 8 });
    const unqualified = await refusal(lake.runQuery(analyst, { sql: `SELECT * FROM "${source.slug}"` }));
    expect(unqualified.message).toMatch(`did you mean curated.`);
    const raw = await refusal(lake.runQuery(analyst, { sql: `SELECT * FROM raw."${source.slug}"` }));
    expect(raw.message).toMatch(/raw zone, which SQL does not read/);

    const column = await refusal(lake.runQuery(analyst, { sql: `SELECT id,\n  nope\nFROM ${table}` }));
    expect(column.code).toBe("BAD_REQUEST");
    expect(column.message).toMatch(/nope/);
    expect(column.details).toMatchObject({ field: "sql", line: 2, column: 3 });

    const syntax = await refusal(lake.runQuery(analyst, { sql: "SELECT 1,\n  2 +\nFROM x" }));
    expect(syntax.message).toMatch(/syntax error at or near "FROM"/);
    expect(syntax.details).toMatchObject({ field: "sql", line: 3, column: 1 });

    expect(history.runs.map((r) => r.status)).toEqual(["failed", "failed", "failed", "failed", "failed"]);
    expect(history.last()).toMatchObject({ path: "sql", error: syntax.message });
  });

  it("refuses what the guard forbids, saying what and why, and records the refusal", async () => {
    const { lake, history } = reader();
    const copy = await refusal(lake.runQuery(analyst, { sql: "COPY (SELECT 1) TO '/tmp/inlet-x.csv'" }));
    expect(copy.message).toMatch(/^COPY is not allowed: it reads or writes files/);
    const file = await refusal(lake.runQuery(analyst, { sql: "SELECT *\nFROM read_csv('/etc/passwd')" }));
    expect(file.message).toMatch(
      /read_csv\(\) is not allowed: it reads files directly.*\(line 2, column 6\)/,
    );
    const env = await refusal(lake.runQuery(analyst, { sql: "SELECT getenv('HOME')" }));
    expect(env.message).toMatch(/getenv\(\) is not allowed/);
    expect(history.runs.map((r) => [r.status, "error" in r && r.error])).toEqual([
      ["failed", copy.message],
      ["failed", file.message],
      ["failed", env.message],
    ]);
  });

  it("stops a query at its time limit, saying which limit", async () => {
    const { lake, history } = reader({ limits: { timeoutMs: 400 } });
    const started = Date.now();
    const err = await refusal(lake.runQuery(analyst, { sql: ENDLESS }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toBe("The query ran longer than the time limit of 0.4 s and was stopped");
    expect(err.details).toMatchObject({ limit: "time", timeoutMs: 400 });
    expect(history.last()).toMatchObject({ status: "failed", error: err.message });
  });

  it("stops a query over its memory limit with a message saying so, not an out-of-memory process", async () => {
    const { lake, history } = reader({ memoryLimit: "64MB" });
    const err = await refusal(
      lake.runQuery(analyst, { sql: "SELECT list(range) AS all_of_them FROM range(40000000)" }),
    );
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(/needed more memory than the per-query memory limit of 64MB and was stopped/);
    expect(err.details).toMatchObject({ limit: "memory", memoryLimit: "64MB" });
    expect(history.last()).toMatchObject({ status: "failed", error: err.message });
  });

  it("stops a run whose start could not be recorded, fails it with why, and records it once history takes it", async () => {
    const { lake, history } = reader({ limits: { maxConcurrentPerUser: 1 } });
    const start = history.start.bind(history);
    let calls = 0;
    history.start = async (run) => {
      calls += 1;
      if (calls > 1) return start(run);
      // The query is under way by the time its record fails.
      await new Promise((r) => setTimeout(r, 200));
      throw new InletError("UNAVAILABLE", "query history is not reachable");
    };
    const started = Date.now();
    const err = await refusal(lake.runQuery(analyst, { sql: ENDLESS }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect([err.code, err.message]).toEqual(["UNAVAILABLE", "query history is not reachable"]);
    expect(history.runs).toHaveLength(1);
    expect(history.last()).toMatchObject({ status: "failed", error: err.message, sql: ENDLESS });
    // Its slot was given back only once the query stopped.
    expect((await lake.runQuery(analyst, { sql: "SELECT 1 AS one" })).rows).toEqual([{ one: 1 }]);
  });

  it("bounds the runs one person has going at once, and cancels one on request", async () => {
    const { lake, history } = reader({ limits: { maxConcurrentPerUser: 1 } });
    const first = lake.runQuery(analyst, { sql: ENDLESS, runId: "run-endless" });
    const firstDone = refusal(first);
    await new Promise((r) => setTimeout(r, 150));
    const second = await refusal(lake.runQuery(analyst, { sql: "SELECT 1 AS one" }));
    expect(second.code).toBe("RATE_LIMITED");
    expect(second.message).toMatch(/already have 1 query running, the most one person may run at once \(1\)/);
    // Someone else is not held up by it.
    expect((await lake.runQuery(admin, { sql: "SELECT 1 AS one" })).rows).toEqual([{ one: 1 }]);

    expect(lake.cancelRun({ userId: "u-other", roles: ["analyst"] }, "run-endless", { any: false })).toBe(
      "not_found",
    );
    expect(lake.cancelRun(analyst, "run-endless", { any: false })).toBe("cancelled");
    const cancelled = await firstDone;
    expect([cancelled.code, cancelled.message]).toEqual(["CANCELLED", "The query was cancelled"]);
    expect(history.runs.find((r) => r.id === "run-endless")).toMatchObject({
      status: "cancelled",
      error: "The query was cancelled",
    });
    expect(history.runs.find((r) => r.userId === "u-analyst" && r.status === "failed")).toMatchObject({
      error: second.message,
    });
    // The slot is free again.
    expect((await lake.runQuery(analyst, { sql: "SELECT 2 AS two" })).rows).toEqual([{ two: 2 }]);
  });

  it("cancels a run whose cancel arrived before it started, when the caller chose its id", async () => {
    const { lake, history } = reader();
    expect(lake.cancelRun(admin, "run-early", { any: true })).toBe("pending");
    const err = await refusal(lake.runQuery(analyst, { sql: ENDLESS, runId: "run-early" }));
    expect(err.code).toBe("CANCELLED");
    expect(history.last()).toMatchObject({ id: "run-early", status: "cancelled" });
  });

  it("refuses a query over its role's per-query or daily budget before it runs, naming the limit", async () => {
    const { lake, history } = reader();
    const sql = `SELECT * FROM ${table}`;
    const estimate = await lake.estimate(analyst, { sql });
    expect(estimate.bytes).toBeGreaterThan(100);
    expect(estimate.budget).toEqual({ perQuery: null, perDay: null, refusal: null });

    history.setBudget("analyst", { perQueryBytes: estimate.bytes - 100 });
    const perQuery = await refusal(lake.runQuery(analyst, { sql }));
    expect(perQuery.code).toBe("BUDGET_EXCEEDED");
    expect(perQuery.message).toMatch(/over the per-query limit of .* for the role analyst by 100 bytes/);
    expect(history.last()).toMatchObject({
      status: "failed",
      error: perQuery.message,
      estimatedBytes: estimate.bytes,
    });
    // Someone who also holds a role without a budget is not limited.
    expect(
      (await lake.runQuery({ userId: "u-both", roles: ["analyst", "engineer"] }, { sql })).rowCount,
    ).toBe(5);

    history.setBudget("analyst", { perDayBytes: estimate.bytes * 2 });
    await lake.runQuery(analyst, { sql });
    await lake.runQuery(analyst, { sql });
    const perDay = await refusal(lake.runQuery(analyst, { sql }));
    expect(perDay.code).toBe("BUDGET_EXCEEDED");
    expect(perDay.message).toMatch(
      /you have scanned today \(UTC\).*over the daily limit of .* for the role analyst by/,
    );
    expect(perDay.details).toMatchObject({ limit: "perDayBytes", role: "analyst" });
    const shown = await lake.estimate(analyst, { sql });
    expect(shown.budget.perDay).toMatchObject({ role: "analyst", limitBytes: estimate.bytes * 2 });
    expect(shown.budget.refusal).toMatch(/over the daily limit/);
  });

  it("estimates as the SQL is typed: tables, parameters with and without values", async () => {
    const { lake } = reader();
    const partial = await lake.estimate(analyst, {
      sql: `SELECT id FROM ${table} WHERE dt = {{day}} AND amount > {{min}}`,
      params: { min: { value: 3 } },
    });
    expect(partial.parameters).toEqual(["day", "min"]);
    expect(partial.missingParameters).toEqual(["day"]);
    expect(partial.tables.map((t) => t.name)).toEqual([table]);
    const err = await refusal(lake.estimate(analyst, { sql: "SELECT * FROM read_parquet('x')" }));
    expect(err.message).toMatch(/read_parquet\(\) is not allowed/);
  });

  it("records every read path: saved queries, CSV downloads, previews, latest events, events, dead letters", async () => {
    const { lake, history } = reader();
    await lake.runQuery(analyst, { sql: "SELECT 1 AS one", savedQueryId: "sq-1" });
    const csv = await lake.exportCsv(analyst, { sql: `SELECT id FROM ${table} ORDER BY id` });
    let text = "";
    for await (const chunk of csv.body) text += String(chunk);
    expect(text.trim().split("\n")).toEqual(["id", "a1", "a2", "b1", "b2", "r2'; DROP"]);
    await lake.previewTable(analyst, table);
    await lake.latestEvents(analyst, table);
    await lake.recentEvent(analyst, table, "a1");
    const letters = await lake.listDeadLetters(
      analyst,
      { sourceId: source.id, status: "open" },
      { limit: 5 },
    );
    expect(letters.items).toEqual([]);
    await refusal(lake.deadLetter(analyst, "missing"));
    expect(history.runs.map((r) => [r.path, r.status])).toEqual([
      ["saved", "succeeded"],
      ["csv", "succeeded"],
      ["preview", "succeeded"],
      ["latest_events", "succeeded"],
      ["event", "succeeded"],
      ["dead_letters", "succeeded"],
      ["dead_letters", "failed"],
    ]);
    expect(history.runs[0]).toMatchObject({ savedQueryId: "sq-1" });
    expect(history.runs[1]).toMatchObject({ rowCount: 5, tables: [{ name: table, snapshotSeq: 2 }] });
    expect(history.runs[2]).toMatchObject({ userId: "u-analyst", tables: [{ name: table, snapshotSeq: 2 }] });
  });

  it("streams a CSV of many rows without a row limit", async () => {
    const { lake } = reader();
    const csv = await lake.exportCsv(analyst, {
      sql: "SELECT range AS n, 'row ' || range AS label FROM range(300000)",
    });
    expect(csv.rows).toBe(300_000);
    let lines = 0;
    let last = "";
    for await (const chunk of csv.body) {
      const text = String(chunk);
      lines += text.split("\n").length - 1;
      last = text;
    }
    expect(lines).toBe(300_001);
    expect(last.trimEnd().split("\n").at(-1)).toBe("299999,row 299999");
  });
});
