// Admission control through the ingest API on a real catalog, queue, lake and worker: a source over
// its backlog bounds, the whole backlog over its bound and a lake disk short of space are answered 429
// or 503 with Retry-After; once the backlog drains the same source is accepted again, and every batch
// answered 202 lands in curated while no refused one is stored.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiKey } from "@inlet/db";
import { createObjectStore, type ObjectStore, PgCatalog, startWorker } from "@inlet/lake-core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "./data-plane-routes";
import { AdmissionControl } from "./ingest/admission-control";
import { landingAdmission } from "./ingest/landing-admission";
import { batchesCommitted, TEST_WORKER_CONFIG, workUntil } from "./testing/lake-fixtures";
import { startTestServer, type TestServer } from "./testing/test-server";
import { untilTrue } from "./testing/trpc-client";

const MiB = 1024 * 1024;
const SCHEMA = {
  type: "object",
  required: ["id", "amount", "created_at"],
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    note: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
};

let s: TestServer;
let lakeDir: string;
let store: ObjectStore;
let catalog: PgCatalog;
let freeDiskBytes = 100 * 1024 * MiB;

interface TestSource {
  id: string;
  slug: string;
  key: string;
}

async function addSource(slug: string): Promise<TestSource> {
  const prisma = s.database.db.prisma;
  const source = await prisma.source.create({ data: { slug, name: slug, kind: "http" } });
  const version = await prisma.schemaVersion.create({
    data: { sourceId: source.id, version: 1, jsonSchema: SCHEMA },
  });
  await prisma.source.update({ where: { id: source.id }, data: { activeSchemaVersionId: version.id } });
  const k = generateApiKey();
  await prisma.apiKey.create({
    data: { sourceId: source.id, name: "test", prefix: k.prefix, keyHash: k.hash },
  });
  return { id: source.id, slug, key: k.key };
}

let sent = 0;
/** A batch of 8 events of about 130 bytes each. */
function batch(): { ids: string[]; body: string } {
  const ids = Array.from({ length: 8 }, () => `e-${++sent}`);
  const body = ids
    .map((id) =>
      JSON.stringify({ id, amount: 1.5, note: "n".repeat(64), created_at: "2024-05-01T12:00:00Z" }),
    )
    .join("\n");
  return { ids, body };
}

function post(source: TestSource, body: string) {
  return s.app.inject({
    method: "POST",
    url: `/v1/sources/${source.slug}/events`,
    headers: { authorization: `Bearer ${source.key}`, "content-type": "application/x-ndjson" },
    payload: body,
  });
}

/** Batch ids answered 202 per source, with their events: what must all land. */
const acked = new Map<string, { batchId: string; events: number }[]>();

async function send(source: TestSource) {
  const { ids, body } = batch();
  const res = await post(source, body);
  if (res.statusCode === 202) {
    const list = acked.get(source.id) ?? [];
    list.push({ batchId: res.json().batchId, events: ids.length });
    acked.set(source.id, list);
  }
  return res;
}

/** A batch registered straight in the catalog (never queued): backlog the test controls. */
async function stuckBatch(source: TestSource, id: string, bytes: number, receivedAt = new Date()) {
  await catalog.registerBatch({
    id,
    sourceId: source.id,
    rawKey: `raw/${id}`,
    origin: "http",
    eventCount: 1,
    bytes,
    receivedAt,
  });
}

beforeAll(async () => {
  lakeDir = await mkdtemp(join(tmpdir(), "inlet-admission-"));
  store = createObjectStore(`file://${lakeDir}`);
  s = await startTestServer(
    {
      INLET_SOURCE_MAX_BACKLOG_BYTES: "3000",
      INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS: "60",
      INLET_MAX_QUEUE_BACKLOG_BYTES: "8000",
      INLET_MIN_FREE_DISK_BYTES: String(64 * MiB),
    },
    {
      register: dataPlaneRoutes({
        // Figures read for every request, so each answer follows the catalog at once; the disk is the test's.
        admission: {
          refreshMs: 0,
          staleMs: 0,
          statfs: async () => ({ bavail: freeDiskBytes / 4096, bsize: 4096 }),
        },
      }),
    },
    store,
  );
  catalog = new PgCatalog(s.database.db);
});
afterAll(async () => {
  await s?.close();
  if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
});

describe("admission control on the ingest API", () => {
  let a: TestSource;
  let b: TestSource;

  it("answers 429 with Retry-After to a source over its bytes bound, and 202 to another source", async () => {
    a = await addSource("adm_a");
    b = await addSource("adm_b");
    const answers: number[] = [];
    for (let i = 0; i < 8 && !answers.includes(429); i++) answers.push((await send(a)).statusCode);
    // About 1.1 KB a batch: the third takes the backlog past 3,000 bytes, the fourth is refused.
    expect(answers).toEqual([202, 202, 202, 429]);
    const refused = await send(a);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    const error = refused.json().error;
    expect(error).toMatchObject({ code: "SOURCE_BACKLOG", requestId: expect.any(String) });
    expect(error.message).toMatch(
      /^Source adm_a has [\d.]+ KB queued \(bound [\d.]+ KB, INLET_SOURCE_MAX_BACKLOG_BYTES\), so nothing was accepted: send it again after \d+ s/,
    );
    expect((await send(b)).statusCode).toBe(202);

    const metrics = (await s.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/^inlet_admission_refused_total\{reason="source_backlog_bytes"\} 2$/m);
    expect(metrics).toMatch(/^inlet_ingest_requests_total\{status="429",code="SOURCE_BACKLOG"\} 2$/m);
    expect(metrics).toMatch(/^inlet_source_backlog_batches\{source="adm_a"\} 3$/m);
    expect(metrics).toMatch(/^inlet_source_backlog_bytes\{source="adm_a"\} \d{4}$/m);
  });

  it("accepts the source again once its backlog drains, and lands every batch it answered 202", async () => {
    const ids = () => [...acked.values()].flat().map((x) => x.batchId);
    await workUntil(
      s,
      store,
      TEST_WORKER_CONFIG,
      "the accepted batches committed",
      batchesCommitted(s, ids()),
    );
    expect((await send(a)).statusCode).toBe(202);
    await workUntil(s, store, TEST_WORKER_CONFIG, "the last batch committed", batchesCommitted(s, ids()));

    for (const source of [a, b]) {
      const mine = acked.get(source.id) ?? [];
      // Every batch answered 202, and no other (nothing of a refused request was stored).
      const rows = await s.database.db.prisma.batch.findMany({ where: { sourceId: source.id } });
      expect(rows.map((r) => r.id).sort()).toEqual(mine.map((x) => x.batchId).sort());
      expect(rows.every((r) => r.status === "committed")).toBe(true);
      const landed = rows.reduce((sum, r) => sum + r.accepted, 0);
      expect(landed).toBe(mine.reduce((sum, x) => sum + x.events, 0));
    }
    expect(acked.get(a.id)).toHaveLength(4);
    const metrics = (await s.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/^inlet_source_backlog_bytes\{source="adm_a"\} 0$/m);
  }, 60_000);

  it("answers 429 to a source whose oldest batch is older than the age bound", async () => {
    const c = await addSource("adm_c");
    await stuckBatch(c, "adm-c-stuck", 10, new Date(Date.now() - 150_000));
    const refused = await send(c);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
    expect(refused.json().error.code).toBe("SOURCE_BACKLOG");
    expect(refused.json().error.message).toContain(
      "Source adm_c has had a batch queued for 2 min (bound 60 s, INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS)",
    );
    expect((await send(a)).statusCode).toBe(202);
    // The stuck batch dead-lettered: nothing old is left.
    await catalog.markBatchesFailed(["adm-c-stuck"]);
    expect((await send(c)).statusCode).toBe(202);
  });

  it("answers 429 to every source while the whole backlog is over its bound", async () => {
    const d = await addSource("adm_d");
    await stuckBatch(d, "adm-d-big", 10_000);
    for (const source of [a, b, d]) {
      const refused = await send(source);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
      expect(refused.json().error.code).toBe("QUEUE_BACKLOG");
      expect(refused.json().error.message).toMatch(
        /^The server has [\d.]+ KB queued across all sources \(bound [\d.]+ KB, INLET_MAX_QUEUE_BACKLOG_BYTES\)/,
      );
    }
    await catalog.markBatchesFailed(["adm-d-big"]);
    expect((await send(b)).statusCode).toBe(202);
  });

  it("answers 503 with Retry-After while the lake's disk has less free space than its bound", async () => {
    freeDiskBytes = 10 * MiB;
    try {
      const refused = await send(b);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers["retry-after"]).toBe("60");
      expect(refused.json().error).toMatchObject({ code: "DISK_SPACE_LOW" });
      expect(refused.json().error.message).toContain(
        "The lake's disk has 10 MB free, under the 64 MB kept free (INLET_MIN_FREE_DISK_BYTES)",
      );
      const metrics = (await s.app.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(/^inlet_admission_refused_total\{reason="disk_free"\} 1$/m);
      expect(metrics).toMatch(/^inlet_lake_disk_free_bytes\{path=".*"\} 10485760$/m);
    } finally {
      freeDiskBytes = 100 * 1024 * MiB;
    }
    expect((await send(b)).statusCode).toBe(202);
  });
});

describe("admission control on dropped files", () => {
  it("leaves a file in landing/ while its source is over its bound, and takes it once the backlog drains", async () => {
    const e = await addSource("adm_e");
    await stuckBatch(e, "adm-e-big", 5_000);
    // The worker's admission control, as worker-main composes it, on the same catalog (figures read
    // at every look; the queue and disk bounds off, since other tests' batches wait in this catalog).
    const control = new AdmissionControl({
      catalog,
      bounds: {
        sourceMaxBacklogBytes: 3000,
        sourceMaxBacklogAgeMs: 0,
        maxQueueBacklogBytes: 0,
        minFreeDiskBytes: 0,
      },
      lakeUrl: store.url,
      refreshMs: 0,
      staleMs: 0,
    });
    const refusedBefore = await refusedCount("source_backlog_bytes");
    const key = `landing/${e.slug}/drop.ndjson`;
    await store.put(
      key,
      new TextEncoder().encode(
        `${JSON.stringify({ id: "f1", amount: 2, created_at: "2024-05-01T12:00:00Z" })}\n`,
      ),
    );
    const worker = await startWorker({
      catalog,
      store,
      queue: s.queue,
      logger: pino({ level: "silent" }),
      config: { ...TEST_WORKER_CONFIG, landing: "poll", landingPollMs: 50 },
      landingAdmission: landingAdmission(control),
    });
    const fileBatches = () =>
      s.database.db.prisma.batch.findMany({ where: { sourceId: e.id, origin: { startsWith: "file:" } } });
    try {
      // Past the 2 s a file must stand unchanged, and many passes later: still where it was dropped.
      await untilTrue(
        "the file held",
        async () => (await refusedCount("source_backlog_bytes")) > refusedBefore,
      );
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await store.head(key)).toBeDefined();
      expect(await fileBatches()).toEqual([]);

      // The stuck batch is dead-lettered: the backlog has drained, and the file is taken.
      await catalog.markBatchesFailed(["adm-e-big"]);
      await untilTrue("the file ingested", async () => (await store.head(key)) === undefined, 30_000);
      expect(await store.head(`landing-done/${e.slug}/drop.ndjson`)).toBeDefined();
      const ids = (await fileBatches()).map((b) => b.id);
      expect(ids).toHaveLength(1);
      await untilTrue("the file's batch committed", batchesCommitted(s, ids), 30_000);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});

async function refusedCount(reason: string): Promise<number> {
  const metrics = (await s.app.inject({ method: "GET", url: "/metrics" })).body;
  const m = new RegExp(`^inlet_admission_refused_total\\{reason="${reason}"\\} (\\d+)$`, "m").exec(metrics);
  return m ? Number(m[1]) : 0;
}
