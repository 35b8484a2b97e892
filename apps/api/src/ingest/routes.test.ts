import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { generateApiKey } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { LocalFsObjectStore, PgCatalog, PgQueue } from "@inlet/lake-core";
import Fastify, { type FastifyInstance } from "fastify";
import pino from "pino";
import type { Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiRegistry } from "../metrics";
import { SourceChanges } from "../source-changes";
import { ingestMetrics } from "./ingest-metrics";
import { type IngestErrorBody, registerIngestRoutes } from "./routes";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const ORDERS_NDJSON = fixture("orders.ndjson");
const ORDERS_ZST = fixture("orders.ndjson.zst");
const RECEIVED_AT = new Date("2024-05-01T23:59:59.500Z");
const LIMITS = { maxBodyBytes: 256 * 1024, maxEventBytes: 8 * 1024, maxEventsPerBatch: 500 };
const ce = { specversion: "1.0", type: "order.created", source: "/shop" };

let database: TestDatabase;
let dir: string;
let store: LocalFsObjectStore;
let queue: PgQueue;
let app: FastifyInstance;
const keys = { orders: "", other: "", revoked: "", paused: "" };
let ordersId = "";

/** A counter's value for exactly these labels (0 when never counted). */
async function count<T extends string>(counter: Counter<T>, labels: Record<T, string>): Promise<number> {
  const { values } = await counter.get();
  const keys = Object.keys(labels) as T[];
  const found = values.find(
    (v) => Object.keys(v.labels).length === keys.length && keys.every((k) => v.labels[k] === labels[k]),
  );
  return found?.value ?? 0;
}

async function addSource(slug: string, status: "active" | "paused" = "active"): Promise<string> {
  const s = await database.db.prisma.source.create({ data: { slug, name: slug, status } });
  return s.id;
}

async function addKey(sourceId: string, revoked = false): Promise<string> {
  const k = generateApiKey();
  await database.db.prisma.apiKey.create({
    data: {
      sourceId,
      name: "test",
      prefix: k.prefix,
      keyHash: k.hash,
      revokedAt: revoked ? new Date() : null,
    },
  });
  return k.key;
}

async function buildApp(
  overrides: { store?: LocalFsObjectStore; queue?: PgQueue } = {},
): Promise<FastifyInstance> {
  const instance = Fastify({ logger: false });
  await registerIngestRoutes(instance, {
    db: database.db,
    catalog: new PgCatalog(database.db),
    store: overrides.store ?? store,
    queue: overrides.queue ?? queue,
    logger: pino({ level: "silent" }),
    limits: LIMITS,
    now: () => RECEIVED_AT,
  });
  await instance.ready();
  return instance;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "inlet-ingest-test-"));
  store = new LocalFsObjectStore(join(dir, "lake"));
  queue = new PgQueue({ pool: database.db.pool });
  ordersId = await addSource("orders");
  const otherId = await addSource("clicks");
  const pausedId = await addSource("paused-source", "paused");
  keys.orders = await addKey(ordersId);
  keys.revoked = await addKey(ordersId, true);
  keys.other = await addKey(otherId);
  keys.paused = await addKey(pausedId);
  app = await buildApp();
});

afterAll(async () => {
  await app?.close();
  await queue?.close();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface PostOptions {
  slug?: string;
  key?: string | null;
  contentType?: string;
  encoding?: string;
  headers?: Record<string, string>;
}

function post(body: Buffer | string, opts: PostOptions = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.contentType !== "") headers["content-type"] = opts.contentType ?? "application/x-ndjson";
  if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? keys.orders}`;
  if (opts.encoding) headers["content-encoding"] = opts.encoding;
  return app.inject({
    method: "POST",
    url: `/v1/sources/${opts.slug ?? "orders"}/events`,
    headers,
    payload: body,
  });
}

function errorOf(res: { json(): unknown }): IngestErrorBody["error"] {
  return (res.json() as IngestErrorBody).error;
}

/** What a 202 must leave behind: the raw object, the batch row and the queue message. */
async function expectStored(
  batchId: string,
  expected: { bytes?: Buffer; eventCount: number; format: string },
) {
  const batch = await database.db.prisma.batch.findUniqueOrThrow({ where: { id: batchId } });
  const ext = expected.format === "ndjson" ? "ndjson" : "json";
  expect(batch).toMatchObject({
    sourceId: ordersId,
    origin: "http",
    status: "received",
    eventCount: expected.eventCount,
    rawKey: `raw/orders/dt=2024-05-01/${batchId}.${ext}`,
    receivedAt: RECEIVED_AT,
  });
  const raw = await store.get(batch.rawKey);
  expect(raw).toBeDefined();
  expect(Number(batch.bytes)).toBe(raw?.length);
  if (expected.bytes) expect(Buffer.from(raw ?? []).equals(expected.bytes)).toBe(true);
  const { rows } = await database.db.pool.query<{ body: Record<string, unknown> }>(
    "SELECT body FROM queue_messages WHERE queue = 'batches' AND dedupe_key = $1",
    [batchId],
  );
  expect(rows.map((r) => r.body)).toEqual([
    {
      batchId,
      sourceId: ordersId,
      slug: "orders",
      rawKey: batch.rawKey,
      format: expected.format,
      receivedAt: RECEIVED_AT.toISOString(),
      eventCount: expected.eventCount,
    },
  ]);
  return raw ?? new Uint8Array();
}

async function deadLetter(id: string | undefined) {
  expect(id).toBeTypeOf("string");
  return database.db.prisma.deadLetter.findUniqueOrThrow({ where: { id: id ?? "" } });
}

describe("accepted batches", () => {
  it("accepts NDJSON: raw object, batch row and queue message exist before the 202", async () => {
    const res = await post(ORDERS_NDJSON);
    expect(res.statusCode).toBe(202);
    const body = res.json() as { accepted: number; deadLettered: number; batchId: string };
    expect(body.accepted).toBe(50);
    expect(body.deadLettered).toBe(0);
    expect(body.batchId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await expectStored(body.batchId, { bytes: ORDERS_NDJSON, eventCount: 50, format: "ndjson" });
  });

  it("accepts a CloudEvents batch", async () => {
    const bytes = Buffer.from(
      JSON.stringify([
        { ...ce, id: "1", data: { a: 1 } },
        { ...ce, id: "2", data: { a: 2 } },
      ]),
    );
    const res = await post(bytes, { contentType: "application/cloudevents-batch+json" });
    expect(res.statusCode).toBe(202);
    const { batchId, accepted } = res.json() as { accepted: number; batchId: string };
    expect(accepted).toBe(2);
    await expectStored(batchId, { bytes, eventCount: 2, format: "cloudevents-batch" });
  });

  it("accepts one structured CloudEvent", async () => {
    const bytes = Buffer.from(JSON.stringify({ ...ce, id: "s-1", data: { a: 1 } }));
    const res = await post(bytes, { contentType: "application/cloudevents+json; charset=utf-8" });
    expect(res.statusCode).toBe(202);
    await expectStored((res.json() as { batchId: string }).batchId, {
      bytes,
      eventCount: 1,
      format: "cloudevents",
    });
  });

  it("stores a binary-mode CloudEvent as one structured CloudEvent", async () => {
    const res = await post('{"amount": 10}', {
      contentType: "application/json",
      headers: { "ce-specversion": "1.0", "ce-id": "b-1", "ce-type": "order.paid", "ce-source": "/pay" },
    });
    expect(res.statusCode).toBe(202);
    const raw = await expectStored((res.json() as { batchId: string }).batchId, {
      eventCount: 1,
      format: "cloudevents",
    });
    expect(JSON.parse(Buffer.from(raw).toString())).toEqual({
      specversion: "1.0",
      id: "b-1",
      type: "order.paid",
      source: "/pay",
      datacontenttype: "application/json",
      data: { amount: 10 },
    });
  });

  it("stores gzip bodies decompressed", async () => {
    const res = await post(gzipSync(ORDERS_NDJSON), { encoding: "gzip" });
    expect(res.statusCode).toBe(202);
    await expectStored((res.json() as { batchId: string }).batchId, {
      bytes: ORDERS_NDJSON,
      eventCount: 50,
      format: "ndjson",
    });
  });

  it("stores zstd bodies decompressed", async () => {
    const res = await post(ORDERS_ZST, { encoding: "zstd" });
    expect(res.statusCode).toBe(202);
    await expectStored((res.json() as { batchId: string }).batchId, {
      bytes: ORDERS_NDJSON,
      eventCount: 50,
      format: "ndjson",
    });
  });

  it("records when the key was last used", async () => {
    // A key of its own: the authenticator writes a key's use at most once a minute.
    const sourceId = await addSource("key-use");
    const key = await addKey(sourceId);
    const lastUsed = async () =>
      (await database.db.prisma.apiKey.findFirstOrThrow({ where: { sourceId } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    expect((await post(ORDERS_NDJSON, { slug: "key-use", key })).statusCode).toBe(202);
    expect(await lastUsed()).toBeInstanceOf(Date);
  });

  it("keeps 20 concurrent batches apart: 20 batches, 20 messages, 20 raw objects", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.from(`{"id":"c-${i}","n":${i}}\n`));
    const responses = await Promise.all(bodies.map((b) => post(b)));
    expect(responses.map((r) => r.statusCode)).toEqual(bodies.map(() => 202));
    const ids = responses.map((r) => (r.json() as { batchId: string }).batchId);
    expect(new Set(ids).size).toBe(20);
    const batches = await database.db.prisma.batch.findMany({ where: { id: { in: ids } } });
    expect(batches).toHaveLength(20);
    const { rows } = await database.db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM queue_messages WHERE queue = 'batches' AND dedupe_key = ANY($1)",
      [ids],
    );
    expect(Number(rows[0]?.n)).toBe(20);
    for (const [i, id] of ids.entries()) {
      const batch = batches.find((b) => b.id === id);
      const raw = await store.get(batch?.rawKey ?? "");
      expect(Buffer.from(raw ?? []).equals(bodies[i] ?? Buffer.alloc(0))).toBe(true);
    }
  });

  it("counts accepted requests, events and bytes for /metrics", async () => {
    const counts = async () => [
      await count(ingestMetrics.requests, { status: "202", code: "ACCEPTED" }),
      await count(ingestMetrics.events, { source: "orders" }),
      await count(ingestMetrics.bytes, { source: "orders" }),
    ];
    const [requests = 0, events = 0, bytes = 0] = await counts();
    expect((await post(ORDERS_NDJSON)).statusCode).toBe(202);
    // A request is counted by the onResponse hook, which need not have run when inject() resolves.
    await vi.waitFor(async () =>
      expect(await counts()).toEqual([requests + 1, events + 50, bytes + ORDERS_NDJSON.length]),
    );
    const text = await apiRegistry.metrics();
    expect(text).toContain("# TYPE inlet_ingest_requests_total counter");
    expect(text).toMatch(/inlet_ingest_requests_total\{status="202",code="ACCEPTED"\} \d+/);
    expect(text).toMatch(/inlet_ingest_bytes_accepted_total\{source="orders"\} \d+/);
  });
});

describe("authentication and routing", () => {
  const unauthorized = async (opts: PostOptions) => {
    const res = await post(ORDERS_NDJSON, opts);
    expect(res.statusCode).toBe(401);
    return errorOf(res);
  };

  it("refuses a request without a key", async () => {
    const e = await unauthorized({ key: null });
    expect(e).toMatchObject({
      code: "UNAUTHORIZED",
      message: expect.stringContaining("Authorization: Bearer"),
    });
  });

  it("refuses a key sent with another scheme", async () => {
    const res = await post(ORDERS_NDJSON, { key: null, headers: { authorization: `Basic ${keys.orders}` } });
    expect(res.statusCode).toBe(401);
  });

  it("gives unknown, revoked and other-source keys the same answer", async () => {
    const unknown = await unauthorized({ key: generateApiKey().key });
    const revoked = await unauthorized({ key: keys.revoked });
    const otherSource = await unauthorized({ key: keys.other });
    expect(unknown.code).toBe("UNAUTHORIZED");
    expect(revoked.message).toBe(unknown.message);
    expect(otherSource.message).toBe(unknown.message);
  });

  it("answers 405 with Allow: POST to other methods", async () => {
    for (const method of ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] as const) {
      const res = await app.inject({ method, url: "/v1/sources/orders/events" });
      expect([method, res.statusCode, res.headers.allow]).toEqual([method, 405, "POST"]);
    }
  });

  it("answers 404 for an unknown source to a valid key holder", async () => {
    const res = await post(ORDERS_NDJSON, { slug: "no-such-source" });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe("NOT_FOUND");
    // A NUL byte, which PostgreSQL text cannot hold, names no source either.
    const nul = await post(ORDERS_NDJSON, { slug: "orders%00" });
    expect(nul.statusCode).toBe(404);
  });

  it("does not reveal unknown sources to callers without a valid key", async () => {
    const res = await post(ORDERS_NDJSON, { slug: "no-such-source", key: generateApiKey().key });
    expect(res.statusCode).toBe(401);
  });

  it("answers 409 for a paused source", async () => {
    const res = await post(ORDERS_NDJSON, { slug: "paused-source", key: keys.paused });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res)).toMatchObject({
      code: "SOURCE_PAUSED",
      message: expect.stringContaining("is paused"),
    });
  });

  it("answers 415 with the accepted types for other content types", async () => {
    for (const contentType of ["text/plain", "application/json", ""]) {
      const res = await post(ORDERS_NDJSON, { contentType });
      expect(res.statusCode).toBe(415);
      expect(errorOf(res)).toMatchObject({
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: expect.stringContaining("Accepted: application/cloudevents-batch+json"),
      });
    }
  });

  it("answers 415 for an unknown content encoding", async () => {
    const res = await post(ORDERS_NDJSON, { encoding: "compress" });
    expect(res.statusCode).toBe(415);
    expect(errorOf(res).code).toBe("UNSUPPORTED_ENCODING");
  });
});

describe("rejected batches", () => {
  it("refuses malformed NDJSON with the line number and keeps the bytes as a dead letter", async () => {
    const body = '{"id":"a"}\n{"id":"b"}\n{"id":"c",}\n{"id":"d"}\n';
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    const e = errorOf(res);
    expect(e).toMatchObject({ code: "MALFORMED_JSON", line: 3, index: 2 });
    expect(e.message).toMatch(/^line 3: /);
    expect(e.requestId).toBeTypeOf("string");
    const dl = await deadLetter(e.deadLetterId);
    expect(dl).toMatchObject({
      sourceId: ordersId,
      batchId: null,
      reasonCode: "MALFORMED_JSON",
      reason: e.message,
      payload: body,
      status: "open",
    });
  });

  it("keeps the dead letter of a body holding a NUL byte, whose parser message quotes it", async () => {
    for (const body of ["\u0000", 'a\u0000b\n{"id":"x"}\n']) {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      const e = errorOf(res);
      expect(e.code).toBe("MALFORMED_JSON");
      const dl = await deadLetter(e.deadLetterId);
      expect(dl?.reason).not.toContain("\u0000");
      expect(dl?.payload).toBe(`base64:${Buffer.from(body).toString("base64")}`);
    }
  });

  it("keeps a compressed malformed body decompressed, and bytes that are not UTF-8 as base64", async () => {
    const res = await post(gzipSync('{"ok":1}\nnope\n'), { encoding: "gzip" });
    expect((await deadLetter(errorOf(res).deadLetterId)).payload).toBe('{"ok":1}\nnope\n');
    const binary = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]);
    const res2 = await post(binary);
    expect(res2.statusCode).toBe(400);
    expect((await deadLetter(errorOf(res2).deadLetterId)).payload).toBe(
      `base64:${binary.toString("base64")}`,
    );
  });

  it("refuses an oversized event with 413 and keeps the batch as a dead letter", async () => {
    const body = `{"id":"a"}\n{"pad":"${"x".repeat(9000)}"}\n`;
    const res = await post(body);
    expect(res.statusCode).toBe(413);
    const e = errorOf(res);
    expect(e).toMatchObject({ code: "EVENT_TOO_LARGE", line: 2 });
    expect(e.message).toBe(
      "line 2: the event is 9,010 bytes; the limit is 8,192 (INLET_INGEST_MAX_EVENT_BYTES)",
    );
    expect(await deadLetter(e.deadLetterId)).toMatchObject({ reasonCode: "EVENT_TOO_LARGE", payload: body });
  });

  it("refuses too many events with 400 and keeps the batch as a dead letter", async () => {
    const res = await post('{"a":1}\n'.repeat(501));
    expect(res.statusCode).toBe(400);
    const e = errorOf(res);
    expect(e).toMatchObject({ code: "BATCH_TOO_LARGE" });
    expect(e.message).toContain("the batch has 501 events; the limit is 500");
    expect((await deadLetter(e.deadLetterId)).reasonCode).toBe("BATCH_TOO_LARGE");
  });

  it("refuses a CloudEvent without an id, which CloudEvents 1.0 requires", async () => {
    const res = await post(JSON.stringify({ ...ce, data: { a: 1 } }), {
      contentType: "application/cloudevents+json",
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({
      code: "INVALID_CLOUDEVENT",
      field: "id",
      message: 'missing required attribute "id"',
    });
    const binary = await post(JSON.stringify({ a: 1 }), {
      contentType: "application/json",
      headers: { "ce-specversion": "1.0", "ce-type": "order.paid", "ce-source": "/pay" },
    });
    expect(binary.statusCode).toBe(400);
    expect(errorOf(binary)).toMatchObject({ code: "INVALID_CLOUDEVENT", field: "ce-id" });
    expect(errorOf(binary).message).toBe("missing required attribute header ce-id");
    // The dead letter is the event in structured form: its ce-* attributes are not lost with the body.
    const letter = await deadLetter(errorOf(binary).deadLetterId);
    expect(JSON.parse(letter.payload)).toEqual({
      specversion: "1.0",
      type: "order.paid",
      source: "/pay",
      datacontenttype: "application/json",
      data: { a: 1 },
    });
  });

  it("refuses an invalid CloudEvent naming the attribute, with a pointer in the dead letter", async () => {
    const res = await post(
      JSON.stringify([
        { ...ce, id: "1" },
        { ...ce, id: "2", source: "" },
      ]),
      {
        contentType: "application/cloudevents-batch+json",
      },
    );
    expect(res.statusCode).toBe(400);
    const e = errorOf(res);
    expect(e).toMatchObject({ code: "INVALID_CLOUDEVENT", field: "source", index: 1 });
    expect(await deadLetter(e.deadLetterId)).toMatchObject({
      reasonCode: "INVALID_CLOUDEVENT",
      path: "/1/source",
    });
  });

  it("refuses a body over the wire limit with 413 without reading or keeping it", async () => {
    const before = await database.db.prisma.deadLetter.count();
    const res = await post(Buffer.alloc(LIMITS.maxBodyBytes + 1, 0x20));
    expect(res.statusCode).toBe(413);
    const e = errorOf(res);
    expect(e.code).toBe("BODY_TOO_LARGE");
    expect(e.message).toContain("It was not read or stored: split the batch");
    expect(e.message).toContain("INLET_INGEST_MAX_BODY_BYTES");
    expect(await database.db.prisma.deadLetter.count()).toBe(before);
  });

  it("stops reading a body without Content-Length once it passes the wire limit", async () => {
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(64 * 1024, 0x20));
    const res = await app.inject({
      method: "POST",
      url: "/v1/sources/orders/events",
      headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${keys.orders}` },
      payload: Readable.from(chunks),
    });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).message).toMatch(/^The request body is larger than the limit of 262,144 bytes/);
  });

  it("refuses a gzip bomb with 413", async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMITS.maxBodyBytes);
    const res = await post(bomb, { encoding: "gzip" });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe("BODY_TOO_LARGE");
    expect(errorOf(res).deadLetterId).toBeUndefined();
  });

  it("refuses an empty body with 400", async () => {
    const res = await post("");
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe("EMPTY_BATCH");
    expect(errorOf(res).deadLetterId).toBeUndefined();
  });

  it("counts rejections by status and code", async () => {
    const counts = async () => [
      await count(ingestMetrics.requests, { status: "401", code: "UNAUTHORIZED" }),
      await count(ingestMetrics.requests, { status: "413", code: "BODY_TOO_LARGE" }),
      await count(ingestMetrics.requests, { status: "400", code: "MALFORMED_JSON" }),
      await count(ingestMetrics.deadLetters, { reason: "MALFORMED_JSON" }),
    ];
    const before = await counts();
    expect((await post(ORDERS_NDJSON, { key: null })).statusCode).toBe(401);
    expect((await post(Buffer.alloc(LIMITS.maxBodyBytes + 1, 0x20))).statusCode).toBe(413);
    expect((await post('{"id":"a",}\n')).statusCode).toBe(400);
    // A request is counted by the onResponse hook, which need not have run when inject() resolves.
    await vi.waitFor(async () => expect(await counts()).toEqual(before.map((n) => n + 1)));
  });
});

describe("failures", () => {
  it("answers 503 UNAVAILABLE with Retry-After, a request id and no stack when the store fails", async () => {
    // A lake root that is a regular file: every put fails inside the real adapter.
    const notADir = join(dir, "not-a-dir");
    await writeFile(notADir, "x");
    const broken = await buildApp({ store: new LocalFsObjectStore(notADir) });
    try {
      const res = await broken.inject({
        method: "POST",
        url: "/v1/sources/orders/events",
        headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${keys.orders}` },
        payload: '{"a":1}\n',
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("5");
      const e = errorOf(res);
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.message).toMatch(/^The object store did not take the batch/);
      expect(e.message).toContain(e.requestId);
      expect(res.body).not.toMatch(/at .+\.ts:\d+/);
    } finally {
      await broken.close();
    }
  });

  it("answers 503 DISK_SPACE_LOW with Retry-After, not 500 or 2xx, when the lake's disk has no room", async () => {
    // The file system answers ENOSPC to the put's fsync (a full disk answers its writes the same way).
    class FullDisk extends LocalFsObjectStore {
      protected override syncDirectory(): Promise<void> {
        return Promise.reject(
          Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }),
        );
      }
    }
    const full = await buildApp({ store: new FullDisk(join(dir, "full-lake")) });
    const batches = () => database.db.prisma.batch.count();
    const before = await batches();
    try {
      const res = await full.inject({
        method: "POST",
        url: "/v1/sources/orders/events",
        headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${keys.orders}` },
        payload: '{"id":"full-1"}\n',
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("10");
      const e = errorOf(res);
      expect(e.code).toBe("DISK_SPACE_LOW");
      expect(e.message).toMatch(/^The lake's disk is full, so the batch was not stored/);
      expect(e.message).toContain(e.requestId);
      // Nothing was registered or queued for it.
      expect(await batches()).toBe(before);
    } finally {
      await full.close();
    }
  });

  it("marks the batch failed when its queue message cannot be sent, so it is not ingested later, and drops its raw object", async () => {
    const closed = new PgQueue({ pool: database.db.pool });
    await closed.close();
    const broken = await buildApp({ queue: closed });
    const countByStatus = async () => ({
      received: await database.db.prisma.batch.count({ where: { status: "received" } }),
      failed: await database.db.prisma.batch.count({ where: { status: "failed" } }),
    });
    const before = await countByStatus();
    try {
      const res = await broken.inject({
        method: "POST",
        url: "/v1/sources/orders/events",
        headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${keys.orders}` },
        payload: '{"id":"q-1"}\n',
      });
      expect(res.statusCode).toBe(503);
      expect(errorOf(res).message).toMatch(/^The queue did not take the batch.*send it again/);
      expect(await countByStatus()).toEqual({ received: before.received, failed: before.failed + 1 });
      // Its raw object is not kept beside the accepted ones.
      const failed = await database.db.prisma.batch.findFirstOrThrow({
        where: { status: "failed" },
        orderBy: { receivedAt: "desc" },
      });
      expect(await store.head(failed.rawKey)).toBeUndefined();
    } finally {
      await broken.close();
    }
  });
});

describe("events judged against the source's active schema", () => {
  const schema = (maxQty: number) => ({
    type: "object",
    required: ["id", "amount"],
    properties: {
      id: { type: "string" },
      amount: { type: "number" },
      qty: { type: "integer", maximum: maxQty },
    },
  });
  const line = (id: string, amount: unknown, qty = 1) => JSON.stringify({ id, amount, qty });

  async function typedSource(slug: string) {
    const id = await addSource(slug);
    const v1 = await database.db.prisma.schemaVersion.create({
      data: { sourceId: id, version: 1, jsonSchema: schema(10) },
    });
    await database.db.prisma.source.update({ where: { id }, data: { activeSchemaVersionId: v1.id } });
    return { id, key: await addKey(id) };
  }

  async function lettersOf(batchId: string) {
    const rows = await database.db.prisma.deadLetter.findMany({
      where: { batchId },
      orderBy: { eventId: "asc" },
    });
    return rows.map((d) => [d.eventId, d.reasonCode, d.reason, d.path, d.payload, d.schemaVersion, d.status]);
  }

  it("answers 202 with the events accepted and dead-lettered, the letters recorded with the batch", async () => {
    const typed = await typedSource("typed-orders");
    const body = `${[line("t1", 1), line("t2", "12"), line("t3", 3, 11)].join("\n")}\n`;
    const res = await post(body, { slug: "typed-orders", key: typed.key });
    expect(res.statusCode).toBe(202);
    const { accepted, deadLettered, batchId } = res.json() as {
      accepted: number;
      deadLettered: number;
      batchId: string;
    };
    expect({ accepted, deadLettered }).toEqual({ accepted: 1, deadLettered: 2 });
    // /metrics counts the one accepted event as accepted, the two others as dead letters only.
    expect(await count(ingestMetrics.events, { source: "typed-orders" })).toBe(1);
    // Durable with the 202, before any worker ran; the raw object keeps the body as sent.
    expect(await lettersOf(batchId)).toEqual([
      [
        "t2",
        "SCHEMA_VIOLATION",
        '/amount: must be a number, got the string "12"',
        "/amount",
        line("t2", "12"),
        1,
        "open",
      ],
      ["t3", "SCHEMA_VIOLATION", "/qty: must be ≤ 10, got 11", "/qty", line("t3", 3, 11), 1, "open"],
    ]);
    const batch = await database.db.prisma.batch.findUniqueOrThrow({ where: { id: batchId } });
    expect(batch).toMatchObject({ eventCount: 3, validatedSchemaVersion: 1, rejectedAtAccept: [1, 2] });
    expect(Buffer.from((await store.get(batch.rawKey)) ?? []).toString()).toBe(body);
  });

  it("counts an invalid event sent again as one more copy of its open letter; another cause is a letter of its own", async () => {
    const typed = await typedSource("typed-resent");
    const body = `${[line("r1", "x"), line("r2", 1, 11), line("r3", 1)].join("\n")}\n`;
    const first = await post(body, { slug: "typed-resent", key: typed.key });
    const again = await post(body, { slug: "typed-resent", key: typed.key });
    // Each answer speaks of its own batch: two of its events were dead-lettered.
    for (const res of [first, again]) expect(res.json()).toMatchObject({ accepted: 1, deadLettered: 2 });
    const firstBatch = (first.json() as { batchId: string }).batchId;
    const letters = async () =>
      (
        await database.db.prisma.deadLetter.findMany({
          where: { sourceId: typed.id },
          orderBy: [{ eventId: "asc" }, { path: "asc" }],
        })
      ).map((d) => [d.eventId, d.path, d.copies, d.batchId === firstBatch, d.status]);
    expect(await letters()).toEqual([
      ["r1", "/amount", 2, true, "open"],
      ["r2", "/qty", 2, true, "open"],
    ]);
    const r1 = await database.db.prisma.deadLetter.findFirstOrThrow({
      where: { sourceId: typed.id, eventId: "r1" },
    });
    expect(r1.lastReceivedAt.getTime()).toBeGreaterThanOrEqual(r1.createdAt.getTime());
    // The same event failing for another cause is another letter.
    await post(`${line("r1", 1, 11)}\n`, { slug: "typed-resent", key: typed.key });
    expect(await letters()).toEqual([
      ["r1", "/amount", 2, true, "open"],
      ["r1", "/qty", 1, false, "open"],
      ["r2", "/qty", 2, true, "open"],
    ]);
  });

  it("never merges letters without an event id: a malformed body sent twice is kept twice", async () => {
    const typed = await typedSource("typed-malformed");
    const body = `${line("m1", 1)}\n{"id":"m2",}\n`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post(body, { slug: "typed-malformed", key: typed.key });
      expect(res.statusCode).toBe(400);
      ids.push(String(errorOf(res).deadLetterId));
    }
    expect(new Set(ids).size).toBe(2);
    const rows = await database.db.prisma.deadLetter.findMany({ where: { id: { in: ids } } });
    expect(rows.map((d) => [d.eventId, d.copies, d.status])).toEqual([
      [null, 1, "open"],
      [null, 1, "open"],
    ]);
  });

  it("takes back the copy of a batch the queue did not take: the open letter keeps its earlier copy", async () => {
    const typed = await typedSource("typed-unqueued");
    const body = `${line("u1", "x")}\n`;
    const ok = await post(body, { slug: "typed-unqueued", key: typed.key });
    expect(ok.json()).toMatchObject({ deadLettered: 1 });
    const closed = new PgQueue({ pool: database.db.pool });
    await closed.close();
    const broken = await buildApp({ queue: closed });
    try {
      const res = await broken.inject({
        method: "POST",
        url: "/v1/sources/typed-unqueued/events",
        headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${typed.key}` },
        payload: `${body}${line("u2", "x")}\n`,
      });
      expect(res.statusCode).toBe(503);
    } finally {
      await broken.close();
    }
    const rows = await database.db.prisma.deadLetter.findMany({
      where: { sourceId: typed.id },
      orderBy: { eventId: "asc" },
    });
    // u1's letter stays open with the copy that was accepted; u2's came only with the refused batch.
    expect(rows.map((d) => [d.eventId, d.copies, d.status])).toEqual([
      ["u1", 1, "open"],
      ["u2", 1, "discarded"],
    ]);
  });

  it("judges CloudEvents' data too", async () => {
    const typed = await typedSource("typed-ce");
    const res = await post(
      JSON.stringify([
        { ...ce, id: "c1", data: { id: "c1", amount: 1 } },
        { ...ce, id: "c2", data: { id: "c2", amount: "x" } },
      ]),
      { slug: "typed-ce", key: typed.key, contentType: "application/cloudevents-batch+json" },
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, deadLettered: 1 });
  });

  it("judges against a new version at once when this process registered it", async () => {
    const typed = await typedSource("typed-evolving");
    const changes = new SourceChanges();
    const instance = Fastify({ logger: false });
    await registerIngestRoutes(instance, {
      db: database.db,
      catalog: new PgCatalog(database.db),
      store,
      queue,
      logger: pino({ level: "silent" }),
      limits: LIMITS,
      now: () => RECEIVED_AT,
      sourceChanges: changes,
    });
    await instance.ready();
    try {
      const send = () =>
        instance.inject({
          method: "POST",
          url: "/v1/sources/typed-evolving/events",
          headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${typed.key}` },
          payload: line("e1", 1, 8),
        });
      expect((await send()).json()).toMatchObject({ accepted: 1, deadLettered: 0 });
      const v2 = await database.db.prisma.schemaVersion.create({
        data: { sourceId: typed.id, version: 2, jsonSchema: schema(5) },
      });
      await database.db.prisma.source.update({
        where: { id: typed.id },
        data: { activeSchemaVersionId: v2.id },
      });
      changes.changed(typed.id);
      const res = await send();
      expect(res.json()).toMatchObject({ accepted: 0, deadLettered: 1 });
      const { batchId } = res.json() as { batchId: string };
      expect((await lettersOf(batchId)).map((l) => [l[0], l[3], l[5]])).toEqual([["e1", "/qty", 2]]);
    } finally {
      await instance.close();
    }
  });
});
