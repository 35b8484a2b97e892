// Parse once: a batch whose events the ingest API judged against the active schema version is stored
// by the worker without judging them again, with the same rows and dead letters as the worker's own
// judging gives; after a new version registers, the worker judges the events itself.
import { join } from "node:path";
import type { TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalFsObjectStore } from "../adapters/local-fs-store";
import type { PgQueue } from "../adapters/pg-queue";
import { PgCatalog } from "../catalog/pg-catalog";
import { acceptBatch } from "../ingest/accept-batch";
import { decodeJudgedEvents, encodeJudgedEvents, judgedEventsKey } from "../ingest/accept-judgement";
import { decodeIngestBody } from "../ingest/ingest-body";
import { BATCHES_QUEUE, newBatchId } from "../ingest/raw-batch";
import { loadSource } from "../schema/source-schema";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  TEST_ORDER_SCHEMA,
  type TestSource,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { type ProcessDeps, processBatches } from "./process-batches";

let bed: PipelineTestBed;
let t: TestDatabase;
let store: LocalFsObjectStore;
let queue: PgQueue;
let catalog: PgCatalog;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("judged", { maxReceives: 3 });
  ({ t, store, queue } = bed);
  catalog = new PgCatalog(t.db);
  deps = { catalog, store, queue, duck: bed.duck, tmpDir: join(bed.dir, "tmp") };
});

afterAll(async () => {
  await bed?.close();
});

const order = (id: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    amount: 12.5,
    qty: 2,
    paid: true,
    created_at: "2024-05-01T10:00:00Z",
    tags: ["a"],
    ...extra,
  });

/** Valid events of every kind the row builder treats apart, and every reason an event is dead-lettered. */
const MIXED = [
  order("o1"),
  order("o2", { amount: "12" }),
  order("o3", { created_at: "2024-05-02T23:30:00.123456-02:00", note: "it's \u00e9" }),
  order("o1", { amount: 99 }),
  order("o4", { _event_id: "x", _batch_id: "y" }),
  order("o5\u0001"),
  order("o6", { created_at: "0000-01-01T00:00:00Z" }),
  order("o7", { extra: { deep: [1, 2.5, { x: null }] } }),
  '{"id":"o8","amount":1e2,"created_at":"2024-05-01T10:00:00.5Z","qty":3,"qty":4}',
  '{"id":"o9","amount":1,"created_at":"2024-05-01T10:00:00Z","other":"\\ud800"}',
  '{"id":"o10","amount":1,"created_at":"2024-05-01T10:00:00Z","note":"\\ud800"}',
  '{"id":12345678901234567890,"amount":1,"created_at":"2024-05-01T10:00:00Z"}',
  order("o11", { created_at: 1714557600123.5 }),
  order("o12", { tags: "not-an-array" }),
  "{}",
  order("o13", { amount: 1.7976931348623157e308, qty: -9007199254740991 }),
];

/** Schemaless, ids in "event_id": assigned ids, payloads kept whole. */
const SCHEMALESS = [
  '{"event_id":"s1","at":"2024-05-01T10:00:00Z","v":[1,{"a":"b"}]}',
  '{"at":"2024-05-01T10:00:00Z","v":"no id"}',
  '{"event_id":"s2\\u0000","at":"2024-05-01T10:00:00Z"}',
  '{"event_id":2.5,"at":"2024-05-01T10:00:00Z"}',
  '{"event_id":"s3","at":"2024-05-01T10:00:00Z","x":"\\ud800"}',
  "{}",
];

const receivedAt = new Date("2024-05-01T12:00:00.250Z");

function ndjson(lines: string[]): Buffer {
  return Buffer.from(lines.map((l) => `${l}\n`).join(""));
}

/** The path the HTTP route takes: judge while checking, then accept with the verdicts. */
async function acceptJudged(source: TestSource, lines: string[]) {
  const loaded = await loadSource(catalog, source.id);
  const batchId = newBatchId(receivedAt);
  const decoded = await decodeIngestBody(
    { contentType: "application/x-ndjson", contentEncoding: undefined, headers: {}, body: ndjson(lines) },
    undefined,
    { source: loaded, batchId, receivedAt },
  );
  if (!decoded.ok) throw new Error(decoded.message);
  expect(decoded.judgement).toBeDefined();
  const accepted = await acceptBatch(
    { catalog, store, queue },
    {
      source,
      body: decoded.bytesToStore,
      format: decoded.format,
      eventCount: decoded.eventCount,
      receivedAt,
      origin: "http",
      batchId,
      newBatch: true,
      judgement: decoded.judgement,
    },
  );
  return { ...accepted, judgement: decoded.judgement! };
}

async function processAll() {
  return processBatches(deps, await queue.receive(BATCHES_QUEUE, { max: 100, visibilityTimeoutMs: 60_000 }));
}

/** Rows with the batch id (and ids assigned from it) written as "B", in id order. */
async function curated(source: TestSource, batchId: string) {
  const rows = await readCommittedRows({ catalog, store }, `curated.${source.slug}`);
  return rows
    .map((r) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) out[k] = typeof v === "string" ? v.replaceAll(batchId, "B") : v;
      return out;
    })
    .sort((a, b) => String(a._event_id).localeCompare(String(b._event_id)));
}

async function letters(source: TestSource, batchId: string) {
  const rows = await t.db.prisma.deadLetter.findMany({ where: { sourceId: source.id } });
  return rows
    .map((d) => [
      d.eventId?.replaceAll(batchId, "B") ?? null,
      d.reasonCode,
      d.reason,
      d.path,
      d.payload,
      d.attempts,
      d.schemaVersion,
      d.batchId === batchId,
      d.status,
    ])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function batchCounts(batchId: string) {
  const b = await t.db.prisma.batch.findUniqueOrThrow({ where: { id: batchId } });
  return [b.status, b.accepted, b.rejected, b.duplicates];
}

describe("a batch judged at ingest", () => {
  it.each([
    ["the order schema", MIXED, {}],
    ["no schema", SCHEMALESS, { schema: null, idField: "event_id", timeField: "at" }],
  ] as const)(
    "is stored with the rows and letters the worker's own judging gives (%s)",
    async (_, lines, opts) => {
      const before = await createTestSource(t.db, opts);
      const after = await createTestSource(t.db, opts);
      const unjudged = await enqueueRawBatch({ catalog, store, queue }, before, [...lines], { receivedAt });
      const judged = await acceptJudged(after, [...lines]);
      expect(judged.deadLettered).toBe(judged.judgement.rejectedIndexes.length);
      expect(judged.deadLettered).toBeGreaterThan(0);
      // Lines whose rows need them parsed (a meta column's name, a surrogate escape) are named.
      if (lines === MIXED) expect(judged.judgement.events?.parse.length).toBeGreaterThan(0);
      // Recorded with the batch, before any worker ran.
      expect(await t.db.prisma.deadLetter.count({ where: { sourceId: after.id } })).toBe(judged.deadLettered);

      const out = await processAll();
      expect(out).toMatchObject({ committed: 2, retried: 0 });

      const rows = await curated(after, judged.batchId);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows).toEqual(await curated(before, unjudged.batchId));
      const dead = await letters(after, judged.batchId);
      expect(dead.length).toBeGreaterThanOrEqual(3);
      expect(dead).toEqual(await letters(before, unjudged.batchId));
      expect(await batchCounts(judged.batchId)).toEqual(await batchCounts(unjudged.batchId));
    },
  );

  it("has its rows built from the ids and times ingest read, its lines not parsed again", async () => {
    const source = await createTestSource(t.db);
    const judged = await acceptJudged(source, [order("r1"), order("r2"), order("r3", { amount: "x" })]);
    const key = judgedEventsKey(judged.rawKey);
    const record = decodeJudgedEvents((await store.get(key))!)!;
    expect(record).toMatchObject({ index: [0, 1], id: ["r1", "r2"], parse: [] });
    // What the worker reads is the record, not the line: an id changed there is the id stored.
    await store.put(key, encodeJudgedEvents({ ...record, id: ["r1", "from-the-record"] }));
    expect(await processAll()).toMatchObject({ committed: 1, accepted: 2, rejected: 1 });
    expect((await curated(source, judged.batchId)).map((r) => r._event_id)).toEqual([
      "from-the-record",
      "r1",
    ]);
  });

  it("is judged by the worker when the record of its events is missing", async () => {
    const source = await createTestSource(t.db);
    const judged = await acceptJudged(source, [order("m1"), order("m2", { amount: "x" }), order("m3")]);
    await store.delete([judgedEventsKey(judged.rawKey)]);
    expect(await processAll()).toMatchObject({ committed: 1, accepted: 2, rejected: 1 });
    expect((await curated(source, judged.batchId)).map((r) => r._event_id)).toEqual(["m1", "m3"]);
    expect(await t.db.prisma.deadLetter.count({ where: { sourceId: source.id } })).toBe(1);
  });

  it("is not validated again by the worker while its version is active", async () => {
    const source = await createTestSource(t.db);
    const loaded = await loadSource(catalog, source.id);
    const judged = await acceptJudged(source, [order("v1"), order("v2", { amount: "x" }), order("v3")]);
    expect(judged.deadLettered).toBe(1);
    const layout = loaded.schema as { validate: NonNullable<typeof loaded.schema.validate> };
    const validate = vi.spyOn(layout, "validate");
    try {
      const out = await processAll();
      expect(out).toMatchObject({ committed: 1, accepted: 2, rejected: 1 });
      expect(validate).not.toHaveBeenCalled();
    } finally {
      validate.mockRestore();
    }
    expect((await curated(source, judged.batchId)).map((r) => r._event_id)).toEqual(["v1", "v3"]);
  });

  it("is judged again by the worker when a new version became active meanwhile, its ingest letters kept once", async () => {
    const source = await createTestSource(t.db);
    const judged = await acceptJudged(source, [
      order("w1", { qty: 9 }),
      order("w2", { amount: "x" }),
      order("w3", { qty: 1 }),
    ]);
    const stricter = {
      ...TEST_ORDER_SCHEMA,
      properties: { ...TEST_ORDER_SCHEMA.properties, qty: { type: "integer", maximum: 5 } },
    };
    const v2 = await t.db.prisma.schemaVersion.create({
      data: { sourceId: source.id, version: 2, jsonSchema: stricter },
    });
    await t.db.prisma.source.update({ where: { id: source.id }, data: { activeSchemaVersionId: v2.id } });

    const out = await processAll();
    expect(out).toMatchObject({ committed: 1, accepted: 1, rejected: 2 });
    expect((await curated(source, judged.batchId)).map((r) => r._event_id)).toEqual(["w3"]);
    const dead = await t.db.prisma.deadLetter.findMany({
      where: { sourceId: source.id },
      orderBy: { eventId: "asc" },
    });
    expect(dead.map((d) => [d.eventId, d.reasonCode, d.path, d.schemaVersion])).toEqual([
      ["w1", "SCHEMA_VIOLATION", "/qty", 2],
      ["w2", "SCHEMA_VIOLATION", "/amount", 1],
    ]);
  });

  it("leaves no open letter behind when the queue refuses the batch", async () => {
    const source = await createTestSource(t.db);
    const send = vi.spyOn(queue, "send").mockRejectedValueOnce(new Error("queue down"));
    try {
      await expect(acceptJudged(source, [order("q1"), order("q2", { amount: "x" })])).rejects.toMatchObject({
        code: "UNAVAILABLE",
      });
    } finally {
      send.mockRestore();
    }
    const dead = await t.db.prisma.deadLetter.findMany({ where: { sourceId: source.id } });
    expect(dead.map((d) => [d.eventId, d.status])).toEqual([["q2", "discarded"]]);
  });
});
