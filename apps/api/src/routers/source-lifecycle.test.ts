import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { startTestServer, type TestServer } from "../testing/test-server";

let s: TestServer;
let catalog: PgCatalog;

beforeAll(async () => {
  s = await startTestServer({}, { register: dataPlaneRoutes() });
  catalog = new PgCatalog(s.database.db);
});
afterAll(async () => {
  await s?.close();
});

const schema = {
  type: "object",
  properties: { id: { type: "string" }, time: { type: "string", format: "date-time" } },
  required: ["id"],
};

async function call(procedure: string, input: unknown, role: "engineer" | "analyst" = "engineer") {
  return s.app.inject({
    method: "POST",
    url: `/trpc/${procedure}`,
    headers: { authorization: `Bearer ${await s.tokenFor(role)}`, "content-type": "application/json" },
    payload: { json: input },
  });
}

async function register(slug: string): Promise<string> {
  const res = await call("sources.create", { name: slug, slug, schema, idField: "id", timeField: "time" });
  expect(res.statusCode).toBe(200);
  return res.json().result.data.json.apiKey.key;
}

function ingest(slug: string, key: string) {
  return s.app.inject({
    method: "POST",
    url: `/v1/sources/${slug}/events`,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    payload: `${JSON.stringify({ id: "e1", time: "2024-05-01T00:00:00Z" })}\n`,
  });
}

/** The raw batches (the bodies as sent), without the accept-time judgement record stored beside each. */
const rawBatches = (keys: string[]) => keys.filter((k) => !k.endsWith(".judged.json"));

async function rawObjects(slug: string): Promise<string[]> {
  const store = (await import("@inlet/lake-core")).createObjectStore(`file://${s.config.dataDir}/lake`);
  const keys: string[] = [];
  for await (const o of store.list(`raw/${slug}/`)) keys.push(o.key);
  return keys;
}

describe("a source's lifecycle", () => {
  it("asks for the slug typed again, naming the field, and deletes nothing without it", async () => {
    await register("typo-guard");
    const res = await call("sources.delete", { slug: "typo-guard", confirm: "typo-gaurd", data: "purge" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.json.data.issues).toEqual([
      { path: "confirm", message: "Type the source's slug 'typo-guard' to confirm" },
    ]);
    expect(await catalog.findSourceBySlug("typo-guard")).toBeDefined();
  });

  it("is for engineers only", async () => {
    const res = await call(
      "sources.delete",
      { slug: "typo-guard", confirm: "typo-guard", data: "keep" },
      "analyst",
    );
    expect(res.statusCode).toBe(403);
    expect(await catalog.findSourceBySlug("typo-guard")).toBeDefined();
  });

  it("keep: the key stops at once, the table stays queryable without a source, and the slug stays taken", async () => {
    const key = await register("kept-orders");
    expect((await ingest("kept-orders", key)).statusCode).toBe(202);

    const res = await call("sources.delete", { slug: "kept-orders", confirm: "kept-orders", data: "keep" });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.data.json).toMatchObject({
      slug: "kept-orders",
      data: "keep",
      keptTable: "curated.kept-orders",
      keysStopped: 1,
      purged: null,
    });
    // Refused on the very next request, although the key was looked up a moment ago.
    const after = await ingest("kept-orders", key);
    expect(after.statusCode).toBe(401);
    expect(await catalog.findSourceBySlug("kept-orders")).toBeUndefined();
    expect(await catalog.describeTable("curated.kept-orders")).toMatchObject({ sourceId: undefined });
    expect(rawBatches(await rawObjects("kept-orders"))).toHaveLength(1);

    const audit = await s.database.db.prisma.auditLog.findFirst({ where: { action: "source.delete" } });
    expect(audit?.details).toMatchObject({ source: "kept-orders", data: "keep", keysStopped: 1 });

    // The registration form is told so as the slug is typed, before it is sent.
    const check = await s.app.inject({
      url: `/trpc/sources.slugAvailable?input=${encodeURIComponent(JSON.stringify({ json: { slug: "kept-orders" } }))}`,
      headers: { authorization: `Bearer ${await s.tokenFor("engineer")}` },
    });
    expect(check.json().result.data.json).toEqual({ slug: "kept-orders", available: false });
    const again = await call("sources.create", {
      name: "again",
      slug: "kept-orders",
      schema,
      idField: "id",
      timeField: "time",
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.json.data.issues[0]).toMatchObject({
      path: "slug",
      message: expect.stringContaining("kept from a deleted source"),
    });
  });

  it("purge: the table, dead letters and objects go, and the slug can be registered again", async () => {
    const key = await register("purged-orders");
    expect((await ingest("purged-orders", key)).statusCode).toBe(202);
    const bad = await s.app.inject({
      method: "POST",
      url: "/v1/sources/purged-orders/events",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
      payload: "{not json\n",
    });
    expect(bad.statusCode).toBe(400);
    const letters = { where: { payload: { contains: "{not json" } } };
    expect(await s.database.db.prisma.deadLetter.count(letters)).toBe(1);
    expect(rawBatches(await rawObjects("purged-orders"))).toHaveLength(1);

    const res = await call("sources.delete", {
      slug: "purged-orders",
      confirm: "purged-orders",
      data: "purge",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.data.json).toMatchObject({
      data: "purge",
      keptTable: null,
      // The raw batch and the judgement record the API stored beside it.
      purged: { objects: 2 },
    });
    expect(await rawObjects("purged-orders")).toEqual([]);
    expect(await catalog.describeTable("curated.purged-orders")).toBeUndefined();
    expect(await s.database.db.prisma.deadLetter.count(letters)).toBe(0);
    expect((await ingest("purged-orders", key)).statusCode).toBe(401);
    await register("purged-orders");
  });

  it("sets retention, raw retention and archive age, refusing 0 or 100 years by field, and audits before and after", async () => {
    await register("tuned-orders");
    const bad = await call("sources.updateLifecycle", {
      slug: "tuned-orders",
      retentionDays: 0,
      rawRetentionDays: 36500,
      rawArchiveDays: null,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.json.data.issues).toEqual([
      { path: "retentionDays", message: "must be at least 1 day" },
      { path: "rawRetentionDays", message: "must be at most 3,650 days (10 years)" },
    ]);
    const res = await call("sources.updateLifecycle", {
      slug: "tuned-orders",
      retentionDays: 90,
      rawRetentionDays: 7,
      rawArchiveDays: 3,
    });
    expect(res.statusCode).toBe(200);
    expect(await catalog.findSourceBySlug("tuned-orders")).toMatchObject({
      retentionDays: 90,
      rawRetentionDays: 7,
      rawArchiveDays: 3,
    });
    const audit = await s.database.db.prisma.auditLog.findFirst({ where: { action: "source.lifecycle" } });
    expect(audit?.details).toMatchObject({
      source: "tuned-orders",
      before: { retentionDays: 365, rawRetentionDays: 30, rawArchiveDays: null },
      after: { retentionDays: 90, rawRetentionDays: 7, rawArchiveDays: 3 },
    });
    const refused = await call(
      "sources.updateLifecycle",
      { slug: "tuned-orders", retentionDays: 1, rawRetentionDays: 1, rawArchiveDays: null },
      "analyst",
    );
    expect(refused.statusCode).toBe(403);
  });

  it("sets the dedupe window from 1 hour to 90 days, keeps it when not given, and audits it", async () => {
    await register("windowed-orders");
    expect((await catalog.findSourceBySlug("windowed-orders"))?.dedupeWindowHours).toBe(168);
    const lifecycle = {
      slug: "windowed-orders",
      retentionDays: 365,
      rawRetentionDays: 30,
      rawArchiveDays: null,
    };
    for (const [hours, message] of [
      [0, "must be at least 1 hour"],
      [2161, "must be at most 2,160 hours (90 days)"],
      [1.5, "must be a whole number of hours"],
    ] as const) {
      const bad = await call("sources.updateLifecycle", { ...lifecycle, dedupeWindowHours: hours });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.json.data.issues).toEqual([{ path: "dedupeWindowHours", message }]);
    }
    expect((await call("sources.updateLifecycle", { ...lifecycle, dedupeWindowHours: 24 })).statusCode).toBe(
      200,
    );
    expect((await catalog.findSourceBySlug("windowed-orders"))?.dedupeWindowHours).toBe(24);
    const page = await s.app.inject({
      method: "GET",
      url: `/trpc/sources.get?input=${encodeURIComponent(JSON.stringify({ json: { slug: "windowed-orders" } }))}`,
      headers: { authorization: `Bearer ${await s.tokenFor("engineer")}` },
    });
    expect(page.json().result.data.json.dedupeWindowHours).toBe(24);
    expect((await call("sources.updateLifecycle", { ...lifecycle, retentionDays: 30 })).statusCode).toBe(200);
    expect((await catalog.findSourceBySlug("windowed-orders"))?.dedupeWindowHours).toBe(24);
    const audits = await s.database.db.prisma.auditLog.findMany({
      where: { action: "source.lifecycle", targetType: "source" },
      orderBy: { id: "asc" },
    });
    expect(audits.at(-2)?.details).toMatchObject({
      before: { dedupeWindowHours: 168 },
      after: { dedupeWindowHours: 24 },
    });
  });
});
