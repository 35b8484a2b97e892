import { statSync } from "node:fs";
import { join } from "node:path";
import { hashApiKey } from "@inlet/db";
import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { inject, issuesOf } from "../testing/trpc-client";

let s: TestServer;
let catalog: PgCatalog;

beforeAll(async () => {
  s = await startTestServer();
  catalog = new PgCatalog(s.database.db);
});
afterAll(async () => {
  await s?.close();
});

const schema = {
  type: "object",
  properties: {
    order_id: { type: "string" },
    amount: { type: "number" },
    status: { type: "string", enum: ["paid", "refunded"] },
    placed_at: { type: "string", format: "date-time" },
  },
  required: ["order_id", "amount"],
};

function registration(slug: string, overrides: Record<string, unknown> = {}) {
  return {
    name: "Checkout orders",
    slug,
    schema,
    idField: "order_id",
    timeField: "placed_at",
    retentionDays: 30,
    ...overrides,
  };
}

function create(input: unknown, role: "engineer" | "analyst" = "engineer") {
  return inject(s, "mutation", "sources.create", input, role);
}

describe("sources.create", () => {
  it("registers a source with its schema, table and a first key shown once, and audits it", async () => {
    const res = await create(registration("checkout-orders"));
    expect(res.statusCode).toBe(200);
    const out = res.json().result.data.json;
    expect(out).toMatchObject({
      slug: "checkout-orders",
      name: "Checkout orders",
      schemaVersion: 1,
      table: "curated.checkout-orders",
      ingestUrl: expect.stringMatching(/\/v1\/sources\/checkout-orders\/events$/),
    });
    // On a local lake its landing folder is there at once, for files dropped for it.
    expect(statSync(join(s.config.dataDir, "lake", "landing", "checkout-orders")).isDirectory()).toBe(true);
    const source = await catalog.findSourceBySlug("checkout-orders");
    expect(source).toMatchObject({
      idField: "order_id",
      timeField: "placed_at",
      jsonSchema: schema,
      status: "active",
    });
    const table = await catalog.tableSnapshot("curated.checkout-orders");
    expect(table?.columns.slice(0, 4).map((c) => `${c.name} ${c.type}`)).toEqual([
      "order_id VARCHAR",
      "amount DOUBLE",
      "status VARCHAR",
      "placed_at TIMESTAMPTZ",
    ]);
    const key = await s.database.db.prisma.apiKey.findUnique({
      where: { keyHash: hashApiKey(out.apiKey.key) },
    });
    expect(key?.sourceId).toBe(source?.id);
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "source.create", targetId: source?.id },
    });
    expect(audit?.actorEmail).toBe("engineer@inlet.local");
    // The schema reads back as it was written, though the catalog keeps it as jsonb (keys sorted).
    const got = await inject(s, "query", "sources.get", { slug: "checkout-orders" }, "engineer");
    const shown = got.json().result.data.json.schema.jsonSchema;
    expect(Object.keys(shown)).toEqual(["type", "properties", "required"]);
    expect(Object.keys(shown.properties)).toEqual(["order_id", "amount", "status", "placed_at"]);
  });

  it("registers a schemaless source whose payload is kept whole", async () => {
    const res = await create(registration("raw-clicks", { schema: null, idField: "id", timeField: "time" }));
    expect(res.statusCode).toBe(200);
    expect(res.json().result.data.json.schemaVersion).toBeNull();
    const table = await catalog.tableSnapshot("curated.raw-clicks");
    expect(table?.columns.map((c) => c.name)).toContain("_payload");
  });

  it("registers a source whose events have no time field: each is stored at the time it is received", async () => {
    const res = await create(registration("no-time", { timeField: null }));
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json().result.data.json;
    expect(await catalog.findSourceBySlug("no-time")).toMatchObject({ timeField: "" });
    // The example event it shows sends no field named after an absent time field.
    expect(JSON.stringify(out.examples)).not.toContain('\\"\\":');
    // A time field the schema does not declare is still refused, naming the field.
    const wrong = await create(registration("wrong-time", { timeField: "when" }));
    expect(wrong.statusCode).toBe(400);
    expect(issuesOf(wrong).map((i) => i.path)).toEqual(["timeField"]);
  });

  it("refuses a taken slug with a 409 naming the slug, and says so before the form is sent", async () => {
    expect((await create(registration("taken-slug"))).statusCode).toBe(200);
    const again = await create(registration("taken-slug", { name: "Another" }));
    expect(again.statusCode).toBe(409);
    expect(issuesOf(again)).toEqual([
      { path: "slug", message: "A source with slug 'taken-slug' exists already" },
    ]);
    const check = await s.app.inject({
      url: `/trpc/sources.slugAvailable?input=${encodeURIComponent(JSON.stringify({ json: { slug: "taken-slug" } }))}`,
      headers: { authorization: `Bearer ${await s.tokenFor("engineer")}` },
    });
    expect(check.json().result.data.json).toEqual({ slug: "taken-slug", available: false });
  });

  it.each([
    [
      "an invalid JSON Schema",
      { schema: { type: "object", properties: { a: { type: "strin" } } } },
      "schema",
    ],
    ["an event-id field the schema does not declare", { idField: "id" }, "idField"],
    ["an event-time field the schema does not declare", { timeField: "ts" }, "timeField"],
    ["a slug outside a-z, 0-9 and -", { slug: "Bad_Slug" }, "slug"],
    ["the reserved slug 'new' (the console's page for registering)", { slug: "new" }, "slug"],
    ["a retention of 0 days", { retentionDays: 0 }, "retentionDays"],
    ["a retention of 100 years", { retentionDays: 36_500 }, "retentionDays"],
    ["an empty name", { name: "  " }, "name"],
  ])("refuses %s with a 400 naming the field, creating nothing", async (_what, overrides, field) => {
    const slug = `bad-${field.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await create(registration(slug, overrides));
    expect(res.statusCode).toBe(400);
    expect(issuesOf(res).map((i) => i.path)).toContain(field);
    expect(await catalog.findSourceBySlug(slug)).toBeUndefined();
  });

  it("is for engineers (and admins) only", async () => {
    const res = await create(registration("not-mine"), "analyst");
    expect(res.statusCode).toBe(403);
    expect(await catalog.findSourceBySlug("not-mine")).toBeUndefined();
  });
});
