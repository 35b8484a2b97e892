// deadLetters.groups and the list's filters over HTTP as the console calls them: groups by cause with
// samples under the caller's column rules, a group's letters keyset-paged, payload search refused or
// narrowed where those rules restrict a source's table, and bad input refused by field.
import type { Role } from "@inlet/db";
import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trendWindow } from "../services/dead-letters";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call } from "../testing/trpc-client";

let s: TestServer;
let ordersId: string;
let clicksId: string;
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function query(procedure: string, input: unknown, role: Role = "oncall") {
  return call(s, "query", procedure, input, role);
}

beforeAll(async () => {
  s = await startTestServer();
  const prisma = s.database.db.prisma;
  const catalog = new PgCatalog(s.database.db);
  const orders = await catalog.findSourceBySlug("orders");
  if (!orders) throw new Error("the seed has no orders source");
  ordersId = orders.id;
  await catalog.ensureCuratedTable(orders, () => [
    { name: "id", type: "VARCHAR" },
    { name: "email", type: "VARCHAR" },
    { name: "amount", type: "DOUBLE" },
  ]);
  // On-call staff see orders' emails masked.
  const saved = await call(
    s,
    "mutation",
    "policies.save",
    {
      table: "curated.orders",
      reason: "test",
      columnRules: [{ column: "email", role: "oncall", rule: { action: "mask", mask: { style: "full" } } }],
      rowFilters: [],
      columnTags: [],
      denyUnruledColumns: false,
    },
    "governance",
  );
  expect(saved.status).toBe(200);
  const clicks = await prisma.source.create({ data: { slug: "clicks", name: "Clicks", kind: "http" } });
  clicksId = clicks.id;
  const letter = (n: number, over: Record<string, unknown> = {}) => ({
    sourceId: ordersId,
    batchId: "b-1",
    eventId: `e-${n}`,
    reasonCode: "SCHEMA_VIOLATION",
    reason: `/amount: must be a number, got the string "x${n}"`,
    path: "/amount",
    schemaVersion: 1,
    payload: JSON.stringify({ id: `e-${n}`, email: `buyer${n}@example.com`, amount: `x${n}` }),
    createdAt: at(n * 10),
    ...over,
  });
  await prisma.deadLetter.createMany({
    data: [
      letter(1),
      // Its producer sent it three times (see "copies").
      letter(2, { copies: 3, lastReceivedAt: at(55) }),
      letter(3),
      letter(4, { schemaVersion: 2 }),
      letter(5, { path: "/email", reason: "/email: must match format" }),
      letter(6, { reasonCode: "MALFORMED_JSON", path: null, schemaVersion: null, payload: '{"id":"e-6",' }),
      letter(7, { sourceId: clicksId, payload: '{"id":"e-7","email":"buyer7@example.com"}' }),
      letter(8, { sourceId: null, reasonCode: "POISON_FILE", path: null, schemaVersion: null }),
      letter(9, { status: "replayed" }),
    ],
  });
});
afterAll(async () => {
  await s?.close();
});

describe("deadLetters.groups", () => {
  it("groups open letters by source × reason × pointer × schema version, largest first, samples masked for on-call", async () => {
    const res = await query("deadLetters.groups", { from: at(0).toISOString(), to: at(120).toISOString() });
    expect(res.status).toBe(200);
    const page = res.data;
    expect([page.totalGroups, page.totalLetters, page.searchExcluded, page.limit]).toEqual([6, 8, [], 100]);
    expect(page.trend).toEqual({ from: at(0).toISOString(), hours: 2 });
    expect(page.reasons).toEqual([
      { reasonCode: "MALFORMED_JSON", count: 1 },
      { reasonCode: "POISON_FILE", count: 1 },
      { reasonCode: "SCHEMA_VIOLATION", count: 6 },
    ]);
    const [first] = page.groups;
    expect(first).toMatchObject({
      source: "orders",
      reasonCode: "SCHEMA_VIOLATION",
      path: "/amount",
      schemaVersion: 1,
      count: 3,
      firstSeen: at(10).toISOString(),
      lastSeen: at(30).toISOString(),
      trend: [3, 0],
      sample: { eventId: "e-3", payloadMasked: true, payloadTruncated: false },
    });
    expect(JSON.parse(first.sample.payload)).toEqual({ id: "e-3", email: "****", amount: "x3" });
    const keys = page.groups.map((g: { source: string | null; reasonCode: string; path: string | null }) => [
      g.source,
      g.reasonCode,
      g.path,
    ]);
    expect(keys).toEqual(
      expect.arrayContaining([
        ["orders", "SCHEMA_VIOLATION", "/email"],
        ["orders", "MALFORMED_JSON", null],
        ["clicks", "SCHEMA_VIOLATION", "/amount"],
        [null, "POISON_FILE", null],
      ]),
    );
    // An engineer has no rule on orders: the sample as received.
    const engineer = await query("deadLetters.groups", { source: "orders", limit: 1 }, "engineer");
    expect(engineer.data.groups).toHaveLength(1);
    expect(engineer.data.groups[0].sample).toMatchObject({ payloadMasked: false });
    expect(engineer.data.groups[0].sample.payload).toContain("buyer3@example.com");
    // Most recent first; only letters without a source.
    const recent = await query("deadLetters.groups", { sort: "lastSeen", limit: 2 });
    expect(recent.data.groups.map((g: { lastSeen: string }) => g.lastSeen)).toEqual([
      at(80).toISOString(),
      at(70).toISOString(),
    ]);
    const sourceless = await query("deadLetters.groups", { source: null });
    expect(sourceless.data.groups.map((g: { reasonCode: string }) => g.reasonCode)).toEqual(["POISON_FILE"]);
    const replayed = await query("deadLetters.groups", { status: "replayed" });
    expect(replayed.data.totalLetters).toBe(1);
  });

  it("drills into a group: its letters newest first, keyset-paged, by pointer and schema version", async () => {
    const group = { source: "orders", reasonCode: "SCHEMA_VIOLATION", path: "/amount", schemaVersion: 1 };
    const first = await query("deadLetters.list", { ...group, limit: 2 });
    expect(first.data.items.map((d: { eventId: string }) => d.eventId)).toEqual(["e-3", "e-2"]);
    expect(first.data.items[0]).toMatchObject({ path: "/amount", schemaVersion: 1 });
    const rest = await query("deadLetters.list", { ...group, limit: 2, cursor: first.data.nextCursor });
    expect([rest.data.items.map((d: { eventId: string }) => d.eventId), rest.data.nextCursor]).toEqual([
      ["e-1"],
      null,
    ]);
    const noPointer = await query("deadLetters.list", { source: "orders", path: null, schemaVersion: null });
    expect(noPointer.data.items.map((d: { eventId: string }) => d.eventId)).toEqual(["e-6"]);
    const v2 = await query("deadLetters.list", { schemaVersion: 2 });
    expect(v2.data.items.map((d: { eventId: string }) => d.eventId)).toEqual(["e-4"]);
    const inBatch = await query("deadLetters.list", { batchId: "b-1", from: at(45).toISOString() });
    expect(inBatch.data.items.map((d: { eventId: string }) => d.eventId)).toEqual([
      "e-8",
      "e-7",
      "e-6",
      "e-5",
    ]);
    expect(inBatch.data.reasons).toEqual([
      { reasonCode: "MALFORMED_JSON", count: 1 },
      { reasonCode: "POISON_FILE", count: 1 },
      { reasonCode: "SCHEMA_VIOLATION", count: 2 },
    ]);
  });

  it("says how many copies a letter stands for and when the last came: in the list, one letter and its group", async () => {
    const group = { source: "orders", reasonCode: "SCHEMA_VIOLATION", path: "/amount", schemaVersion: 1 };
    const list = await query("deadLetters.list", group);
    const copies = list.data.items.map((d: { eventId: string; copies: number; lastReceivedAt: string }) => [
      d.eventId,
      d.copies,
    ]);
    expect(copies).toEqual([
      ["e-3", 1],
      ["e-2", 3],
      ["e-1", 1],
    ]);
    const e2 = list.data.items.find((d: { eventId: string }) => d.eventId === "e-2");
    expect(e2).toMatchObject({ createdAt: at(20).toISOString(), lastReceivedAt: at(55).toISOString() });
    const one = await query("deadLetters.get", { id: e2.id });
    expect(one.status).toBe(200);
    expect(one.data).toMatchObject({ copies: 3, lastReceivedAt: at(55).toISOString() });
    const groups = await query("deadLetters.groups", { ...group, from: at(0).toISOString() });
    expect(groups.data.groups.map((g: { count: number; copies: number }) => [g.count, g.copies])).toEqual([
      [3, 5],
    ]);
  });

  it("keeps payload search off a source whose table the caller's rules restrict", async () => {
    const named = await query("deadLetters.list", { source: "orders", search: "buyer1@" });
    expect(named.status).toBe(403);
    expect(named.message).toContain("Payloads of orders cannot be searched with your roles");
    const namedGroups = await query("deadLetters.groups", { source: "orders", search: "buyer1@" });
    expect(namedGroups.status).toBe(403);
    const everywhere = await query("deadLetters.groups", { search: "buyer" });
    expect([everywhere.data.totalLetters, everywhere.data.searchExcluded]).toEqual([2, ["orders"]]);
    const list = await query("deadLetters.list", { search: "BUYER7" });
    expect([list.data.items.map((d: { eventId: string }) => d.eventId), list.data.searchExcluded]).toEqual([
      ["e-7"],
      ["orders"],
    ]);
    // An engineer may search orders: the text is found as received.
    const engineer = await query("deadLetters.list", { source: "orders", search: "buyer1@" }, "engineer");
    expect([engineer.status, engineer.data.items.map((d: { eventId: string }) => d.eventId)]).toEqual([
      200,
      ["e-1"],
    ]);
  });

  it("refuses bad input by field, and callers without a dead-letter role", async () => {
    const short = await query("deadLetters.groups", { search: " ab " });
    expect(short.status).toBe(400);
    expect(short.issues).toEqual([{ path: "search", message: "must be at least 3 characters" }]);
    const pointer = await query("deadLetters.list", { path: "amount" });
    expect(pointer.issues).toEqual([{ path: "path", message: 'must be a JSON pointer such as "/amount"' }]);
    const order = await query("deadLetters.groups", { from: at(10).toISOString(), to: at(0).toISOString() });
    expect(order.issues).toEqual([{ path: "to", message: "must be after from" }]);
    const when = await query("deadLetters.groups", { from: "yesterday" });
    expect(when.status).toBe(400);
    expect((await query("deadLetters.groups", { source: "nope" })).status).toBe(404);
    expect((await query("deadLetters.groups", {}, "analyst")).status).toBe(403);
  });
});

describe("trendWindow", () => {
  it("counts whole hours over the range, a week before its end without a start, at most 31 days", () => {
    const now = new Date("2026-03-02T10:30:00Z");
    expect(trendWindow({}, now)).toEqual({ trendFrom: new Date("2026-02-23T10:00:00Z"), trendHours: 169 });
    expect(trendWindow({ from: new Date("2026-03-02T09:10:00Z") }, now)).toEqual({
      trendFrom: new Date("2026-03-02T09:00:00Z"),
      trendHours: 2,
    });
    expect(trendWindow({ from: new Date("2025-01-01T00:00:00Z") }, now).trendHours).toBe(744);
  });
});
