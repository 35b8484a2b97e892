// Dead letters grouped by cause, filtered and searched within their payloads, on a real PostgreSQL
// with the migrations applied (the schema_version column).
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeadLetterFilter, NewDeadLetter } from "../ports/catalog";
import { createTestSource, type TestSource } from "../testing/pipeline-fixtures";
import { boundedRead, hourOf } from "./dead-letter-groups";
import { containsPattern, DEAD_LETTER_SEARCH_CHARS } from "./dead-letters";
import { PgCatalog } from "./pg-catalog";

let t: TestDatabase;
let catalog: PgCatalog;

beforeAll(async () => {
  t = await createTestDatabase();
  catalog = new PgCatalog(t.db);
});
afterAll(async () => {
  await t?.drop();
});

const T0 = new Date("2026-03-02T10:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function letter(src: TestSource | undefined, over: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    sourceId: src?.id,
    batchId: "batch-1",
    eventId: "e",
    reasonCode: "SCHEMA_VIOLATION",
    reason: "/amount: must be a number",
    path: "/amount",
    payload: '{"id":"e","amount":"x"}',
    attempts: 1,
    schemaVersion: 1,
    ...over,
  };
}

/** Records letters received at the given times. */
async function record(rows: { letter: NewDeadLetter; at: Date }[]): Promise<string[]> {
  const ids = await catalog.recordDeadLetters(rows.map((r) => r.letter));
  for (const [i, id] of ids.entries()) {
    await t.db.pool.query(
      "UPDATE dead_letters SET created_at = $2::timestamptz AT TIME ZONE 'UTC' WHERE id = $1",
      [id, rows[i]!.at.toISOString()],
    );
  }
  return ids;
}

const groupOpts = { sort: "count" as const, limit: 50, trendFrom: T0, trendHours: 4, maxSampleChars: 1000 };

describe("dead letters grouped by cause", () => {
  it("groups by source × reason × pointer × schema version, with count, first and last seen, trend and the newest as sample", async () => {
    const src = await createTestSource(t.db);
    const other = await createTestSource(t.db);
    const ids = await record([
      { letter: letter(src, { eventId: "a1" }), at: at(5) },
      { letter: letter(src, { eventId: "a2" }), at: at(65) },
      { letter: letter(src, { eventId: "a3", payload: '{"id":"a3","amount":"newest"}' }), at: at(130) },
      // Another schema version, another pointer, another reason, no pointer, the root pointer.
      { letter: letter(src, { eventId: "b1", schemaVersion: 2 }), at: at(10) },
      { letter: letter(src, { eventId: "c1", path: "/currency" }), at: at(20) },
      {
        letter: letter(src, { reasonCode: "MALFORMED_JSON", path: undefined, schemaVersion: undefined }),
        at: at(30),
      },
      { letter: letter(src, { reasonCode: "SCHEMA_VIOLATION", path: "", eventId: "r1" }), at: at(40) },
      { letter: letter(other, { eventId: "o1" }), at: at(50) },
      // No source at all (a landing file nobody owns).
      {
        letter: letter(undefined, { reasonCode: "POISON_FILE", path: undefined, schemaVersion: undefined }),
        at: at(60),
      },
    ]);
    const page = await catalog.deadLetterGroups({ sourceId: src.id, status: "open" }, groupOpts);
    expect([page.totalGroups, page.totalLetters]).toEqual([5, 7]);
    expect(page.trend).toEqual({ from: T0, hours: 4 });
    const big = page.groups[0]!;
    expect(big).toMatchObject({
      sourceId: src.id,
      source: src.slug,
      reasonCode: "SCHEMA_VIOLATION",
      path: "/amount",
      schemaVersion: 1,
      count: 3,
      firstSeen: at(5),
      lastSeen: at(130),
      trend: [1, 1, 1, 0],
      sample: {
        id: ids[2],
        eventId: "a3",
        payload: '{"id":"a3","amount":"newest"}',
        payloadChars: 29,
        payloadTruncated: false,
      },
    });
    const keys = page.groups.map((g) => [g.reasonCode, g.path, g.schemaVersion, g.count]);
    expect(keys).toHaveLength(5);
    expect(keys).toEqual(
      expect.arrayContaining([
        ["SCHEMA_VIOLATION", "/amount", 2, 1],
        ["SCHEMA_VIOLATION", "/currency", 1, 1],
        ["MALFORMED_JSON", null, null, 1],
        // The root pointer is a pointer: not the same as none.
        ["SCHEMA_VIOLATION", "", 1, 1],
      ]),
    );

    // Newest letter first, then the largest.
    const recent = await catalog.deadLetterGroups(
      { sourceId: src.id, status: "open" },
      { ...groupOpts, sort: "lastSeen", limit: 2 },
    );
    expect(recent.groups.map((g) => g.lastSeen)).toEqual([at(130), at(40)]);
    expect([recent.totalGroups, recent.totalLetters]).toEqual([5, 7]);

    const sourceless = await catalog.deadLetterGroups({ sourceId: null, status: "open" }, groupOpts);
    expect(sourceless.groups.map((g) => [g.sourceId, g.source, g.reasonCode])).toContainEqual([
      null,
      null,
      "POISON_FILE",
    ]);
    expect(sourceless.groups.every((g) => g.sourceId === null)).toBe(true);
    const none = await catalog.deadLetterGroups({ sourceId: src.id, status: "replayed" }, groupOpts);
    expect(none).toMatchObject({ groups: [], totalGroups: 0, totalLetters: 0 });
  });

  it("filters groups and letters by time, batch, pointer and schema version, and pages a group's letters", async () => {
    const src = await createTestSource(t.db);
    await record([
      { letter: letter(src, { eventId: "t1", batchId: "b-x" }), at: at(0) },
      { letter: letter(src, { eventId: "t2", batchId: "b-y" }), at: at(90) },
      { letter: letter(src, { eventId: "t3", batchId: "b-y" }), at: at(100) },
      { letter: letter(src, { eventId: "t4", batchId: "b-y", schemaVersion: 2 }), at: at(110) },
      { letter: letter(src, { eventId: "t5", batchId: "b-y", path: undefined }), at: at(120) },
    ]);
    const base: DeadLetterFilter = { sourceId: src.id, status: "open" };
    const window = await catalog.deadLetterGroups({ ...base, from: at(60), to: at(115) }, groupOpts);
    expect(window.totalLetters).toBe(3);
    expect((await catalog.deadLetterGroups({ ...base, batchId: "b-x" }, groupOpts)).totalLetters).toBe(1);

    const group = { ...base, reasonCode: "SCHEMA_VIOLATION", path: "/amount", schemaVersion: 1 };
    const first = await catalog.listDeadLetters(group, { limit: 2 });
    expect(first.items.map((d) => d.eventId)).toEqual(["t3", "t2"]);
    expect(first.items[0]).toMatchObject({ path: "/amount", schemaVersion: 1 });
    const rest = await catalog.listDeadLetters(group, { limit: 2, cursor: first.nextCursor });
    expect([rest.items.map((d) => d.eventId), rest.nextCursor]).toEqual([["t1"], undefined]);
    expect(
      (await catalog.listDeadLetters({ ...base, path: null }, { limit: 10 })).items.map((d) => d.eventId),
    ).toEqual(["t5"]);
    expect(
      (await catalog.listDeadLetters({ ...base, schemaVersion: 2 }, { limit: 10 })).items.map(
        (d) => d.eventId,
      ),
    ).toEqual(["t4"]);
    expect((await catalog.listDeadLetters({ ...base, schemaVersion: null }, { limit: 10 })).items).toEqual(
      [],
    );
    expect(await catalog.countDeadLettersByReason({ ...base, from: at(95) })).toEqual([
      { reasonCode: "SCHEMA_VIOLATION", count: 3 },
    ]);
  });

  it("caps the trend at 31 days of hours and starts it on the hour", async () => {
    const src = await createTestSource(t.db);
    await record([{ letter: letter(src), at: at(61) }]);
    const page = await catalog.deadLetterGroups(
      { sourceId: src.id, status: "open" },
      { ...groupOpts, trendFrom: at(30), trendHours: 10_000 },
    );
    expect(page.trend).toEqual({ from: T0, hours: 744 });
    expect(page.groups[0]?.trend.slice(0, 3)).toEqual([0, 1, 0]);
    expect(hourOf(at(59))).toEqual(T0);
  });
});

describe("payload search", () => {
  it("finds text anywhere in a payload's first 65,536 characters, case-insensitively, wildcards taken literally", async () => {
    const src = await createTestSource(t.db);
    const other = await createTestSource(t.db);
    await record([
      {
        letter: letter(src, { eventId: "s1", payload: '{"email":"Alice@Example.com","note":"100%_off"}' }),
        at: at(0),
      },
      {
        letter: letter(src, { eventId: "s2", payload: '{"email":"bob@example.com","note":"100 percent"}' }),
        at: at(1),
      },
      {
        letter: letter(src, {
          eventId: "s3",
          payload: `{"pad":"${"x".repeat(DEAD_LETTER_SEARCH_CHARS)}","email":"late@example.com"}`,
        }),
        at: at(2),
      },
      { letter: letter(other, { eventId: "s4", payload: '{"email":"alice@example.com"}' }), at: at(3) },
    ]);
    const found = async (filter: Partial<DeadLetterFilter>) =>
      (await catalog.listDeadLetters({ status: "open", sourceId: src.id, ...filter }, { limit: 10 })).items
        .map((d) => d.eventId)
        .sort();
    expect(await found({ search: "alice@example" })).toEqual(["s1"]);
    expect(await found({ search: "EXAMPLE.COM" })).toEqual(["s1", "s2"]);
    expect(await found({ search: "100%_" })).toEqual(["s1"]);
    expect(await found({ search: "0%_off" })).toEqual(["s1"]);
    expect(await found({ search: "100_p" })).toEqual([]);
    // Beyond the searched prefix: not found (the bound is the index's expression).
    expect(await found({ search: "late@example" })).toEqual([]);
    // Every source, but one left out.
    const all = await catalog.listDeadLetters(
      { status: "open", search: "alice@", excludeSourceIds: [src.id] },
      { limit: 10 },
    );
    expect(all.items.map((d) => d.eventId)).toEqual(["s4"]);
    const groups = await catalog.deadLetterGroups(
      { status: "open", sourceId: src.id, search: "example" },
      groupOpts,
    );
    expect([groups.totalGroups, groups.totalLetters]).toEqual([1, 2]);
    await expect(found({ search: "ab" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(found({ search: "x".repeat(201) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(containsPattern("a\\b%c_d")).toBe("%a\\\\b\\%c\\_d%");
  });

  it("stops a search that runs past its time limit with a request to narrow it", async () => {
    await expect(
      boundedRead(t.db.pool, { status: "open", search: "abc" }, (q) => q.query("SELECT pg_sleep(2)"), {
        timeoutMs: 100,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", details: { field: "search", timeoutMs: 100 } });
    // Without a search nothing is bounded here.
    await expect(
      boundedRead(t.db.pool, { status: "open" }, (q) => q.query("SELECT pg_sleep(0.2)"), {
        timeoutMs: 100,
      }),
    ).resolves.toBeDefined();
  });
});
