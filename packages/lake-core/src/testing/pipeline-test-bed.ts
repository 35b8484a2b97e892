// The real parts pipeline tests run against: a fresh migrated database, a local lake in a temp
// directory, the Postgres queue and a prepared DuckDB connection, closed together.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll } from "vitest";
import { prepareConnection } from "../adapters/duckdb-sql";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { PgQueue } from "../adapters/pg-queue";
import { PgCatalog } from "../catalog/pg-catalog";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import { processBatches } from "../process/process-batches";
import { enqueueRawBatch, type TestSource } from "./pipeline-fixtures";

export interface PipelineTestBed {
  t: TestDatabase;
  dir: string;
  store: LocalFsObjectStore;
  catalog: PgCatalog;
  queue: PgQueue;
  duck: DuckDBConnection;
  close(): Promise<void>;
}

export async function startPipelineTestBed(
  name: string,
  opts: { maxReceives?: number } = {},
): Promise<PipelineTestBed> {
  const t = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), `inlet-${name}-`));
  const store = new LocalFsObjectStore(join(dir, "lake"), { fsync: false });
  const queue = new PgQueue({
    pool: t.db.pool,
    ...(opts.maxReceives ? { maxReceives: opts.maxReceives } : {}),
  });
  const instance = await DuckDBInstance.create(":memory:");
  const duck = await instance.connect();
  await prepareConnection(duck);
  return {
    t,
    dir,
    store,
    catalog: new PgCatalog(t.db),
    queue,
    duck,
    async close() {
      duck.closeSync();
      instance.closeSync();
      await queue.close();
      await t.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A bed started before the file's tests and closed after them; the object returned is filled in when
 * the tests begin, so tests read its fields (bed.store, bed.catalog, …) rather than copies of them.
 */
export function usePipelineTestBed(name: string, opts: { maxReceives?: number } = {}): PipelineTestBed {
  const bed = {} as PipelineTestBed;
  beforeAll(async () => {
    Object.assign(bed, await startPipelineTestBed(name, opts));
  });
  afterAll(async () => {
    await bed.close?.();
  });
  return bed;
}

/** Enqueues and commits each batch in its own flush: one small Parquet file per batch and partition. */
export async function commitBatchesOneByOne(
  bed: PipelineTestBed,
  source: TestSource,
  batches: string[][],
): Promise<void> {
  const { store, queue, duck, dir, catalog } = bed;
  for (const lines of batches) {
    await enqueueRawBatch({ catalog, store, queue }, source, lines);
    await processBatches(
      { catalog, store, queue, duck, tmpDir: join(dir, "tmp") },
      await queue.receive(BATCHES_QUEUE, { max: 10 }),
    );
  }
}
