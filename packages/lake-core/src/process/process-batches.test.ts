import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalFsObjectStore } from "../adapters/local-fs-store";
import type { PgQueue } from "../adapters/pg-queue";
import { PgCatalog } from "../catalog/pg-catalog";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { recordPoisonBatches } from "./poison-batches";
import { type ProcessDeps, processBatches } from "./process-batches";
import { requeueStrandedBatches } from "./stranded-batches";

let bed: PipelineTestBed;
let t: TestDatabase;
let dir: string;
let store: LocalFsObjectStore;
let queue: PgQueue;
let duck: DuckDBConnection;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("process", { maxReceives: 3 });
  ({ t, dir, store, queue, duck } = bed);
  deps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
});

afterAll(async () => {
  await bed?.close();
});

const order = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    amount: 12.5,
    qty: 2,
    paid: true,
    created_at: "2024-05-01T10:00:00Z",
    tags: ["a"],
    ...extra,
  });

async function receiveAll() {
  return queue.receive(BATCHES_QUEUE, { max: 100, visibilityTimeoutMs: 60_000 });
}

describe("processBatches", () => {
  it("writes valid events to curated Parquet, dead-letters invalid ones and dedupes by id", async () => {
    const src = await createTestSource(t.db);
    const b1 = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      order("o1"),
      order("o2", { amount: "12" }),
      order("o3", { created_at: "2024-05-02T23:30:00-02:00", note: "it's" }),
      order("o1", { amount: 99 }),
    ]);
    const b2 = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      order("o3"),
      order("o4", { _event_id: "x" }),
      "{}",
    ]);
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 2, accepted: 3, rejected: 2, duplicates: 2, retried: 0 });

    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, amount, qty, paid, note, tags, _batch_id, dt::VARCHAR AS dt, _event_time::VARCHAR AS t",
    );
    expect(rows).toEqual([
      {
        _event_id: "o1",
        amount: 12.5,
        qty: "2",
        paid: true,
        note: null,
        tags: '["a"]',
        _batch_id: b1.batchId,
        dt: "2024-05-01",
        t: "2024-05-01 10:00:00+00",
      },
      {
        _event_id: "o3",
        amount: 12.5,
        qty: "2",
        paid: true,
        note: "it's",
        tags: '["a"]',
        _batch_id: b1.batchId,
        dt: "2024-05-03",
        t: "2024-05-03 01:30:00+00",
      },
      {
        _event_id: "o4",
        amount: 12.5,
        qty: "2",
        paid: true,
        note: null,
        tags: '["a"]',
        _batch_id: b2.batchId,
        dt: "2024-05-01",
        t: "2024-05-01 10:00:00+00",
      },
    ]);
    const view = await new PgCatalog(t.db).tableSnapshot(`curated.${src.slug}`);
    expect(view?.files.map((f) => f.partition).sort()).toEqual(["dt=2024-05-01", "dt=2024-05-03"]);
    for (const f of view!.files)
      expect(f.path).toMatch(new RegExp(`^curated/${src.slug}/dt=2024-05-0[13]/[0-9a-f-]{36}-0\\.parquet$`));

    const dead = await t.db.prisma.deadLetter.findMany({
      where: { sourceId: src.id },
      orderBy: { reason: "asc" },
    });
    expect(dead.map((d) => [d.reasonCode, d.reason, d.path, d.eventId, d.batchId, d.attempts])).toEqual([
      ["SCHEMA_VIOLATION", '/amount: must be a number, got the string "12"', "/amount", "o2", b1.batchId, 1],
      // Every violation is named, the first one's pointer is the letter's path.
      [
        "SCHEMA_VIOLATION",
        '/id: the required property "id" is missing; /amount: the required property "amount" is missing; /created_at: the required property "created_at" is missing',
        "/id",
        `${b2.batchId}:2`,
        b2.batchId,
        1,
      ],
    ]);
    expect(dead[0]?.payload).toBe(order("o2", { amount: "12" }));
    const batches = await t.db.prisma.batch.findMany({ where: { sourceId: src.id }, orderBy: { id: "asc" } });
    expect(batches.map((b) => [b.status, b.accepted, b.rejected, b.duplicates])).toEqual([
      ["committed", 2, 1, 1],
      ["committed", 1, 1, 1],
    ]);
    expect((await queue.stats(BATCHES_QUEUE)).inFlight).toBe(0);
  });

  it("pairs every payload with its own id and time in a flush of many megabytes", async () => {
    const src = await createTestSource(t.db);
    const padding = "é".repeat(400);
    const expected = new Map<string, string>();
    for (let b = 0; b < 8; b += 1) {
      const lines: string[] = [];
      for (let i = 0; i < 2_500; i += 1) {
        const id = `p-${b}-${i}`;
        const minute = String(i % 60).padStart(2, "0");
        const time = `2024-05-0${1 + (i % 3)}T10:${minute}:00Z`;
        expected.set(id, time);
        // Blank lines, CRLF endings, invalid events and duplicates shift rows against the body's lines.
        if (i % 500 === 7) lines.push("");
        if (i % 400 === 3) lines.push(order(`bad-${b}-${i}`, { amount: "x" }));
        if (i % 300 === 5) lines.push(order(`p-${b}-0`, { note: "duplicate" }));
        const line = order(id, { created_at: time, note: `${id} ${padding}` });
        lines.push(i % 2 === 0 ? `${line}\r` : line);
      }
      await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, lines);
    }
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 8, accepted: expected.size, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "id, _event_id, note, strftime(_event_time, '%Y-%m-%dT%H:%M:%SZ') AS t",
    );
    expect(rows).toHaveLength(expected.size);
    const mismatched = rows.filter(
      (r) => r.id !== r._event_id || r.t !== expected.get(String(r.id)) || r.note !== `${r.id} ${padding}`,
    );
    expect(mismatched).toEqual([]);
  });

  it("changes nothing when a committed batch is processed again", async () => {
    const src = await createTestSource(t.db);
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      order("r1"),
      order("r2", { amount: "x" }),
    ]);
    await processBatches(deps, await receiveAll());
    const before = await new PgCatalog(t.db).tableSnapshot(`curated.${src.slug}`);
    const deadBefore = await t.db.prisma.deadLetter.count({ where: { sourceId: src.id } });
    // The same message again (a redelivery after a lost ack).
    await queue.send(BATCHES_QUEUE, {
      batchId: b.batchId,
      sourceId: src.id,
      slug: src.slug,
      rawKey: b.rawKey,
      format: "ndjson",
      receivedAt: new Date().toISOString(),
      eventCount: 2,
    });
    const again = await processBatches(deps, await receiveAll());
    expect(again).toMatchObject({ alreadyDone: 1, committed: 0, accepted: 0 });
    expect(await new PgCatalog(t.db).tableSnapshot(`curated.${src.slug}`)).toEqual(before);
    expect(await t.db.prisma.deadLetter.count({ where: { sourceId: src.id } })).toBe(deadBefore);
  });

  it("keeps events whose ids were committed earlier out of curated", async () => {
    const src = await createTestSource(t.db);
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("d1"), order("d2")]);
    await processBatches(deps, await receiveAll());
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("d2"), order("d3")]);
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ accepted: 1, duplicates: 1 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id",
    );
    expect(rows.map((r) => r._event_id)).toEqual(["d1", "d2", "d3"]);
  });

  it("stores the whole payload as JSON for a source without a schema and handles duplicate keys", async () => {
    const src = await createTestSource(t.db, { schema: null, timeField: "ts" });
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      '{"id":"n1","a":{"b":1}}',
      '{"id":"n2","x":1,"x":2}',
    ]);
    const out = await processBatches(deps, await receiveAll());
    expect(out.accepted).toBe(2);
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, _payload",
    );
    expect(rows).toEqual([
      { _event_id: "n1", _payload: '{"id":"n1","a":{"b":1}}' },
      // Stored as sent, a repeated key included.
      { _event_id: "n2", _payload: '{"id":"n2","x":1,"x":2}' },
    ]);

    const typed = await createTestSource(t.db);
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, typed, [
      JSON.stringify({ id: "k1", amount: 1, created_at: "2024-05-01T00:00:00Z" }).replace(
        "}",
        ',"amount":2}',
      ),
      JSON.stringify({ id: "k2", amount: 3, qty: 1e30, created_at: "2016-12-31T23:59:60Z" }),
    ]);
    const typedOut = await processBatches(deps, await receiveAll());
    // k2's qty and time are valid JSON Schema but no BIGINT or TIMESTAMPTZ: a dead letter, not NULLs.
    expect(typedOut).toMatchObject({ accepted: 1, rejected: 1, retried: 0 });
    const typedRows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${typed.slug}`,
      "_event_id, amount, qty",
    );
    expect(typedRows).toEqual([{ _event_id: "k1", amount: 2, qty: null }]);
    const letter = await t.db.prisma.deadLetter.findFirstOrThrow({ where: { eventId: "k2" } });
    expect([letter.reasonCode, letter.path]).toEqual(["UNSTORABLE_VALUE", "/qty"]);
  });

  it("hands a poison batch back until the queue gives up, then records it as a dead letter", async () => {
    const src = await createTestSource(t.db);
    const good = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("p1")]);
    const bad = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("p2")], {
      skipPut: true,
    });
    const first = await processBatches(deps, await receiveAll());
    expect(first).toMatchObject({ committed: 1, retried: 1 });
    for (let i = 0; i < 3; i++) {
      const msgs = await receiveAll();
      if (msgs.length === 0) break;
      await processBatches(deps, msgs);
    }
    const dead = await queue.takeDead(BATCHES_QUEUE, 10);
    expect(dead.map((d) => d.body.batchId)).toEqual([bad.batchId]);
    expect(await recordPoisonBatches({ catalog: new PgCatalog(t.db), store }, dead)).toBe(1);
    const letter = await t.db.prisma.deadLetter.findFirstOrThrow({ where: { batchId: bad.batchId } });
    expect(letter.reasonCode).toBe("POISON_BATCH");
    expect(letter.attempts).toBe(3);
    expect(letter.reason).toContain("not readable");
    expect(JSON.parse(letter.payload)).toMatchObject({ message: { batchId: bad.batchId }, raw: null });
    const batch = await t.db.prisma.batch.findUniqueOrThrow({ where: { id: bad.batchId } });
    expect(batch.status).toBe("failed");
    expect((await t.db.prisma.batch.findUniqueOrThrow({ where: { id: good.batchId } })).status).toBe(
      "committed",
    );
  });
});

describe("review fixes", () => {
  const dropMessages = (...batchIds: string[]) =>
    t.db.pool.query("DELETE FROM queue_messages WHERE dedupe_key = ANY($1::text[])", [batchIds]);
  const deadMessage = (body: Record<string, unknown>) => ({
    id: "1",
    body,
    receiveCount: 3,
    lastError: "visibility timeout expired after 3 receives",
    enqueuedAt: new Date(),
  });

  it("reads raw key and receipt time from the batch row, never from the message", async () => {
    const src = await createTestSource(t.db);
    const victim = await createTestSource(t.db);
    const victimKey = `raw/${victim.slug}/dt=2024-05-01/secret.ndjson`;
    await store.put(victimKey, new TextEncoder().encode(`${order("v-secret")}\n`));
    const receivedAt = new Date("2024-05-01T09:00:00.000Z");
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("a1")], {
      receivedAt,
    });
    await dropMessages(b.batchId);
    await queue.send(BATCHES_QUEUE, {
      batchId: b.batchId,
      sourceId: src.id,
      slug: src.slug,
      rawKey: victimKey,
      format: "cloudevents",
      receivedAt: "2000-01-01T00:00:00Z",
    });
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 1, accepted: 1, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, _ingested_at::VARCHAR AS ingested",
    );
    expect(rows).toEqual([{ _event_id: "a1", ingested: "2024-05-01 09:00:00+00" }]);
  });

  it("dead-letters NDJSON numeric ids above 2^53 instead of merging them", async () => {
    const src = await createTestSource(t.db, { schema: null });
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      '{"id":1234567890123456789}',
      '{"id":1234567890123456700}',
      '{"id":"1234567890123456789"}',
      '{"id":"nul\\u0000id"}',
    ]);
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ accepted: 1, rejected: 3, duplicates: 0 });
    const dead = await t.db.prisma.deadLetter.findMany({
      where: { batchId: b.batchId },
      orderBy: { reason: "asc" },
    });
    // Each names its line and points at the id field.
    expect(dead.map((d) => [d.reasonCode, d.reason.slice(0, 7), d.path, d.payload])).toEqual([
      ["INVALID_EVENT_ID", "line 1:", "/id", '{"id":1234567890123456789}'],
      ["INVALID_EVENT_ID", "line 2:", "/id", '{"id":1234567890123456700}'],
      ["INVALID_EVENT_ID", "line 4:", "/id", '{"id":"nul\\u0000id"}'],
    ]);
  });

  it("dead-letters values the schema accepts but a column cannot hold, instead of storing them changed", async () => {
    const src = await createTestSource(t.db);
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      '{"id":"huge","amount":1e400,"created_at":"2024-05-01T10:00:00Z"}',
      '{"id":"leap","amount":1,"created_at":"2016-12-31T23:59:60Z"}',
      '{"id":"tab","amount":1,"created_at":"2016-12-31\\t23:59:59Z"}',
      order("fine"),
      order("lower", { created_at: "2024-05-01t10:00:00.5z" }),
      // JSON.parse makes 2^63 of each of these; the text decides which a BIGINT column can hold.
      '{"id":"i64max","amount":1,"qty":9223372036854775807,"created_at":"2024-05-01T10:00:00Z"}',
      '{"id":"i64min","amount":1,"qty":-9223372036854775808,"created_at":"2024-05-01T10:00:00Z"}',
      '{"id":"i64over","amount":1,"qty":9223372036854775808,"created_at":"2024-05-01T10:00:00Z"}',
      '{"id":"i64under","amount":1,"qty":-9223372036854775809,"created_at":"2024-05-01T10:00:00Z"}',
    ]);
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ accepted: 4, rejected: 5 });
    // RFC 3339's lower-case "t" and "z" are read, not stored as NULL.
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, created_at::VARCHAR AS created_at, qty::VARCHAR AS qty",
    );
    expect(rows).toEqual([
      { _event_id: "fine", created_at: "2024-05-01 10:00:00+00", qty: "2" },
      { _event_id: "i64max", created_at: "2024-05-01 10:00:00+00", qty: "9223372036854775807" },
      { _event_id: "i64min", created_at: "2024-05-01 10:00:00+00", qty: "-9223372036854775808" },
      { _event_id: "lower", created_at: "2024-05-01 10:00:00.5+00", qty: "2" },
    ]);
    const dead = await t.db.prisma.deadLetter.findMany({
      where: { batchId: b.batchId },
      orderBy: { eventId: "asc" },
    });
    expect(dead.map((d) => [d.eventId, d.reasonCode, d.reason, d.path])).toEqual([
      ["huge", "UNSTORABLE_VALUE", "/amount: is a number beyond the range of a 64-bit float", "/amount"],
      ["i64over", "UNSTORABLE_VALUE", "/qty: is outside the range of a 64-bit integer", "/qty"],
      ["i64under", "UNSTORABLE_VALUE", "/qty: is outside the range of a 64-bit integer", "/qty"],
      [
        "leap",
        "UNSTORABLE_VALUE",
        "/created_at: is a leap second (:60), which a timestamp column cannot hold",
        "/created_at",
      ],
      [
        "tab",
        "UNSTORABLE_VALUE",
        "/created_at: separates date and time with a tab or line break, which a timestamp column cannot read",
        "/created_at",
      ],
    ]);
    expect(dead[0]?.payload).toBe('{"id":"huge","amount":1e400,"created_at":"2024-05-01T10:00:00Z"}');
  });

  it("dedupes CloudEvents by (source attribute, id) and keeps _event_id as sent", async () => {
    const src = await createTestSource(t.db, { schema: null });
    const ce = (source: string, id: string, data: unknown) => ({
      specversion: "1.0",
      type: "t",
      source,
      id,
      data,
    });
    const json = (events: unknown[]) => JSON.stringify(events);
    const key = (n: number) => `raw/${src.slug}/dt=2024-05-01/ce-${n}-${Date.now()}.json`;
    await enqueueRawBatch(
      { catalog: new PgCatalog(t.db), store, queue },
      src,
      [json([ce("/a", "1", { v: "a1" })])],
      {
        rawKey: key(1),
      },
    );
    await processBatches(deps, await receiveAll());
    await enqueueRawBatch(
      { catalog: new PgCatalog(t.db), store, queue },
      src,
      [
        json([
          ce("/a", "1", { v: "a1-again" }),
          ce("/b", "1", { v: "b1" }),
          {
            specversion: "1.0",
            type: "t",
            source: "/c",
            id: "9",
            data_base64: Buffer.from('{"v":"c9"}').toString("base64"),
          },
        ]),
      ],
      { rawKey: key(2) },
    );
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 1, accepted: 2, duplicates: 1, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, _payload",
    );
    expect(rows.map((r) => [r._event_id, r._payload]).sort()).toEqual([
      ["1", '{"v":"a1"}'],
      ["1", '{"v":"b1"}'],
      ["9", '{"v":"c9"}'],
    ]);
    // An NDJSON id spelled like a CloudEvent's dedupe key cannot stand for that CloudEvent.
    const n = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      JSON.stringify({ id: "/a\u001f1", ts: "2024-05-01T00:00:00Z" }),
      JSON.stringify({ id: "tab\there", ts: "2024-05-01T00:00:00Z" }),
    ]);
    expect(await processBatches(deps, await receiveAll())).toMatchObject({ accepted: 0, rejected: 2 });
    const letters = await t.db.prisma.deadLetter.findMany({
      where: { batchId: n.batchId },
      orderBy: { reason: "asc" },
    });
    expect(letters.map((d) => [d.reasonCode, d.reason, d.path])).toEqual([
      ["INVALID_EVENT_ID", "line 1: event id contains a control character (U+001F)", "/id"],
      ["INVALID_EVENT_ID", "line 2: event id contains a control character (U+0009)", "/id"],
    ]);
  });

  it("stores CloudEvents data as sent: integers beyond 2^53 keep every digit", async () => {
    const typed = await createTestSource(t.db);
    const raw = await createTestSource(t.db, { schema: null });
    const data =
      '{"id":"c1", "amount":12.50, "qty":9007199254740993, "note":"é", "created_at":"2024-05-01T10:00:00Z"}';
    // data_base64 holding pretty-printed JSON: decoded, its text is kept too.
    const base64 = Buffer.from(
      '{\n  "id": "c2",\n  "amount": 1,\n  "qty": 9007199254740995,\n  "created_at": "2024-05-01T10:00:00Z"\n}',
    ).toString("base64");
    const body = `[{"specversion":"1.0","type":"t","source":"/s","id":"c1","data":${data}},{"specversion":"1.0","type":"t","source":"/s","id":"c2","data_base64":"${base64}"}]`;
    for (const src of [typed, raw]) {
      await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [body], {
        rawKey: `raw/${src.slug}/dt=2024-05-01/big-${Date.now()}.json`,
      });
    }
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 2, accepted: 4, retried: 0 });
    const typedRows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${typed.slug}`,
      "_event_id, qty::VARCHAR AS qty, note",
    );
    expect(typedRows).toEqual([
      { _event_id: "c1", qty: "9007199254740993", note: "é" },
      { _event_id: "c2", qty: "9007199254740995", note: null },
    ]);
    const rawRows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${raw.slug}`,
      "_payload",
    );
    // Stored as sent, spacing included: every digit is the producer's (12.50 stays 12.50).
    expect(rawRows).toEqual([{ _payload: data }, { _payload: Buffer.from(base64, "base64").toString() }]);
  });

  // 100,000-deep nesting is slow to build and walk: a longer limit than the suite's on a busy machine.
  it("rejects an event nested too deeply to be walked on its own, and the rest of its batch goes on", async () => {
    const src = await createTestSource(t.db);
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const nested = (id: string, extra: string) =>
      `{"id":"${id}","amount":1,"created_at":"2024-05-01T10:00:00Z"${extra},"nest":${deep}}`;
    // A meta key makes the worker rebuild the row from its text, object by object: arrays nested deep
    // are copied as sent, objects nested deeper than the call stack cannot be walked.
    const deepObjects = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const b1 = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      order("ok1"),
      nested("deep1", ',"_batch_id":"x"'),
      nested("deep4", `,"_batch_id":"x","more":${deepObjects}`),
      order("ok2"),
    ]);
    const ce = (id: string, data: string) =>
      `{"specversion":"1.0","type":"t","source":"/s","id":"${id}","data":${data}}`;
    const b2 = await enqueueRawBatch(
      { catalog: new PgCatalog(t.db), store, queue },
      src,
      [
        `[${ce("ok3", order("ok3"))},${ce("deep2", nested("deep2", ""))},${ce("deep3", nested("deep3", ',"qty":"x"'))}]`,
      ],
      { rawKey: `raw/${src.slug}/dt=2024-05-01/deep-${Date.now()}.json` },
    );
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 2, accepted: 5, rejected: 2, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id",
    );
    expect(rows.map((r) => r._event_id)).toEqual(["deep1", "deep2", "ok1", "ok2", "ok3"]);
    const dead = await t.db.prisma.deadLetter.findMany({
      where: { batchId: { in: [b1.batchId, b2.batchId] } },
      orderBy: { eventId: "asc" },
    });
    expect(dead.map((d) => [d.eventId, d.reasonCode])).toEqual([
      ["deep3", "SCHEMA_VIOLATION"],
      ["deep4", "UNPROCESSABLE_EVENT"],
    ]);
    expect(dead[1]?.reason).toMatch(/^the event cannot be processed: Maximum call stack size exceeded/);
    // Each dead letter keeps the event's text as sent: a CloudEvent whole, attributes included.
    expect(dead.map((d) => d.payload)).toEqual([
      ce("deep3", nested("deep3", ',"qty":"x"')),
      nested("deep4", `,"_batch_id":"x","more":${deepObjects}`),
    ]);
  }, 240_000);

  it("keeps unpaired surrogates out of curated without holding the rest of the batch back", async () => {
    const src = await createTestSource(t.db);
    const raw = await createTestSource(t.db, { schema: null });
    const lines = [
      order("u1"),
      // In a column: the event cannot be stored as sent.
      order("u2", { note: "\ud800 lone" }),
      // In a property the table does not store: it stays in raw, the row is stored without it.
      order("u3", { extra: { deep: ["\udc00"] } }),
      // In the id, which becomes _event_id.
      JSON.stringify({ id: "u4\ud83d", amount: 1, created_at: "2024-05-01T10:00:00Z" }),
      // A proper pair is fine.
      order("u5", { note: "\ud83d\ude00" }),
    ];
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, lines);
    const r = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, raw, [
      order("r1"),
      order("r2", { x: "\udfff" }),
    ]);
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 2, accepted: 4, rejected: 3, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, note",
    );
    expect(rows).toEqual([
      { _event_id: "u1", note: null },
      { _event_id: "u3", note: null },
      { _event_id: "u5", note: "😀" },
    ]);
    const rawRows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${raw.slug}`,
      "_event_id",
    );
    expect(rawRows).toEqual([{ _event_id: "r1" }]);
    const dead = await t.db.prisma.deadLetter.findMany({
      where: { batchId: { in: [b.batchId, r.batchId] } },
      orderBy: { reason: "asc" },
    });
    expect(dead.map((d) => [d.reasonCode, d.path])).toEqual([
      ["UNSTORABLE_VALUE", "/note"],
      ["UNSTORABLE_VALUE", "/x"],
      ["INVALID_EVENT_ID", "/id"],
    ]);
  });

  it("stores every digit when a row is rebuilt: a column's key twice, a meta column's name, a dropped property", async () => {
    const src = await createTestSource(t.db);
    const big = (id: string, qty: string, rest = "") =>
      `{"id":"${id}","amount":1,"qty":${qty},"created_at":"2024-05-01T10:00:00Z","tags":["x"]${rest}}`;
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      // DuckDB refuses a column's key twice (here spelled with an escape): the flush is rebuilt.
      `{"id":"d1","qty":9007199254740993,"amount":1,"\\u0061mount":2,"created_at":"2024-05-01T10:00:00Z"}`,
      // Rebuilt with it, although nothing is wrong with it.
      big("d2", "9007199254740995", ',"extra":{"n":12345678901234567890,"d":0.10000000000000000001}'),
      // A meta column's name is dropped, the rest kept as sent.
      big("d3", "-9007199254740997", ',"_batch_id":"spoof","\\u005fevent_id":"spoof"'),
      // An unpaired surrogate in a property the table does not store: the row is built without it.
      big("d4", "9007199254740999", ',"extra":"\\ud800"'),
      // Beyond 2^53 with a fraction: DuckDB would read it as a double and round it.
      big("d5", "12345678901234567.0"),
      big("d6", "1.5e3"),
    ]);
    const out = await processBatches(deps, await receiveAll());
    expect(out).toMatchObject({ committed: 1, accepted: 5, rejected: 1, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, _batch_id, amount, qty::VARCHAR AS qty, tags",
    );
    expect(rows).toEqual([
      { _event_id: "d1", _batch_id: b.batchId, amount: 2, qty: "9007199254740993", tags: null },
      { _event_id: "d2", _batch_id: b.batchId, amount: 1, qty: "9007199254740995", tags: '["x"]' },
      { _event_id: "d3", _batch_id: b.batchId, amount: 1, qty: "-9007199254740997", tags: '["x"]' },
      { _event_id: "d4", _batch_id: b.batchId, amount: 1, qty: "9007199254740999", tags: '["x"]' },
      { _event_id: "d6", _batch_id: b.batchId, amount: 1, qty: "1500", tags: '["x"]' },
    ]);
    const letter = await t.db.prisma.deadLetter.findFirstOrThrow({ where: { batchId: b.batchId } });
    expect([letter.eventId, letter.reasonCode, letter.path]).toEqual(["d5", "UNSTORABLE_VALUE", "/qty"]);
    expect(letter.reason).toMatch(/fraction or exponent/);
  });

  it("stores JSON columns as sent: long decimals, -0, exponents and trailing zeros keep their text", async () => {
    const raw = await createTestSource(t.db, { schema: null });
    const typed = await createTestSource(t.db, {
      schema: {
        type: "object",
        properties: {
          id: { type: "string" },
          obj: { type: "object" },
          arr: { type: "array" },
          mix: { type: ["string", "number"] },
          nothing: { type: ["object", "null"] },
        },
      },
    });
    const odd = '{"dec":3.141592653589793238462643383279,"neg0":-0,"e":1E+2,"x":1.50,"d":1,"d":2}';
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, raw, [
      `{"id":"r1","d":12345678.123456789,"obj":${odd}}`,
    ]);
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, typed, [
      `{"id":"t1","obj":${odd},"arr":[18446744073709551617,0.1000000000000000055511151231257827],"mix":12345678901234567890.5,"nothing":null}`,
      '{"id":"t2","mix":"text","obj":{}}',
    ]);
    expect(await processBatches(deps, await receiveAll())).toMatchObject({ accepted: 3, retried: 0 });
    const rawRows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${raw.slug}`,
      "_payload",
    );
    // The text as sent, a repeated key included.
    expect(rawRows).toEqual([{ _payload: `{"id":"r1","d":12345678.123456789,"obj":${odd}}` }]);
    const typedRows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${typed.slug}`,
      "_event_id, obj, arr, mix, nothing IS NULL AS nothing_null",
    );
    expect(typedRows).toEqual([
      {
        _event_id: "t1",
        obj: odd,
        arr: "[18446744073709551617,0.1000000000000000055511151231257827]",
        mix: "12345678901234567890.5",
        nothing_null: true,
      },
      { _event_id: "t2", obj: "{}", arr: null, mix: '"text"', nothing_null: true },
    ]);
  });

  it("keeps an event time's microseconds in _event_time", async () => {
    const src = await createTestSource(t.db, { schema: null, timeField: "at" });
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      JSON.stringify({ id: "m1", at: "2024-05-01T10:00:00.123456+02:00" }),
      JSON.stringify({ id: "m2", at: "2024-05-01T10:00:00.000001987Z" }),
      JSON.stringify({ id: "m3", at: 1714557600123.5 }),
      JSON.stringify({ id: "m4", at: "2024-05-01T10:00:00.12Z" }),
      JSON.stringify({ id: "m6", at: -1.5 }),
    ]);
    const ce = `{"specversion":"1.0","type":"t","source":"/s","id":"m5","time":"2024-05-01T10:00:00.654321Z","data":{}}`;
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [ce], {
      rawKey: `raw/${src.slug}/dt=2024-05-01/micros-${Date.now()}.json`,
    });
    expect(await processBatches(deps, await receiveAll())).toMatchObject({ accepted: 6, retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, _event_time::VARCHAR AS t",
    );
    expect(rows).toEqual([
      { _event_id: "m1", t: "2024-05-01 08:00:00.123456+00" },
      { _event_id: "m2", t: "2024-05-01 10:00:00.000001+00" },
      { _event_id: "m3", t: "2024-05-01 10:00:00.1235+00" },
      { _event_id: "m4", t: "2024-05-01 10:00:00.12+00" },
      { _event_id: "m5", t: "2024-05-01 10:00:00.654321+00" },
      { _event_id: "m6", t: "1969-12-31 23:59:59.9985+00" },
    ]);
  });

  it("keeps a bounded prefix of the batch row's raw object in a POISON_BATCH letter", async () => {
    const src = await createTestSource(t.db);
    const big = `{"id":"${"x".repeat(1_500_000)}"}`;
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [big]);
    await dropMessages(b.batchId);
    const elsewhere = `raw/other/dt=2024-05-01/not-this.ndjson`;
    await store.put(elsewhere, new TextEncoder().encode("secret\n"));
    expect(
      await recordPoisonBatches({ catalog: new PgCatalog(t.db), store }, [
        deadMessage({ batchId: b.batchId, rawKey: elsewhere }),
      ]),
    ).toBe(1);
    const letter = await t.db.prisma.deadLetter.findFirstOrThrow({ where: { batchId: b.batchId } });
    const payload = JSON.parse(letter.payload);
    expect(payload).toMatchObject({ rawKey: b.rawKey, rawBytes: big.length + 1, rawTruncated: true });
    expect(payload.raw).toHaveLength(1024 * 1024);
    expect(payload.raw.startsWith('{"id":"xxx')).toBe(true);
    expect((await t.db.prisma.batch.findUniqueOrThrow({ where: { id: b.batchId } })).status).toBe("failed");
    // Recorded once: the same dead message again changes nothing.
    expect(
      await recordPoisonBatches({ catalog: new PgCatalog(t.db), store }, [
        deadMessage({ batchId: b.batchId }),
      ]),
    ).toBe(0);
  });

  it("does not record a batch a slow worker commits meanwhile as poison", async () => {
    const src = await createTestSource(t.db);
    const b = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("slow1")]);
    await dropMessages(b.batchId);
    // The slow worker holds the batch row in its commit transaction.
    const slow = await t.db.pool.connect();
    try {
      const slowPid = (await slow.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      await slow.query("BEGIN");
      await slow.query("SELECT id FROM batches WHERE id = $1 FOR UPDATE", [b.batchId]);
      const recording = recordPoisonBatches({ catalog: new PgCatalog(t.db), store }, [
        deadMessage({ batchId: b.batchId }),
      ]);
      // The commit must land while the recorder waits for the row, or this would not test the lock.
      await waitUntil("the recorder to wait for the slow worker's row lock", async () => {
        const blocked = await t.db.pool.query(
          "SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))",
          [slowPid],
        );
        return (blocked.rowCount ?? 0) > 0;
      });
      await slow.query("UPDATE batches SET status = 'committed' WHERE id = $1", [b.batchId]);
      await slow.query("COMMIT");
      expect(await recording).toBe(0);
    } finally {
      slow.release();
    }
    expect(await t.db.prisma.deadLetter.count({ where: { batchId: b.batchId } })).toBe(0);
    expect((await t.db.prisma.batch.findUniqueOrThrow({ where: { id: b.batchId } })).status).toBe(
      "committed",
    );
  });

  it("re-enqueues a received batch whose message was lost, without duplicating live messages", async () => {
    const src = await createTestSource(t.db);
    const lost = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("lost1")]);
    const live = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [order("live1")]);
    // takeDead removed the message, then the process died before recordPoisonBatches.
    await dropMessages(lost.batchId);
    expect(
      await requeueStrandedBatches({ catalog: new PgCatalog(t.db), queue }, { olderThanMs: 60_000 }),
    ).toBe(0);
    expect(
      await requeueStrandedBatches({ catalog: new PgCatalog(t.db), queue }, { olderThanMs: 0 }),
    ).toBeGreaterThanOrEqual(2);
    const msgs = await receiveAll();
    const ids = msgs.map((m) => m.body.batchId);
    expect(ids.filter((id) => id === lost.batchId)).toHaveLength(1);
    expect(ids.filter((id) => id === live.batchId)).toHaveLength(1);
    const out = await processBatches(deps, msgs);
    expect(out).toMatchObject({ retried: 0 });
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id",
    );
    expect(rows.map((r) => r._event_id)).toEqual(["live1", "lost1"]);
  });
});
