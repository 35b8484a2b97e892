import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@inlet/db";
import { LocalFsObjectStore, PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { batchesCommitted, sendEvents, TEST_WORKER_CONFIG, workUntil } from "../testing/lake-fixtures";
import { startTestServer, type TestServer } from "../testing/test-server";
import { type ProcedureKind, call as trpcCall } from "../testing/trpc-client";

let s: TestServer;
let dir: string;
let store: LocalFsObjectStore;
let key = "";

const SOURCE = "gold-orders";
const INPUT = `curated."${SOURCE}"`;
const DAILY = `SELECT dt, count(*) AS orders, sum(CAST(note AS INTEGER)) AS notes FROM ${INPUT} GROUP BY dt`;

function call(kind: ProcedureKind, path: string, input: unknown, role: Role) {
  return trpcCall(s, kind, path, input, role);
}

async function ok(kind: ProcedureKind, path: string, input: unknown, role: Role = "analyst") {
  const res = await call(kind, path, input, role);
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return res.data;
}

/** Sends the events and runs a worker (refreshing nothing itself) until their batch is committed. */
async function commit(events: { id: string; day: number; note: string }[]) {
  const batchId = await sendEvents(
    s,
    SOURCE,
    key,
    events.map((e) => ({ id: e.id, note: e.note, created_at: `2024-05-0${e.day}T10:00:00Z` })),
  );
  await workUntil(
    s,
    store,
    {
      ...TEST_WORKER_CONFIG,
      retentionIntervalMs: 0,
      analyticsRefreshIntervalMs: 0,
      tmpDir: join(dir, "tmp"),
    },
    "the batch committed",
    batchesCommitted(s, [batchId]),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-analytics-test-"));
  store = new LocalFsObjectStore(join(dir, "lake"), { fsync: false });
  s = await startTestServer({}, { register: dataPlaneRoutes() }, store);
  const created = await ok(
    "mutation",
    "sources.create",
    {
      name: "Gold orders",
      slug: SOURCE,
      schema: {
        type: "object",
        properties: {
          id: { type: "string" },
          note: { type: "string" },
          created_at: { type: "string", format: "date-time" },
        },
        required: ["id", "created_at"],
      },
      idField: "id",
      timeField: "created_at",
      retentionDays: 3650,
    },
    "engineer",
  );
  key = created.apiKey.key;
  await commit([
    { id: "a", day: 1, note: "1" },
    { id: "b", day: 1, note: "2" },
    { id: "c", day: 2, note: "4" },
  ]);
});
afterAll(async () => {
  await s?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("analytics tables through the API", () => {
  it("creates a table from SQL, materializes it at once and shows its definition, inputs and refresh", async () => {
    const created = await ok("mutation", "analytics.create", {
      name: "daily_orders",
      definition: DAILY,
      refreshMode: "on_commit",
    });
    expect(created.refresh).toMatchObject({ status: "refreshed", mode: "full", files: 2, error: null });
    expect(created.table).toMatchObject({
      name: "analytics.daily_orders",
      definition: DAILY,
      refreshMode: "on_commit",
      scheduleMinutes: null,
      inputs: [{ name: `curated.${SOURCE}`, zone: "curated", readSeq: 1, currentSeq: 1 }],
      lastRefresh: { status: "ok", error: null },
      incremental: { eligible: true, reason: null },
      partitionBy: ["dt"],
      createdBy: "analyst@inlet.local",
    });
    expect(created.table.snapshots.items[0]).toMatchObject({ seq: 1, operation: "refresh", addedFiles: 2 });

    // The tables browser lists it and shows its inputs and last refresh; people read it like any table.
    const list = await ok("query", "tables.list", { zone: "analytics" }, "governance");
    expect(list.tables.map((t: { name: string }) => t.name)).toContain("analytics.daily_orders");
    const table = await ok("query", "tables.get", { name: "analytics.daily_orders" }, "oncall");
    expect(table).toMatchObject({
      zone: "analytics",
      rows: 2,
      analytics: {
        definition: DAILY,
        inputs: [{ name: `curated.${SOURCE}`, readSeq: 1, currentSeq: 1 }],
        refreshMode: "on_commit",
        lastRefresh: { status: "ok", error: null },
      },
    });
    const curated = await ok("query", "tables.get", { name: `curated.${SOURCE}` });
    expect(curated.analytics).toBeNull();
    const preview = await ok("mutation", "queries.run", {
      sql: "SELECT dt, orders, notes FROM analytics.daily_orders ORDER BY dt",
    });
    expect(preview.rows).toEqual([
      { dt: "2024-05-01", orders: "2", notes: 3 },
      { dt: "2024-05-02", orders: "1", notes: 4 },
    ]);

    const audit = await s.database.db.prisma.auditLog.findFirst({ where: { action: "analytics.create" } });
    expect(audit).toMatchObject({ actorEmail: "analyst@inlet.local", targetType: "table" });
    const runs = await s.database.db.prisma.queryRun.findMany({ where: { path: "refresh" } });
    expect(runs.map((r) => [r.status, r.sql])).toContainEqual(["succeeded", DAILY]);
  });

  it("refuses bad SQL with its line and column, unknown tables by name, a taken name and a missing schedule", async () => {
    const syntax = await call(
      "mutation",
      "analytics.create",
      { name: "broken", definition: "SELECT dt,\n  count(* FROM x", refreshMode: "on_commit" },
      "analyst",
    );
    expect(syntax.status).toBe(400);
    expect(syntax.error.data.issues[0]).toMatchObject({ path: "definition", line: 2 });
    expect(syntax.error.data.issues[0].column).toBeGreaterThan(0);

    const copy = await call(
      "mutation",
      "analytics.create",
      { name: "copied", definition: `COPY (SELECT 1) TO '/tmp/x.csv'`, refreshMode: "on_commit" },
      "analyst",
    );
    expect([copy.status, copy.error.data.issues[0].path]).toEqual([400, "definition"]);
    expect(copy.error.message).toContain("COPY is not allowed");

    const unknown = await call(
      "mutation",
      "analytics.create",
      { name: "nowhere", definition: "SELECT count(*) FROM curated.nope", refreshMode: "on_commit" },
      "analyst",
    );
    expect([unknown.status, unknown.error.data.issues[0].path]).toEqual([400, "definition"]);
    expect(unknown.error.message).toContain("curated.nope");

    const parameterized = await call(
      "mutation",
      "analytics.create",
      { name: "per_day", definition: `SELECT * FROM ${INPUT} WHERE dt = {{day}}`, refreshMode: "on_commit" },
      "analyst",
    );
    expect([parameterized.status, parameterized.error.data.issues[0].path]).toEqual([400, "definition"]);
    expect(parameterized.error.message).toContain("{{day}}");

    const clash = await call(
      "mutation",
      "analytics.create",
      { name: "analytics.daily_orders", definition: DAILY, refreshMode: "on_commit" },
      "engineer",
    );
    expect([clash.status, clash.error.data.issues[0].path]).toEqual([409, "name"]);

    const noMinutes = await call(
      "mutation",
      "analytics.create",
      { name: "hourly", definition: DAILY, refreshMode: "schedule" },
      "analyst",
    );
    expect([noMinutes.status, noMinutes.error.data.issues[0].path]).toEqual([400, "scheduleMinutes"]);

    for (const role of ["governance", "oncall"] as const) {
      const refused = await call(
        "mutation",
        "analytics.create",
        { name: "theirs", definition: DAILY, refreshMode: "on_commit" },
        role,
      );
      expect(refused.status, role).toBe(403);
    }
    expect(await new PgCatalog(s.database.db).getAnalyticsTable("analytics.broken")).toBeUndefined();
  });

  it("refreshes incrementally on demand, and a failing refresh shows its error and keeps the last good snapshot", async () => {
    await commit([{ id: "d", day: 2, note: "8" }]);
    const refreshed = await ok("mutation", "analytics.refresh", { name: "daily_orders" });
    expect(refreshed.refresh).toMatchObject({
      status: "refreshed",
      mode: "incremental",
      partitions: ["dt=2024-05-02"],
    });
    expect(refreshed.table.inputs[0]).toMatchObject({ readSeq: 2, currentSeq: 2 });

    await commit([{ id: "e", day: 2, note: "not a number" }]);
    const failed = await ok("mutation", "analytics.refresh", { name: "daily_orders" }, "engineer");
    expect(failed.refresh.status).toBe("failed");
    expect(failed.refresh.error).toMatch(/Conversion Error/);
    expect(failed.table.lastRefresh).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/Conversion Error/),
    });
    expect(failed.table.inputs[0]).toMatchObject({ readSeq: 2, currentSeq: 3 });
    const table = await ok("query", "tables.get", { name: "analytics.daily_orders" });
    expect(table.analytics.lastRefresh.error).toMatch(/not a number/);
    expect(table.currentSeq).toBe(refreshed.table.currentSeq);
    const rows = await ok("mutation", "queries.run", {
      sql: "SELECT dt, orders, notes FROM analytics.daily_orders ORDER BY dt",
    });
    expect(rows.rows).toEqual([
      { dt: "2024-05-01", orders: "2", notes: 3 },
      { dt: "2024-05-02", orders: "2", notes: 12 },
    ]);
    const audits = await s.database.db.prisma.auditLog.findMany({ where: { action: "analytics.refresh" } });
    expect(audits.map((a) => (a.details as { status: string }).status).sort()).toEqual([
      "failed",
      "refreshed",
    ]);
  });

  it("changes the definition and schedule (refreshed whole at once), then drops the table", async () => {
    const fixed = `SELECT dt, count(*) AS orders FROM ${INPUT} GROUP BY dt`;
    const updated = await ok(
      "mutation",
      "analytics.update",
      { name: "daily_orders", definition: fixed, refreshMode: "schedule", scheduleMinutes: 15 },
      "engineer",
    );
    expect(updated.refresh).toMatchObject({ status: "refreshed", mode: "full" });
    expect(updated.table).toMatchObject({
      definition: fixed,
      refreshMode: "schedule",
      scheduleMinutes: 15,
      lastRefresh: { status: "ok", error: null },
      columns: [
        { name: "dt", type: "DATE" },
        { name: "orders", type: "BIGINT" },
      ],
    });
    const audit = await s.database.db.prisma.auditLog.findFirst({ where: { action: "analytics.update" } });
    expect(audit?.details).toMatchObject({
      before: { refreshMode: "on_commit" },
      after: { refreshMode: "schedule", scheduleMinutes: 15 },
    });

    const dropped = await ok("mutation", "analytics.delete", { name: "analytics.daily_orders" });
    expect(dropped).toMatchObject({ name: "analytics.daily_orders" });
    const gone = await call("query", "analytics.get", { name: "daily_orders" }, "analyst");
    expect(gone.status).toBe(404);
    expect((await call("query", "tables.get", { name: "analytics.daily_orders" }, "analyst")).status).toBe(
      404,
    );
    let left = 0;
    for await (const _ of store.list("analytics/daily_orders/")) left += 1;
    expect(left).toBe(0);
    expect(await s.database.db.prisma.auditLog.count({ where: { action: "analytics.delete" } })).toBe(1);
  });
});
