// The Catalog port's contract: what every catalog adapter must do, driven only through the port.
import { describe, expect, it } from "vitest";
import type { Catalog, NewDataFile, NewSchemaVersion, NewSource } from "../ports/catalog";
import { curatedColumns } from "../schema/schema-columns";
import { analyticsCatalogContract } from "./analytics-catalog-contract";

export interface CatalogUnderTest {
  catalog: Catalog;
  /** Makes a source the catalog can read (sources are created by the control plane). */
  createSource(opts?: { paused?: boolean; schema?: unknown }): Promise<{ id: string; slug: string }>;
}

function file(path: string, rows = 1): NewDataFile {
  return {
    path,
    partition: "dt=2024-05-01",
    rowCount: rows,
    bytes: 100,
    minEventTime: new Date("2024-05-01T01:00:00Z"),
    maxEventTime: new Date("2024-05-01T02:00:00Z"),
  };
}

const COLUMNS = curatedColumns({ type: "object", properties: { id: { type: "string" } } });

export function catalogContract(name: string, setup: () => CatalogUnderTest): void {
  describe(`Catalog contract: ${name}`, () => {
    async function sourceWithTable(opts?: { schema?: unknown }) {
      const { catalog, createSource } = setup();
      const src = await createSource(opts);
      const record = await catalog.getSource(src.id);
      if (!record) throw new Error("source not readable");
      const table = await catalog.ensureCuratedTable(record, () => COLUMNS);
      return { catalog, src, record, table };
    }

    async function registered(catalog: Catalog, sourceId: string, id: string, receivedAt?: Date) {
      return catalog.registerBatch({
        id,
        sourceId,
        rawKey: `raw/x/${id}.ndjson`,
        origin: "http",
        eventCount: 1,
        bytes: 10,
        ...(receivedAt ? { receivedAt } : {}),
      });
    }

    it("reads a source by id and slug with its active schema and status", async () => {
      const { catalog, createSource } = setup();
      const schema = { type: "object", properties: { id: { type: "string" } } };
      const src = await createSource({ schema, paused: true });
      const byId = await catalog.getSource(src.id);
      expect(byId).toMatchObject({
        id: src.id,
        slug: src.slug,
        status: "paused",
        jsonSchema: schema,
        schemaVersion: 1,
      });
      expect(byId?.createdAt).toBeInstanceOf(Date);
      expect(byId?.schemaVersionId).toBeTypeOf("string");
      expect(await catalog.findSourceBySlug(src.slug)).toEqual(byId);
      const schemaless = await createSource({ schema: null });
      expect(await catalog.getSource(schemaless.id)).toMatchObject({
        schemaVersionId: undefined,
        schemaVersion: undefined,
        jsonSchema: undefined,
      });
      expect(await catalog.getSource("missing")).toBeUndefined();
      expect(await catalog.findSourceBySlug("missing")).toBeUndefined();
    });

    it("registers a batch once: a retry with the same id gets the first row back", async () => {
      const { catalog, src } = await sourceWithTable();
      const at = new Date("2024-05-01T09:00:00.123Z");
      const first = await registered(catalog, src.id, `r-${src.slug}`, at);
      expect(first).toEqual({
        status: "received",
        rawKey: `raw/x/r-${src.slug}.ndjson`,
        receivedAt: at,
        deadLetterIds: [],
      });
      const retry = await catalog.registerBatch({
        id: `r-${src.slug}`,
        sourceId: src.id,
        rawKey: "raw/x/elsewhere.ndjson",
        origin: "http",
        eventCount: 1,
        bytes: 10,
      });
      expect(retry).toEqual(first);
      const states = await catalog.batchStates([`r-${src.slug}`, "missing"]);
      expect([...states.keys()]).toEqual([`r-${src.slug}`]);
      expect(states.get(`r-${src.slug}`)).toMatchObject({ sourceId: src.id, status: "received", bytes: 10 });
    });

    it("registers a batch judged at ingest with its dead letters, once, and reports the verdicts to the worker", async () => {
      const { catalog, src } = await sourceWithTable();
      const id = `v-${src.slug}`;
      const letter = {
        sourceId: src.id,
        batchId: id,
        eventId: "e2",
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/n: must be integer",
        path: "/n",
        payload: '{"id":"e2","n":"x"}',
        attempts: 1,
        schemaVersion: 1,
      };
      const batch = {
        id,
        sourceId: src.id,
        rawKey: `raw/x/${id}.ndjson`,
        origin: "http",
        eventCount: 3,
        bytes: 30,
        validated: { schemaVersion: 1, rejectedIndexes: [1], deadLetters: [letter] },
      };
      const first = await catalog.registerBatch(batch);
      expect(first.deadLetterIds).toHaveLength(1);
      // A retry finds the row and its letters: none is recorded twice.
      expect((await catalog.registerBatch(batch)).deadLetterIds).toEqual([]);
      const letters = await catalog.listDeadLetters(
        { sourceId: src.id, batchId: id, status: "open" },
        { limit: 10 },
      );
      expect(letters.items.map((l) => [l.eventId, l.reasonCode, l.path, l.schemaVersion])).toEqual([
        ["e2", "SCHEMA_VIOLATION", "/n", 1],
      ]);
      expect((await catalog.batchStates([id])).get(id)).toMatchObject({
        validatedSchemaVersion: 1,
        rejectedAtAccept: [1],
      });
      const plain = await registered(catalog, src.id, `p-${src.slug}`);
      expect(plain.deadLetterIds).toEqual([]);
      const state = (await catalog.batchStates([`p-${src.slug}`])).get(`p-${src.slug}`);
      expect(state?.validatedSchemaVersion).toBeUndefined();
      expect(state?.rejectedAtAccept).toBeUndefined();
    });

    it("commits an append atomically and shows readers only committed snapshots", async () => {
      const { catalog, src, table } = await sourceWithTable();
      const batchId = `b-${src.slug}-1`;
      await registered(catalog, src.id, batchId);
      expect((await catalog.tableSnapshot(table.name))?.files).toEqual([]);
      const seq = await catalog.transaction(async (tx) => {
        const s = await tx.commitAppend({
          tableId: table.id,
          files: [file(`curated/${src.slug}/dt=2024-05-01/f1-0.parquet`, 3)],
          batchIds: [batchId],
          counts: new Map([[batchId, { accepted: 3, rejected: 1, duplicates: 2 }]]),
        });
        // Inside the open transaction, other readers still see the previous snapshot.
        expect((await catalog.tableSnapshot(table.name))?.files).toEqual([]);
        return s;
      });
      expect(seq).toBe(1);
      const view = await catalog.tableSnapshot(table.name);
      expect(view?.seq).toBe(1);
      expect(view?.columns).toEqual(COLUMNS);
      expect(view?.files.map((f) => [f.path, f.rowCount])).toEqual([
        [`curated/${src.slug}/dt=2024-05-01/f1-0.parquet`, 3],
      ]);
      expect(view?.files[0]?.minEventTime?.toISOString()).toBe("2024-05-01T01:00:00.000Z");
      expect((await catalog.batchStates([batchId])).get(batchId)?.status).toBe("committed");
    });

    it("rolls back everything when the transaction fails", async () => {
      const { catalog, src, table } = await sourceWithTable();
      const batchId = `b-${src.slug}-r`;
      await registered(catalog, src.id, batchId);
      await expect(
        catalog.transaction(async (tx) => {
          await tx.claimEventIds(src.id, ["e1"]);
          await tx.commitAppend({
            tableId: table.id,
            files: [file(`curated/${src.slug}/dt=2024-05-01/x.parquet`)],
            batchIds: [batchId],
            counts: new Map(),
          });
          throw new Error("crash before commit");
        }),
      ).rejects.toThrow("crash before commit");
      expect((await catalog.tableSnapshot(table.name))?.seq).toBe(0);
      expect((await catalog.batchStates([batchId])).get(batchId)?.status).toBe("received");
      // The claim went with the rollback: the id is new again.
      expect([...(await catalog.transaction((tx) => tx.claimEventIds(src.id, ["e1"])))]).toEqual(["e1"]);
    });

    it("claims each event id exactly once across concurrent transactions", async () => {
      const { catalog, src } = await sourceWithTable();
      const ids = Array.from({ length: 500 }, (_, i) => `e${i}`);
      const a = ids.slice(0, 300);
      const b = ids.slice(200).reverse();
      const [ra, rb] = await Promise.all([
        catalog.transaction((tx) => tx.claimEventIds(src.id, a)),
        catalog.transaction((tx) => tx.claimEventIds(src.id, b)),
      ]);
      expect(ra.size + rb.size).toBe(500);
      for (const id of ids) expect(ra.has(id) !== rb.has(id)).toBe(true);
      const again = await catalog.transaction((tx) => tx.claimEventIds(src.id, ["e1", "new"]));
      expect([...again]).toEqual(["new"]);
    });

    it("locks only batches still pending and marks poison batches failed", async () => {
      const { catalog, src } = await sourceWithTable();
      await registered(catalog, src.id, `p-${src.slug}-1`);
      await registered(catalog, src.id, `p-${src.slug}-2`);
      expect(await catalog.markBatchesFailed([`p-${src.slug}-2`, "missing"])).toEqual(
        new Set([`p-${src.slug}-2`]),
      );
      expect(await catalog.markBatchesFailed([`p-${src.slug}-2`])).toEqual(new Set());
      const pending = await catalog.transaction((tx) =>
        tx.lockPendingBatches([`p-${src.slug}-1`, `p-${src.slug}-2`, "missing"]),
      );
      expect([...pending]).toEqual([`p-${src.slug}-1`]);
      const locked = await catalog.transaction((tx) => tx.lockBatchStates([`p-${src.slug}-2`]));
      expect(locked.get(`p-${src.slug}-2`)?.status).toBe("failed");
    });

    it("lists finished batches whose record of judged events may remain, until they are forgotten", async () => {
      const { catalog, src } = await sourceWithTable();
      const judged = async (id: string) => {
        await catalog.registerBatch({
          id,
          sourceId: src.id,
          rawKey: `raw/x/${id}.ndjson`,
          origin: "http",
          eventCount: 1,
          bytes: 10,
          judgedRecord: true,
        });
      };
      await judged(`j-${src.slug}-failed`);
      await judged(`j-${src.slug}-waiting`);
      await registered(catalog, src.id, `j-${src.slug}-unjudged`);
      await catalog.markBatchesFailed([`j-${src.slug}-failed`, `j-${src.slug}-unjudged`]);
      const mine = async (before: Date) =>
        (await catalog.finishedJudgedRecords(before, 1000)).filter((b) => b.id.startsWith(`j-${src.slug}-`));
      expect(await mine(new Date(Date.now() - 60_000))).toEqual([]);
      const later = new Date(Date.now() + 60_000);
      expect(await mine(later)).toEqual([
        { id: `j-${src.slug}-failed`, rawKey: `raw/x/j-${src.slug}-failed.ndjson` },
      ]);
      await catalog.forgetJudgedRecords([`j-${src.slug}-failed`, "missing"]);
      expect(await mine(later)).toEqual([]);
    });

    it("lists batches stranded long after receipt, oldest first", async () => {
      const { catalog, src } = await sourceWithTable();
      const old = new Date(Date.now() - 3_600_000);
      await registered(catalog, src.id, `s-${src.slug}-2`, new Date(old.getTime() + 1000));
      await registered(catalog, src.id, `s-${src.slug}-1`, old);
      await registered(catalog, src.id, `s-${src.slug}-new`);
      const stranded = (await catalog.strandedBatches(60_000, 1000)).filter((b) => b.sourceId === src.id);
      expect(stranded.map((b) => b.id)).toEqual([`s-${src.slug}-1`, `s-${src.slug}-2`]);
      expect(stranded[0]).toMatchObject({ slug: src.slug, eventCount: 1, receivedAt: old });
    });

    it("sums each source's backlog: batches still received, their bytes and the oldest one's age", async () => {
      const { catalog, src } = await sourceWithTable();
      const other = await sourceWithTable();
      const backlogOf = async (sourceId: string) =>
        (await catalog.ingestBacklog()).find((b) => b.sourceId === sourceId);
      expect(await backlogOf(src.id)).toBeUndefined();
      await registered(catalog, src.id, `b-${src.slug}-1`, new Date(Date.now() - 120_000));
      await registered(catalog, src.id, `b-${src.slug}-2`);
      await registered(catalog, src.id, `b-${src.slug}-3`);
      await registered(catalog, other.src.id, `b-${other.src.slug}-1`);
      await catalog.markBatchesFailed([`b-${src.slug}-3`]);
      const backlog = await backlogOf(src.id);
      expect(backlog).toMatchObject({ slug: src.slug, batches: 2, bytes: 20 });
      expect(backlog?.oldestAgeMs).toBeGreaterThanOrEqual(119_000);
      expect(backlog?.oldestAgeMs).toBeLessThan(200_000);
      expect(await backlogOf(other.src.id)).toMatchObject({ batches: 1, bytes: 10 });
      await catalog.markBatchesFailed([`b-${src.slug}-1`]);
      const later = await backlogOf(src.id);
      expect(later).toMatchObject({ batches: 1, bytes: 10 });
      expect(later?.oldestAgeMs).toBeLessThan(60_000);
    });

    it("compacts: new file visible at the next snapshot, old files removed at it", async () => {
      const { catalog, table } = await sourceWithTable();
      for (const n of [1, 2]) {
        await catalog.transaction((tx) =>
          tx.commitAppend({
            tableId: table.id,
            files: [file(`c/${n}.parquet`, n)],
            batchIds: [],
            counts: new Map(),
          }),
        );
      }
      const before = await catalog.tableSnapshot(table.name);
      expect(before?.files.length).toBe(2);
      const ids = before!.files.map((f) => f.id);
      const ok = await catalog.transaction((tx) =>
        tx.commitCompaction({ tableId: table.id, added: file("c/merged.parquet", 3), removedFileIds: ids }),
      );
      expect(ok).toBe(true);
      const after = await catalog.tableSnapshot(table.name);
      expect(after?.seq).toBe(3);
      expect(after?.files.map((f) => f.path)).toEqual(["c/merged.parquet"]);
      const again = await catalog.transaction((tx) =>
        tx.commitCompaction({ tableId: table.id, added: file("c/merged2.parquet", 3), removedFileIds: ids }),
      );
      expect(again).toBe(false);
      expect((await catalog.tableSnapshot(table.name))?.seq).toBe(3);
      expect(
        await catalog.knownFilePaths(table.id, ["c/1.parquet", "c/merged.parquet", "c/other.parquet"]),
      ).toEqual(new Set(["c/1.parquet", "c/merged.parquet"]));
      // Replaced just now: kept while the retention lasts, expired once it is over.
      expect(await catalog.transaction((tx) => tx.expireReplacedFiles(table.id, 3_600_000, 100))).toEqual([]);
      const expired = await catalog.transaction((tx) => tx.expireReplacedFiles(table.id, 0, 100));
      expect(expired.map((f) => f.path).sort()).toEqual(["c/1.parquet", "c/2.parquet"]);
      expect(expired[0]?.bytes).toBe(100);
    });

    it("keeps each data file's column statistics, {} for a file committed without them, at the table's version", async () => {
      const { catalog, table } = await sourceWithTable();
      const columnStats = {
        columns: {
          id: { bytes: 40, min: "a", max: "z", nulls: 0 },
          dt: { bytes: 8, min: "2024-05-01", max: "2024-05-01", nulls: 0 },
        },
        rowGroups: [
          { rows: 2, columns: { id: { bytes: 20, min: "a", max: "m", nulls: 0 } } },
          { rows: 1, columns: { id: { bytes: 20, min: "n", max: "z", nulls: 0 } } },
        ],
      };
      await catalog.transaction((tx) =>
        tx.commitAppend({
          tableId: table.id,
          files: [{ ...file("s/with.parquet", 3), columnStats }, file("s/without.parquet", 1)],
          batchIds: [],
          counts: new Map(),
        }),
      );
      const view = await catalog.tableSnapshot(table.name);
      const version = await catalog.tableVersion(table.name);
      expect(version?.seq).toBe(view?.seq);
      expect(await catalog.tableVersion("curated.no_such_table")).toBeUndefined();
      const files = view?.files ?? [];
      expect(files.find((f) => f.path === "s/with.parquet")?.columnStats).toEqual(columnStats);
      expect(files.find((f) => f.path === "s/without.parquet")?.columnStats).toEqual({});
      const merged = { columns: { id: { bytes: 30, min: "a", max: "z", nulls: 0 } } };
      await catalog.transaction((tx) =>
        tx.commitCompaction({
          tableId: table.id,
          added: { ...file("s/merged.parquet", 4), columnStats: merged },
          removedFileIds: files.map((f) => f.id),
        }),
      );
      expect((await catalog.tableSnapshot(table.name))?.files.map((f) => f.columnStats)).toEqual([merged]);
      const compacted = await catalog.tableVersion(table.name);
      expect(compacted?.seq).toBe((version?.seq ?? 0) + 1);
      expect(compacted?.changedAt.getTime()).toBeGreaterThanOrEqual(version?.changedAt.getTime() ?? 0);
    });

    it("describes tables and lists them by zone", async () => {
      const { catalog, src, table } = await sourceWithTable();
      expect(await catalog.describeTable(table.name)).toEqual({
        id: table.id,
        name: table.name,
        zone: "curated",
        sourceId: src.id,
        sourceSlug: src.slug,
      });
      expect(await catalog.tableNames("curated")).toContain(table.name);
      expect(await catalog.describeTable("curated.missing")).toBeUndefined();
      expect(await catalog.tableSnapshot("curated.missing")).toBeUndefined();
    });

    it("sums each table at its current snapshot and pages its partitions, newest first, at one snapshot", async () => {
      const { catalog, src, table } = await sourceWithTable();
      expect(await catalog.getTableSummary(table.name)).toEqual({
        id: table.id,
        name: table.name,
        zone: "curated",
        sourceId: src.id,
        sourceSlug: src.slug,
        columns: COLUMNS,
        partitionBy: ["dt"],
        currentSeq: 0,
        rows: 0,
        bytes: 0,
        files: 0,
        lastCommitAt: undefined,
      });
      expect(await catalog.listPartitions(table.id, { limit: 10 })).toEqual({
        items: [],
        nextCursor: undefined,
        total: 0,
        seq: 0,
      });
      const inPartition = (path: string, partition: string, rows: number, hour: number): NewDataFile => ({
        ...file(path, rows),
        partition,
        minEventTime: new Date(`${partition.slice(3)}T${String(hour).padStart(2, "0")}:00:00Z`),
        maxEventTime: new Date(`${partition.slice(3)}T${String(hour + 1).padStart(2, "0")}:00:00Z`),
      });
      const append = (files: NewDataFile[]) =>
        catalog.transaction((tx) =>
          tx.commitAppend({ tableId: table.id, files, batchIds: [], counts: new Map() }),
        );
      await append([
        inPartition("p/1.parquet", "dt=2024-05-01", 3, 1),
        inPartition("p/2.parquet", "dt=2024-05-01", 2, 5),
        inPartition("p/3.parquet", "dt=2024-05-02", 4, 7),
      ]);
      const summary = await catalog.getTableSummary(table.name);
      expect(summary).toMatchObject({ currentSeq: 1, rows: 9, bytes: 300, files: 3 });
      expect(summary?.lastCommitAt).toBeInstanceOf(Date);
      expect((await catalog.listTables()).find((t) => t.name === table.name)).toEqual(summary);

      const first = await catalog.listPartitions(table.id, { limit: 1 });
      expect(first).toMatchObject({ seq: 1, total: 2 });
      expect(first.items).toEqual([
        {
          partition: "dt=2024-05-02",
          rows: 4,
          bytes: 100,
          files: 1,
          minEventTime: new Date("2024-05-02T07:00:00Z"),
          maxEventTime: new Date("2024-05-02T08:00:00Z"),
        },
      ]);
      // A commit between pages does not shift them: the next page reads the first page's snapshot.
      await append([inPartition("p/4.parquet", "dt=2024-05-01", 10, 9)]);
      const second = await catalog.listPartitions(table.id, { limit: 1, cursor: first.nextCursor });
      expect(second).toMatchObject({ seq: 1, total: 2, nextCursor: undefined });
      expect(second.items).toEqual([
        {
          partition: "dt=2024-05-01",
          rows: 5,
          bytes: 200,
          files: 2,
          minEventTime: new Date("2024-05-01T01:00:00Z"),
          maxEventTime: new Date("2024-05-01T06:00:00Z"),
        },
      ]);
      const now = await catalog.listPartitions(table.id, { limit: 10 });
      expect([now.seq, now.items.map((p) => [p.partition, p.rows, p.files])]).toEqual([
        2,
        [
          ["dt=2024-05-02", 4, 1],
          ["dt=2024-05-01", 15, 3],
        ],
      ]);
      await expect(catalog.listPartitions(table.id, { limit: 1, cursor: "nonsense" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        details: { field: "cursor" },
      });
      expect(await catalog.getTableSummary("curated.missing")).toBeUndefined();
    });

    it("lists a table's snapshots newest first with what committed them: batches or a compaction", async () => {
      const { catalog, src, table } = await sourceWithTable();
      const batchIds = Array.from({ length: 25 }, (_, i) => `snap-${src.slug}-${String(i).padStart(2, "0")}`);
      for (const id of batchIds) await registered(catalog, src.id, id);
      const append = (path: string, ids: string[]) =>
        catalog.transaction((tx) =>
          tx.commitAppend({
            tableId: table.id,
            files: [file(path, 2)],
            batchIds: ids,
            counts: new Map(ids.map((id) => [id, { accepted: 1, rejected: 0, duplicates: 0 }])),
          }),
        );
      await append("s/1.parquet", batchIds.slice(0, 1));
      await append("s/2.parquet", batchIds.slice(1));
      const files = (await catalog.tableSnapshot(table.name))?.files ?? [];
      await catalog.transaction((tx) =>
        tx.commitCompaction({
          tableId: table.id,
          added: file("s/merged.parquet", 4),
          removedFileIds: files.map((f) => f.id),
        }),
      );
      const first = await catalog.listSnapshots(table.id, { limit: 2 });
      expect(first.total).toBe(3);
      expect(first.items.map(({ createdAt, ...rest }) => rest)).toEqual([
        {
          seq: 3,
          operation: "compact",
          addedFiles: 1,
          removedFiles: 2,
          addedRows: 4,
          batchIds: [],
          batchCount: 0,
          partitions: ["dt=2024-05-01"],
        },
        {
          seq: 2,
          operation: "append",
          addedFiles: 1,
          removedFiles: 0,
          addedRows: 2,
          batchIds: batchIds.slice(1, 21),
          batchCount: 24,
          partitions: [],
        },
      ]);
      expect(first.items[0]?.createdAt).toBeInstanceOf(Date);
      const rest = await catalog.listSnapshots(table.id, { limit: 2, cursor: first.nextCursor });
      expect(rest.items.map((s) => [s.seq, s.operation, s.batchIds])).toEqual([[1, "append", [batchIds[0]]]]);
      expect([rest.nextCursor, rest.total]).toEqual([undefined, 3]);
      await expect(catalog.listSnapshots(table.id, { limit: 2, cursor: "x" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    });

    it("counts each source's raw zone from its batches, per receive day, newest first", async () => {
      const { catalog, createSource } = setup();
      const src = await createSource();
      const quiet = await createSource();
      const day1 = new Date("2024-05-01T08:00:00Z");
      const day2 = new Date("2024-05-02T09:30:00Z");
      await registered(catalog, src.id, `raw-${src.slug}-1`, day1);
      await registered(catalog, src.id, `raw-${src.slug}-2`, new Date("2024-05-01T23:59:00Z"));
      await registered(catalog, src.id, `raw-${src.slug}-3`, day2);
      await catalog.markBatchesFailed([`raw-${src.slug}-3`]);
      const zones = await catalog.rawZoneSources();
      expect(zones.find((z) => z.sourceId === src.id)).toMatchObject({
        sourceSlug: src.slug,
        objects: 3,
        bytes: 30,
        events: 3,
        failedObjects: 1,
        oldestReceivedAt: day1,
        newestReceivedAt: day2,
      });
      expect(zones.find((z) => z.sourceId === quiet.id)).toMatchObject({
        objects: 0,
        bytes: 0,
        oldestReceivedAt: undefined,
        newestReceivedAt: undefined,
      });
      const slugs = zones.map((z) => z.sourceSlug);
      expect(slugs).toEqual([...slugs].sort());

      const first = await catalog.rawZoneDays(src.id, { limit: 1 });
      expect(first).toMatchObject({ total: 2, nextCursor: "dt=2024-05-02" });
      expect(first.items).toEqual([
        {
          partition: "dt=2024-05-02",
          objects: 1,
          bytes: 10,
          events: 1,
          firstReceivedAt: day2,
          lastReceivedAt: day2,
        },
      ]);
      const second = await catalog.rawZoneDays(src.id, { limit: 1, cursor: first.nextCursor });
      expect(second.items.map((d) => [d.partition, d.objects, d.lastReceivedAt])).toEqual([
        ["dt=2024-05-01", 2, new Date("2024-05-01T23:59:00Z")],
      ]);
      expect([second.nextCursor, second.total]).toEqual([undefined, 2]);
      expect(await catalog.rawZoneDays(quiet.id, { limit: 5 })).toEqual({
        items: [],
        nextCursor: undefined,
        total: 0,
      });
    });

    it("evolves a table's columns through the caller's rule and keeps the table", async () => {
      const { catalog, record, table } = await sourceWithTable();
      const seen: unknown[] = [];
      const again = await catalog.ensureCuratedTable(
        { ...record, schemaVersionId: `${record.schemaVersionId ?? ""}-v2` },
        (existing) => {
          seen.push(existing);
          return [{ name: "added", type: "VARCHAR" }, ...existing];
        },
      );
      expect(again).toEqual(table);
      expect(seen.at(-1)).toEqual(COLUMNS);
      expect((await catalog.tableSnapshot(table.name))?.columns[0]).toEqual({
        name: "added",
        type: "VARCHAR",
      });
    });

    it("records dead letters in bulk and returns their ids; text keeps everything but NUL", async () => {
      const { catalog, src } = await sourceWithTable();
      const ids = await catalog.recordDeadLetters([
        {
          sourceId: src.id,
          batchId: "b1",
          eventId: "e1",
          reasonCode: "SCHEMA_VIOLATION",
          reason: "/amount: must be number",
          path: "/amount",
          payload: '{"amount":"x\u0000"}',
          attempts: 2,
        },
        {
          sourceId: src.id,
          batchId: "b1",
          eventId: undefined,
          reasonCode: "POISON_BATCH",
          reason: "raw object missing",
          path: undefined,
          payload: "{}",
          attempts: 5,
        },
      ]);
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);
      expect(await catalog.recordDeadLetters([])).toEqual([]);
      expect(await catalog.transaction((tx) => tx.existingSourceIds([src.id, "gone"]))).toEqual(
        new Set([src.id]),
      );
    });

    it("counts a copy of an open letter's event, sent again for the same cause, on that letter", async () => {
      const { catalog, src } = await sourceWithTable();
      const copy = (batchId: string, payload: string) => ({
        sourceId: src.id,
        batchId,
        eventId: "e1",
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/amount: must be number",
        path: "/amount",
        payload,
        attempts: 1,
        schemaVersion: 1,
      });
      const [first] = await catalog.recordDeadLetters([copy("b1", '{"amount":"x"}')]);
      // Again in a later batch, and twice in one batch: each row's id is the one letter's.
      expect(await catalog.recordDeadLetters([copy("b2", '{"amount":"y"}')])).toEqual([first]);
      const third = await catalog.recordDeadLetters([copy("b3", "{}"), copy("b3", "{}")]);
      expect(third).toEqual([first, first]);
      const letter = await catalog.getDeadLetter(first!);
      expect(letter).toMatchObject({ copies: 4, batchId: "b1", payload: '{"amount":"x"}', status: "open" });
      expect(letter!.lastReceivedAt.getTime()).toBeGreaterThanOrEqual(letter!.createdAt.getTime());
      const listed = await catalog.listDeadLetters({ sourceId: src.id, status: "open" }, { limit: 10 });
      expect(listed.items.map((d) => [d.id, d.copies])).toEqual([[first, 4]]);
      // A later batch's copy is found by its event id, not its batch.
      const byBatch = await catalog.listDeadLetters(
        { sourceId: src.id, batchId: "b2", status: "open" },
        { limit: 10 },
      );
      expect(byBatch.items).toEqual([]);
      const byEvent = await catalog.listDeadLetters(
        { sourceId: src.id, eventId: "e1", status: "open" },
        { limit: 10 },
      );
      expect(byEvent.items.map((d) => d.id)).toEqual([first]);
      expect(await catalog.countDeadLetters("open")).toBeGreaterThanOrEqual(1);
      const page = await catalog.deadLetterGroups(
        { sourceId: src.id, status: "open" },
        {
          sort: "count",
          limit: 10,
          trendFrom: new Date(Date.now() - 3_600_000),
          trendHours: 2,
          maxSampleChars: 100,
        },
      );
      expect(page.groups.map((g) => [g.count, g.copies])).toEqual([[1, 4]]);
      // Ids that differ only in a lone surrogate are one id once stored (UTF-8 has none): one letter.
      const lone = await catalog.recordDeadLetters([
        { ...copy("b4", "{}"), eventId: "s\ud800" },
        { ...copy("b4", "{}"), eventId: "s\udc00" },
      ]);
      expect(lone[1]).toBe(lone[0]);
    });

    it("keeps letters apart when the cause differs, and never merges letters without an event id", async () => {
      const { catalog, src } = await sourceWithTable();
      const other = await setup().createSource();
      const base = {
        sourceId: src.id,
        batchId: "b1",
        eventId: "e1" as string | undefined,
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/amount: must be number",
        path: "/amount" as string | undefined,
        payload: "{}",
        attempts: 1,
        schemaVersion: 1 as number | undefined,
      };
      const ids = await catalog.recordDeadLetters([
        base,
        { ...base, reasonCode: "INVALID_EVENT_TIME", reason: "no time", path: undefined },
        { ...base, path: "/qty", reason: "/qty: must be integer" },
        { ...base, schemaVersion: 2 },
        { ...base, schemaVersion: undefined },
        { ...base, eventId: "e2" },
        {
          ...base,
          eventId: undefined,
          reasonCode: "MALFORMED_JSON",
          path: undefined,
          schemaVersion: undefined,
        },
        {
          ...base,
          eventId: undefined,
          reasonCode: "MALFORMED_JSON",
          path: undefined,
          schemaVersion: undefined,
        },
      ]);
      expect(new Set(ids).size).toBe(8);
      const again = await catalog.recordDeadLetters([
        {
          ...base,
          eventId: undefined,
          reasonCode: "MALFORMED_JSON",
          path: undefined,
          schemaVersion: undefined,
        },
        { ...base, schemaVersion: undefined },
      ]);
      expect(ids).not.toContain(again[0]);
      expect(again[1]).toBe(ids[4]);
      const [elsewhere] = await catalog.recordDeadLetters([{ ...base, sourceId: other.id }]);
      expect(ids).not.toContain(elsewhere);
    });

    it("opens a new letter for a copy that comes after its letter was discarded", async () => {
      const { catalog, src } = await sourceWithTable();
      const row = {
        sourceId: src.id,
        batchId: "b1",
        eventId: "e1",
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/amount: must be number",
        path: "/amount",
        payload: "{}",
        attempts: 1,
      };
      const [first] = await catalog.recordDeadLetters([row]);
      await catalog.transaction((tx) =>
        tx.discardDeadLetters([first!], "sender fixed", { id: undefined, email: "oncall@example.com" }),
      );
      const [second] = await catalog.recordDeadLetters([row]);
      expect(second).not.toBe(first);
      expect(await catalog.getDeadLetter(second!)).toMatchObject({ copies: 1, status: "open" });
      expect(await catalog.getDeadLetter(first!)).toMatchObject({ copies: 1, status: "discarded" });
    });

    it("takes back the copies of a batch not accepted: a letter others count on stays open", async () => {
      const { catalog, src } = await sourceWithTable();
      const row = {
        sourceId: src.id,
        batchId: "b1",
        eventId: "e1",
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/amount: must be number",
        path: "/amount",
        payload: "{}",
        attempts: 1,
      };
      const [letter] = await catalog.recordDeadLetters([row]);
      const failed = await catalog.recordDeadLetters([
        { ...row, batchId: "b2" },
        { ...row, batchId: "b2" },
        { ...row, eventId: "e2", batchId: "b2" },
      ]);
      expect(failed.slice(0, 2)).toEqual([letter, letter]);
      const actor = { id: undefined, email: "ingest" };
      await catalog.transaction((tx) => tx.withdrawDeadLetterCopies(failed, "not accepted", actor));
      expect(await catalog.getDeadLetter(letter!)).toMatchObject({ copies: 1, status: "open" });
      expect(await catalog.getDeadLetter(failed[2]!)).toMatchObject({ copies: 1, status: "discarded" });
      await catalog.transaction((tx) => tx.withdrawDeadLetterCopies([letter!], "not accepted", actor));
      expect(await catalog.getDeadLetter(letter!)).toMatchObject({ status: "discarded" });
    });

    it("lists dead letters newest first, filtered and paged, and reads one with its payload", async () => {
      const { catalog, src } = await sourceWithTable();
      const letter = (n: number, reasonCode: string) => ({
        sourceId: src.id,
        batchId: undefined,
        eventId: `e${n}`,
        reasonCode,
        reason: `reason ${n}`,
        path: n === 0 ? "/amount" : undefined,
        payload: `{"n":${n},"pad":"${"x".repeat(20)}"}`,
        attempts: 1,
      });
      const ids: string[] = [];
      for (let n = 0; n < 5; n++)
        ids.push(...(await catalog.recordDeadLetters([letter(n, n % 2 ? "B" : "A")])));
      // Letters recorded within one millisecond tie on time and are ordered by id: take the full
      // list as the order, check it is newest first, and that paging walks it exactly.
      const all = await catalog.listDeadLetters({ sourceId: src.id, status: "open" }, { limit: 10 });
      const times = all.items.map((d) => d.createdAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(all.items.map((d) => d.id))).toEqual(new Set(ids));
      const newestFirst = all.items.map((d) => d.id);
      const first = await catalog.listDeadLetters({ sourceId: src.id, status: "open" }, { limit: 2 });
      expect(first.items.map((d) => d.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.items[0]).toMatchObject({
        source: src.slug,
        sourceId: src.id,
        status: "open",
        resolvedAt: null,
      });
      const second = await catalog.listDeadLetters(
        { sourceId: src.id, status: "open" },
        { limit: 2, cursor: first.nextCursor },
      );
      expect(second.items.map((d) => d.id)).toEqual(newestFirst.slice(2, 4));
      const last = await catalog.listDeadLetters(
        { sourceId: src.id, status: "open" },
        { limit: 2, cursor: second.nextCursor },
      );
      expect([last.items.map((d) => d.id), last.nextCursor]).toEqual([newestFirst.slice(4), undefined]);
      const onlyB = await catalog.listDeadLetters(
        { sourceId: src.id, reasonCode: "B", status: "open" },
        { limit: 10 },
      );
      expect(onlyB.items.map((d) => d.eventId).sort()).toEqual(["e1", "e3"]);
      expect(await catalog.countDeadLettersByReason({ sourceId: src.id, status: "open" })).toEqual([
        { reasonCode: "A", count: 3 },
        { reasonCode: "B", count: 2 },
      ]);
      expect(
        (await catalog.listDeadLetters({ sourceId: src.id, status: "replayed" }, { limit: 10 })).items,
      ).toEqual([]);

      const whole = await catalog.getDeadLetter(ids[0]!);
      expect(whole).toMatchObject({ id: ids[0], path: "/amount", payload: letter(0, "A").payload });
      expect(whole?.payloadChars).toBe(letter(0, "A").payload.length);
      const cut = await catalog.getDeadLetter(ids[0]!, { maxPayloadChars: 5 });
      expect([cut?.payload, cut?.payloadChars]).toEqual(['{"n":', letter(0, "A").payload.length]);
      // Characters are code points: an emoji is one, and a cut never splits it.
      const [emoji] = await catalog.recordDeadLetters([{ ...letter(9, "A"), payload: "😀😀😀abc" }]);
      expect(await catalog.getDeadLetter(emoji!, { maxPayloadChars: 2 })).toMatchObject({
        payload: "😀😀",
        payloadChars: 6,
        payloadTruncated: true,
      });
      expect(await catalog.getDeadLetter(emoji!, { maxPayloadChars: 6 })).toMatchObject({
        payloadTruncated: false,
      });
      expect(await catalog.getDeadLetter("missing")).toBeUndefined();
    });

    it("registers a source with its first schema version and curated table, all or nothing", async () => {
      const { catalog } = setup();
      const slug = `reg-${Math.random().toString(36).slice(2, 10)}`;
      const schema = { type: "object", properties: { id: { type: "string" } }, required: ["id"] };
      const source = (s: string, jsonSchema: unknown): NewSource => ({
        slug: s,
        name: "Registered",
        description: "d",
        kind: "http",
        idField: "id",
        timeField: "time",
        retentionDays: 30,
        jsonSchema,
        columns: COLUMNS,
        createdById: undefined,
      });
      const created = await catalog.transaction((tx) => tx.createSource(source(slug, schema)));
      expect(created).toMatchObject({
        slug,
        name: "Registered",
        status: "active",
        schemaVersion: 1,
        jsonSchema: schema,
      });
      expect(await catalog.findSourceBySlug(slug)).toEqual(created);
      const table = await catalog.tableSnapshot(`curated.${slug}`);
      expect([table?.seq, table?.columns, table?.partitionBy]).toEqual([0, COLUMNS, ["dt"]]);

      const again = catalog.transaction((tx) => tx.createSource(source(slug, undefined)));
      await expect(again).rejects.toMatchObject({ code: "CONFLICT", details: { field: "slug" } });

      const schemaless = `${slug}-raw`;
      await expect(
        catalog.transaction(async (tx) => {
          await tx.createSource(source(schemaless, undefined));
          throw new Error("the key could not be stored");
        }),
      ).rejects.toThrow("the key could not be stored");
      expect(await catalog.findSourceBySlug(schemaless)).toBeUndefined();
      expect(await catalog.describeTable(`curated.${schemaless}`)).toBeUndefined();
      const raw = await catalog.transaction((tx) => tx.createSource(source(schemaless, undefined)));
      expect([raw.schemaVersion, raw.schemaVersionId, raw.jsonSchema]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    });

    it("lists sources and pauses or resumes one, writing only a real change", async () => {
      const { catalog, createSource } = setup();
      const src = await createSource();
      const listed = await catalog.listSources();
      expect(listed.map((x) => x.id)).toContain(src.id);
      const names = listed.map((x) => x.name);
      expect(names).toEqual([...names].sort());
      expect(await catalog.transaction((tx) => tx.setSourceStatus(src.id, "paused"))).toBe("active");
      expect((await catalog.getSource(src.id))?.status).toBe("paused");
      expect(await catalog.transaction((tx) => tx.setSourceStatus(src.id, "paused"))).toBe("paused");
      // Rolled back with the transaction around it.
      await expect(
        catalog.transaction(async (tx) => {
          await tx.setSourceStatus(src.id, "active");
          throw new Error("audit write failed");
        }),
      ).rejects.toThrow("audit write failed");
      expect((await catalog.getSource(src.id))?.status).toBe("paused");
      expect(await catalog.transaction((tx) => tx.setSourceStatus("missing", "paused"))).toBeUndefined();
    });

    it("sums batch activity since a time and counts dead letters by status", async () => {
      const { catalog, src, table } = await sourceWithTable();
      const since = new Date(Date.now() - 60_000);
      const activity = async () => ({
        bySource: await catalog.acceptedEventsBySource(since),
        byHour: await catalog.acceptedEventsByHour(since),
        received: await catalog.batchesReceivedSince(since),
        sources: await catalog.countSources(),
      });
      const before = await activity();
      for (const n of [1, 2]) await registered(catalog, src.id, `a-${src.slug}-${n}`);
      await catalog.transaction((tx) =>
        tx.commitAppend({
          tableId: table.id,
          files: [],
          batchIds: [`a-${src.slug}-1`, `a-${src.slug}-2`],
          counts: new Map([
            [`a-${src.slug}-1`, { accepted: 5, rejected: 1, duplicates: 0 }],
            [`a-${src.slug}-2`, { accepted: 7, rejected: 0, duplicates: 2 }],
          ]),
        }),
      );
      const after = await activity();
      expect(after.bySource.get(src.id)).toBe(12);
      expect(after.received - before.received).toBe(2);
      const hourTotal = (a: typeof after) => a.byHour.reduce((n, h) => n + h.events, 0);
      expect(hourTotal(after) - hourTotal(before)).toBe(12);
      expect(after.byHour.every((h) => h.hour.getUTCMinutes() === 0)).toBe(true);
      expect(after.sources).toBe((await catalog.listSources()).length);

      const open = await catalog.countDeadLetters("open");
      await catalog.recordDeadLetters([
        {
          sourceId: src.id,
          batchId: undefined,
          eventId: undefined,
          reasonCode: "X",
          reason: "r",
          path: undefined,
          payload: "",
          attempts: 1,
        },
      ]);
      expect(await catalog.countDeadLetters("open")).toBe(open + 1);
    });

    it("registers a source's next schema version, active at once, with the table's columns evolved", async () => {
      const v1 = { type: "object", properties: { id: { type: "string" } } };
      const { catalog, src, record, table } = await sourceWithTable({ schema: v1 });
      const v2 = { type: "object", properties: { id: { type: "string" }, coupon: { type: "string" } } };
      const next = (overrides: Partial<NewSchemaVersion> = {}): NewSchemaVersion => ({
        sourceId: src.id,
        jsonSchema: v2,
        checkedAgainst: 1,
        compatibility: "backward",
        evolveColumns: (existing) => [{ name: "coupon", type: "VARCHAR" }, ...existing],
        createdById: undefined,
        ...overrides,
      });
      const registered = await catalog.transaction((tx) => tx.registerSchemaVersion(next()));
      expect(registered).toMatchObject({
        sourceId: src.id,
        version: 2,
        jsonSchema: v2,
        compatibility: "backward",
        createdById: undefined,
        active: true,
      });
      expect(registered.createdAt).toBeInstanceOf(Date);
      expect(await catalog.getSource(src.id)).toMatchObject({
        schemaVersion: 2,
        schemaVersionId: registered.id,
        jsonSchema: v2,
      });
      const versions = await catalog.listSchemaVersions(src.id);
      expect(versions.map((v) => [v.version, v.active, v.jsonSchema])).toEqual([
        [1, false, v1],
        [2, true, v2],
      ]);
      expect(versions[0]?.id).toBe(record.schemaVersionId);
      expect(await catalog.getSchemaVersion(src.id, 2)).toEqual(registered);
      expect(await catalog.getSchemaVersion(src.id, 3)).toBeUndefined();
      // The new column shows before any event carries it; no snapshot, no file rewritten.
      const view = await catalog.tableSnapshot(table.name);
      expect([view?.seq, view?.columns]).toEqual([0, [{ name: "coupon", type: "VARCHAR" }, ...COLUMNS]]);

      const stale = catalog.transaction((tx) => tx.registerSchemaVersion(next()));
      await expect(stale).rejects.toMatchObject({ code: "CONFLICT", details: { field: "schema" } });
      const otherMode = catalog.transaction((tx) =>
        tx.registerSchemaVersion(next({ checkedAgainst: 2, compatibility: "full" })),
      );
      await expect(otherMode).rejects.toMatchObject({ code: "CONFLICT", details: { field: "schema" } });
      await expect(
        catalog.transaction(async (tx) => {
          await tx.registerSchemaVersion(next({ checkedAgainst: 2, evolveColumns: () => [] }));
          throw new Error("the audit row could not be written");
        }),
      ).rejects.toThrow("the audit row could not be written");
      expect((await catalog.listSchemaVersions(src.id)).map((v) => v.version)).toEqual([1, 2]);
      expect((await catalog.tableSnapshot(table.name))?.columns).toEqual(view?.columns);
      await expect(
        catalog.transaction((tx) => tx.registerSchemaVersion(next({ sourceId: "missing" }))),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await catalog.listSchemaVersions("missing")).toEqual([]);
    });

    it("sets a source's compatibility mode, writing only a real change", async () => {
      const { catalog, createSource } = setup();
      const src = await createSource();
      expect((await catalog.getSource(src.id))?.compatibility).toBe("backward");
      expect(await catalog.transaction((tx) => tx.setSourceCompatibility(src.id, "full_transitive"))).toBe(
        "backward",
      );
      expect((await catalog.getSource(src.id))?.compatibility).toBe("full_transitive");
      expect(await catalog.transaction((tx) => tx.setSourceCompatibility(src.id, "full_transitive"))).toBe(
        "full_transitive",
      );
      await expect(
        catalog.transaction(async (tx) => {
          await tx.setSourceCompatibility(src.id, "none");
          throw new Error("audit write failed");
        }),
      ).rejects.toThrow("audit write failed");
      expect((await catalog.getSource(src.id))?.compatibility).toBe("full_transitive");
      expect(await catalog.transaction((tx) => tx.setSourceCompatibility("missing", "none"))).toBeUndefined();
    });

    it("lists nothing reading a table that no analytics table or policy names", async () => {
      const { catalog, table } = await sourceWithTable();
      expect(await catalog.tableDependents(table.name)).toEqual({
        analyticsTables: [],
        columnPolicies: [],
        rowFilters: [],
      });
    });

    it("sums a source's events per minute and its accept-to-commit latency, and follows one batch", async () => {
      const { catalog, src, table } = await sourceWithTable();
      const other = await sourceWithTable();
      const since = new Date(Date.now() - 3_600_000);
      expect(await catalog.sourceActivityByMinute(src.id, since)).toEqual([]);
      expect(await catalog.commitLatency(src.id, since)).toEqual({
        batches: 0,
        p50Ms: undefined,
        p99Ms: undefined,
      });
      // Ten batches received 10, 20, … 100 seconds ago, committed now; one more that fails.
      const ids = Array.from({ length: 10 }, (_, i) => `l-${src.slug}-${i + 1}`);
      for (const [i, id] of ids.entries())
        await registered(catalog, src.id, id, new Date(Date.now() - (i + 1) * 10_000));
      await registered(catalog, src.id, `l-${src.slug}-failed`, new Date(Date.now() - 500_000));
      await registered(catalog, other.src.id, `l-${other.src.slug}-1`);
      const before = await catalog.batchProgress(ids[0]!);
      expect(before).toMatchObject({ id: ids[0], sourceId: src.id, status: "received", accepted: 0 });
      expect(before?.committedAt).toBeUndefined();
      await catalog.markBatchesFailed([`l-${src.slug}-failed`]);
      await catalog.transaction((tx) =>
        tx.commitAppend({
          tableId: table.id,
          files: [],
          batchIds: ids,
          counts: new Map(ids.map((id, i) => [id, { accepted: i + 1, rejected: 1, duplicates: 0 }])),
        }),
      );
      await catalog.transaction((tx) =>
        tx.commitAppend({
          tableId: other.table.id,
          files: [],
          batchIds: [`l-${other.src.slug}-1`],
          counts: new Map([[`l-${other.src.slug}-1`, { accepted: 100, rejected: 0, duplicates: 0 }]]),
        }),
      );
      const letter = (sourceId: string, batchId: string | undefined, reasonCode: string) => ({
        sourceId,
        batchId,
        eventId: undefined,
        reasonCode,
        reason: "r",
        path: undefined,
        payload: "{}",
        attempts: 1,
      });
      await catalog.recordDeadLetters([
        letter(src.id, ids[0], "SCHEMA_VIOLATION"),
        letter(src.id, ids[0], "DUPLICATE_ID"),
        letter(src.id, undefined, "MALFORMED_JSON"),
        letter(other.src.id, undefined, "MALFORMED_JSON"),
      ]);

      const minutes = await catalog.sourceActivityByMinute(src.id, since);
      expect(minutes.length).toBeGreaterThan(0);
      expect(minutes.every((m) => m.minute.getTime() % 60_000 === 0)).toBe(true);
      const times = minutes.map((m) => m.minute.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const sum = (key: "accepted" | "deadLettered") => minutes.reduce((n, m) => n + m[key], 0);
      expect([sum("accepted"), sum("deadLettered")]).toEqual([55, 3]);
      expect(await catalog.sourceActivityByMinute(src.id, new Date(Date.now() + 120_000))).toEqual([]);

      const latency = await catalog.commitLatency(src.id, since);
      expect(latency.batches).toBe(10);
      // Interpolated percentiles of 10 s … 100 s, plus the moments between receipt and commit here.
      expect(latency.p50Ms).toBeGreaterThanOrEqual(55_000);
      expect(latency.p50Ms).toBeLessThan(60_000);
      expect(latency.p99Ms).toBeGreaterThanOrEqual(99_100);
      expect(latency.p99Ms).toBeLessThan(104_100);
      expect((await catalog.commitLatency(other.src.id, since)).batches).toBe(1);

      const after = await catalog.batchProgress(ids[1]!);
      expect(after).toMatchObject({ status: "committed", accepted: 2, rejected: 1, duplicates: 0 });
      expect(after?.committedAt).toBeInstanceOf(Date);
      expect((await catalog.batchProgress(`l-${src.slug}-failed`))?.status).toBe("failed");
      expect(await catalog.batchProgress("missing")).toBeUndefined();

      const ofBatch = await catalog.listDeadLetters(
        { sourceId: src.id, batchId: ids[0], status: "open" },
        { limit: 10 },
      );
      expect(ofBatch.items.map((d) => d.reasonCode).sort()).toEqual(["DUPLICATE_ID", "SCHEMA_VIOLATION"]);
      expect(
        await catalog.countDeadLettersByReason({ sourceId: src.id, batchId: ids[0], status: "open" }),
      ).toEqual([
        { reasonCode: "DUPLICATE_ID", count: 1 },
        { reasonCode: "SCHEMA_VIOLATION", count: 1 },
      ]);
    });

    it("grants a lease to one holder at a time", async () => {
      const { catalog } = setup();
      const key = `lease-${Math.random()}`;
      const first = await catalog.tryLease(key);
      expect(first).toBeDefined();
      expect(await catalog.tryLease(key)).toBeUndefined();
      await first?.release();
      const second = await catalog.tryLease(key);
      expect(second).toBeDefined();
      await second?.release();
      await expect(catalog.ping()).resolves.toBeUndefined();
    });

    describe("analytics tables", () => {
      analyticsCatalogContract(() => ({
        catalog: setup().catalog,
        curatedTable: async () => (await sourceWithTable()).table,
      }));
    });
  });
}
