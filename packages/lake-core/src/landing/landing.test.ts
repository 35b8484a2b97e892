import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareConnection } from "../adapters/duckdb-sql";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { NatsQueue } from "../adapters/nats-queue";
import type { PgQueue } from "../adapters/pg-queue";
import { S3ObjectStore } from "../adapters/s3-store";
import { PgCatalog } from "../catalog/pg-catalog";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { ObjectStore } from "../ports/object-store";
import type { Queue } from "../ports/queue";
import { processBatches } from "../process/process-batches";
import {
  createTestSource,
  deleteNatsStream,
  ensureNatsServer,
  readCommittedRows,
  TEST_NATS_URL,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { type S3rverHandle, startS3rver } from "../testing/s3rver";
import { csvCellJson, csvCellValue, csvHeaderNames } from "./landing-formats";
import { ingestLandingFile, type LandingAdmission, type LandingDeps } from "./landing-ingest";
import {
  consumeLandingEvents,
  handleObjectCreatedEvent,
  LANDING_EVENTS_QUEUE,
  scanLandingZone,
} from "./landing-watch";

let bed: PipelineTestBed;
let t: TestDatabase;
let dir: string;
let queue: PgQueue;
let duck: DuckDBConnection;

beforeAll(async () => {
  bed = await startPipelineTestBed("landing");
  ({ t, dir, queue, duck } = bed);
});
afterAll(async () => {
  await bed?.close();
});

const enc = (s: string) => new TextEncoder().encode(s);

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out;
}

async function parquetBytes(sql: string): Promise<Uint8Array> {
  const path = join(dir, `p-${Math.random().toString(36).slice(2)}.parquet`);
  await duck.run(`COPY (${sql}) TO '${path}' (FORMAT parquet)`);
  return new Uint8Array(await readFile(path));
}

async function drainBatches(store: ObjectStore, from: Queue = queue) {
  for (;;) {
    const msgs = await from.receive(BATCHES_QUEUE, { max: 100 });
    if (msgs.length === 0) return;
    await processBatches(
      { catalog: new PgCatalog(t.db), store, queue: from, duck, tmpDir: join(dir, "tmp") },
      msgs,
    );
  }
}

describe("landing zone", () => {
  it("leaves hidden files alone, keeps the drop folder and never overwrites an earlier file", async () => {
    const root = join(dir, "lake-hidden");
    const store = new LocalFsObjectStore(root, { fsync: false });
    const src = await createTestSource(t.db);
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const line = (id: string) =>
      enc(`${JSON.stringify({ id, amount: 1, created_at: "2024-05-01T00:00:00Z" })}\n`);
    // What rsync writes before renaming the file into place.
    await store.put(`landing/${src.slug}/.drop.ndjson.Ab12Cd`, line("partial"));
    // A name no object key can hold: left where it is, not retried or moved on every pass.
    const odd = join(root, "landing", src.slug, "back\\slash.ndjson");
    await writeFile(odd, line("odd"));
    await store.put(`landing/${src.slug}/drop.ndjson`, line("h1"));
    expect((await scanLandingZone(deps, { settleMs: 0 })).map((r) => [r.key, r.status])).toEqual([
      [`landing/${src.slug}/drop.ndjson`, "ingested"],
    ]);
    expect(await keys(store, "landing/")).toEqual([
      `landing/${src.slug}/.drop.ndjson.Ab12Cd`,
      `landing/${src.slug}/back\\slash.ndjson`,
    ]);
    expect(await scanLandingZone(deps, { settleMs: 0 })).toEqual([]);
    expect((await stat(odd)).isFile()).toBe(true);
    await store.delete([`landing/${src.slug}/.drop.ndjson.Ab12Cd`]);
    await rm(odd);
    // The folder people drop files into survives being emptied.
    expect((await stat(join(root, "landing", src.slug))).isDirectory()).toBe(true);

    await store.put(`landing/${src.slug}/drop.ndjson`, line("h2"));
    expect((await scanLandingZone(deps, { settleMs: 0 })).map((r) => r.status)).toEqual(["ingested"]);
    const done = await keys(store, `landing-done/${src.slug}/`);
    expect(done).toHaveLength(2);
    expect(done).toContain(`landing-done/${src.slug}/drop.ndjson`);
    expect(done.every((k) => k.endsWith(".ndjson"))).toBe(true);
  });

  it("reads CSV cells as the schema types them", () => {
    expect(csvCellValue("12", "BIGINT")).toBe(12);
    expect(csvCellValue("12.5", "BIGINT")).toBe("12.5");
    expect(csvCellValue("1e3", "DOUBLE")).toBe(1000);
    expect(csvCellValue("abc", "DOUBLE")).toBe("abc");
    // Decimal notation only: JavaScript's Number() would read these as 26, 3 and 7.
    for (const text of ["0x1A", "0b11", "0o7", "Infinity", "1_000"])
      expect(csvCellValue(text, "DOUBLE")).toBe(text);
    expect(csvCellValue("-.5e3", "DOUBLE")).toBe(-500);
    expect(csvCellJson(" +9007199254740993", "BIGINT")).toBe("9007199254740993");
    expect(csvCellJson("-007", "BIGINT")).toBe("-7");
    expect(csvCellJson("1.5", "BIGINT")).toBe('"1.5"');
    // Written as JSON would allow: a zero fraction or an exponent.
    expect(csvCellJson("1.0", "BIGINT")).toBe("1");
    expect(csvCellJson("9007199254740993.00", "BIGINT")).toBe("9007199254740993");
    expect(csvCellJson("1e3", "BIGINT")).toBe("1000");
    expect(csvCellJson("1e30", "BIGINT")).toBe('"1e30"');
    expect(csvCellJson('say "hi"', "VARCHAR")).toBe('"say \\"hi\\""');
    // A JSON cell keeps its text: digits beyond a double, trailing zeros, line breaks as spaces.
    expect(csvCellJson('{"big":12345678901234567890,\n"x":1.50}', "JSON")).toBe(
      '{"big":12345678901234567890, "x":1.50}',
    );
    expect(csvCellJson("[18446744073709551617]", "JSON")).toBe("[18446744073709551617]");
    expect(csvCellJson(" 123456789012345678901 ", "JSON")).toBe("123456789012345678901");
    expect(csvCellJson("not json", "JSON")).toBe('"not json"');
    expect(csvHeaderNames('\ufeffid,"a,b","say ""hi""",\r\nx,y')).toEqual(["id", "a,b", 'say "hi"', ""]);
    expect(() => csvHeaderNames('id,"open')).toThrow("unterminated quote");
    expect(csvCellValue("+2.", "DOUBLE")).toBe(2);
    expect(csvCellValue("TRUE", "BOOLEAN")).toBe(true);
    expect(csvCellValue('["a"]', "JSON")).toEqual(["a"]);
    expect(csvCellValue("007", "VARCHAR")).toBe("007");
  });

  it("ingests NDJSON, JSON array, CSV and Parquet files dropped into a local store", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-local"), { fsync: false });
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    const ev = (id: string, amount: unknown) => ({ id, amount, qty: 2, created_at: "2024-05-01T10:00:00Z" });
    await store.put(
      `landing/${src.slug}/a.ndjson`,
      enc(`${JSON.stringify(ev("n1", 1))}\n\n${JSON.stringify(ev("n2", 2))}\n`),
    );
    await store.put(`landing/${src.slug}/b.jsonl`, enc(`${JSON.stringify(ev("l1", 3))}\n`));
    await store.put(`landing/${src.slug}/c.json`, enc(JSON.stringify([ev("j1", 4), ev("j2", "bad")])));
    await store.put(
      `landing/${src.slug}/sub/d.csv`,
      enc(
        'id,amount,qty,paid,note,created_at\nc1,5.5,3,true,"hello, world",2024-05-02T00:00:00Z\nc2,6,,,,2024-05-02T01:00:00Z\n',
      ),
    );
    await store.put(
      `landing/${src.slug}/e.parquet`,
      await parquetBytes(
        // p3's qty is beyond 2^53 and its row has a null column: no digit may be lost on the way.
        "SELECT 'p' || i AS id, i * 1.5 AS amount, (CASE WHEN i = 3 THEN 9007199254740993 ELSE i END)::BIGINT AS qty, TIMESTAMPTZ '2024-05-03 08:00:00+00' AS created_at, NULL::VARCHAR AS note FROM range(1, 4) t(i)",
      ),
    );

    const results = await scanLandingZone(deps, { settleMs: 0 });
    expect(results.map((r) => r.status)).toEqual([
      "ingested",
      "ingested",
      "ingested",
      "ingested",
      "ingested",
    ]);
    expect(await keys(store, "landing/")).toEqual([]);
    expect((await keys(store, "landing-done/")).length).toBe(5);
    expect(await scanLandingZone(deps, { settleMs: 0 })).toEqual([]);

    await drainBatches(store);
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, amount, qty, paid, note, _event_time::VARCHAR AS t",
    );
    expect(rows).toEqual([
      {
        _event_id: "c1",
        amount: 5.5,
        qty: "3",
        paid: true,
        note: "hello, world",
        t: "2024-05-02 00:00:00+00",
      },
      { _event_id: "c2", amount: 6, qty: null, paid: null, note: null, t: "2024-05-02 01:00:00+00" },
      { _event_id: "j1", amount: 4, qty: "2", paid: null, note: null, t: "2024-05-01 10:00:00+00" },
      { _event_id: "l1", amount: 3, qty: "2", paid: null, note: null, t: "2024-05-01 10:00:00+00" },
      { _event_id: "n1", amount: 1, qty: "2", paid: null, note: null, t: "2024-05-01 10:00:00+00" },
      { _event_id: "n2", amount: 2, qty: "2", paid: null, note: null, t: "2024-05-01 10:00:00+00" },
      { _event_id: "p1", amount: 1.5, qty: "1", paid: null, note: null, t: "2024-05-03 08:00:00+00" },
      { _event_id: "p2", amount: 3, qty: "2", paid: null, note: null, t: "2024-05-03 08:00:00+00" },
      {
        _event_id: "p3",
        amount: 4.5,
        qty: "9007199254740993",
        paid: null,
        note: null,
        t: "2024-05-03 08:00:00+00",
      },
    ]);
    const dead = await t.db.prisma.deadLetter.findMany({ where: { sourceId: src.id } });
    expect(dead.map((d) => [d.eventId, d.reason])).toEqual([
      ["j2", '/amount: must be a number, got the string "bad"'],
    ]);
    const batches = await t.db.prisma.batch.findMany({
      where: { sourceId: src.id },
      orderBy: { origin: "asc" },
    });
    expect(batches.map((b) => [b.origin, b.status, b.eventCount])).toEqual([
      [`file:landing/${src.slug}/a.ndjson`, "committed", 2],
      [`file:landing/${src.slug}/b.jsonl`, "committed", 1],
      [`file:landing/${src.slug}/c.json`, "committed", 2],
      [`file:landing/${src.slug}/e.parquet`, "committed", 3],
      [`file:landing/${src.slug}/sub/d.csv`, "committed", 2],
    ]);
  });

  it("ingests the same file once even when it is handled twice", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-twice"), { fsync: false });
    const deps: LandingDeps = {
      catalog: new PgCatalog(t.db),
      store,
      queue,
      duck,
      tmpDir: join(dir, "tmp"),
      maxBatchEvents: 2,
    };
    const src = await createTestSource(t.db);
    const lines = [1, 2, 3].map((i) =>
      JSON.stringify({ id: `t${i}`, amount: i, created_at: "2024-05-01T00:00:00Z" }),
    );
    await store.put(`landing/${src.slug}/x.ndjson`, enc(lines.join("\n")));
    const info = (await store.head(`landing/${src.slug}/x.ndjson`))!;
    const first = await ingestLandingFile(deps, info);
    // As if the first run crashed after enqueueing but before the move: the second repeats every step.
    await store.put(`landing/${src.slug}/x.ndjson`, enc(lines.join("\n")));
    const second = await ingestLandingFile(deps, info);
    expect(first.status === "ingested" && first.batchIds.length).toBe(2);
    expect(second).toEqual(first);
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(2);
    await drainBatches(store);
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id",
    );
    expect(rows.map((r) => r._event_id)).toEqual(["t1", "t2", "t3"]);
  });

  it("lets workers polling the same lake take turns per file: each file ingested and moved once", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-turns"), { fsync: false });
    const second = await (await DuckDBInstance.create(":memory:")).connect();
    await prepareConnection(second);
    const src = await createTestSource(t.db);
    for (let f = 0; f < 20; f++) {
      const lines = [0, 1, 2].map((i) =>
        JSON.stringify({ id: `f${f}-${i}`, amount: i, created_at: "2024-05-01T00:00:00Z" }),
      );
      await store.put(`landing/${src.slug}/f${f}.ndjson`, enc(lines.join("\n")));
    }
    const worker = (connection: DuckDBConnection) =>
      scanLandingZone(
        { catalog: new PgCatalog(t.db), store, queue, duck: connection, tmpDir: join(dir, "tmp") },
        { settleMs: 0 },
      );
    const [a, b] = await Promise.all([worker(duck), worker(second)]);
    const done = [...a, ...b].filter((r) => r.status === "ingested");
    expect(done).toHaveLength(20);
    expect((await keys(store, "landing-done/")).length).toBe(20);
    expect(await keys(store, "landing/")).toEqual([]);
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(20);
    second.closeSync();
  });

  it("holds the files of a paused source where they are until it is resumed", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-paused"), { fsync: false });
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    await t.db.prisma.source.update({ where: { id: src.id }, data: { status: "paused" } });
    const line = JSON.stringify({ id: "h1", amount: 1, created_at: "2024-05-01T00:00:00Z" });
    await store.put(`landing/${src.slug}/held.ndjson`, enc(line));
    const held = await scanLandingZone(deps, { settleMs: 0 });
    expect(held.map((r) => r.status)).toEqual(["held"]);
    expect(await keys(store, "landing/")).toEqual([`landing/${src.slug}/held.ndjson`]);
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(0);
    await t.db.prisma.source.update({ where: { id: src.id }, data: { status: "active" } });
    const resumed = await scanLandingZone(deps, { settleMs: 0 });
    expect(resumed.map((r) => r.status)).toEqual(["ingested"]);
    expect(await keys(store, "landing-done/")).toEqual([`landing-done/${src.slug}/held.ndjson`]);
  });

  it("leaves files in landing/ while admission control holds their source, and takes them once it admits", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-admission"), { fsync: false });
    const src = await createTestSource(t.db);
    const other = await createTestSource(t.db);
    // Admission control as the API process composes it, here a switch: over its bound or not.
    let over = new Set([src.id]);
    const asked: string[] = [];
    const noted = new Map<string, number>();
    const admission: LandingAdmission = {
      async admit(source) {
        asked.push(source.slug);
        return over.has(source.id)
          ? { reason: `source ${source.slug} is over its bound`, retryAfterMs: 300 }
          : undefined;
      },
      noteAccepted(sourceId, bytes) {
        noted.set(sourceId, (noted.get(sourceId) ?? 0) + bytes);
      },
    };
    const deps: LandingDeps = {
      catalog: new PgCatalog(t.db),
      store,
      queue,
      duck,
      tmpDir: join(dir, "tmp"),
      admission,
    };
    const line = (id: string) =>
      enc(`${JSON.stringify({ id, amount: 1, created_at: "2024-05-01T00:00:00Z" })}\n`);
    await store.put(`landing/${src.slug}/a.ndjson`, line("a1"));
    await store.put(`landing/${other.slug}/b.ndjson`, line("b1"));

    // The polling watcher: the held source's file stays where it is, the other one's is taken.
    const first = await scanLandingZone(deps, { settleMs: 0 });
    expect(new Map(first.map((r) => [r.key, r.status]))).toEqual(
      new Map([
        [`landing/${src.slug}/a.ndjson`, "held"],
        [`landing/${other.slug}/b.ndjson`, "ingested"],
      ]),
    );
    expect(first.find((r) => r.status === "held")).toMatchObject({
      reason: `source ${src.slug} is over its bound`,
      retryAfterMs: 300,
    });
    expect(await keys(store, "landing/")).toEqual([`landing/${src.slug}/a.ndjson`]);
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(0);
    // What a file added counts against the bounds until the figures are read again.
    expect(noted.get(other.id)).toBe(line("b1").byteLength);
    expect(await scanLandingZone(deps, { settleMs: 0 })).toMatchObject([{ status: "held" }]);

    // The backlog drained: the next pass takes the file.
    over = new Set();
    expect((await scanLandingZone(deps, { settleMs: 0 })).map((r) => r.status)).toEqual(["ingested"]);
    expect(await keys(store, "landing/")).toEqual([]);
    expect((await keys(store, "landing-done/")).sort()).toEqual(
      [`landing-done/${src.slug}/a.ndjson`, `landing-done/${other.slug}/b.ndjson`].sort(),
    );
    await drainBatches(store);
    expect(
      await readCommittedRows({ catalog: new PgCatalog(t.db), store }, `curated.${src.slug}`, "_event_id"),
    ).toEqual([{ _event_id: "a1" }]);

    // Announced by an S3 notification: the file stays, and is announced again after Retry-After
    // without using up a receive of its message.
    over = new Set([src.id]);
    asked.length = 0;
    await store.put(`landing/${src.slug}/c.ndjson`, line("c1"));
    await queue.send(LANDING_EVENTS_QUEUE, { key: `landing/${src.slug}/c.ndjson`, etag: "" });
    const held = await consumeLandingEvents(deps, { waitMs: 100 });
    expect(held).toMatchObject([{ status: "held", retryAfterMs: 300 }]);
    expect(asked).toEqual([src.slug]);
    expect(await keys(store, "landing/")).toEqual([`landing/${src.slug}/c.ndjson`]);
    expect(await queue.receive(LANDING_EVENTS_QUEUE, { max: 10, waitMs: 0 })).toEqual([]);
    over = new Set();
    let taken: Awaited<ReturnType<typeof consumeLandingEvents>> = [];
    await waitUntil("the file announced again", async () => {
      taken = await consumeLandingEvents(deps, { waitMs: 100 });
      return taken.length > 0;
    });
    expect(taken).toMatchObject([{ status: "ingested", key: `landing/${src.slug}/c.ndjson` }]);
    expect(await keys(store, "landing/")).toEqual([]);
    await drainBatches(store);
    expect((await queue.stats(LANDING_EVENTS_QUEUE)).depth).toBe(0);
  });

  it("sets aside files it cannot ingest, with a dead letter", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-bad"), { fsync: false });
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    await store.put("landing/no_such_source/a.ndjson", enc('{"id":1}\n'));
    await store.put(`landing/${src.slug}/b.txt`, enc("hello"));
    await store.put(`landing/${src.slug}/c.json`, enc("{not json"));
    const results = await scanLandingZone(deps, { settleMs: 0 });
    expect(results.map((r) => (r.status === "rejected" ? r.reasonCode : r.status)).sort()).toEqual([
      "MALFORMED_FILE",
      "UNKNOWN_SOURCE",
      "UNSUPPORTED_FILE",
    ]);
    expect((await keys(store, "landing-failed/")).sort()).toEqual(
      [
        `landing-failed/${src.slug}/b.txt`,
        `landing-failed/${src.slug}/c.json`,
        "landing-failed/no_such_source/a.ndjson",
      ].sort(),
    );
    expect(await keys(store, "landing/")).toEqual([]);
    const letters = await t.db.prisma.deadLetter.findMany({
      where: { reasonCode: "MALFORMED_FILE", sourceId: src.id },
    });
    expect(letters[0]?.payload).toBe("{not json");
  });

  it("keeps every digit of JSON and CSV files, pretty-printed JSON included", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-json-exact"), { fsync: false });
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    const file = `\ufeff[\n  {\n    "id": "big1",\n    "amount": 1,\n    "qty": 9007199254740993,\n    "note": "a\\nb é",\n    "created_at": "2024-05-01T10:00:00Z"\n  }\n]\n`;
    await store.put(`landing/${src.slug}/pretty.json`, enc(file));
    await store.put(
      `landing/${src.slug}/big.csv`,
      enc("id,amount,qty,created_at\nbig2,1,9007199254740995,2024-05-01T10:00:00Z\n"),
    );
    expect((await scanLandingZone(deps, { settleMs: 0 })).map((r) => r.status)).toEqual([
      "ingested",
      "ingested",
    ]);
    await drainBatches(store);
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, qty::VARCHAR AS qty, note",
    );
    expect(rows).toEqual([
      { _event_id: "big1", qty: "9007199254740993", note: "a\nb é" },
      { _event_id: "big2", qty: "9007199254740995", note: null },
    ]);
  });

  it("sets aside empty files and CSV files whose rows do not match the header", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-odd-files"), { fsync: false });
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    const good = (i: number) => `r${i},${i},2024-05-01T00:00:00Z`;
    const ragged = [
      "id,amount,created_at",
      ...[1, 2, 3, 4, 5].map(good),
      "r6,6,2024-05-01T00:00:00Z,x,y,z",
      good(7),
    ];
    await store.put(`landing/${src.slug}/ragged.csv`, enc(`${ragged.join("\n")}\n`));
    await store.put(`landing/${src.slug}/header-only.csv`, enc("id,amount,created_at\n"));
    await store.put(`landing/${src.slug}/empty.ndjson`, enc(""));
    await store.put(`landing/${src.slug}/empty.json`, enc("[]"));
    await store.put(`landing/${src.slug}/short.csv`, enc("id,amount,created_at\ns1,1\n"));
    await store.put(`landing/${src.slug}/quoted.csv`, enc('id,amount,created_at\nq1,"1"x,2024-05-01\n'));
    await store.put(`landing/${src.slug}/twice.csv`, enc("id,ID,amount\na,b,1\n"));
    await store.put(`landing/${src.slug}/torn.parquet`, enc("PAR1 not really parquet PAR1"));
    await store.put(`landing/${src.slug}/unnamed.csv`, enc("id,,amount\na,b,1\n"));
    // Latin-1, not UTF-8, in a column a count(*) does not decode: "Françe" with its ç as the byte 0xE7.
    const latin1 = Buffer.from(
      "id,amount,created_at,country\nl1,1,2024-05-01T00:00:00Z,Fran\u00e7e\n",
      "latin1",
    );
    await store.put(`landing/${src.slug}/latin1.csv`, new Uint8Array(latin1));
    const results = await scanLandingZone(deps, { settleMs: 0 });
    expect(
      results.map((r) => [r.key.split("/").pop(), r.status === "rejected" ? r.reasonCode : r.status]).sort(),
    ).toEqual([
      ["empty.json", "MALFORMED_FILE"],
      ["empty.ndjson", "MALFORMED_FILE"],
      ["header-only.csv", "MALFORMED_FILE"],
      ["latin1.csv", "MALFORMED_FILE"],
      ["quoted.csv", "MALFORMED_FILE"],
      ["ragged.csv", "MALFORMED_FILE"],
      ["short.csv", "MALFORMED_FILE"],
      ["torn.parquet", "MALFORMED_FILE"],
      ["twice.csv", "MALFORMED_FILE"],
      ["unnamed.csv", "MALFORMED_FILE"],
    ]);
    const letters = await t.db.prisma.deadLetter.findMany({
      where: { sourceId: src.id },
      orderBy: { reason: "asc" },
    });
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringMatching(/empty\.json: the file holds no events/),
      expect.stringMatching(/empty\.ndjson: the file holds no events/),
      expect.stringMatching(/header-only\.csv: the file holds no events/),
      expect.stringMatching(/latin1\.csv: not valid UTF-8 text; the file was moved/),
      expect.stringMatching(
        /quoted\.csv: not a readable CSV file: line 2: a quoted value is not closed, or text follows its closing quote;/,
      ),
      `landing/${src.slug}/ragged.csv: not a readable CSV file: line 7 has more columns than the header's 3; the file was moved to landing-failed/${src.slug}/ragged.csv`,
      expect.stringMatching(
        /short\.csv: not a readable CSV file: line 2 has 2 columns where the header has 3;/,
      ),
      expect.stringMatching(/torn\.parquet: not a readable Parquet file: [^/]*; the file was moved/),
      expect.stringMatching(/twice\.csv: the CSV header names a column twice \(names are compared/),
      expect.stringMatching(/unnamed\.csv: the CSV header's column 2 has no name/),
    ]);
    // A reason names the line and the problem: not the server's paths, DuckDB's hints or the row's values.
    for (const { reason } of letters) {
      expect(reason).not.toContain(dir);
      expect(reason).not.toMatch(/Possible fixes|strict_mode|Original Line|read_parquet|LINE 1/);
    }
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(0);
  });

  it("sets aside a CSV file with a malformed row deep in the file, ingesting none of it", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-deep-csv"), { fsync: false });
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    const rows = ["id,amount,created_at"];
    for (let i = 0; i < 100_000; i++) {
      rows.push(
        i === 30_000 ? `d${i},1,2024-05-01T00:00:00Z,extra,"oops` : `d${i},${i},2024-05-01T00:00:00Z`,
      );
    }
    await store.put(`landing/${src.slug}/big.csv`, enc(`${rows.join("\n")}\n`));
    const results = await scanLandingZone(deps, { settleMs: 0 });
    expect(results.map((r) => (r.status === "rejected" ? r.reasonCode : r.status))).toEqual([
      "MALFORMED_FILE",
    ]);
    expect(await keys(store, "landing-failed/")).toEqual([`landing-failed/${src.slug}/big.csv`]);
    expect(await keys(store, "landing-done/")).toEqual([]);
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(0);
    const letters = await t.db.prisma.deadLetter.findMany({ where: { sourceId: src.id } });
    expect(letters.map((l) => [l.reasonCode, l.reason])).toEqual([
      [
        "MALFORMED_FILE",
        `landing/${src.slug}/big.csv: not a readable CSV file: line 30002 has more columns than the header's 3; the file was moved to landing-failed/${src.slug}/big.csv`,
      ],
    ]);
  });

  it("rejects NDJSON that is not valid UTF-8 instead of replacing the bad bytes", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-utf8"), { fsync: false });
    const deps: LandingDeps = {
      catalog: new PgCatalog(t.db),
      store,
      queue,
      duck,
      tmpDir: join(dir, "tmp"),
      maxBatchEvents: 1000,
    };
    const src = await createTestSource(t.db);
    // The bad byte comes after megabytes of good lines: the file is read in chunks, and no chunk of it
    // may be queued before the whole file is known to be text.
    const lines = Array.from(
      { length: 30_000 },
      (_, i) => `{"id":"g${i}","amount":1,"created_at":"2024-05-01T00:00:00Z","note":"${"x".repeat(60)}"}`,
    );
    const good = enc(
      `${lines.join("\n")}\n{"id":"u1","amount":1,"created_at":"2024-05-01T00:00:00Z","note":"caf`,
    );
    const bytes = new Uint8Array([...good, 0xff, ...enc('"}\n')]);
    await store.put(`landing/${src.slug}/bad.ndjson`, bytes);
    const results = await scanLandingZone(deps, { settleMs: 0 });
    expect(results).toEqual([
      expect.objectContaining({
        status: "rejected",
        reasonCode: "MALFORMED_FILE",
        reason: "not valid UTF-8 text",
      }),
    ]);
    expect(await keys(store, "landing-failed/")).toEqual([`landing-failed/${src.slug}/bad.ndjson`]);
    expect(await t.db.prisma.batch.count({ where: { sourceId: src.id } })).toBe(0);
  });

  it("keeps polling other files when one fails unexpectedly, and sets it aside after 3 attempts", async () => {
    const inner = new LocalFsObjectStore(join(dir, "lake-flaky"), { fsync: false });
    // An unexpected failure (not a format problem) for one file only.
    const store: ObjectStore = {
      url: inner.url,
      put: (k, b, o) => inner.put(k, b, o),
      putFile: (k, f, o) => inner.putFile(k, f, o),
      get: (k) => inner.get(k),
      head: (k) => inner.head(k),
      list: (p) => inner.list(p),
      delete: (k) => inner.delete(k),
      copy: (f, t) => inner.copy(f, t),
      localPath: (k) =>
        k.endsWith("a-boom.ndjson") ? Promise.reject(new Error("disk on fire")) : inner.localPath(k),
    };
    const deps: LandingDeps = { catalog: new PgCatalog(t.db), store, queue, duck, tmpDir: join(dir, "tmp") };
    const src = await createTestSource(t.db);
    const line = (id: string) => `${JSON.stringify({ id, amount: 1, created_at: "2024-05-01T00:00:00Z" })}\n`;
    await store.put(`landing/${src.slug}/a-boom.ndjson`, enc(line("b1")));
    await store.put(`landing/${src.slug}/b-good.ndjson`, enc(line("g1")));

    const first = await scanLandingZone(deps, { settleMs: 0 });
    expect(first.map((r) => [r.key, r.status])).toEqual([[`landing/${src.slug}/b-good.ndjson`, "ingested"]]);
    await store.put(`landing/${src.slug}/c-later.ndjson`, enc(line("c1")));
    const second = await scanLandingZone(deps, { settleMs: 0 });
    expect(second.map((r) => [r.key, r.status])).toEqual([
      [`landing/${src.slug}/c-later.ndjson`, "ingested"],
    ]);
    const third = await scanLandingZone(deps, { settleMs: 0 });
    expect(third).toEqual([
      expect.objectContaining({
        key: `landing/${src.slug}/a-boom.ndjson`,
        status: "rejected",
        reasonCode: "INGEST_FAILED",
      }),
    ]);
    expect(await keys(store, "landing/")).toEqual([]);
    expect(await keys(store, "landing-failed/")).toEqual([`landing-failed/${src.slug}/a-boom.ndjson`]);
    const letters = await t.db.prisma.deadLetter.findMany({ where: { sourceId: src.id } });
    expect(letters.map((l) => [l.reasonCode, l.payload])).toEqual([["INGEST_FAILED", line("b1")]]);
    expect(letters[0]?.reason).toContain("disk on fire");
  });

  describe("on S3", () => {
    let s3: S3rverHandle;
    beforeAll(async () => {
      s3 = await startS3rver();
    });
    afterAll(async () => {
      await s3?.stop();
    });

    it("ingests files announced by S3 event notifications through the landing-events queue", async () => {
      const store = new S3ObjectStore(s3.storeUrl("lake"), {
        ...s3.storeOptions(),
        cacheDir: join(dir, "s3-cache"),
      });
      const deps: LandingDeps = {
        catalog: new PgCatalog(t.db),
        store,
        queue,
        duck,
        tmpDir: join(dir, "tmp"),
      };
      const src = await createTestSource(t.db);
      const enqueued: Promise<number>[] = [];
      const unsubscribe = s3.onEvent((e) => {
        enqueued.push(handleObjectCreatedEvent({ queue, store }, e, { urlEncodedKeys: false }));
      });
      try {
        await store.put(
          `landing/${src.slug}/drop.csv`,
          enc("id,amount,created_at\ns1,1.25,2024-05-01T00:00:00Z\n"),
        );
        await store.put("elsewhere/ignored.csv", enc("id\nx\n"));
        await waitUntil(
          "the notification",
          async () => (await queue.stats(LANDING_EVENTS_QUEUE)).depth === 1,
        );
        const results = await consumeLandingEvents(deps, { waitMs: 100 });
        expect(results.map((r) => r.status)).toEqual(["ingested"]);
        await drainBatches(store);
      } finally {
        unsubscribe();
        await Promise.all(enqueued);
      }
      const rows = await readCommittedRows(
        { catalog: new PgCatalog(t.db), store },
        `curated.${src.slug}`,
        "_event_id, amount",
      );
      expect(rows).toEqual([{ _event_id: "s1", amount: 1.25 }]);
      expect(await keys(store, "landing/")).toEqual([]);
      expect(await keys(store, "landing-done/")).toEqual([`landing-done/${src.slug}/drop.csv`]);
      expect((await queue.stats(LANDING_EVENTS_QUEUE)).depth).toBe(0);
    });

    it("delivers every announcement of a file put again unchanged on the NATS queue, and stores its events once", async () => {
      const stopNats = await ensureNatsServer();
      const suffix = Math.random().toString(36).slice(2, 10);
      const nats = await NatsQueue.connect({
        servers: TEST_NATS_URL,
        streamName: `INLET_LANDING_${suffix}`,
        subjectPrefix: `inlet_landing_${suffix}`,
      });
      try {
        const store = new S3ObjectStore(s3.storeUrl("relanding"), {
          ...s3.storeOptions(),
          cacheDir: join(dir, "s3-cache-relanding"),
        });
        const deps: LandingDeps = {
          catalog: new PgCatalog(t.db),
          store,
          queue: nats,
          duck,
          tmpDir: join(dir, "tmp"),
        };
        const src = await createTestSource(t.db);
        const key = `landing/${src.slug}/drop.csv`;
        const body = enc("id,amount,created_at\nr1,2.5,2024-05-01T00:00:00Z\n");
        const announced: Promise<number>[] = [];
        let queued = 0;
        const unsubscribe = s3.onEvent((e) => {
          const sent = handleObjectCreatedEvent({ queue: nats, store }, e, { urlEncodedKeys: false });
          announced.push(sent.then((n) => (queued += n)));
        });
        try {
          // The same key and bytes, so the same ETag, twice within NATS's duplicate window: each put
          // is answered as queued, so each must reach a worker.
          for (const round of [1, 2]) {
            await store.put(key, body);
            await waitUntil(`announcement ${round}`, async () => queued === round);
            const results = await consumeLandingEvents(deps, { waitMs: 3000 });
            expect(results.map((r) => [r.key, r.status])).toEqual([[key, "ingested"]]);
            expect(await keys(store, "landing/")).toEqual([]);
          }
        } finally {
          unsubscribe();
          await Promise.all(announced);
        }
        await drainBatches(store, nats);
        // A notification delivered twice (the same PUT, so the same sequencer) is one message.
        const redelivered = {
          Records: [
            {
              eventName: "ObjectCreated:Put",
              s3: {
                bucket: { name: new URL(store.url).host },
                object: { key: `relanding/${key}`, eTag: "e", sequencer: "0A1B2C" },
              },
            },
          ],
        };
        for (let i = 0; i < 2; i++) {
          expect(
            await handleObjectCreatedEvent({ queue: nats, store }, redelivered, { urlEncodedKeys: false }),
          ).toBe(1);
        }
        const copies = await nats.receive(LANDING_EVENTS_QUEUE, { max: 10, waitMs: 1000 });
        expect(copies.map((m) => m.body.key)).toEqual([key]);
        for (const m of copies) await nats.ack(LANDING_EVENTS_QUEUE, m);
        // File-level duplicates are the event ids' business: the row is stored once.
        const rows = await readCommittedRows(
          { catalog: new PgCatalog(t.db), store },
          `curated.${src.slug}`,
          "_event_id, amount",
        );
        expect(rows).toEqual([{ _event_id: "r1", amount: 2.5 }]);
      } finally {
        await nats.close();
        await deleteNatsStream(`INLET_LANDING_${suffix}`);
        await stopNats();
      }
    });
  });
});
