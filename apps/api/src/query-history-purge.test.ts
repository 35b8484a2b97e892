import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeQueryHistory } from "./query-history-purge";
import { QueryHistoryStore } from "./services/query-history";

let t: TestDatabase;
let store: QueryHistoryStore;
let userId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  store = new QueryHistoryStore(t.db);
  userId = (
    await t.db.prisma.user.create({ data: { email: "a@inlet.local", name: "A", roles: ["analyst"] } })
  ).id;
});
afterAll(async () => {
  await t?.drop();
});

const DAY = 86_400_000;

async function run(startedAt: Date, finished: boolean): Promise<string> {
  const id = await store.start({
    userId,
    path: "sql",
    sql: "SELECT 1",
    parameters: {},
    tables: [],
    engine: "duckdb",
    startedAt,
  });
  if (finished) {
    await store.finish(id, {
      status: "succeeded",
      rowCount: 1,
      bytesScanned: 10,
      durationMs: 1,
      finishedAt: startedAt,
    });
  }
  return id;
}

describe("the query history purge", () => {
  it("deletes runs older than the days kept and fails runs left running past the time limit", async () => {
    const now = new Date("2026-12-05T12:00:00Z");
    const old = await run(new Date(now.getTime() - 91 * DAY), true);
    const kept = await run(new Date(now.getTime() - 89 * DAY), true);
    const abandoned = await run(new Date(now.getTime() - 60 * 60_000), false);
    const running = await run(new Date(now.getTime() - 30_000), false);

    const result = await purgeQueryHistory(store, { days: 90, timeoutMs: 60_000, now: () => now });
    expect(result).toEqual({ deleted: 1, abandoned: 1 });
    const rows = await t.db.prisma.queryRun.findMany({ select: { id: true, status: true, error: true } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.has(old)).toBe(false);
    expect(byId.get(kept)?.status).toBe("succeeded");
    expect(byId.get(abandoned)).toMatchObject({
      status: "failed",
      error: "The query's server stopped while it ran",
    });
    expect(byId.get(running)?.status).toBe("running");
  });

  it("counts a person's bytes scanned since a time for the daily budget", async () => {
    const since = new Date(Date.now() - 60_000);
    await run(new Date(), true);
    await run(new Date(), true);
    expect(await store.bytesScannedSince(userId, since)).toBe(20);
  });
});
