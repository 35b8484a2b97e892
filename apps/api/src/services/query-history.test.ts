import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryHistoryStore } from "./query-history";

let t: TestDatabase;
let store: QueryHistoryStore;
let userId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  store = new QueryHistoryStore(t.db);
  userId = (
    await t.db.prisma.user.create({ data: { email: "h@inlet.local", name: "H", roles: ["analyst"] } })
  ).id;
});
afterAll(async () => {
  await t?.drop();
});

function start(path: string, sql: string) {
  return store.start({
    userId,
    path: path as "sql",
    sql,
    parameters: { day: "2026-01-02" },
    tables: [{ name: "curated.orders", snapshotSeq: 3 }],
    engine: "duckdb",
    estimatedBytes: 100,
    estimatedCostUsd: 0.5,
    startedAt: new Date("2026-12-05T10:00:00.000Z"),
  });
}

describe("QueryHistoryStore.finish", () => {
  it("records a run's end and audits it with the tables it read, in UTC", async () => {
    const sql = `SELECT '${"x".repeat(4100)}'`;
    const id = await start("sql", sql);
    const tables = [{ name: "curated.orders", snapshotSeq: 3, columns: ["id", "amount"] }];
    await store.finish(id, {
      status: "succeeded",
      rowCount: 7,
      bytesScanned: 123_456_789_012,
      costUsd: 0.00061234,
      durationMs: 41.6,
      estimatedBytes: 120_000,
      estimatedCostUsd: 0.0006,
      tables,
      finishedAt: new Date("2026-12-05T10:00:01.250Z"),
    });
    const run = await t.db.prisma.queryRun.findUniqueOrThrow({ where: { id } });
    expect(run).toMatchObject({
      status: "succeeded",
      rowCount: 7,
      bytesScanned: 123_456_789_012n,
      durationMs: 42,
      error: null,
      estimatedBytes: 120_000n,
      tables,
      finishedAt: new Date("2026-12-05T10:00:01.250Z"),
    });
    expect(run.costUsd?.toString()).toBe("0.00061234");
    expect(run.estimatedCostUsd?.toString()).toBe("0.0006");
    const audit = await t.db.prisma.auditLog.findFirstOrThrow({ where: { targetId: id } });
    expect(audit).toMatchObject({
      actorId: userId,
      actorEmail: "h@inlet.local",
      action: "query.run",
      targetType: "query_run",
    });
    expect(Math.abs(audit.at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(audit.details).toEqual({
      path: "sql",
      sql: `${sql.slice(0, 4000)}…`,
      tables,
      status: "succeeded",
      rows: 7,
    });
  });

  it("keeps the estimate and tables a failed run's end does not give, and audits the error", async () => {
    const id = await start("saved", "SELECT nope");
    await store.finish(id, {
      status: "failed",
      error: "Referenced column nope not found",
      durationMs: 3,
      finishedAt: new Date("2026-12-05T10:00:02.000Z"),
    });
    const run = await t.db.prisma.queryRun.findUniqueOrThrow({ where: { id } });
    expect(run).toMatchObject({
      status: "failed",
      rowCount: null,
      bytesScanned: null,
      costUsd: null,
      estimatedBytes: 100n,
      tables: [{ name: "curated.orders", snapshotSeq: 3 }],
    });
    expect(run.estimatedCostUsd?.toString()).toBe("0.5");
    const audit = await t.db.prisma.auditLog.findFirstOrThrow({ where: { targetId: id } });
    expect(audit.action).toBe("query.failed");
    expect(audit.details).toEqual({
      path: "saved",
      sql: "SELECT nope",
      tables: [{ name: "curated.orders", snapshotSeq: 3 }],
      status: "failed",
      rows: null,
      error: "Referenced column nope not found",
    });
  });

  it("audits a latest-events poll only when it fails, and refuses an unknown run", async () => {
    const ok = await start("latest_events", "SELECT * FROM curated.orders LIMIT 50");
    await store.finish(ok, { status: "succeeded", rowCount: 50, durationMs: 1, finishedAt: new Date() });
    const bad = await start("latest_events", "SELECT * FROM curated.orders LIMIT 50");
    await store.finish(bad, { status: "cancelled", error: "stopped", durationMs: 1, finishedAt: new Date() });
    const audited = await t.db.prisma.auditLog.findMany({ where: { targetId: { in: [ok, bad] } } });
    expect(audited.map((a) => [a.targetId, a.action])).toEqual([[bad, "query.cancelled"]]);
    await expect(
      store.finish("no-such-run", { status: "succeeded", durationMs: 1, finishedAt: new Date() }),
    ).rejects.toThrow(/No query run with id 'no-such-run'/);
  });
});
