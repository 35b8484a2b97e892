import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalFsObjectStore } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { batchesCommitted, sendEvents, TEST_WORKER_CONFIG, workUntil } from "../testing/lake-fixtures";
import { startTestServer, type TestServer } from "../testing/test-server";
import { authHeader, call, untilTrue as waitUntil } from "../testing/trpc-client";

let s: TestServer;
let dir: string;
let store: LocalFsObjectStore;

type Who = "analyst" | "engineer" | "admin" | "governance" | "oncall";

const TABLE = 'curated."web-orders"';
const DAYS = ["2026-03-01", "2026-03-02"];
/** Events per day committed before the tests. */
const PER_DAY = 1500;
/** A query that only ends by being interrupted (a cross join of 10^12 rows). */
const ENDLESS =
  "SELECT count(*) AS n FROM range(1000000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3";

function auth(who: Who) {
  return authHeader(s, who);
}

function mutate(path: string, input: unknown, who: Who = "analyst") {
  return call(s, "mutation", path, input, who);
}

function query(path: string, input: unknown, who: Who = "analyst") {
  return call(s, "query", path, input, who);
}

// biome-ignore lint/suspicious/noExplicitAny: a test reads the answer's fields as it asserts them
function ok(res: { status: number; body: any }): any {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.result.data.json;
}

// biome-ignore lint/suspicious/noExplicitAny: as above
function refused(res: { status: number; body: any }, status: number): any {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body.error.json;
}

function untilTrue(label: string, check: () => Promise<boolean>): Promise<void> {
  return waitUntil(label, check, 60_000);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-queries-test-"));
  store = new LocalFsObjectStore(join(dir, "lake"), { fsync: false });
  s = await startTestServer({}, { register: dataPlaneRoutes() }, store);
  const created = ok(
    await mutate(
      "sources.create",
      {
        name: "Web orders",
        slug: "web-orders",
        schema: {
          type: "object",
          properties: {
            id: { type: "string" },
            amount: { type: "number" },
            note: { type: "string" },
            created_at: { type: "string", format: "date-time" },
          },
          required: ["id", "amount", "created_at"],
        },
        idField: "id",
        timeField: "created_at",
        retentionDays: 3650,
      },
      "engineer",
    ),
  );
  const key: string = created.apiKey.key;
  const batchIds: string[] = [];
  for (const day of DAYS) {
    const events = Array.from({ length: PER_DAY }, (_, i) => ({
      id: `${day}-${i}`,
      amount: i % 100,
      note: i === 7 ? "it's a '; DROP TABLE x; --" : `note ${i}`,
      created_at: `${day}T${String(i % 24).padStart(2, "0")}:00:00Z`,
    }));
    batchIds.push(await sendEvents(s, "web-orders", key, events));
  }
  await workUntil(
    s,
    store,
    { ...TEST_WORKER_CONFIG, tmpDir: join(dir, "tmp") },
    "both batches' commits",
    batchesCommitted(s, batchIds),
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await s?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("queries.run", () => {
  it("runs an analyst's SQL with a {{day}} parameter and answers with rows, bytes scanned, cost and the estimate", async () => {
    const res = ok(
      await mutate("queries.run", {
        sql: `SELECT dt, count(*) AS n, sum(amount) AS total FROM ${TABLE} WHERE dt = {{day}} GROUP BY dt`,
        params: { day: { type: "date", value: DAYS[1] } },
      }),
    );
    expect(res.columns.map((c: { name: string }) => c.name)).toEqual(["dt", "n", "total"]);
    expect(res.rows).toEqual([{ dt: DAYS[1], n: String(PER_DAY), total: 15 * 4950 }]);
    expect(res).toMatchObject({ rowCount: 1, truncated: false, tables: [{ name: "curated.web-orders" }] });
    expect(typeof res.runId).toBe("string");
    expect(res.bytesScanned).toBeGreaterThan(0);
    expect(res.costUsd).toBeGreaterThan(0);
    expect(res.estimate.tables[0]).toMatchObject({ name: "curated.web-orders", filesTotal: 2 });
  });

  it("keeps a quote or '; DROP in a parameter as data", async () => {
    const res = ok(
      await mutate("queries.run", {
        sql: `SELECT id, note FROM ${TABLE} WHERE note = {{note}}`,
        params: { note: "it's a '; DROP TABLE x; --" },
      }),
    );
    expect(res.rows.map((r: { note: string }) => r.note)).toEqual([
      "it's a '; DROP TABLE x; --",
      "it's a '; DROP TABLE x; --",
    ]);
  });

  it("answers a syntax error, an unknown column or table and a wrong-typed parameter with a 400 naming it", async () => {
    const syntax = refused(await mutate("queries.run", { sql: "SELECT 1,\n  2 +\nFROM x" }), 400);
    expect(syntax.data.issues).toEqual([{ path: "sql", message: syntax.message, line: 3, column: 1 }]);
    const table = refused(await mutate("queries.run", { sql: "SELECT * FROM curated.nope" }), 400);
    expect(table.message).toMatch(/Unknown table curated.nope/);
    const column = refused(await mutate("queries.run", { sql: `SELECT nope FROM ${TABLE}` }), 400);
    expect(column.message).toMatch(/"nope"/);
    expect(column.data.issues[0].path).toBe("sql");
    const param = refused(
      await mutate("queries.run", {
        sql: `SELECT * FROM ${TABLE} WHERE dt = {{day}}`,
        params: { day: { type: "date", value: "yesterday" } },
      }),
      400,
    );
    expect(param.data.issues).toEqual([{ path: "params.day", message: param.message }]);
    const guard = refused(await mutate("queries.run", { sql: "SELECT * FROM read_csv('/etc/passwd')" }), 400);
    expect(guard.message).toMatch(/read_csv\(\) is not allowed/);
  });

  it("is for analysts, engineers and admins", async () => {
    for (const who of ["governance", "oncall"] as const) {
      refused(await mutate("queries.run", { sql: "SELECT 1 AS one" }, who), 403);
    }
    for (const who of ["engineer", "admin"] as const) {
      expect(ok(await mutate("queries.run", { sql: "SELECT 1 AS one" }, who)).rows).toEqual([{ one: 1 }]);
    }
  });

  it("runs a saved query with its declared parameter types and records it as the saved path", async () => {
    const saved = ok(
      await mutate("savedQueries.create", {
        name: "Orders of a day",
        sql: `SELECT count(*) AS n FROM ${TABLE} WHERE dt = {{day}}`,
        parameters: [{ name: "day", type: "date", default: DAYS[0] }],
      }),
    );
    const byDefault = ok(
      await mutate("queries.run", {
        sql: `SELECT count(*) AS n FROM ${TABLE} WHERE dt = {{day}}`,
        savedQueryId: saved.id,
      }),
    );
    expect(byDefault.rows).toEqual([{ n: String(PER_DAY) }]);
    const other = ok(
      await mutate("queries.run", {
        sql: `SELECT count(*) AS n FROM ${TABLE} WHERE dt = {{day}}`,
        savedQueryId: saved.id,
        params: { day: "2026-03-09" },
      }),
    );
    expect(other.rows).toEqual([{ n: "0" }]);
    const wrong = refused(
      await mutate("queries.run", { sql: "SELECT {{day}}", savedQueryId: saved.id, params: { day: "soon" } }),
      400,
    );
    expect(wrong.message).toMatch(/{{day}} must be a date/);
    // Not shared with engineers: it does not exist for them.
    refused(await mutate("queries.run", { sql: "SELECT 1", savedQueryId: saved.id }, "engineer"), 404);
    const history = ok(await query("queries.history", { filters: { path: "saved" } }));
    expect(history.items[0]).toMatchObject({
      savedQuery: { id: saved.id, name: "Orders of a day" },
      status: "failed",
    });
    expect(history.items[1]).toMatchObject({ status: "succeeded", parameters: { day: "2026-03-09" } });
  });
});

describe("queries.estimate", () => {
  it("says which tables, partitions and columns a query reads and what it costs, before it runs", async () => {
    const est = ok(
      await query("queries.estimate", {
        sql: `SELECT id, amount FROM ${TABLE} WHERE dt = {{day}}`,
        params: { day: { type: "date", value: DAYS[0] } },
      }),
    );
    expect(est.tables).toHaveLength(1);
    expect(est.tables[0]).toMatchObject({ name: "curated.web-orders", filesTotal: 2 });
    expect(est.bytes).toBeGreaterThan(0);
    expect(est.costUsd).toBeGreaterThan(0);
    expect(est).toMatchObject({ parameters: ["day"], missingParameters: [] });
    expect(est.budget).toEqual({ perQuery: null, perDay: null, refusal: null });
    const typing = ok(await query("queries.estimate", { sql: `SELECT id FROM ${TABLE} WHERE dt = {{day}}` }));
    expect(typing.missingParameters).toEqual(["day"]);
    const broken = refused(await query("queries.estimate", { sql: "SELECT FROM WHERE" }), 400);
    expect(broken.data.issues[0]).toMatchObject({ path: "sql", line: 1 });
  });
});

describe("budgets", () => {
  it("are listed and set by admins only, each set audited", async () => {
    refused(await query("budgets.list", undefined, "analyst"), 403);
    refused(
      await mutate("budgets.set", { role: "analyst", perQueryBytes: 1, perDayBytes: null }, "analyst"),
      403,
    );
    const set = ok(
      await mutate(
        "budgets.set",
        { role: "engineer", perQueryBytes: 10 * 2 ** 30, perDayBytes: null },
        "admin",
      ),
    );
    expect(set).toMatchObject({
      role: "engineer",
      perQueryBytes: 10 * 2 ** 30,
      perDayBytes: null,
      updatedBy: "admin@inlet.local",
    });
    const list = ok(await query("budgets.list", undefined, "admin"));
    expect(list.map((b: { role: string }) => b.role)).toEqual([
      "admin",
      "engineer",
      "governance",
      "analyst",
      "oncall",
    ]);
    expect(list.find((b: { role: string }) => b.role === "analyst")).toMatchObject({
      perQueryBytes: null,
      perDayBytes: null,
    });
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "budget.set" },
      orderBy: { id: "desc" },
    });
    expect(audit).toMatchObject({
      actorEmail: "admin@inlet.local",
      targetId: "engineer",
      details: {
        before: { perQueryBytes: null, perDayBytes: null },
        after: { perQueryBytes: 10 * 2 ** 30, perDayBytes: null },
      },
    });
    refused(
      await mutate("budgets.set", { role: "analyst", perQueryBytes: -5, perDayBytes: null }, "admin"),
      400,
    );
    ok(await mutate("budgets.set", { role: "engineer", perQueryBytes: null, perDayBytes: null }, "admin"));
  });

  it("refuse a query over the role's per-query limit before it runs, naming the limit, the role and by how much", async () => {
    const sql = `SELECT * FROM ${TABLE}`;
    const est = ok(await query("queries.estimate", { sql }));
    ok(
      await mutate(
        "budgets.set",
        { role: "analyst", perQueryBytes: est.bytes - 1024, perDayBytes: null },
        "admin",
      ),
    );
    try {
      const shown = ok(await query("queries.estimate", { sql }));
      expect(shown.budget.perQuery).toEqual({ limitBytes: est.bytes - 1024, role: "analyst" });
      expect(shown.budget.refusal).toMatch(/over the per-query limit/);
      const err = refused(await mutate("queries.run", { sql }), 403);
      expect(err.data.inletCode).toBe("BUDGET_EXCEEDED");
      expect(err.message).toMatch(/over the per-query limit of .* for the role analyst by 1 KB/);
      const history = ok(await query("queries.history", { filters: { status: "failed" }, limit: 1 }));
      expect(history.items[0]).toMatchObject({ sql, error: err.message, estimatedBytes: est.bytes });
      // Narrowed to one day it fits.
      ok(await mutate("queries.run", { sql: `${sql} WHERE dt = '${DAYS[0]}'` }));
    } finally {
      ok(await mutate("budgets.set", { role: "analyst", perQueryBytes: null, perDayBytes: null }, "admin"));
    }
  });

  it("refuse a query that would take the day's bytes over the daily limit", async () => {
    const used = ok(await query("queries.estimate", { sql: "SELECT 1" })).budget;
    expect(used.perDay).toBeNull();
    ok(await mutate("budgets.set", { role: "analyst", perQueryBytes: null, perDayBytes: 1024 }, "admin"));
    try {
      const err = refused(await mutate("queries.run", { sql: `SELECT id FROM ${TABLE}` }), 403);
      expect(err.message).toMatch(
        /you have scanned today \(UTC\).*over the daily limit of 1 KB for the role analyst by/,
      );
      // The engineer's role has no budget: not limited.
      ok(await mutate("queries.run", { sql: `SELECT id FROM ${TABLE}` }, "engineer"));
    } finally {
      ok(await mutate("budgets.set", { role: "analyst", perQueryBytes: null, perDayBytes: null }, "admin"));
    }
  });
});

describe("queries.cancel", () => {
  it("cancels one's own running query (admins anyone's), and says when a run already ended", async () => {
    const runId = "cancel-me-0001";
    const running = mutate("queries.run", { sql: ENDLESS, runId });
    await untilTrue("the run to start", async () => {
      const h = ok(await query("queries.history", { filters: { status: "running" } }));
      return h.items.some((i: { id: string }) => i.id === runId);
    });
    refused(await mutate("queries.cancel", { runId }, "engineer"), 404);
    expect(ok(await mutate("queries.cancel", { runId }))).toEqual({
      runId,
      cancelled: true,
      status: "cancelling",
    });
    const err = refused(await running, 499);
    expect(err.message).toBe("The query was cancelled");
    expect(ok(await mutate("queries.cancel", { runId }))).toEqual({
      runId,
      cancelled: false,
      status: "cancelled",
    });
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "query.cancel", targetId: runId },
    });
    expect(audit).toMatchObject({ actorEmail: "analyst@inlet.local" });

    const adminRun = "cancel-by-admin-1";
    const second = mutate("queries.run", { sql: ENDLESS, runId: adminRun });
    await untilTrue("the second run to start", async () => {
      const h = ok(await query("queries.history", { filters: { status: "running" } }));
      return h.items.some((i: { id: string }) => i.id === adminRun);
    });
    expect(ok(await mutate("queries.cancel", { runId: adminRun }, "admin")).cancelled).toBe(true);
    refused(await second, 499);
  });
});

describe("a run's request", () => {
  it("cancels the run when it goes away", async () => {
    const address = await s.app.listen({ host: "127.0.0.1", port: 0 });
    const runId = "request-gone-01";
    const gone = new AbortController();
    const request = fetch(`${address}/trpc/queries.run`, {
      method: "POST",
      headers: { ...(await auth("analyst")), "content-type": "application/json" },
      body: JSON.stringify({ json: { sql: ENDLESS, runId } }),
      signal: gone.signal,
    }).catch(() => undefined);
    await untilTrue("the run to start", async () => {
      const h = ok(await query("queries.history", { filters: { status: "running" } }));
      return h.items.some((i: { id: string }) => i.id === runId);
    });
    gone.abort();
    await request;
    await untilTrue("the run to be cancelled", async () => {
      const h = ok(await query("queries.history", { filters: { status: "cancelled" } }));
      return h.items.some((i: { id: string }) => i.id === runId);
    });
  });

  it("may POST a query (methodOverride), so an estimate of long SQL needs no long URL", async () => {
    const sql = `SELECT id FROM ${TABLE} WHERE note <> '${"x".repeat(20_000)}'`;
    const res = await s.app.inject({
      method: "POST",
      url: "/trpc/queries.estimate",
      headers: { ...(await auth("analyst")), "content-type": "application/json" },
      payload: { json: { sql } },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.json().result.data.json.tables[0].name).toBe("curated.web-orders");
  });
});

describe("queries.history", () => {
  it("shows an analyst their own runs and an admin everyone's, filtered and paged newest first", async () => {
    ok(await mutate("queries.run", { sql: "SELECT 'history marker' AS m" }, "engineer"));
    const mine = ok(await query("queries.history", { limit: 200 }));
    expect(mine.items.length).toBeGreaterThan(3);
    expect(new Set(mine.items.map((i: { user: { email: string } }) => i.user.email))).toEqual(
      new Set(["analyst@inlet.local"]),
    );
    const first = mine.items[0];
    expect(Object.keys(first).sort()).toEqual(
      [
        "bytesScanned",
        "costUsd",
        "durationMs",
        "engine",
        "error",
        "estimatedBytes",
        "estimatedCostUsd",
        "finishedAt",
        "id",
        "parameters",
        "path",
        "rowCount",
        "savedQuery",
        "sql",
        "startedAt",
        "status",
        "tables",
        "user",
      ].sort(),
    );
    // An analyst's filter by someone else is ignored: still only their own.
    const notTheirs = ok(
      await query("queries.history", { filters: { user: "engineer@", text: "history marker" } }),
    );
    expect(notTheirs.items).toEqual([]);
    const admins = ok(
      await query("queries.history", { filters: { user: "engineer@", text: "HISTORY MARKER" } }, "admin"),
    );
    expect(admins.items).toHaveLength(1);
    expect(admins.items[0]).toMatchObject({
      path: "sql",
      status: "succeeded",
      rowCount: 1,
      user: { email: "engineer@inlet.local" },
    });

    const page1 = ok(await query("queries.history", { limit: 2 }));
    const page2 = ok(await query("queries.history", { limit: 2, cursor: page1.nextCursor }));
    expect(page1.items).toHaveLength(2);
    expect(page2.items[0].id).not.toBe(page1.items[1].id);
    expect(new Date(page2.items[0].startedAt).getTime()).toBeLessThanOrEqual(
      new Date(page1.items[1].startedAt).getTime(),
    );
    const windowed = ok(
      await query("queries.history", { filters: { from: new Date(Date.now() + 60_000).toISOString() } }),
    );
    expect(windowed.items).toEqual([]);
    refused(await query("queries.history", { cursor: "nonsense" }), 400);
  });

  it("records table previews too", async () => {
    ok(await query("tables.preview", { table: "curated.web-orders" }));
    const previews = ok(await query("queries.history", { filters: { path: "preview" } }));
    expect(previews.items[0]).toMatchObject({
      status: "succeeded",
      tables: [{ name: "curated.web-orders" }],
    });
  });
});

describe("GET /v1/queries/csv", () => {
  it("streams a whole result as CSV, beyond the runner's row cap, recorded in history", async () => {
    const sql = `SELECT d.id, d.amount, r.range AS copy FROM ${TABLE} d, range(50) r ORDER BY d.id, r.range`;
    const res = await s.app.inject({
      url: `/v1/queries/csv?sql=${encodeURIComponent(sql)}`,
      headers: await auth("analyst"),
    });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="query-.+\.csv"$/);
    const lines = res.body.trimEnd().split("\n");
    expect(lines).toHaveLength(2 * PER_DAY * 50 + 1);
    expect(lines[0]).toBe("id,amount,copy");
    expect(res.headers["x-row-count"]).toBe(String(2 * PER_DAY * 50));
    expect(Number(res.headers["x-bytes-scanned"])).toBeGreaterThan(0);
    const h = ok(await query("queries.history", { filters: { path: "csv" } }));
    expect(h.items[0]).toMatchObject({
      id: res.headers["x-query-run-id"],
      status: "succeeded",
      rowCount: 2 * PER_DAY * 50,
    });
  });

  it("takes POSTed SQL and parameters, and refuses as the runner does", async () => {
    const post = await s.app.inject({
      method: "POST",
      url: "/v1/queries/csv",
      headers: { ...(await auth("analyst")), "content-type": "application/json" },
      payload: {
        sql: `SELECT count(*) AS n FROM ${TABLE} WHERE dt = {{day}}`,
        params: { day: { type: "date", value: DAYS[0] } },
      },
    });
    expect(post.statusCode, post.body).toBe(200);
    expect(post.body).toBe(`n\n${PER_DAY}\n`);
    expect((await s.app.inject({ url: "/v1/queries/csv?sql=SELECT%201" })).statusCode).toBe(401);
    expect(
      (await s.app.inject({ url: "/v1/queries/csv?sql=SELECT%201", headers: await auth("oncall") }))
        .statusCode,
    ).toBe(403);
    // A bad query string names the parameter at fault.
    const twice = await s.app.inject({
      url: "/v1/queries/csv?sql=SELECT%201&sql=SELECT%202",
      headers: await auth("analyst"),
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.issues.map((i: { path: string }) => i.path)).toEqual(["sql"]);
    const bad = await s.app.inject({
      url: `/v1/queries/csv?sql=${encodeURIComponent("SELEC 1")}`,
      headers: await auth("analyst"),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: "BAD_REQUEST",
      issues: [{ path: "sql", line: 1, column: 1 }],
    });
    const copy = await s.app.inject({
      url: `/v1/queries/csv?sql=${encodeURIComponent("COPY (SELECT 1) TO '/tmp/x'")}`,
      headers: await auth("analyst"),
    });
    expect([copy.statusCode, copy.json().error.message]).toEqual([
      400,
      expect.stringMatching(/^COPY is not allowed/),
    ]);
    const params = await s.app.inject({
      url: "/v1/queries/csv?sql=SELECT%201&params=%7Bnot",
      headers: await auth("analyst"),
    });
    expect(params.statusCode).toBe(400);
    ok(await mutate("budgets.set", { role: "analyst", perQueryBytes: 1, perDayBytes: null }, "admin"));
    try {
      const over = await s.app.inject({
        url: `/v1/queries/csv?sql=${encodeURIComponent(`SELECT * FROM ${TABLE}`)}`,
        headers: await auth("analyst"),
      });
      expect(over.statusCode).toBe(403);
      expect(over.json().error).toMatchObject({
        code: "BUDGET_EXCEEDED",
        message: expect.stringMatching(/per-query limit of 1 byte for the role analyst/),
      });
    } finally {
      ok(await mutate("budgets.set", { role: "analyst", perQueryBytes: null, perDayBytes: null }, "admin"));
    }
  });
});
