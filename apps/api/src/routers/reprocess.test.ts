import type { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEvents } from "../testing/lake-fixtures";
import { callersAs, ok, type ServerWithWorker, startServerWithWorker } from "../testing/server-with-worker";
import type { TestServer } from "../testing/test-server";
import { untilTrue } from "../testing/trpc-client";

let running: ServerWithWorker;
let s: TestServer;
let catalog: PgCatalog;

beforeAll(async () => {
  running = await startServerWithWorker("reprocess");
  s = running.server;
  catalog = running.catalog;
});
afterAll(async () => {
  await running?.close();
});

const { query, mutate } = callersAs(() => s, "oncall");

const strict = {
  type: "object",
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    note: { type: "string", maxLength: 5 },
    at: { type: "string", format: "date-time" },
  },
  required: ["id", "amount"],
};
const relaxed = { ...strict, properties: { ...strict.properties, note: { type: "string" } } };

async function newSource(slug: string): Promise<{ id: string; key: string }> {
  const created = ok(
    await mutate(
      "sources.create",
      { name: slug, slug, schema: strict, idField: "id", timeField: "at", retentionDays: 30 },
      "engineer",
    ),
  );
  const source = await catalog.findSourceBySlug(slug);
  if (!source) throw new Error(`source ${slug} was not created`);
  return { id: source.id, key: created.apiKey.key };
}

const at = new Date(Date.now() - 60_000).toISOString();
const event = (id: string, note: string) => ({ id, amount: 1, note, at });

async function sendAndWait(slug: string, key: string, events: unknown[]) {
  const batchId = await sendEvents(s, slug, key, events);
  await untilTrue(
    "batch committed",
    async () => (await catalog.batchStates([batchId])).get(batchId)?.status === "committed",
  );
}

async function jobEnded(id: string) {
  // biome-ignore lint/suspicious/noExplicitAny: read as JSON
  let job: any;
  await untilTrue("reprocess job ended", async () => {
    job = ok(await query("reprocess.get", { id }));
    return ["succeeded", "failed", "cancelled"].includes(job.status);
  });
  return job;
}

async function curatedIds(slug: string): Promise<string[]> {
  const rows = ok(await query("tables.preview", { table: `curated.${slug}` }, "engineer"));
  return (rows.rows as Record<string, unknown>[]).map((r) => String(r._event_id)).sort();
}

const range = () => ({
  from: new Date(Date.now() - 60 * 60_000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});

describe("reprocess router", () => {
  it("dry-runs then reprocesses a range after the schema is relaxed: the letters' events land once, audited", async () => {
    const src = await newSource("rpx");
    await sendAndWait("rpx", src.key, [event("x1", "ok"), event("x2", "much too long"), event("x3", "ok")]);
    expect(await curatedIds("rpx")).toEqual(["x1", "x3"]);
    ok(await mutate("schemas.register", { slug: "rpx", schema: relaxed }, "engineer"));

    const dry = ok(
      await mutate("reprocess.dryRun", { source: "rpx", ...range(), ratePerSecond: 1000 }, "engineer"),
    );
    expect(dry).toMatchObject({ dryRun: true, status: "queued", source: "rpx", ratePerSecond: 1000 });
    const dryDone = await jobEnded(dry.id);
    expect(dryDone.status).toBe("succeeded");
    expect(dryDone.result).toMatchObject({
      rowsChanged: 1,
      added: 1,
      deadLettered: 0,
      changed: 0,
      unchanged: 2,
    });
    expect(await curatedIds("rpx")).toEqual(["x1", "x3"]);

    const run = ok(await mutate("reprocess.start", { source: "rpx", ...range() }));
    const done = await jobEnded(run.id);
    expect(done).toMatchObject({ status: "succeeded", batchesDone: 1, batchesTotal: 1 });
    expect(done.result).toMatchObject({ added: 1, lettersResolved: 1 });
    expect(typeof done.snapshotSeq).toBe("number");
    expect(await curatedIds("rpx")).toEqual(["x1", "x2", "x3"]);
    const open = ok(await query("deadLetters.list", { source: "rpx", status: "open", limit: 10 }));
    expect(open.items).toEqual([]);

    const listed = ok(await query("reprocess.list", { source: "rpx" }));
    expect(listed.items.map((j: { id: string }) => j.id)).toEqual([run.id, dry.id]);
    const audited = await s.database.db.prisma.auditLog.findMany({
      where: { targetType: "reprocess_job" },
      orderBy: { id: "asc" },
    });
    expect(audited.map((a) => [a.action, a.targetId])).toEqual([
      ["reprocess.dryRun", dry.id],
      ["reprocess.start", run.id],
    ]);

    // An ended job cannot be cancelled.
    expect((await mutate("reprocess.cancel", { id: run.id })).status).toBe(409);
  });

  it("refuses analysts and governance, a bad rate or range, an unknown source, and a second job while one is queued", async () => {
    const src = await newSource("rpy");
    await sendAndWait("rpy", src.key, [event("y1", "long note"), event("y2", "ok"), event("y3", "ok")]);
    expect((await mutate("reprocess.dryRun", { source: "rpy" }, "analyst")).status).toBe(403);
    expect((await query("reprocess.list", {}, "governance")).status).toBe(403);
    expect((await mutate("reprocess.start", { source: "rpy", ratePerSecond: 0 })).status).toBe(400);
    const high = await mutate("reprocess.start", { source: "rpy", ratePerSecond: 50_000 });
    expect(high.status).toBe(400);
    expect(high.message).toContain("INLET_REPLAY_MAX_RATE");
    const backwards = await mutate("reprocess.start", {
      source: "rpy",
      from: "2026-01-02T00:00:00Z",
      to: "2026-01-01T00:00:00Z",
    });
    expect(backwards.status).toBe(400);
    expect(backwards.message).toContain("after from");
    const long = await mutate("reprocess.start", {
      source: "rpy",
      from: "2025-01-01T00:00:00Z",
      to: "2026-01-01T00:00:00Z",
    });
    expect(long.status).toBe(400);
    expect((await mutate("reprocess.start", { source: "nope" })).status).toBe(404);

    // The admin starts one (3 events at 1 event/s: it runs for seconds); a second is refused until it
    // ends or is cancelled, which on-call may do: nothing of it is committed.
    const before = await curatedIds("rpy");
    const first = ok(await mutate("reprocess.start", { source: "rpy", ratePerSecond: 1 }, "admin"));
    const second = await mutate("reprocess.dryRun", { source: "rpy" });
    expect(second.status).toBe(409);
    expect(second.message).toContain(first.id);
    const cancelled = ok(await mutate("reprocess.cancel", { id: first.id }));
    expect(cancelled.status).toBe("cancelled");
    const audited = await s.database.db.prisma.auditLog.findMany({ where: { action: "reprocess.cancel" } });
    expect(audited.map((a) => a.targetId)).toEqual([first.id]);
    await new Promise((r) => setTimeout(r, 3500));
    expect(ok(await query("reprocess.get", { id: first.id })).status).toBe("cancelled");
    expect(await curatedIds("rpy")).toEqual(before);
    ok(await mutate("reprocess.dryRun", { source: "rpy" }));
  });
});
