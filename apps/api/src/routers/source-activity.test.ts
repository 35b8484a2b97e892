import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@inlet/db";
import { createObjectStore, PgCatalog, startWorker, type Worker } from "@inlet/lake-core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { listeningUrl } from "../listening-url";
import { minuteBuckets } from "../services/source-activity";
import { startTestServer, type TestServer } from "../testing/test-server";
import { inject } from "../testing/trpc-client";

let s: TestServer;
let catalog: PgCatalog;
let worker: Worker;
let lakeDir: string;
let baseUrl: string;

beforeAll(async () => {
  lakeDir = await mkdtemp(join(tmpdir(), "inlet-source-activity-"));
  const store = createObjectStore(`file://${lakeDir}`);
  s = await startTestServer({}, { register: dataPlaneRoutes() }, store);
  // Test events go in through this process's own ingest API, over HTTP, as producers send them.
  await s.app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = listeningUrl(s.app.server) ?? "";
  catalog = new PgCatalog(s.database.db);
  // A real worker on the same catalog, lake and queue commits what ingest accepts.
  worker = await startWorker({
    catalog,
    store,
    queue: s.queue,
    logger: pino({ level: "silent" }),
    config: {
      flushIntervalMs: 100,
      concurrency: 1,
      duckdbThreads: 1,
      landing: "off",
      compactIntervalMs: 0,
      vacuumIntervalMs: 0,
      strandedSweepIntervalMs: 0,
    },
  });
});
afterAll(async () => {
  await worker?.stop();
  await s?.close();
  if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
});

function query(path: string, input: unknown, role: Role = "engineer") {
  return inject(s, "query", path, input, role);
}

function mutate(path: string, input: unknown, role: Role = "engineer") {
  return inject(s, "mutation", path, input, role);
}

// biome-ignore lint/suspicious/noExplicitAny: tRPC answers are read as JSON in these tests
function data(res: { statusCode: number; json(): any }): any {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(200);
  return res.json().result.data.json;
}

const schema = {
  type: "object",
  properties: {
    id: { type: "string" },
    kind: { type: "string", enum: ["click", "view"] },
    at: { type: "string", format: "date-time" },
  },
  required: ["id", "kind"],
};

/** A new source (with its first key) registered through the API. */
async function newSource(slug: string): Promise<{ id: string; key: string }> {
  const created = data(
    await mutate("sources.create", {
      name: slug,
      slug,
      schema,
      idField: "id",
      timeField: "at",
      retentionDays: 30,
    }),
  );
  const source = await catalog.findSourceBySlug(slug);
  if (!source) throw new Error(`source ${slug} was not created`);
  return { id: source.id, key: created.apiKey.key };
}

/** A batch of one event received over HTTP for the source, registered straight in the catalog. */
function registerBatch(sourceId: string, id: string, more: { receivedAt?: Date } = {}) {
  return catalog.registerBatch({
    id,
    sourceId,
    rawKey: `raw/${id}`,
    origin: "http",
    eventCount: 1,
    bytes: 1,
    ...more,
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("minuteBuckets", () => {
  it("holds every minute of the window, zeros where the catalog has nothing", () => {
    const from = new Date("2026-01-01T10:00:00Z");
    const buckets = minuteBuckets(
      [{ minute: new Date("2026-01-01T10:02:00Z"), accepted: 4, deadLettered: 1 }],
      from,
      4,
    );
    expect(buckets.map((b) => [b.minute.toISOString().slice(11, 16), b.accepted, b.deadLettered])).toEqual([
      ["10:00", 0, 0],
      ["10:01", 0, 0],
      ["10:02", 4, 1],
      ["10:03", 0, 0],
    ]);
  });
});

describe("sources.activity and sources.freshness", () => {
  it("gives every minute of the last hour or day, zeros included, with totals", async () => {
    const src = await newSource("activity-buckets");
    const table = await catalog.ensureCuratedTable(
      { id: src.id, slug: "activity-buckets", schemaVersionId: undefined },
      (c) => c,
    );
    for (const id of ["ab-1", "ab-2", "ab-failed"]) await registerBatch(src.id, id);
    await catalog.markBatchesFailed(["ab-failed"]);
    await catalog.transaction((tx) =>
      tx.commitAppend({
        tableId: table.id,
        files: [],
        batchIds: ["ab-1", "ab-2"],
        counts: new Map([
          ["ab-1", { accepted: 5, rejected: 1, duplicates: 0 }],
          ["ab-2", { accepted: 7, rejected: 0, duplicates: 3 }],
        ]),
      }),
    );
    const letter = { sourceId: src.id, batchId: "ab-1", eventId: undefined, reason: "r", path: undefined };
    await catalog.recordDeadLetters([
      { ...letter, reasonCode: "SCHEMA_VIOLATION", payload: "{}", attempts: 1 },
      { ...letter, reasonCode: "SCHEMA_VIOLATION", payload: "{}", attempts: 1 },
    ]);

    const hour = data(await query("sources.activity", { slug: "activity-buckets", window: "1h" }));
    expect(hour.buckets).toHaveLength(60);
    const starts = hour.buckets.map((b: { minute: string }) => Date.parse(b.minute));
    expect(starts.every((t: number, i: number) => i === 0 || t - starts[i - 1] === 60_000)).toBe(true);
    expect(starts.every((t: number) => t % 60_000 === 0)).toBe(true);
    const now = Date.now();
    expect(starts.at(-1)).toBeLessThanOrEqual(now);
    expect(now - starts.at(-1)).toBeLessThan(120_000);
    expect(hour.totals).toEqual({ accepted: 12, deadLettered: 2 });
    const busy = hour.buckets.filter(
      (b: { accepted: number; deadLettered: number }) => b.accepted + b.deadLettered > 0,
    );
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeLessThanOrEqual(2);
    expect(hour.buckets.filter((b: { accepted: number }) => b.accepted === 0).length).toBeGreaterThanOrEqual(
      58,
    );

    const day = data(await query("sources.activity", { slug: "activity-buckets", window: "24h" }));
    expect(day.buckets).toHaveLength(1440);
    expect(day.totals).toEqual({ accepted: 12, deadLettered: 2 });
    expect(Date.parse(day.to) - Date.parse(day.from)).toBe(24 * 3_600_000);

    const quiet = data(await query("sources.activity", { slug: "orders", window: "1h" }, "oncall"));
    expect(quiet.totals).toEqual({ accepted: 0, deadLettered: 0 });
    expect(quiet.buckets.every((b: { accepted: number }) => b.accepted === 0)).toBe(true);
  });

  it("gives p50 and p99 of accept-to-commit latency over the last hour, and says when there were no batches", async () => {
    const src = await newSource("freshness-figures");
    const table = await catalog.ensureCuratedTable(
      { id: src.id, slug: "freshness-figures", schemaVersionId: undefined },
      (c) => c,
    );
    const ids = [1, 2, 3, 4, 5].map((n) => `ff-${n}`);
    for (const [i, id] of ids.entries())
      await registerBatch(src.id, id, { receivedAt: new Date(Date.now() - (i + 1) * 2_000) });
    const none = data(await query("sources.freshness", { slug: "freshness-figures" }));
    expect(none).toMatchObject({ batches: 0, p50Ms: null, p99Ms: null });
    await catalog.transaction((tx) =>
      tx.commitAppend({
        tableId: table.id,
        files: [],
        batchIds: ids,
        counts: new Map(ids.map((id) => [id, { accepted: 1, rejected: 0, duplicates: 0 }])),
      }),
    );
    const fresh = data(await query("sources.freshness", { slug: "freshness-figures" }, "oncall"));
    expect(fresh.batches).toBe(5);
    // 2, 4, 6, 8 and 10 s (plus the moments until the commit): median 6 s, p99 near 10 s.
    expect(fresh.p50Ms).toBeGreaterThanOrEqual(6_000);
    expect(fresh.p50Ms).toBeLessThan(8_000);
    expect(fresh.p99Ms).toBeGreaterThanOrEqual(9_920);
    expect(fresh.p99Ms).toBeLessThan(12_000);
  });

  it("is for engineers and on-call staff; an unknown source is a 404", async () => {
    for (const path of ["sources.activity", "sources.freshness", "sources.latestEvents", "sources.rejects"]) {
      expect((await query(path, { slug: "orders" }, "analyst")).statusCode, path).toBe(403);
      expect((await query(path, { slug: "orders" }, "governance")).statusCode, path).toBe(403);
      expect((await query(path, { slug: "nope" })).statusCode, path).toBe(404);
    }
    expect((await query("sources.activity", { slug: "orders", window: "7d" })).statusCode).toBe(400);
    expect((await query("sources.latestEvents", { slug: "orders", limit: 51 })).statusCode).toBe(400);
  });
});

describe("sources.latestEvents", () => {
  it("is empty for a source nothing was committed to yet", async () => {
    await newSource("latest-none");
    expect(data(await query("sources.latestEvents", { slug: "latest-none" }))).toMatchObject({
      rows: [],
    });
  });

  it("shows the newest events as they landed in curated, read through the LakeReader", async () => {
    const src = await newSource("latest-events");
    const post = (lines: object[]) =>
      fetch(`${baseUrl}/v1/sources/latest-events/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${src.key}`, "content-type": "application/x-ndjson" },
        body: lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
      });
    expect(
      (
        await post([
          { id: "e1", kind: "click" },
          { id: "e2", kind: "view" },
        ])
      ).status,
    ).toBe(202);
    await until("the first batch", async () =>
      data(await query("sources.latestEvents", { slug: "latest-events" })).rows.length === 2
        ? true
        : undefined,
    );
    expect((await post([{ id: "e3", kind: "click", at: "2020-01-01T00:00:00Z" }])).status).toBe(202);
    const latest = await until("the second batch", async () => {
      const out = data(await query("sources.latestEvents", { slug: "latest-events", limit: 2 }, "oncall"));
      return out.rows[0]?.id === "e3" ? out : undefined;
    });
    expect(latest.rows).toHaveLength(2);
    expect(latest.rows[0]).toMatchObject({ id: "e3", kind: "click", _event_id: "e3" });
    expect(latest.columns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(["id", "kind", "at", "_event_id", "_ingested_at", "dt"]),
    );
    expect(latest.table).toBe("curated.latest-events");
  });
});

describe("sources.sendTestEvent", () => {
  it("posts the sample source's example event through the ingest API and shows the row as it landed", async () => {
    const { event } = data(await query("sources.testEventExample", { slug: "orders" }));
    expect(event).toMatchObject({ currency: "EUR", status: "placed" });
    const out = data(await mutate("sources.sendTestEvent", { slug: "orders", event }));
    expect(out).toMatchObject({ outcome: "accepted", eventId: event.id });
    expect(out.row).toMatchObject({ id: event.id, customer_id: event.customer_id, _event_id: event.id });
    expect(out.columns.map((c: { name: string }) => c.name)).toContain("amount");

    // One audit row names the key, which was revoked right after the request.
    const audit = await s.database.db.prisma.auditLog.findFirstOrThrow({
      where: { action: "source.test_event" },
      orderBy: { id: "desc" },
    });
    expect(audit.actorEmail).toBe("engineer@inlet.local");
    const details = audit.details as { apiKeyId: string; eventId: string; source: string };
    expect([details.source, details.eventId]).toEqual(["orders", event.id]);
    const key = await s.database.db.prisma.apiKey.findUniqueOrThrow({ where: { id: details.apiKeyId } });
    expect(key.revokedAt).toBeInstanceOf(Date);
    expect(
      await s.database.db.prisma.apiKey.count({
        where: { revokedAt: null, name: { startsWith: "test event" } },
      }),
    ).toBe(0);

    const again = data(await mutate("sources.sendTestEvent", { slug: "orders", event }));
    expect(again).toMatchObject({ outcome: "duplicate", eventId: event.id });
  });

  it("says why an event was dead-lettered, and counts it among the source's rejects", async () => {
    const { event } = data(await query("sources.testEventExample", { slug: "orders" }));
    const out = data(
      await mutate("sources.sendTestEvent", { slug: "orders", event: { ...event, status: "lost" } }),
    );
    expect(out).toMatchObject({
      outcome: "dead_lettered",
      stage: "processing",
      eventId: event.id,
      reasonCode: "SCHEMA_VIOLATION",
      path: "/status",
    });
    expect(out.reason).toContain("placed");
    expect(out.deadLetterId).toEqual(expect.any(String));
    const rejects = data(await query("sources.rejects", { slug: "orders" }, "oncall"));
    expect(rejects.reasons).toContainEqual({ reasonCode: "SCHEMA_VIOLATION", count: 1 });
    expect(rejects.total).toBe(1);
    const activity = data(await query("sources.activity", { slug: "orders", window: "1h" }));
    expect(activity.totals).toEqual({ accepted: 1, deadLettered: 1 });

    // Sent again, it is a copy counted on the same open letter: the answer names that letter.
    const again = data(
      await mutate("sources.sendTestEvent", { slug: "orders", event: { ...event, status: "lost" } }),
    );
    expect(again).toMatchObject({
      outcome: "dead_lettered",
      deadLetterId: out.deadLetterId,
      reasonCode: "SCHEMA_VIOLATION",
      path: "/status",
    });
    const letter = await s.database.db.prisma.deadLetter.findUniqueOrThrow({
      where: { id: out.deadLetterId },
    });
    expect(letter.copies).toBe(2);
    expect(data(await query("sources.rejects", { slug: "orders" }, "oncall")).total).toBe(1);
  });

  it("shows a paused source's 409 as such, storing nothing", async () => {
    data(await mutate("sources.setStatus", { slug: "latest-none", status: "paused" }));
    const out = data(
      await mutate("sources.sendTestEvent", { slug: "latest-none", event: { id: "p1", kind: "click" } }),
    );
    expect(out).toMatchObject({ outcome: "refused", status: 409, code: "SOURCE_PAUSED" });
    expect(out.message).toMatch(/paused/i);
  });

  it("is for engineers (and admins) only, and takes a JSON object", async () => {
    for (const role of ["oncall", "analyst", "governance"] as const) {
      const res = await mutate("sources.sendTestEvent", { slug: "orders", event: { id: "x" } }, role);
      expect(res.statusCode, role).toBe(403);
      expect((await query("sources.testEventExample", { slug: "orders" }, role)).statusCode, role).toBe(403);
    }
    const bad = await mutate("sources.sendTestEvent", { slug: "orders", event: [1, 2] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.json.data.issues[0].path).toBe("event");
    const admin = await mutate("sources.sendTestEvent", { slug: "nope", event: { id: "x" } }, "admin");
    expect(admin.statusCode).toBe(404);
  });
});
