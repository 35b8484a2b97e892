// Tags a schema gives its columns (x-inlet-tags) through the schema registry: recorded on the curated
// table when a source is created or a version registered (unknown tags created), and, before a version
// is registered, the rule each role would get on each column it adds.
import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call as trpcCall } from "../testing/trpc-client";

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
  const prisma = s.database.db.prisma;
  // Governance's rules: pii masked for analysts; `secret` hides its columns from every role no rule covers.
  await prisma.tagPolicy.create({ data: { tag: "pii", role: "analyst", action: "mask", maskStyle: "full" } });
  await prisma.policyTag.create({ data: { name: "secret", defaultDeny: true } });
});
afterAll(async () => {
  await s?.close();
});

const V1 = {
  type: "object",
  properties: {
    order_id: { type: "string" },
    email: { type: "string", "x-inlet-tags": ["pii", "Contact_Info"] },
    placed_at: { type: "string", format: "date-time" },
  },
  required: ["order_id"],
};

function v1With(props: Record<string, unknown>) {
  return { ...V1, properties: { ...V1.properties, ...props } };
}

async function call(procedure: string, input: unknown, role: "engineer" | "governance" = "engineer") {
  const kind = /\.(list|get|diff)$/.test(procedure) ? "query" : "mutation";
  return trpcCall(s, kind, procedure, input, role);
}

async function newSource(): Promise<{ slug: string; tableId: string }> {
  const slug = `tagged-${Math.random().toString(36).slice(2, 8)}`;
  const res = await call("sources.create", {
    name: "Tagged orders",
    slug,
    schema: V1,
    idField: "order_id",
    timeField: "placed_at",
    retentionDays: 30,
  });
  expect(res.status, res.message).toBe(200);
  const table = await new PgCatalog(s.database.db).describeTable(`curated.${slug}`);
  return { slug, tableId: table!.id };
}

async function tagsOf(tableId: string) {
  const rows = await s.database.db.prisma.columnTag.findMany({ where: { tableId } });
  return rows.map((r) => `${r.column}:${r.tag}`).sort();
}

// biome-ignore lint/suspicious/noExplicitAny: the answer is read as JSON
type Json = any;

/** Each added column's access as "roles: rule (origin)" lines. */
function accessLines(check: Json): Record<string, string[]> {
  return Object.fromEntries(
    check.columnsAdded.map((c: Json) => [
      c.name,
      c.access.map((a: Json) => {
        const origin = a.origin.tag ? `${a.origin.kind} ${a.origin.tag}` : a.origin.kind;
        return `${a.allRoles ? "all" : a.roles.join(",")}: ${a.ruleText} (${origin})`;
      }),
    ]),
  );
}

describe("tags from the schema", () => {
  it("records a new source's tags on its curated table, creating unknown tags, and audits them", async () => {
    const { slug, tableId } = await newSource();
    expect(await tagsOf(tableId)).toEqual(["email:contact_info", "email:pii"]);
    expect(
      await s.database.db.prisma.policyTag.findUnique({ where: { name: "contact_info" } }),
    ).toMatchObject({
      defaultDeny: false,
    });
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: {
        action: "source.create",
        targetId: (await new PgCatalog(s.database.db).findSourceBySlug(slug))?.id,
      },
    });
    expect(audit?.details).toMatchObject({
      columnTags: [
        { column: "email", tag: "pii" },
        { column: "email", tag: "contact_info" },
      ],
      tagsCreated: ["contact_info"],
    });
  });

  it("shows the rule each role would get on each added column, then records the version's tags", async () => {
    const { slug, tableId } = await newSource();
    const v2 = v1With({
      phone: { type: "string", "x-inlet-tags": ["pii"] },
      nickname: { type: "string" },
      ssn: { type: "string", "x-inlet-tags": ["secret"] },
    });
    const check = await call("schemas.check", { slug, schema: v2 }, "governance");
    expect(check.status, check.message).toBe(200);
    expect(check.data.columnsAdded.map((c: Json) => [c.name, c.type, c.tags])).toEqual([
      ["phone", "VARCHAR", ["pii"]],
      ["nickname", "VARCHAR", []],
      ["ssn", "VARCHAR", ["secret"]],
    ]);
    expect(accessLines(check.data)).toEqual({
      phone: ["admin,engineer,governance,oncall: allow (none)", "analyst: mask (tag pii)"],
      nickname: ["all: allow (none)"],
      ssn: ["all: deny (tag-default secret)"],
    });
    // Checking records nothing.
    expect(await tagsOf(tableId)).toEqual(["email:contact_info", "email:pii"]);

    // With the table denying columns no rule covers, a new untagged column is hidden from everyone.
    await s.database.db.prisma.lakeTable.update({
      where: { id: tableId },
      data: { denyUnruledColumns: true },
    });
    const strict = await call("schemas.check", { slug, schema: v2 }, "governance");
    expect(accessLines(strict.data)).toMatchObject({
      phone: ["admin,engineer,governance,oncall: deny (table-default)", "analyst: mask (tag pii)"],
      nickname: ["all: deny (table-default)"],
    });

    const registered = await call("schemas.register", { slug, schema: v2 });
    expect(registered.status, registered.message).toBe(200);
    expect(registered.data.columnTags).toEqual([
      { column: "phone", tag: "pii" },
      { column: "ssn", tag: "secret" },
    ]);
    expect(await tagsOf(tableId)).toEqual(["email:contact_info", "email:pii", "phone:pii", "ssn:secret"]);
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: {
        action: "schema.register",
        targetId: (await new PgCatalog(s.database.db).findSourceBySlug(slug))?.id,
      },
    });
    expect(audit?.details).toMatchObject({
      version: 2,
      columnTags: [
        { column: "phone", tag: "pii" },
        { column: "ssn", tag: "secret" },
      ],
      tagsCreated: [],
    });
  });

  it("refuses a schema whose x-inlet-tags are not tag names, naming the schema", async () => {
    const { slug } = await newSource();
    const res = await call("schemas.check", {
      slug,
      schema: v1With({ phone: { type: "string", "x-inlet-tags": ["no spaces"] } }),
    });
    expect(res.status).toBe(400);
    expect(res.message).toMatch(/x-inlet-tags of property 'phone': "no spaces" is not a tag name/);
    expect(res.issues.map((i) => i.path)).toContain("schema");
  });
});
