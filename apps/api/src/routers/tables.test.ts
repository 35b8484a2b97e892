import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@inlet/db";
import { LocalFsObjectStore, PgCatalog, type WorkerConfig } from "@inlet/lake-core";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { sendEvents, TEST_WORKER_CONFIG, workUntil } from "../testing/lake-fixtures";
import { startTestServer, TEST_SECRET, type TestServer } from "../testing/test-server";
import { authHeader, call, queryUrl } from "../testing/trpc-client";

let s: TestServer;
let dir: string;
let store: LocalFsObjectStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-tables-test-"));
  store = new LocalFsObjectStore(join(dir, "lake"), { fsync: false });
  s = await startTestServer({}, { register: dataPlaneRoutes() }, store);
});
afterAll(async () => {
  await s?.close();
  await rm(dir, { recursive: true, force: true });
});

const trpcGet = queryUrl;

function as(role: Role) {
  return authHeader(s, role);
}

async function get(path: string, input: unknown, headers: Record<string, string>) {
  const res = await s.app.inject({ url: trpcGet(path, input), headers });
  return { status: res.statusCode, body: res.json() };
}

async function data(path: string, input: unknown, role: Role = "analyst") {
  const res = await get(path, input, await as(role));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.result.data.json;
}

function preview(table: string) {
  return trpcGet("tables.preview", { table });
}

describe("tables.preview", () => {
  it("shows a table at its current snapshot through the LakeReader, to every role", async () => {
    const catalog = new PgCatalog(s.database.db);
    const source = await catalog.findSourceBySlug("orders");
    if (!source) throw new Error("the seed has no orders source");
    await catalog.ensureCuratedTable(source, () => [
      { name: "id", type: "VARCHAR" },
      { name: "_event_time", type: "TIMESTAMPTZ" },
    ]);
    for (const role of ["analyst", "governance", "oncall", "engineer", "admin"] as const) {
      const res = await s.app.inject({
        url: preview("curated.orders"),
        headers: { authorization: `Bearer ${await s.tokenFor(role)}` },
      });
      expect(res.statusCode, role).toBe(200);
      expect(res.json().result.data.json).toMatchObject({
        table: "curated.orders",
        snapshot: 0,
        rows: [],
        totalRows: 0,
        columns: [
          { name: "id", type: "VARCHAR" },
          { name: "_event_time", type: "TIMESTAMP WITH TIME ZONE" },
        ],
      });
    }
  });

  it("names a table that does not exist, and refuses a malformed name", async () => {
    const headers = { authorization: `Bearer ${await s.tokenFor("analyst")}` };
    const missing = await s.app.inject({ url: preview("curated.nope"), headers });
    expect([missing.statusCode, missing.json().error.json.message]).toEqual([
      404,
      "No table named 'curated.nope'",
    ]);
    const bad = await s.app.inject({ url: preview("../etc/passwd"), headers });
    expect(bad.statusCode).toBe(400);
    expect((await s.app.inject({ url: preview("curated.orders") })).statusCode).toBe(401);
  });
});

/** A UTC date `daysAgo` days before today, as YYYY-MM-DD. */
function day(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

describe("the tables browser over real commits", () => {
  const name = "curated.shop-orders";
  const catalog = () => new PgCatalog(s.database.db);
  let key = "";
  const batchIds: string[] = [];

  async function send(events: { id: string; amount: number; created_at: string }[]) {
    const batchId = await sendEvents(s, "shop-orders", key, events);
    batchIds.push(batchId);
    return batchId;
  }

  /** Runs a worker until `done` holds, then stops it. */
  function work(config: WorkerConfig, label: string, done: () => Promise<boolean>) {
    return workUntil(s, store, { ...TEST_WORKER_CONFIG, tmpDir: join(dir, "tmp"), ...config }, label, done);
  }

  const committed = (id: string) => async () =>
    (await catalog().batchStates([id])).get(id)?.status === "committed";

  beforeAll(async () => {
    const created = await call(
      s,
      "mutation",
      "sources.create",
      {
        name: "Shop orders",
        slug: "shop-orders",
        schema: {
          type: "object",
          properties: {
            id: { type: "string" },
            amount: { type: "number" },
            created_at: { type: "string", format: "date-time" },
          },
          required: ["id", "amount", "created_at"],
        },
        idField: "id",
        timeField: "created_at",
        retentionDays: 365,
      },
      "engineer",
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    key = created.data.apiKey.key;
  });

  it("lists a registered table with no snapshot yet, and its raw zone empty", async () => {
    const list = await data("tables.list", {});
    expect(list.tables.find((t: { name: string }) => t.name === name)).toMatchObject({
      zone: "curated",
      source: { slug: "shop-orders" },
      currentSeq: 0,
      rows: 0,
      files: 0,
      lastCommitAt: null,
      partitionBy: ["dt"],
    });
    expect(list.rawSources.find((r: { name: string }) => r.name === "raw.shop-orders")).toMatchObject({
      objects: 0,
      events: 0,
      oldestReceivedAt: null,
    });
    expect(list.counts.raw).toBe(list.rawSources.length);
    expect((await data("tables.snapshots", { name })).items).toEqual([]);
    expect((await data("tables.partitions", { name })).items).toEqual([]);
    const curatedOnly = await data("tables.list", { zone: "curated" });
    expect(curatedOnly.rawSources).toEqual([]);
    expect(curatedOnly.tables.every((t: { zone: string }) => t.zone === "curated")).toBe(true);
  });

  it("shows partitions and snapshots with the batch ids that committed them", async () => {
    const first = await send([
      { id: "a1", amount: 1, created_at: `${day(1)}T10:00:00Z` },
      { id: "a2", amount: 2, created_at: `${day(1)}T11:00:00Z` },
      { id: "a3", amount: 3, created_at: `${day(0)}T00:30:00Z` },
    ]);
    await work({}, "the first batch's commit", committed(first));
    const second = await send([{ id: "b1", amount: 4, created_at: `${day(1)}T12:00:00Z` }]);
    await work({}, "the second batch's commit", committed(second));

    const table = await data("tables.get", { name });
    expect(table).toMatchObject({
      kind: "table",
      name,
      zone: "curated",
      source: { slug: "shop-orders" },
      partitionBy: ["dt"],
      currentSeq: 2,
      rows: 4,
      files: 3,
    });
    expect(table.columns.slice(0, 3)).toEqual([
      { name: "id", type: "VARCHAR", forYou: "allow" },
      { name: "amount", type: "DOUBLE", forYou: "allow" },
      { name: "created_at", type: "TIMESTAMPTZ", forYou: "allow" },
    ]);
    expect(new Date(table.lastCommitAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const page1 = await data("tables.partitions", { name, limit: 1 });
    expect(page1).toMatchObject({ kind: "table", snapshot: 2, total: 2 });
    expect(page1.items).toMatchObject([{ partition: `dt=${day(0)}`, rows: 1, files: 1 }]);
    const page2 = await data("tables.partitions", { name, limit: 1, cursor: page1.nextCursor });
    expect(page2.items).toMatchObject([{ partition: `dt=${day(1)}`, rows: 3, files: 2 }]);
    expect(page2.nextCursor).toBeNull();
    expect(new Date(page2.items[0].minEventTime).toISOString()).toBe(`${day(1)}T10:00:00.000Z`);
    expect(new Date(page2.items[0].maxEventTime).toISOString()).toBe(`${day(1)}T12:00:00.000Z`);

    const snapshots = await data("tables.snapshots", { name });
    expect(
      snapshots.items.map((x: Record<string, unknown>) => [x.seq, x.operation, x.batchIds, x.addedRows]),
    ).toEqual([
      [2, "append", [second], 1],
      [1, "append", [first], 3],
    ]);
    expect(snapshots.items[1]).toMatchObject({ addedFiles: 2, removedFiles: 0, batchCount: 1 });

    const shown = await data("tables.preview", { table: name });
    expect([shown.rows.length, shown.totalRows, shown.truncated, shown.snapshot]).toEqual([4, 4, false, 2]);

    const raw = await data("tables.get", { name: "raw.shop-orders" });
    expect(raw).toMatchObject({ kind: "raw", zone: "raw", objects: 2, events: 4, failedObjects: 0 });
    const rawDays = await data("tables.partitions", { name: "raw.shop-orders" });
    expect(rawDays).toMatchObject({ kind: "raw", total: 1 });
    expect(rawDays.items).toMatchObject([{ partition: `dt=${day(0)}`, objects: 2, events: 4 }]);
  });

  it("shows a compaction as the snapshot that merged a partition's files", async () => {
    const before = await data("tables.get", { name });
    await work(
      { compactIntervalMs: 50, compaction: { minFiles: 2 } },
      "a compaction",
      async () => ((await catalog().getTableSummary(name))?.currentSeq ?? 0) > before.currentSeq,
    );
    const snapshots = await data("tables.snapshots", { name, limit: 1 });
    expect(snapshots.items).toMatchObject([
      {
        seq: 3,
        operation: "compact",
        addedFiles: 1,
        removedFiles: 2,
        addedRows: 3,
        batchIds: [],
        partitions: [`dt=${day(1)}`],
      },
    ]);
    expect(snapshots.total).toBe(3);
    const older = await data("tables.snapshots", { name, limit: 1, cursor: snapshots.nextCursor });
    expect(older.items.map((x: { seq: number }) => x.seq)).toEqual([2]);
    const partitions = await data("tables.partitions", { name });
    expect(partitions.items.map((p: Record<string, unknown>) => [p.partition, p.rows, p.files])).toEqual([
      [`dt=${day(0)}`, 1, 1],
      [`dt=${day(1)}`, 3, 1],
    ]);
    expect(await data("tables.get", { name })).toMatchObject({ currentSeq: 3, rows: 4, files: 2 });
  });

  it("answers 404 naming a table that does not exist, and 400 for a raw zone's snapshots", async () => {
    const headers = await as("analyst");
    for (const [path, input] of [
      ["tables.get", { name: "curated.nope" }],
      ["tables.partitions", { name: "curated.nope" }],
      ["tables.snapshots", { name: "curated.nope" }],
      ["tables.get", { name: "raw.nope" }],
      ["tables.partitions", { name: "analytics.nope" }],
    ] as const) {
      const res = await get(path, input, headers);
      expect([res.status, res.body.error.json.message], path).toEqual([
        404,
        `No table named '${input.name}'`,
      ]);
    }
    const raw = await get("tables.snapshots", { name: "raw.shop-orders" }, headers);
    expect(raw.status).toBe(400);
    expect(raw.body.error.json.data.issues).toMatchObject([{ path: "name" }]);
    const malformed = await get("tables.get", { name: "Curated.Orders; DROP" }, headers);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.json.data.issues).toMatchObject([{ path: "name" }]);
    const cursor = await get("tables.partitions", { name, cursor: "not-a-cursor" }, headers);
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.json.data.issues).toMatchObject([{ path: "cursor" }]);
  });

  it("is for every role with the Tables page, refuses a person without one, and asks for a session", async () => {
    for (const role of ["admin", "engineer", "governance", "analyst", "oncall"] as const) {
      expect((await get("tables.list", {}, await as(role))).status, role).toBe(200);
    }
    const user = await s.database.db.prisma.user.create({
      data: { email: "no-roles@inlet.local", name: "No roles", roles: [], passwordHash: "x" },
    });
    const token = await encode({
      token: { sub: user.id, email: user.email, name: user.name, roles: [] },
      secret: TEST_SECRET,
    });
    const refused = await get("tables.get", { name }, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "access.denied", targetId: "tables.get" },
    });
    expect(audit?.actorEmail).toBe("no-roles@inlet.local");
    expect((await s.app.inject({ url: trpcGet("tables.list", {}) })).statusCode).toBe(401);
  });
});
