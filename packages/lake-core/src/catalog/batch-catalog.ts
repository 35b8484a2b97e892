// Batch rows in the catalog: what the worker checks before work, locks at commit, and marks failed.
import type { Db } from "@inlet/db";
import { type CatalogTx, NOW_UTC } from "./transaction";

export type BatchStatus = "received" | "committed" | "failed";

export interface BatchState {
  id: string;
  sourceId: string;
  status: BatchStatus;
  bytes: number;
  /** Where the batch's raw object is: the worker reads this, never a key named by a queue message. */
  rawKey: string;
  receivedAt: Date;
}

interface BatchRow {
  id: string;
  source_id: string;
  status: BatchStatus;
  bytes: string;
  raw_key: string;
  received_ms: number;
}

// received_at is UTC wall-clock time without a zone: converted in SQL so node-pg's local-time parsing
// of `timestamp` values cannot shift it.
const BATCH_COLUMNS =
  "id, source_id, status, bytes::text, raw_key, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms";

function toState(r: BatchRow): BatchState {
  return {
    id: r.id,
    sourceId: r.source_id,
    status: r.status,
    bytes: Number(r.bytes),
    rawKey: r.raw_key,
    receivedAt: new Date(r.received_ms),
  };
}

/** Current state of the given batches (missing ids are absent from the map). */
export async function batchStates(db: Db, ids: string[]): Promise<Map<string, BatchState>> {
  const out = new Map<string, BatchState>();
  if (ids.length === 0) return out;
  const res = await db.pool.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ANY($1::text[])`,
    [ids],
  );
  for (const r of res.rows) out.set(r.id, toState(r));
  return out;
}

/**
 * Like batchStates, but inside a transaction with the rows locked (FOR UPDATE, in id order so two
 * lockers never deadlock) until it ends: a status read here cannot change before the commit.
 */
export async function lockBatchStates(tx: CatalogTx, ids: string[]): Promise<Map<string, BatchState>> {
  const out = new Map<string, BatchState>();
  if (ids.length === 0) return out;
  const res = await tx.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  for (const r of res.rows) out.set(r.id, toState(r));
  return out;
}

export interface StrandedBatch {
  id: string;
  sourceId: string;
  slug: string;
  rawKey: string;
  eventCount: number;
  receivedAt: Date;
}

/**
 * Batches still `received` longer than olderThanMs after receipt and without a POISON_BATCH dead
 * letter: candidates whose queue message may have been lost (e.g. drained as dead, then the process
 * died before the dead letter was written). Oldest first.
 */
export async function strandedBatches(db: Db, olderThanMs: number, limit: number): Promise<StrandedBatch[]> {
  const res = await db.pool.query<{
    id: string;
    source_id: string;
    slug: string;
    raw_key: string;
    event_count: number;
    received_ms: number;
  }>(
    `SELECT b.id, b.source_id, s.slug, b.raw_key, b.event_count,
            (extract(epoch FROM b.received_at) * 1000)::float8 AS received_ms
     FROM batches b JOIN sources s ON s.id = b.source_id
     WHERE b.status = 'received'
       AND b.received_at <= ${NOW_UTC} - $1::float8 * interval '1 millisecond'
       AND NOT EXISTS (
         SELECT 1 FROM dead_letters d WHERE d.reason_code = 'POISON_BATCH' AND d.batch_id = b.id
       )
     ORDER BY b.received_at, b.id
     LIMIT $2`,
    [olderThanMs, limit],
  );
  return res.rows.map((r) => ({
    id: r.id,
    sourceId: r.source_id,
    slug: r.slug,
    rawKey: r.raw_key,
    eventCount: r.event_count,
    receivedAt: new Date(r.received_ms),
  }));
}

/**
 * Locks the batch rows until the transaction ends, in id order so two workers never deadlock, and
 * returns the ids still waiting to be committed (a concurrent worker may have committed some).
 */
export async function lockPendingBatches(tx: CatalogTx, ids: string[]): Promise<Set<string>> {
  const res = await tx.query<{ id: string; status: BatchStatus }>(
    "SELECT id, status FROM batches WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
    [ids],
  );
  return new Set(res.rows.filter((r) => r.status === "received").map((r) => r.id));
}

/** Marks batches that could not be processed (poison) as failed; committed ones stay committed. */
export async function markBatchesFailed(db: Db | CatalogTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const q = "pool" in db ? db.pool : db;
  await q.query(
    `UPDATE batches SET status = 'failed', committed_at = ${NOW_UTC} WHERE id = ANY($1::text[]) AND status = 'received'`,
    [ids],
  );
}
