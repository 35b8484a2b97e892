// Batch rows in the catalog: registered at ingest, checked by the worker before work, locked at
// commit, marked failed.
import { InletError } from "../errors";
import type {
  BatchState,
  BatchStatus,
  JudgedRecordBatch,
  NewBatch,
  RegisteredBatch,
  SourceBacklog,
  StrandedBatch,
} from "../ports/catalog";
import { recordDeadLetters } from "./dead-letters";
import { NOW_UTC, type Queryable } from "./transaction";

interface BatchRow {
  id: string;
  source_id: string;
  status: BatchStatus;
  bytes: string;
  raw_key: string;
  received_ms: number;
  origin: string;
  validated_schema_version: number | null;
  rejected_at_accept: number[];
}

// received_at is UTC wall-clock time without a zone: converted in SQL so node-pg's local-time parsing
// of `timestamp` values cannot shift it.
const BATCH_COLUMNS =
  "id, source_id, status, bytes::text, raw_key, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms, origin, validated_schema_version, rejected_at_accept";

function toState(r: BatchRow): BatchState {
  return {
    id: r.id,
    sourceId: r.source_id,
    status: r.status,
    bytes: Number(r.bytes),
    rawKey: r.raw_key,
    receivedAt: new Date(r.received_ms),
    origin: r.origin,
    ...(r.validated_schema_version === null ? {} : { validatedSchemaVersion: r.validated_schema_version }),
    ...(r.rejected_at_accept.length === 0 ? {} : { rejectedAtAccept: r.rejected_at_accept }),
  };
}

/** Current state of the given batches (missing ids are absent from the map). */
export async function batchStates(q: Queryable, ids: string[]): Promise<Map<string, BatchState>> {
  const out = new Map<string, BatchState>();
  if (ids.length === 0) return out;
  const res = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ANY($1::text[])`, [
    ids,
  ]);
  for (const r of res.rows) out.set(r.id, toState(r));
  return out;
}

/**
 * Like batchStates, but inside a transaction with the rows locked (FOR UPDATE, in id order so two
 * lockers never deadlock) until it ends: a status read here cannot change before the commit.
 */
export async function lockBatchStates(tx: Queryable, ids: string[]): Promise<Map<string, BatchState>> {
  const out = new Map<string, BatchState>();
  if (ids.length === 0) return out;
  const res = await tx.query<BatchRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  for (const r of res.rows) out.set(r.id, toState(r));
  return out;
}

/**
 * Batches still `received` longer than olderThanMs after receipt and without a POISON_BATCH dead
 * letter: candidates whose queue message may have been lost (e.g. drained as dead, then the process
 * died before the dead letter was written). Oldest first.
 */
export async function strandedBatches(
  q: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<StrandedBatch[]> {
  const res = await q.query<{
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
export async function lockPendingBatches(tx: Queryable, ids: string[]): Promise<Set<string>> {
  const res = await tx.query<{ id: string; status: BatchStatus }>(
    "SELECT id, status FROM batches WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
    [ids],
  );
  return new Set(res.rows.filter((r) => r.status === "received").map((r) => r.id));
}

/**
 * Batches accepted and not yet committed or failed, per source: what admission control bounds. Read
 * through the (status, received_at) index, so its cost follows the backlog, not the batches table.
 */
export async function ingestBacklog(q: Queryable): Promise<SourceBacklog[]> {
  const res = await q.query<{
    source_id: string;
    slug: string;
    batches: number;
    bytes: number;
    oldest_age_ms: number;
  }>(
    `SELECT b.source_id, s.slug, count(*)::float8 AS batches, sum(b.bytes)::float8 AS bytes,
            greatest(extract(epoch FROM ${NOW_UTC} - min(b.received_at)) * 1000, 0)::float8 AS oldest_age_ms
     FROM batches b JOIN sources s ON s.id = b.source_id
     WHERE b.status = 'received'
     GROUP BY b.source_id, s.slug`,
  );
  return res.rows.map((r) => ({
    sourceId: r.source_id,
    slug: r.slug,
    batches: r.batches,
    bytes: r.bytes,
    oldestAgeMs: r.oldest_age_ms,
  }));
}

/** Marks batches still received as failed (poison, or not accepted after all); returns those it marked. */
export async function markBatchesFailed(q: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await q.query<{ id: string }>(
    `UPDATE batches SET status = 'failed', committed_at = ${NOW_UTC} WHERE id = ANY($1::text[]) AND status = 'received'
     RETURNING id`,
    [ids],
  );
  return new Set(res.rows.map((r) => r.id));
}

// The no-op update makes RETURNING give back an existing row, so a retry reuses its raw key; xmax = 0
// tells a row this statement inserted from one an earlier attempt made.
const REGISTER_SQL = `
INSERT INTO batches (id, source_id, raw_key, origin, event_count, bytes, status, received_at,
                     validated_schema_version, rejected_at_accept, judged_record)
VALUES ($1, $2, $3, $4, $5, $6, 'received', COALESCE($7::timestamptz AT TIME ZONE 'UTC', ${NOW_UTC}), $8, $9::int[], $10)
ON CONFLICT (id) DO UPDATE SET id = batches.id
RETURNING status, raw_key, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms,
          (xmax = 0) AS inserted`;

/**
 * Registers the batch and, when ingest judged its events, their dead letters: call it inside a
 * transaction when there are letters (PgCatalog does), so the row and its letters commit together.
 */
export async function registerBatch(q: Queryable, batch: NewBatch): Promise<RegisteredBatch> {
  const res = await q
    .query<{ status: BatchStatus; raw_key: string; received_ms: number; inserted: boolean }>(REGISTER_SQL, [
      batch.id,
      batch.sourceId,
      batch.rawKey,
      batch.origin,
      batch.eventCount,
      String(batch.bytes),
      batch.receivedAt?.toISOString() ?? null,
      batch.validated?.schemaVersion ?? null,
      batch.validated?.rejectedIndexes ?? [],
      batch.judgedRecord === true,
    ])
    .catch((err: unknown) => {
      // The source was deleted after the request was authorized: refused like an unknown source.
      if ((err as { code?: unknown }).code === "23503") {
        throw new InletError("NOT_FOUND", "The source was deleted; nothing was stored");
      }
      throw err;
    });
  const row = res.rows[0];
  if (!row) throw new Error(`batch ${batch.id} was not registered`);
  // An earlier attempt that made the row recorded its letters with it.
  const letters = row.inserted ? (batch.validated?.deadLetters ?? []) : [];
  const deadLetterIds = await recordDeadLetters(q, letters);
  return { status: row.status, rawKey: row.raw_key, receivedAt: new Date(row.received_ms), deadLetterIds };
}

// Timestamps are UTC wall-clock time without a zone: compared and truncated as such.

export async function acceptedEventsBySource(q: Queryable, since: Date): Promise<Map<string, number>> {
  const res = await q.query<{ source_id: string; events: number }>(
    `SELECT source_id, sum(accepted)::float8 AS events FROM batches
     WHERE committed_at >= $1::timestamptz AT TIME ZONE 'UTC' GROUP BY source_id`,
    [since.toISOString()],
  );
  return new Map(res.rows.map((r) => [r.source_id, r.events]));
}

export async function acceptedEventsByHour(
  q: Queryable,
  since: Date,
): Promise<{ hour: Date; events: number }[]> {
  const res = await q.query<{ hour_ms: number; events: number }>(
    `SELECT (extract(epoch FROM date_trunc('hour', committed_at)) * 1000)::float8 AS hour_ms,
            sum(accepted)::float8 AS events
     FROM batches WHERE committed_at >= $1::timestamptz AT TIME ZONE 'UTC' GROUP BY 1 ORDER BY 1`,
    [since.toISOString()],
  );
  return res.rows.map((r) => ({ hour: new Date(r.hour_ms), events: r.events }));
}

export async function batchesReceivedSince(q: Queryable, since: Date): Promise<number> {
  const res = await q.query<{ n: number }>(
    "SELECT count(*)::float8 AS n FROM batches WHERE received_at >= $1::timestamptz AT TIME ZONE 'UTC'",
    [since.toISOString()],
  );
  return res.rows[0]?.n ?? 0;
}

/** Committed or failed batches whose record of judged events may remain, longest finished first. */
export async function finishedJudgedRecords(
  q: Queryable,
  finishedBefore: Date,
  limit: number,
): Promise<JudgedRecordBatch[]> {
  const res = await q.query<{ id: string; raw_key: string }>(
    `SELECT id, raw_key FROM batches
     WHERE judged_record AND status <> 'received' AND committed_at < $1::timestamptz AT TIME ZONE 'UTC'
     ORDER BY committed_at LIMIT $2`,
    [finishedBefore.toISOString(), limit],
  );
  return res.rows.map((r) => ({ id: r.id, rawKey: r.raw_key }));
}

export async function forgetJudgedRecords(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query("UPDATE batches SET judged_record = false WHERE id = ANY($1::text[]) AND judged_record", [
    ids,
  ]);
}
