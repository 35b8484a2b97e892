import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call as trpcCall } from "../testing/trpc-client";

let s: TestServer;
let catalog: PgCatalog;

beforeAll(async () => {
  s = await startTestServer();
  catalog = new PgCatalog(s.database.db);
});
afterAll(async () => {
  await s?.close();
});

type Role = "engineer" | "analyst" | "governance" | "oncall" | "admin";

const V1 = {
  type: "object",
  properties: {
    order_id: { type: "string" },
    amount: { type: "number" },
    status: { type: "string", enum: ["paid", "refunded"] },
    placed_at: { type: "string", format: "date-time" },
  },
  required: ["order_id", "amount"],
};

/** V1 with some properties replaced or added, and more top-level keywords. */
function v1With(props: Record<string, unknown>, more: Record<string, unknown> = {}) {
  return { ...V1, properties: { ...V1.properties, ...props }, ...more };
}

interface VersionRow {
  version: number;
  active: boolean;
  createdAt: string;
  compatibility: string;
}

async function call<T = Record<string, unknown>>(procedure: string, input: unknown, role: Role = "engineer") {
  const kind = /\.(list|get|diff)$/.test(procedure) ? "query" : "mutation";
  const res = await trpcCall(s, kind, procedure, input, role);
  return { status: res.status, data: (res.data ?? {}) as T, message: res.message, issues: res.issues };
}

async function newSource(): Promise<string> {
  const slug = `orders-${Math.random().toString(36).slice(2, 8)}`;
  const res = await call("sources.create", {
    name: "Orders",
    slug,
    schema: V1,
    idField: "order_id",
    timeField: "placed_at",
    retentionDays: 30,
  });
  expect(res.status).toBe(200);
  return slug;
}

async function auditRows(action: string, sourceSlug: string) {
  const rows = await s.database.db.prisma.auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });
  return rows.filter((r) => (r.details as { source?: string }).source === sourceSlug);
}

describe("schemas router", () => {
  it("lists a source's versions with who registered each, when, the mode and which is active", async () => {
    const slug = await newSource();
    const list = await call<{ versions: VersionRow[] }>("schemas.list", { slug }, "oncall");
    expect(list.status).toBe(200);
    expect(list.data).toMatchObject({
      slug,
      compatibility: "backward",
      activeVersion: 1,
      versions: [{ version: 1, createdBy: "engineer@inlet.local", compatibility: "backward", active: true }],
    });
    expect(new Date(list.data.versions[0]?.createdAt ?? 0).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const one = await call("schemas.get", { slug, version: 1 }, "governance");
    expect(one.data).toMatchObject({ version: 1, jsonSchema: V1, active: true });
    const missing = await call("schemas.get", { slug, version: 7 });
    expect([missing.status, missing.message]).toEqual([404, `Source '${slug}' has no schema version 7`]);
    expect((await call("schemas.list", { slug: "no-such-source" })).status).toBe(404);
  });

  it("registers a new optional field: the curated table grows a column at once, and the change is audited", async () => {
    const slug = await newSource();
    const v2 = v1With({ coupon: { type: "string" } });
    const check = await call("schemas.check", { slug, schema: v2 }, "governance");
    expect(check.status).toBe(200);
    expect(check.data).toMatchObject({
      compatibility: "backward",
      nextVersion: 2,
      activeVersion: 1,
      identical: false,
      compatible: true,
      problems: [],
      changes: [{ kind: "added", field: "coupon", description: "added, optional (string)" }],
      columnsAdded: [{ name: "coupon", type: "VARCHAR" }],
      columnsRetyped: [],
      impact: [],
    });

    const registered = await call("schemas.register", { slug, schema: v2 });
    expect(registered.status).toBe(200);
    expect(registered.data).toEqual({
      slug,
      version: 2,
      created: true,
      columnsAdded: [{ name: "coupon", type: "VARCHAR" }],
      columnTags: [],
    });
    const table = await catalog.tableSnapshot(`curated.${slug}`);
    expect(table?.columns.map((c) => c.name)).toContain("coupon");
    expect(table?.seq).toBe(0);
    const source = await catalog.findSourceBySlug(slug);
    expect([source?.schemaVersion, source?.jsonSchema]).toEqual([2, v2]);
    const list = await call<{ versions: VersionRow[] }>("schemas.list", { slug });
    expect(list.data.versions.map((v) => [v.version, v.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    const [audit] = await auditRows("schema.register", slug);
    expect(audit).toMatchObject({
      actorEmail: "engineer@inlet.local",
      targetType: "source",
      targetId: source?.id,
      details: { source: slug, version: 2, previousVersion: 1, compatibility: "backward" },
    });

    const diff = await call("schemas.diff", { slug, from: 1, to: 2 });
    expect(diff.data).toMatchObject({
      from: { version: 1, jsonSchema: V1 },
      to: { version: 2, jsonSchema: v2 },
      changes: [{ kind: "added", field: "coupon" }],
    });

    // The same schema again is not a new version.
    const again = await call("schemas.register", { slug, schema: v2 });
    expect(again.data).toMatchObject({ version: 2, created: false });
    expect(await auditRows("schema.register", slug)).toHaveLength(1);
  });

  it("counts only the new column as added for a source whose curated table the worker has not made yet", async () => {
    const seeded = await call<{ jsonSchema: { properties: Record<string, unknown> } }>("schemas.get", {
      slug: "orders",
      version: 1,
    });
    expect(await catalog.tableSnapshot("curated.orders")).toBeUndefined();
    const { properties } = seeded.data.jsonSchema;
    const next = { ...seeded.data.jsonSchema, properties: { ...properties, gift_note: { type: "string" } } };
    const check = await call("schemas.check", { slug: "orders", schema: next });
    expect(check.data).toMatchObject({
      compatible: true,
      columnsAdded: [{ name: "gift_note", type: "VARCHAR" }],
    });
  });

  it.each([
    [
      "a new required field",
      v1With({ currency: { type: "string" } }, { required: ["order_id", "amount", "currency"] }),
      "currency",
      ["field 'currency': added, required (string)", "BACKWARD forbids adding a required field"],
    ],
    [
      "a number narrowed to integer",
      v1With({ amount: { type: "integer" } }),
      "amount",
      ["field 'amount': type changed from number to integer", "BACKWARD forbids narrowing a type"],
    ],
  ])(
    "refuses %s under BACKWARD with a 409 naming the field, the change and the rule",
    async (_what, next, field, parts) => {
      const slug = await newSource();
      const check = await call("schemas.check", { slug, schema: next });
      expect(check.data.compatible).toBe(false);
      expect(check.data.problems).toEqual([
        expect.objectContaining({
          field,
          path: `/${field}`,
          rule: "BACKWARD: events valid under version 1 must stay valid",
          version: 1,
        }),
      ]);
      const res = await call("schemas.register", { slug, schema: next });
      expect(res.status).toBe(409);
      expect(res.message).toMatch(new RegExp(`^Version 2 of '${slug}' is refused under BACKWARD: `));
      for (const part of parts) expect(res.message).toContain(part);
      expect(res.issues).toEqual([{ path: "schema", message: res.message }]);
      expect((await catalog.listSchemaVersions((await catalog.findSourceBySlug(slug))!.id)).length).toBe(1);
      expect(await auditRows("schema.register", slug)).toEqual([]);
    },
  );

  it("sets the compatibility mode, audited once per real change, and judges the next version under it", async () => {
    const slug = await newSource();
    const required = v1With(
      { currency: { type: "string" } },
      { required: ["order_id", "amount", "currency"] },
    );
    const set = await call("schemas.setCompatibility", { slug, mode: "none" });
    expect(set.data).toEqual({ slug, compatibility: "none", previous: "backward" });
    await call("schemas.setCompatibility", { slug, mode: "none" });
    const audits = await auditRows("schema.compatibility", slug);
    expect(audits.map((a) => a.details)).toEqual([{ source: slug, from: "backward", to: "none" }]);
    const registered = await call("schemas.register", { slug, schema: required });
    expect(registered.data).toMatchObject({ version: 2, created: true });
    expect((await call<{ versions: VersionRow[] }>("schemas.list", { slug })).data.versions[0]).toMatchObject(
      {
        version: 2,
        compatibility: "none",
      },
    );
    const bad = await call("schemas.setCompatibility", { slug, mode: "sideways" });
    expect([bad.status, bad.issues.map((i) => i.path)]).toEqual([400, ["mode"]]);
  });

  it("lets governance and on-call read and check but only engineers and admins write; refusals are audited", async () => {
    const slug = await newSource();
    const v2 = v1With({ coupon: { type: "string" } });
    expect((await call("schemas.list", { slug }, "analyst")).status).toBe(403);
    for (const role of ["governance", "oncall"] as const) {
      expect((await call("schemas.check", { slug, schema: v2 }, role)).status).toBe(200);
      expect((await call("schemas.register", { slug, schema: v2 }, role)).status).toBe(403);
      expect((await call("schemas.setCompatibility", { slug, mode: "full" }, role)).status).toBe(403);
    }
    const denied = await s.database.db.prisma.auditLog.findMany({
      where: { action: "access.denied", targetId: { in: ["schemas.register", "schemas.setCompatibility"] } },
    });
    expect(denied.length).toBeGreaterThanOrEqual(4);
    expect((await catalog.findSourceBySlug(slug))?.compatibility).toBe("backward");
    const admin = await call("schemas.register", { slug, schema: v2 }, "admin");
    expect(admin.data).toMatchObject({ version: 2, created: true });
  });

  it.each([
    ["an invalid JSON Schema", v1With({ amount: { type: "numbr" } }), /not valid JSON Schema/],
    [
      "a schema without the event-id field",
      { ...V1, properties: { amount: { type: "number" } }, required: [] },
      /event-id field 'order_id'/,
    ],
    ["a schema not describing objects", { type: "array" }, /must describe objects/],
  ])("refuses %s with a 400 naming the field 'schema'", async (_what, schema, message) => {
    const slug = await newSource();
    for (const procedure of ["schemas.check", "schemas.register"]) {
      const res = await call(procedure, { slug, schema });
      expect(res.status).toBe(400);
      expect(res.issues.map((i) => i.path)).toEqual(["schema"]);
      expect(res.message).toMatch(message);
    }
  });

  it("computes the downstream impact from the catalog: saved queries, analytics tables and policies naming a changed column", async () => {
    const slug = await newSource();
    const prisma = s.database.db.prisma;
    const next = v1With({ amount: { type: "integer" } });
    const empty = await call("schemas.check", { slug, schema: next });
    expect(empty.data.impact).toEqual([
      {
        column: "amount",
        changes: ["type changed from number to integer"],
        removed: false,
        savedQueries: [],
        analyticsTables: [],
        columnPolicies: [],
        rowFilters: [],
      },
    ]);

    const engineer = await prisma.user.findUniqueOrThrow({ where: { email: "engineer@inlet.local" } });
    const query = await prisma.savedQuery.create({
      data: {
        name: "Revenue by day",
        sql: `SELECT dt, sum(amount) FROM curated."${slug}" GROUP BY dt`,
        ownerId: engineer.id,
      },
    });
    await prisma.savedQuery.create({
      data: { name: "Statuses", sql: `SELECT status FROM curated."${slug}"`, ownerId: engineer.id },
    });
    const table = await prisma.lakeTable.findUniqueOrThrow({ where: { name: `curated.${slug}` } });
    await prisma.lakeTable.create({
      data: {
        name: `analytics.${slug.replace(/-/g, "_")}_revenue`,
        zone: "analytics",
        partitionBy: [],
        definition: `SELECT dt, sum(amount) AS revenue FROM curated."${slug}" GROUP BY dt`,
      },
    });
    await prisma.columnPolicy.create({
      data: { tableId: table.id, role: "analyst", column: "amount", action: "mask" },
    });
    await prisma.rowFilterPolicy.create({
      data: { tableId: table.id, role: "analyst", predicate: "amount < 500" },
    });

    const filled = await call("schemas.check", { slug, schema: next });
    expect(filled.data.impact).toEqual([
      {
        column: "amount",
        changes: ["type changed from number to integer"],
        removed: false,
        savedQueries: [{ id: query.id, name: "Revenue by day", owner: "engineer@inlet.local" }],
        analyticsTables: [{ name: `analytics.${slug.replace(/-/g, "_")}_revenue` }],
        columnPolicies: [{ role: "analyst", action: "mask" }],
        rowFilters: [{ role: "analyst", predicate: "amount < 500" }],
      },
    ]);
    expect(filled.data.columnsRetyped).toEqual([{ name: "amount", from: "DOUBLE", to: "BIGINT" }]);
  });
});
