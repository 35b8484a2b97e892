// Analytics tables under access policies, through the API: a reader of a table is held to the rules of
// the input columns its columns are computed from, and a refresh materializes what the table's
// creator may see of its inputs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@inlet/db";
import { LocalFsObjectStore, MASKED, PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { batchesCommitted, sendEvents, TEST_WORKER_CONFIG, workUntil } from "../testing/lake-fixtures";
import { startTestServer, type TestServer } from "../testing/test-server";
import { type ProcedureKind, call as trpcCall } from "../testing/trpc-client";

let s: TestServer;
let dir: string;
let store: LocalFsObjectStore;

const SOURCE = "policy-people";
const INPUT = `curated."${SOURCE}"`;

async function ok(kind: ProcedureKind, path: string, input: unknown, role: Role) {
  const res = await trpcCall(s, kind, path, input, role);
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return res.data;
}

async function rows(sql: string, role: Role): Promise<Record<string, unknown>[]> {
  return (await ok("mutation", "queries.run", { sql }, role)).rows;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-analytics-policies-test-"));
  store = new LocalFsObjectStore(join(dir, "lake"), { fsync: false });
  s = await startTestServer({}, { register: dataPlaneRoutes() }, store);
  const created = await ok(
    "mutation",
    "sources.create",
    {
      name: "Policy people",
      slug: SOURCE,
      schema: {
        type: "object",
        properties: {
          id: { type: "string" },
          email: { type: "string" },
          region: { type: "string" },
          created_at: { type: "string", format: "date-time" },
        },
        required: ["id", "created_at"],
      },
      idField: "id",
      timeField: "created_at",
      retentionDays: 3650,
    },
    "engineer",
  );
  const events = [
    { id: "a", email: "Ann@Example.com", region: "eu" },
    { id: "b", email: "bob@example.com", region: "eu" },
    { id: "c", email: "cy@example.com", region: "us" },
  ].map((e) => ({ ...e, created_at: "2024-05-01T10:00:00Z" }));
  const batchId = await sendEvents(s, SOURCE, created.apiKey.key, events);
  await workUntil(
    s,
    store,
    {
      ...TEST_WORKER_CONFIG,
      retentionIntervalMs: 0,
      analyticsRefreshIntervalMs: 0,
      tmpDir: join(dir, "tmp"),
    },
    "the batch committed",
    batchesCommitted(s, [batchId]),
  );
  // Governance masks the input's email for analysts.
  const table = await new PgCatalog(s.database.db).describeTable(`curated.${SOURCE}`);
  await s.database.db.prisma.columnPolicy.create({
    data: { tableId: table!.id, role: "analyst", column: "email", action: "mask", maskStyle: "full" },
  });
});
afterAll(async () => {
  await s?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a table's columns as the reader's rules make them", () => {
  it("marks the columns a reader sees masked, and no others", async () => {
    const forYou = async (role: Role) =>
      Object.fromEntries(
        (await ok("query", "tables.get", { name: `curated.${SOURCE}` }, role)).columns.map(
          (c: { name: string; forYou: string }) => [c.name, c.forYou],
        ),
      );
    expect(await forYou("analyst")).toMatchObject({ email: "mask", region: "allow", id: "allow" });
    expect(await forYou("engineer")).toMatchObject({ email: "allow" });
  });
});

describe("analytics tables and access policies", () => {
  it("shows an analyst a column computed from a masked input column masked", async () => {
    const created = await ok(
      "mutation",
      "analytics.create",
      {
        name: "people_by_email",
        definition: `SELECT lower(email) AS who, region, count(*) AS n FROM ${INPUT} GROUP BY who, region`,
        refreshMode: "on_commit",
      },
      "engineer",
    );
    expect(created.refresh).toMatchObject({ status: "refreshed" });
    const sql = "SELECT who, region, n FROM analytics.people_by_email ORDER BY region, n, who";

    // The engineer built it and reads it as it is; an analyst sees `who` under email's mask.
    expect(await rows(sql, "engineer")).toEqual([
      { who: "ann@example.com", region: "eu", n: "1" },
      { who: "bob@example.com", region: "eu", n: "1" },
      { who: "cy@example.com", region: "us", n: "1" },
    ]);
    expect(await rows(sql, "analyst")).toEqual([
      { who: MASKED, region: "eu", n: "1" },
      { who: MASKED, region: "eu", n: "1" },
      { who: MASKED, region: "us", n: "1" },
    ]);
  });

  it("materializes what an analyst creator sees: the emails masked, for every reader", async () => {
    const created = await ok(
      "mutation",
      "analytics.create",
      {
        name: "analyst_emails",
        definition: `SELECT id, email FROM ${INPUT}`,
        refreshMode: "on_commit",
      },
      "analyst",
    );
    expect(created.refresh).toMatchObject({ status: "refreshed" });
    expect(await rows("SELECT id, email FROM analytics.analyst_emails ORDER BY id", "engineer")).toEqual([
      { id: "a", email: MASKED },
      { id: "b", email: MASKED },
      { id: "c", email: MASKED },
    ]);
  });

  it("shows a role an input's row filter holds none of a table built from it, until the table's own filter", async () => {
    await ok(
      "mutation",
      "analytics.create",
      {
        name: "people_by_region",
        definition: `SELECT region, count(*) AS n FROM ${INPUT} GROUP BY region`,
        refreshMode: "on_commit",
      },
      "engineer",
    );
    const inputTable = await new PgCatalog(s.database.db).describeTable(`curated.${SOURCE}`);
    await s.database.db.prisma.rowFilterPolicy.create({
      data: { tableId: inputTable!.id, role: "analyst", predicate: "region = 'eu'" },
    });
    const sql = "SELECT region, n FROM analytics.people_by_region ORDER BY region";
    // An analyst sees the input's eu rows only; the totals over every region are not shown through the table.
    expect(await rows(`SELECT count(*) AS n FROM ${INPUT}`, "analyst")).toEqual([{ n: "2" }]);
    expect(await rows(sql, "analyst")).toEqual([]);
    // Counts of rows the filter hides are not shown to the analyst, on the table or its preview.
    const shownTable = await ok("query", "tables.get", { name: "analytics.people_by_region" }, "analyst");
    expect(shownTable.rows).toBeNull();
    const preview = await ok("query", "tables.preview", { table: "analytics.people_by_region" }, "analyst");
    expect([preview.totalRows, preview.rowFiltered]).toEqual([null, true]);
    const listed = await ok("query", "tables.list", {}, "analyst");
    expect(
      listed.tables.find((t: { name: string }) => t.name === "analytics.people_by_region").rows,
    ).toBeNull();
    expect(await rows(sql, "engineer")).toEqual([
      { region: "eu", n: "2" },
      { region: "us", n: "1" },
    ]);
    const policy = await ok("query", "policies.get", { table: "analytics.people_by_region" }, "governance");
    expect(policy.rowFilters.find((f: { role: string }) => f.role === "analyst")).toMatchObject({
      predicate: null,
      heldByInputs: true,
    });
    expect(policy.rowFilters.find((f: { role: string }) => f.role === "oncall").heldByInputs).toBe(false);
    // Governance sets the analysts' filter on the analytics table: its eu row shows.
    const table = await new PgCatalog(s.database.db).describeTable("analytics.people_by_region");
    await s.database.db.prisma.rowFilterPolicy.create({
      data: { tableId: table!.id, role: "analyst", predicate: "region = 'eu'" },
    });
    expect(await rows(sql, "analyst")).toEqual([{ region: "eu", n: "2" }]);
  });
});
