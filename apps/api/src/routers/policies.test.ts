import type { Role } from "@inlet/db";
import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call as trpcCall } from "../testing/trpc-client";

let s: TestServer;
let tableId: string;
const TABLE = "curated.orders";

beforeAll(async () => {
  s = await startTestServer();
  const catalog = new PgCatalog(s.database.db);
  const source = await catalog.findSourceBySlug("orders");
  if (!source) throw new Error("the seed has no orders source");
  await catalog.ensureCuratedTable(source, () => [
    { name: "id", type: "VARCHAR" },
    { name: "email", type: "VARCHAR" },
    { name: "region", type: "VARCHAR" },
    { name: "amount", type: "DOUBLE" },
    { name: "_event_time", type: "TIMESTAMPTZ" },
  ]);
  tableId = (await catalog.describeTable(TABLE))?.id ?? "";
});
afterAll(async () => {
  await s?.close();
});

const QUERIES = new Set(["policies.tables", "policies.tags", "policies.get", "policies.savedQueries"]);

function call(procedure: string, input: unknown, role: Role = "governance") {
  return trpcCall(s, QUERIES.has(procedure) ? "query" : "mutation", procedure, input, role);
}

const EMPTY = { columnRules: [], rowFilters: [], columnTags: [], denyUnruledColumns: false };

function save(input: Record<string, unknown>, role: Role = "governance") {
  return call("policies.save", { table: TABLE, reason: "test", ...EMPTY, ...input }, role);
}

async function stored() {
  const prisma = s.database.db.prisma;
  const [rules, filters, tags, table, audits] = await Promise.all([
    prisma.columnPolicy.count({ where: { tableId } }),
    prisma.rowFilterPolicy.count({ where: { tableId } }),
    prisma.columnTag.count({ where: { tableId } }),
    prisma.lakeTable.findUniqueOrThrow({ where: { id: tableId } }),
    prisma.auditLog.count({ where: { action: "policy.change" } }),
  ]);
  return { rules, filters, tags, deny: table.denyUnruledColumns, audits };
}

// biome-ignore lint/suspicious/noExplicitAny: the answer is read as JSON
type Json = any;

function cell(policy: Json, column: string, role: Role) {
  return policy.columns.find((c: Json) => c.name === column).cells.find((c: Json) => c.role === role);
}

beforeEach(async () => {
  // Each test starts from a table without any policy and the seeded tags without rules.
  const prisma = s.database.db.prisma;
  await prisma.columnPolicy.deleteMany({});
  await prisma.rowFilterPolicy.deleteMany({});
  await prisma.columnTag.deleteMany({});
  await prisma.tagPolicy.deleteMany({});
  await prisma.policyTag.updateMany({ data: { defaultDeny: false } });
  await prisma.lakeTable.update({ where: { id: tableId }, data: { denyUnruledColumns: false } });
});

describe("policies.save refuses bad input before writing anything", () => {
  const valid = {
    columnRules: [{ column: "email", role: "analyst", rule: { action: "deny" } }],
    rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }],
    columnTags: [{ column: "email", tags: ["pii"] }],
    denyUnruledColumns: true,
  };

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "a column the table does not have",
      { columnRules: [...valid.columnRules, { column: "nope", role: "analyst", rule: { action: "deny" } }] },
      "columnRules.1.column",
      /^No column 'nope' in curated\.orders$/,
    ],
    [
      "a role that does not exist",
      { columnRules: [{ column: "email", role: "intern", rule: { action: "deny" } }] },
      "columnRules.0.role",
      /./,
    ],
    [
      "a row filter over a column the table does not have",
      { rowFilters: [...valid.rowFilters, { role: "oncall", predicate: "country = 'fr'" }] },
      "rowFilters.1.predicate",
      /^Row filter: .*country/,
    ],
    [
      "a row filter that is a subquery",
      { rowFilters: [{ role: "analyst", predicate: "id IN (SELECT id FROM curated.orders)" }] },
      "rowFilters.0.predicate",
      /^Row filter: /,
    ],
    [
      "a row filter that ends one statement and starts another",
      { rowFilters: [{ role: "analyst", predicate: "true; DROP TABLE x" }] },
      "rowFilters.0.predicate",
      /^Row filter: /,
    ],
    [
      "a mask keeping no characters",
      {
        columnRules: [
          { column: "email", role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 0 } } },
        ],
      },
      "columnRules.0.rule.mask.keep",
      /at least 1/,
    ],
    [
      "a mask keeping 65 characters",
      {
        columnRules: [
          { column: "email", role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 65 } } },
        ],
      },
      "columnRules.0.rule.mask.keep",
      /at most 64/,
    ],
    [
      "a fixed replacement over 200 characters",
      {
        columnRules: [
          {
            column: "email",
            role: "analyst",
            rule: { action: "mask", mask: { style: "fixed", replacement: "x".repeat(201) } },
          },
        ],
      },
      "columnRules.0.rule.mask.replacement",
      /200/,
    ],
    ["no reason", { reason: undefined }, "reason", /./],
    ["a blank reason", { reason: "   " }, "reason", /reason/],
    ["a reason over 500 characters", { reason: "x".repeat(501) }, "reason", /500/],
    [
      "a tag that is not a name",
      { columnTags: [{ column: "email", tags: ["pii", "1 bad"] }] },
      "columnTags.0.tags.1",
      /tag/,
    ],
    [
      "tags on a column the table does not have",
      { columnTags: [{ column: "phone", tags: ["pii"] }] },
      "columnTags.0.column",
      /^No column 'phone' in curated\.orders$/,
    ],
    [
      "one column and role given twice",
      {
        columnRules: [...valid.columnRules, { column: "EMAIL", role: "analyst", rule: { action: "allow" } }],
      },
      "columnRules.1",
      /twice/,
    ],
  ];

  it.each(cases)("%s: a 400 naming the field, and nothing written", async (_what, change, field, message) => {
    const before = await stored();
    const res = await save({
      ...valid,
      columnTags: [{ column: "email", tags: ["pii", "brand-new"] }],
      ...change,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    const issue = res.issues.find((i) => i.path === field);
    expect(issue, JSON.stringify(res.issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(await stored()).toEqual(before);
    expect(await s.database.db.prisma.policyTag.findUnique({ where: { name: "brand-new" } })).toBeNull();
  });

  it("an unknown table is a 404, a raw zone a 400", async () => {
    expect((await save({ table: "curated.nope" })).status).toBe(404);
    expect((await save({ table: "raw.orders" })).status).toBe(400);
  });
});

describe("policies.save and get", () => {
  it("writes the whole policy, creates free-text tags lower-cased, and audits before and after with the reason", async () => {
    const res = await save({
      reason: "Analysts see EU orders only",
      columnRules: [
        { column: "email", role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 4 } } },
        { column: "amount", role: "oncall", rule: { action: "hash" } },
        { column: "region", role: "engineer", rule: null },
      ],
      rowFilters: [
        { role: "analyst", predicate: "  region = 'eu'  " },
        { role: "oncall", predicate: null },
      ],
      columnTags: [{ column: "email", tags: ["PII", "Contact_Info"] }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.data.changes).toBe(4);
    expect(cell(res.data, "email", "analyst").rule).toEqual({
      action: "mask",
      mask: { style: "last", keep: 4 },
    });
    expect(cell(res.data, "region", "engineer").rule).toBeNull();
    expect(res.data.rowFilters).toContainEqual({
      role: "analyst",
      predicate: "region = 'eu'",
      heldByInputs: false,
    });
    expect(res.data.rowFilters).toContainEqual({ role: "oncall", predicate: null, heldByInputs: false });
    expect(res.data.columns.find((c: Json) => c.name === "email").tags).toEqual(["contact_info", "pii"]);
    expect(res.data.tags.map((t: Json) => t.name)).toContain("contact_info");

    const audits = await s.database.db.prisma.auditLog.findMany({ where: { action: "policy.change" } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorEmail: "governance@inlet.local",
      targetType: "table",
      targetId: tableId,
      details: {
        table: TABLE,
        reason: "Analysts see EU orders only",
        before: {
          "rule: email · analyst": null,
          "rule: amount · oncall": null,
          "row filter: analyst": null,
          "tags: email": null,
        },
        after: {
          "rule: email · analyst": "mask (keep last 4)",
          "rule: amount · oncall": "hash",
          "row filter: analyst": "region = 'eu'",
          "tags: email": "contact_info, pii",
        },
        createdTags: ["contact_info"],
      },
    });

    // The next save replaces: what it does not list is removed, and only the change is audited.
    const next = await save({
      reason: "Drop the hash",
      columnRules: [
        { column: "email", role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 4 } } },
      ],
      rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }],
      columnTags: [{ column: "email", tags: ["pii", "contact_info"] }],
      denyUnruledColumns: true,
    });
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(next.data.changes).toBe(2);
    const last = await s.database.db.prisma.auditLog.findFirstOrThrow({
      where: { action: "policy.change" },
      orderBy: { id: "desc" },
    });
    expect(last.details).toEqual({
      table: TABLE,
      reason: "Drop the hash",
      before: { "rule: amount · oncall": "hash", "deny columns without a rule": false },
      after: { "rule: amount · oncall": null, "deny columns without a rule": true },
    });
    expect(await stored()).toMatchObject({ rules: 1, filters: 1, tags: 2, deny: true });

    // Saving the same state again changes nothing and records nothing.
    const before = await stored();
    const same = await save({
      columnRules: [
        { column: "email", role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 4 } } },
      ],
      rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }],
      columnTags: [{ column: "email", tags: ["contact_info", "pii"] }],
      denyUnruledColumns: true,
    });
    expect(same.data.changes).toBe(0);
    expect(await stored()).toEqual(before);
  });

  it("a tag's rule and the column's own rule: the stricter wins, and get says which overrode which", async () => {
    const tag = await call("policies.saveTag", {
      tag: "pii",
      reason: "Personal data is masked for analysts",
      defaultDeny: false,
      rules: [{ role: "analyst", rule: { action: "mask", mask: { style: "full" } } }],
    });
    expect(tag.status, JSON.stringify(tag.body)).toBe(200);
    const saved = await save({
      columnRules: [
        { column: "email", role: "analyst", rule: { action: "allow" } },
        { column: "id", role: "analyst", rule: { action: "deny" } },
      ],
      columnTags: [
        { column: "email", tags: ["pii"] },
        { column: "id", tags: ["pii"] },
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const policy = (await call("policies.get", { table: TABLE })).data;

    // Tag pii masks email; the column's own allow is overridden.
    expect(cell(policy, "email", "analyst")).toEqual({
      role: "analyst",
      rule: { action: "allow" },
      effective: {
        rule: { action: "mask", mask: { style: "full" } },
        origin: { kind: "tag", tag: "pii" },
        overridden: [{ rule: { action: "allow" }, origin: { kind: "column" } }],
      },
    });
    // The column's deny is stricter than the tag's mask.
    expect(cell(policy, "id", "analyst").effective).toEqual({
      rule: { action: "deny" },
      origin: { kind: "column" },
      overridden: [
        { rule: { action: "mask", mask: { style: "full" } }, origin: { kind: "tag", tag: "pii" } },
      ],
    });
    // Another role: nothing covers it, so it is allowed.
    expect(cell(policy, "email", "engineer").effective).toEqual({
      rule: { action: "allow" },
      origin: { kind: "none" },
      overridden: [],
    });
  });

  it("columns without a rule follow the table's default and a tag's default deny", async () => {
    await call("policies.saveTag", {
      tag: "financial",
      reason: "Hide money by default",
      defaultDeny: true,
      rules: [],
    });
    await save({ columnTags: [{ column: "amount", tags: ["financial"] }] });
    let policy = (await call("policies.get", { table: TABLE })).data;
    expect(cell(policy, "amount", "analyst").effective.origin).toEqual({
      kind: "tag-default",
      tag: "financial",
    });
    expect(cell(policy, "region", "analyst").effective.origin).toEqual({ kind: "none" });
    await save({ columnTags: [{ column: "amount", tags: ["financial"] }], denyUnruledColumns: true });
    policy = (await call("policies.get", { table: TABLE })).data;
    expect(cell(policy, "region", "analyst").effective).toMatchObject({
      rule: { action: "deny" },
      origin: { kind: "table-default" },
    });
  });

  it("lists the curated tables with their counts", async () => {
    await save({
      columnRules: [{ column: "email", role: "analyst", rule: { action: "deny" } }],
      rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }],
      columnTags: [{ column: "email", tags: ["pii", "email"] }],
    });
    const res = await call("policies.tables", undefined);
    expect(res.status).toBe(200);
    expect(res.data.tables).toContainEqual({
      name: TABLE,
      zone: "curated",
      columns: 5,
      rules: 1,
      rowFilters: 1,
      taggedColumns: 1,
    });
  });
});

describe("tags", () => {
  it("creates a tag once, audited; sets its rules, audited with before, after and reason", async () => {
    const created = await call("policies.createTag", { name: " Health ", description: "Medical data" });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.data).toMatchObject({
      name: "health",
      description: "Medical data",
      defaultDeny: false,
      columns: 0,
    });
    const again = await call("policies.createTag", { name: "health" });
    expect(again.status).toBe(409);
    expect(again.issues[0]?.path).toBe("name");
    expect(
      await s.database.db.prisma.auditLog.count({ where: { action: "tag.create", targetId: "health" } }),
    ).toBe(1);

    const set = await call("policies.saveTag", {
      tag: "health",
      reason: "Only on-call sees it, hashed",
      defaultDeny: true,
      rules: [
        { role: "oncall", rule: { action: "hash" } },
        { role: "analyst", rule: null },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.data.rules).toContainEqual({ role: "oncall", rule: { action: "hash" } });
    expect(set.data.rules).toContainEqual({ role: "analyst", rule: null });
    const audit = await s.database.db.prisma.auditLog.findFirstOrThrow({
      where: { action: "tag.change", targetId: "health" },
    });
    expect(audit.details).toEqual({
      tag: "health",
      reason: "Only on-call sees it, hashed",
      before: { "deny columns without a rule": false, "rule: oncall": null },
      after: { "deny columns without a rule": true, "rule: oncall": "hash" },
    });

    expect(
      (await call("policies.saveTag", { tag: "nope", reason: "x", defaultDeny: false, rules: [] })).status,
    ).toBe(404);
    const noReason = await call("policies.saveTag", {
      tag: "health",
      reason: "",
      defaultDeny: false,
      rules: [],
    });
    expect(noReason.status).toBe(400);
    expect(noReason.issues[0]?.path).toBe("reason");
  });
});

describe("preview as a role", () => {
  it("shows the table as the role sees it, under the saved policy or an unsaved draft, audited", async () => {
    await save({ columnRules: [{ column: "amount", role: "analyst", rule: { action: "deny" } }] });
    const savedView = await call("policies.preview", { table: TABLE, role: "analyst" });
    expect(savedView.status, JSON.stringify(savedView.body)).toBe(200);
    expect(savedView.data.columns.map((c: Json) => c.name)).toEqual(["id", "email", "region", "_event_time"]);
    expect(savedView.data.hiddenColumns).toEqual(["amount"]);

    const draftView = await call("policies.preview", {
      table: TABLE,
      role: "analyst",
      draft: {
        ...EMPTY,
        columnRules: [{ column: "email", role: "analyst", rule: { action: "deny" } }],
        rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }],
      },
    });
    expect(draftView.status, JSON.stringify(draftView.body)).toBe(200);
    expect(draftView.data).toMatchObject({
      draft: true,
      hiddenColumns: ["email"],
      rowFilter: "region = 'eu'",
      rows: [],
    });
    // The draft was not saved.
    expect(await stored()).toMatchObject({ rules: 1, filters: 0 });

    const badDraft = await call("policies.preview", {
      table: TABLE,
      role: "analyst",
      draft: { ...EMPTY, rowFilters: [{ role: "analyst", predicate: "nope = 1" }] },
    });
    expect(badDraft.status).toBe(400);
    expect(badDraft.issues[0]?.path).toBe("rowFilters.0.predicate");

    const previews = await s.database.db.prisma.auditLog.findMany({
      where: { action: "policy.preview" },
      orderBy: { id: "asc" },
    });
    expect(previews.map((p) => p.details)).toEqual([
      { table: TABLE, role: "analyst", draft: false },
      { table: TABLE, role: "analyst", draft: true },
    ]);
  });
});

describe("who may use it", () => {
  it("refuses every role but governance and admin (403), and lets admins in", async () => {
    const attempts: [string, unknown][] = [
      ["policies.tables", undefined],
      ["policies.tags", undefined],
      ["policies.get", { table: TABLE }],
      ["policies.save", { table: TABLE, reason: "x", ...EMPTY }],
      ["policies.createTag", { name: "sneaky" }],
      ["policies.saveTag", { tag: "pii", reason: "x", defaultDeny: true, rules: [] }],
      ["policies.preview", { table: TABLE, role: "admin" }],
      ["policies.savedQueries", { role: "analyst" }],
      ["policies.previewSavedQuery", { savedQueryId: "x", role: "admin" }],
    ];
    for (const role of ["analyst", "engineer", "oncall"] as const) {
      for (const [procedure, input] of attempts) {
        expect((await call(procedure, input, role)).status, `${role} ${procedure}`).toBe(403);
      }
    }
    expect(await stored()).toMatchObject({ rules: 0, audits: expect.any(Number) });
    expect(await s.database.db.prisma.policyTag.findUnique({ where: { name: "sneaky" } })).toBeNull();
    expect((await call("policies.get", { table: TABLE }, "admin")).status).toBe(200);
    const adminSave = await save(
      { columnRules: [{ column: "email", role: "analyst", rule: { action: "deny" } }] },
      "admin",
    );
    expect(adminSave.status, JSON.stringify(adminSave.body)).toBe(200);
  });
});
