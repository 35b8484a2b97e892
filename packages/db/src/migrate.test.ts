import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrate";
import { seed } from "./seed";
import { createTestDatabase, type TestDatabase } from "./testing";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/**
 * Runs `fn` against a fresh database migrated only as far as `applied` says (by name, in order), with
 * `migrateRest` applying every migration after; the database and the scratch folder are removed after.
 */
async function onDatabaseBefore(
  applied: (name: string, index: number) => boolean,
  fn: (admin: import("pg").Client, migrateRest: () => Promise<unknown>) => Promise<void>,
): Promise<void> {
  const { cp, mkdtemp, readdir, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const pg = (await import("pg")).default;
  const { MIGRATIONS_DIR } = await import("./migrate");
  const fresh = await createTestDatabase();
  const admin = new pg.Client({ connectionString: fresh.url });
  await admin.connect();
  const scratch = await mkdtemp(join(tmpdir(), "inlet-mig-"));
  try {
    await admin.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
    const names = (await readdir(MIGRATIONS_DIR)).filter((n) => /^\d/.test(n)).sort();
    for (const [i, n] of names.entries()) {
      if (applied(n, i)) await cp(join(MIGRATIONS_DIR, n), join(scratch, n), { recursive: true });
    }
    await migrate(fresh.url, scratch);
    await fn(admin, () => migrate(fresh.url));
  } finally {
    await admin.end();
    await rm(scratch, { recursive: true, force: true });
    await fresh.drop();
  }
}

describe("migrations", () => {
  it("are already applied to a test database and applying again changes nothing", async () => {
    const again = await migrate(t.url);
    expect(again.applied).toEqual([]);
    const rows = await t.db.pool.query(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL",
    );
    expect(rows.rowCount).toBeGreaterThan(0);
  });

  it("match the Prisma schema: every model round-trips through the client", async () => {
    const { prisma } = t.db;
    const user = await prisma.user.create({
      data: { email: "rt@example.com", name: "Round Trip", roles: ["analyst", "oncall"], passwordHash: "x" },
    });
    const source = await prisma.source.create({ data: { slug: "rt", name: "RT", createdById: user.id } });
    const version = await prisma.schemaVersion.create({
      data: { sourceId: source.id, version: 1, jsonSchema: { type: "object" }, compatibility: "full" },
    });
    await prisma.source.update({ where: { id: source.id }, data: { activeSchemaVersionId: version.id } });
    await prisma.apiKey.create({
      data: { sourceId: source.id, name: "k", prefix: "inlet_abc", keyHash: "h1" },
    });
    const table = await prisma.lakeTable.create({
      data: { name: "curated.rt", zone: "curated", sourceId: source.id, partitionBy: ["dt"], columns: [] },
    });
    await prisma.snapshot.create({
      data: { tableId: table.id, seq: 1, operation: "append", addedRows: 10n },
    });
    await prisma.dataFile.create({
      data: {
        tableId: table.id,
        path: "curated/rt/dt=2026-01-01/a.parquet",
        partition: "dt=2026-01-01",
        rowCount: 10n,
        bytes: 1234n,
        addedSeq: 1,
        minEventTime: new Date("2026-01-01T00:00:00Z"),
      },
    });
    await prisma.batch.create({
      data: { id: "b1", sourceId: source.id, rawKey: "raw/rt/b1.ndjson", eventCount: 3, bytes: 99n },
    });
    await prisma.seenEvent.create({
      data: { key: "6b1c2b8e-63a2-4f5e-9f1e-3c1d2a7b9e10", sourceId: source.id },
    });
    const job = await prisma.replayJob.create({ data: { sourceId: source.id, filter: { reason: "x" } } });
    const letter = await prisma.deadLetter.create({
      data: {
        sourceId: source.id,
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/amount: must be number",
        payload: "{}",
        replayJobId: job.id,
      },
    });
    await prisma.deadLetterEdit.create({
      data: { letterId: letter.id, payload: '{"amount":1}', actorId: user.id, actorEmail: user.email },
    });
    await prisma.replayItem.create({
      data: { jobId: job.id, seq: 1, letterId: letter.id, sourceId: source.id, assignedIds: ["b1:0"] },
    });
    const saved = await prisma.savedQuery.create({ data: { name: "q", sql: "select 1", ownerId: user.id } });
    await prisma.queryRun.create({
      data: {
        savedQueryId: saved.id,
        userId: user.id,
        sql: "select 1",
        engine: "duckdb",
        costUsd: "0.00000125",
      },
    });
    await prisma.columnPolicy.create({
      data: { tableId: table.id, role: "analyst", column: "email", action: "mask" },
    });
    await prisma.rowFilterPolicy.create({
      data: { tableId: table.id, role: "analyst", predicate: "country = 'DE'" },
    });
    await prisma.metricSample.create({
      data: { name: "queue_depth", value: 3, labels: { queue: "batches" } },
    });
    await prisma.auditLog.create({ data: { actorEmail: user.email, action: "test", targetType: "user" } });
    await prisma.queueMessage.create({
      data: { queue: "batches", body: { batchId: "b1" }, dedupeKey: "b1" },
    });
    await prisma.loginThrottle.create({ data: { key: "k" } });

    const back = await prisma.source.findUniqueOrThrow({
      where: { slug: "rt" },
      include: {
        activeSchemaVersion: true,
        apiKeys: true,
        tables: { include: { snapshots: true, dataFiles: true, columnRules: true, rowFilters: true } },
        batches: true,
        deadLetters: true,
        replayJobs: true,
      },
    });
    expect(back.activeSchemaVersion?.compatibility).toBe("full");
    expect(back.tables[0]?.dataFiles[0]?.bytes).toBe(1234n);
    expect(back.tables[0]?.columnRules[0]?.action).toBe("mask");
    expect(back.deadLetters[0]?.replayJobId).toBe(job.id);
    const replayed = await prisma.replayJob.findUniqueOrThrow({
      where: { id: job.id },
      include: { items: { include: { letter: { include: { edits: true } } } } },
    });
    expect(replayed).toMatchObject({ status: "queued", ratePerSecond: 5000, cursor: 0 });
    expect(replayed.items[0]?.assignedIds).toEqual(["b1:0"]);
    expect(replayed.items[0]?.letter.edits[0]?.actorEmail).toBe(user.email);
    const reprocess = await prisma.reprocessJob.create({
      data: {
        sourceId: source.id,
        rangeFrom: new Date("2026-01-01T00:00:00Z"),
        rangeTo: new Date("2026-01-02T00:00:00Z"),
        requestedById: user.id,
        result: { rowsChanged: 1 },
      },
    });
    await prisma.deadLetter.update({ where: { id: letter.id }, data: { reprocessJobId: reprocess.id } });
    const reprocessed = await prisma.reprocessJob.findUniqueOrThrow({
      where: { id: reprocess.id },
      include: { deadLetters: true },
    });
    expect(reprocessed).toMatchObject({
      status: "queued",
      phase: "queued",
      dryRun: false,
      snapshotSeq: null,
    });
    expect(reprocessed.deadLetters.map((d) => d.id)).toEqual([letter.id]);
    const run = await prisma.queryRun.findFirstOrThrow();
    expect(run.costUsd?.toString()).toBe("0.00000125");
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).roles).toEqual([
      "analyst",
      "oncall",
    ]);
  });
});

describe("seed", () => {
  it("creates one user per role and the sample source once, keeping given passwords", async () => {
    const fresh = await createTestDatabase();
    try {
      const first = await seed(fresh.db.prisma, { passwords: { admin: "given-password-1" } });
      expect(first.createdUsers.map((u) => u.role).sort()).toEqual(
        ["admin", "analyst", "engineer", "governance", "oncall"].sort(),
      );
      expect(first.createdUsers.find((u) => u.role === "admin")).toMatchObject({
        password: "given-password-1",
        generated: false,
      });
      expect(first.sampleApiKey).toMatch(/^inlet_/);
      const second = await seed(fresh.db.prisma);
      expect(second.createdUsers).toEqual([]);
      expect(second.sampleApiKey).toBeUndefined();
      const source = await fresh.db.prisma.source.findUniqueOrThrow({
        where: { slug: "orders" },
        include: { activeSchemaVersion: true, apiKeys: true },
      });
      expect(source.activeSchemaVersion?.version).toBe(1);
      expect(source.apiKeys).toHaveLength(1);
      expect(source.apiKeys[0]?.keyHash).not.toContain(first.sampleApiKey);
    } finally {
      await fresh.drop();
    }
  });
});

describe("seen_events hash-key migration", () => {
  it("carries existing claims over as md5(source ':' event id) keys", async () => {
    await onDatabaseBefore(
      (_, i) => i === 0,
      async (admin, migrateRest) => {
        // A database as it was before the migration: only the initial schema, with one claim.
        await admin.query(
          `INSERT INTO sources (id, slug, name, updated_at) VALUES ('s1', 's1', 'S1', now())`,
        );
        await admin.query(
          `INSERT INTO seen_events (source_id, event_id, batch_id) VALUES ('s1', 'e-42', 'b1')`,
        );
        await migrateRest();
        const { rows } = await admin.query(
          `SELECT key = md5('s1' || ':' || 'e-42')::uuid AS same, source_id FROM seen_events`,
        );
        expect(rows).toEqual([{ same: true, source_id: "s1" }]);
      },
    );
  });
});

describe("dead-letter copies migration", () => {
  it("merges open letters of one event and cause into the oldest, counting them; others stay apart", async () => {
    await onDatabaseBefore(
      (n) => n < "20261215090000",
      async (admin, migrateRest) => {
        // A database as it was before the migration, with letters recorded once per copy.
        await admin.query(
          `INSERT INTO sources (id, slug, name, updated_at) VALUES ('s1', 's1', 'S1', now())`,
        );
        const letter = (id: string, eventId: string | null, path: string, status: string, minute: number) =>
          admin.query(
            `INSERT INTO dead_letters (id, source_id, event_id, reason_code, reason, path, payload, schema_version,
                                   status, created_at)
         VALUES ($1, 's1', $2, 'SCHEMA_VIOLATION', 'r', $3, '{}', 1, $4::"DeadLetterStatus",
                 timestamp '2026-12-01 10:00' + $5 * interval '1 minute')`,
            [id, eventId, path, status, minute],
          );
        await letter("a1", "e1", "/amount", "open", 0);
        await letter("a2", "e1", "/amount", "open", 5);
        await letter("a3", "e1", "/amount", "open", 9);
        await letter("q1", "e1", "/qty", "open", 1);
        await letter("d1", "e1", "/amount", "discarded", 2);
        await letter("n1", null, "/amount", "open", 3);
        await letter("n2", null, "/amount", "open", 4);
        await migrateRest();
        const { rows } = await admin.query(
          `SELECT id, status::text, copies, to_char(last_received_at, 'HH24:MI') AS last, discard_reason
       FROM dead_letters ORDER BY id`,
        );
        expect(rows).toEqual([
          { id: "a1", status: "open", copies: 3, last: "10:09", discard_reason: null },
          {
            id: "a2",
            status: "discarded",
            copies: 1,
            last: "10:05",
            discard_reason: "a copy of letter a1, which counts it",
          },
          {
            id: "a3",
            status: "discarded",
            copies: 1,
            last: "10:09",
            discard_reason: "a copy of letter a1, which counts it",
          },
          { id: "d1", status: "discarded", copies: 1, last: "10:02", discard_reason: null },
          { id: "n1", status: "open", copies: 1, last: "10:03", discard_reason: null },
          { id: "n2", status: "open", copies: 1, last: "10:04", discard_reason: null },
          { id: "q1", status: "open", copies: 1, last: "10:01", discard_reason: null },
        ]);
      },
    );
  });
});

describe("replay batches migration", () => {
  it("moves the items of batches in flight into one row per batch, in body order, and queues them", async () => {
    await onDatabaseBefore(
      (n) => n < "20261217090000",
      async (admin, migrateRest) => {
        // A database as it was before the migration: a job with two letters sent in one batch (the second
        // holding two events), one landed earlier in another, and one still queued.
        await admin.query(
          `INSERT INTO sources (id, slug, name, updated_at) VALUES ('s1', 's1', 'S1', now())`,
        );
        for (const id of ["l1", "l2", "l3", "l4"]) {
          await admin.query(
            `INSERT INTO dead_letters (id, source_id, event_id, reason_code, reason, payload)
         VALUES ($1, 's1', $1, 'SCHEMA_VIOLATION', 'r', '{}')`,
            [id],
          );
        }
        await admin.query(
          `INSERT INTO replay_jobs (id, filter, rate_per_second, status, total, cursor, requested_by_email, updated_at)
       VALUES ('j1', '{}', 10, 'running', 4, 3, 'oncall@inlet.local', now())`,
        );
        await admin.query(
          `INSERT INTO replay_items (job_id, seq, letter_id, source_id, state, batch_id, first_index, event_count,
                                 assigned_ids, sent_at)
       VALUES ('j1', 1, 'l1', 's1', 'landed', 'b0', 0, 1, '{}', timestamp '2026-12-01 10:00'),
              ('j1', 2, 'l2', 's1', 'sent', 'b1', 0, 1, '{x}', timestamp '2026-12-01 10:01'),
              ('j1', 3, 'l3', 's1', 'sent', 'b1', 1, 2, '{y,z}', timestamp '2026-12-01 10:01'),
              ('j1', 4, 'l4', 's1', 'queued', NULL, NULL, NULL, '{}', NULL)`,
        );
        await migrateRest();
        const batches = await admin.query(
          `SELECT batch_id, job_id, seqs, letter_ids, first_index, event_count, assigned_ids, events, first_seq,
              to_char(sent_at, 'HH24:MI') AS sent, done_at FROM replay_batches`,
        );
        expect(batches.rows).toEqual([
          {
            batch_id: "b1",
            job_id: "j1",
            seqs: [2, 3],
            letter_ids: ["l2", "l3"],
            first_index: [0, 1],
            event_count: [1, 2],
            assigned_ids: ["x", "y", "z"],
            events: 3,
            first_seq: 2,
            sent: "10:01",
            done_at: null,
          },
        ]);
        const items = await admin.query(`SELECT seq, state, batch_id FROM replay_items ORDER BY seq`);
        expect(items.rows).toEqual([
          { seq: 1, state: "landed", batch_id: "b0" },
          { seq: 2, state: "queued", batch_id: null },
          { seq: 3, state: "queued", batch_id: null },
          { seq: 4, state: "queued", batch_id: null },
        ]);
      },
    );
  });
});
