// audit.list: the filters (actor, action, table, from/to) each narrow the log and combine, keyset paging
// walks every match once, bad filters are refused naming the field, and only governance and admins read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call } from "../testing/trpc-client";

let s: TestServer;
/** The ids of the entries made here, by name. */
const ids: Record<string, string> = {};
let ordersTableId: string;

const T0 = new Date("2026-11-01T10:00:00.000Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

interface Row {
  name: string;
  at: Date;
  actorEmail: string;
  action: string;
  targetType: string;
  targetId?: string;
  details?: object;
}

beforeAll(async () => {
  s = await startTestServer();
  const prisma = s.database.db.prisma;
  const source = await prisma.source.findUniqueOrThrow({ where: { slug: "orders" } });
  ordersTableId = (
    await prisma.lakeTable.create({ data: { name: "curated.orders", zone: "curated", sourceId: source.id } })
  ).id;
  const rows: Row[] = [
    {
      name: "refreshByName",
      at: minutes(0),
      actorEmail: "Alice@Example.com",
      action: "analytics.refresh",
      targetType: "table",
      targetId: "curated.orders",
    },
    {
      name: "updateById",
      at: minutes(10),
      actorEmail: "bob@example.com",
      action: "analytics.update",
      targetType: "table",
      targetId: ordersTableId,
      details: {
        name: "curated.orders",
        before: { refreshMode: "on_commit" },
        after: { refreshMode: "schedule" },
      },
    },
    {
      name: "policyChange",
      at: minutes(20),
      actorEmail: "alice@example.com",
      action: "policy.column.set",
      targetType: "column_policy",
      targetId: "cp1",
      details: {
        table: "curated.orders",
        before: null,
        after: { column: "email", action: "mask" },
        reason: "PII",
      },
    },
    {
      name: "otherTable",
      at: minutes(30),
      actorEmail: "alice@example.com",
      action: "policy.column.set",
      targetType: "column_policy",
      targetId: "cp2",
      details: { table: "curated.payments", before: null, after: { column: "card" }, reason: "PCI" },
    },
    {
      name: "droppedByName",
      at: minutes(40),
      actorEmail: "carol%@example.com",
      action: "analytics.delete",
      targetType: "table",
      targetId: "ckdroppedtableid",
      details: { name: "analytics.daily_orders", definition: "SELECT 1" },
    },
    {
      name: "queryRun",
      at: minutes(60),
      actorEmail: "dave@query.test",
      action: "query.run",
      targetType: "query_run",
      targetId: "run1",
      details: { path: "sql", tables: [{ name: "curated.payments", snapshotSeq: 3 }], status: "succeeded" },
    },
    {
      name: "sourceRow",
      at: minutes(50),
      actorEmail: "bob@example.com",
      action: "source.lifecycle",
      targetType: "source",
      targetId: source.id,
      details: { slug: "orders" },
    },
  ];
  for (const r of rows) {
    const created = await prisma.auditLog.create({
      data: {
        at: r.at,
        actorEmail: r.actorEmail,
        action: r.action,
        targetType: r.targetType,
        targetId: r.targetId ?? null,
        details: r.details ?? {},
      },
    });
    ids[r.name] = created.id.toString();
  }
});
afterAll(async () => {
  await s?.close();
});

/** The names of the entries made here that the filters list, newest first (seeded entries left out). */
async function listed(filters: Record<string, unknown>, who: "governance" | "admin" = "governance") {
  const res = await call(s, "query", "audit.list", { limit: 100, ...filters }, who);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return (res.data.items as { id: string }[]).flatMap((i) => byId.get(i.id) ?? []);
}

describe("audit.list filters", () => {
  it("actor: part of the email, any case, wildcards taken as typed", async () => {
    expect(await listed({ actor: "ALICE@" })).toEqual(["otherTable", "policyChange", "refreshByName"]);
    expect(await listed({ actor: "carol%" })).toEqual(["droppedByName"]);
    expect(await listed({ actor: "bob%" })).toEqual([]);
    expect(await listed({ actor: "_ob@" })).toEqual([]);
  });

  it("action: part of the action, any case", async () => {
    expect(await listed({ action: "Analytics." })).toEqual(["droppedByName", "updateById", "refreshByName"]);
  });

  it("table: entries targeting the table by id or name, and entries whose details name it", async () => {
    expect(await listed({ table: "curated.orders" })).toEqual([
      "policyChange",
      "updateById",
      "refreshByName",
    ]);
    expect(await listed({ table: "  Curated.Orders " })).toEqual([
      "policyChange",
      "updateById",
      "refreshByName",
    ]);
    // A query lists the tables it read.
    expect(await listed({ table: "curated.payments" })).toEqual(["queryRun", "otherTable"]);
    // A dropped analytics table is found by the name its delete recorded.
    expect(await listed({ table: "analytics.daily_orders" })).toEqual(["droppedByName"]);
    expect(await listed({ table: "curated.nothing" })).toEqual([]);
  });

  it("from (inclusive) and to (exclusive), with any zone", async () => {
    expect(await listed({ from: minutes(10).toISOString(), to: minutes(30).toISOString() })).toEqual([
      "policyChange",
      "updateById",
    ]);
    expect(await listed({ from: "2026-11-01T11:40:00+01:00", to: "2026-11-01T10:50:00.001Z" })).toEqual([
      "sourceRow",
      "droppedByName",
    ]);
  });

  it("combines filters", async () => {
    expect(await listed({ actor: "alice", table: "curated.orders", action: "policy" })).toEqual([
      "policyChange",
    ]);
    expect(await listed({ actor: "bob", table: "curated.orders", from: minutes(5).toISOString() })).toEqual([
      "updateById",
    ]);
  });

  it("pages by keyset through every match once, newest first", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(
        s,
        "query",
        "audit.list",
        { limit: 2, actor: "example.com", ...(cursor ? { cursor } : {}) },
        "admin",
      );
      expect(res.status).toBe(200);
      seen.push(...res.data.items.map((i: { id: string }) => i.id));
      cursor = res.data.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(
      ["sourceRow", "droppedByName", "otherTable", "policyChange", "updateById", "refreshByName"].map(
        (n) => ids[n],
      ),
    );
  });
});

describe("audit.list input", () => {
  async function refusedOn(input: Record<string, unknown>) {
    const res = await call(s, "query", "audit.list", input, "governance");
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    return res.issues;
  }

  it("names the field and what it must be", async () => {
    expect(await refusedOn({ from: "yesterday" })).toEqual([
      {
        path: "from",
        message: "must be an ISO 8601 date and time with its zone, such as 2026-12-05T16:00:00Z",
      },
    ]);
    // Without a zone the instant is ambiguous.
    expect((await refusedOn({ to: "2026-11-01T10:00:00" }))[0]?.path).toBe("to");
    expect(await refusedOn({ from: minutes(10).toISOString(), to: minutes(10).toISOString() })).toEqual([
      { path: "to", message: "must be after from" },
    ]);
    expect(await refusedOn({ table: "orders" })).toEqual([
      { path: "table", message: "must be a table name, such as curated.orders" },
    ]);
    expect(await refusedOn({ actor: "x".repeat(201) })).toEqual([
      { path: "actor", message: "must be at most 200 characters" },
    ]);
    expect((await refusedOn({ cursor: "abc" }))[0]?.path).toBe("cursor");
  });

  it("is for governance and admins only", async () => {
    for (const who of ["analyst", "engineer", "oncall"] as const) {
      const res = await call(s, "query", "audit.list", {}, who);
      expect(res.status).toBe(403);
    }
  });
});
