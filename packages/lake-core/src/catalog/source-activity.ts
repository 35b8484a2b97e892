// A source's recent work in the catalog: events committed and dead-lettered per minute, how long its
// batches took from acceptance to commit, and one batch's progress.
import type { BatchProgress, BatchStatus, CommitLatency, MinuteActivity } from "../ports/catalog";
import type { Queryable } from "./transaction";

// Timestamps are UTC wall-clock time without a zone: compared and truncated as such, and turned into
// epoch milliseconds in SQL so node-pg's local-time parsing cannot shift them.
const SINCE = "($2::timestamptz AT TIME ZONE 'UTC')";

/**
 * Batches are found through their (source_id, received_at) index: one committed in the window was
 * received at most this long before it. A batch that waited longer between receipt and commit (one
 * recovered by the stranded-batch sweep a day later) is left out of these figures.
 */
const RECEIVED_BEFORE_COMMIT = "interval '1 day'";

const COMMITTED_SINCE = `source_id = $1 AND status = 'committed'
  AND received_at >= ${SINCE} - ${RECEIVED_BEFORE_COMMIT} AND committed_at >= ${SINCE}`;

export async function sourceActivityByMinute(
  q: Queryable,
  sourceId: string,
  since: Date,
): Promise<MinuteActivity[]> {
  const res = await q.query<{ minute_ms: number; accepted: number; dead_lettered: number }>(
    `WITH accepted AS (
       SELECT date_trunc('minute', committed_at) AS minute, sum(accepted)::float8 AS n
       FROM batches WHERE ${COMMITTED_SINCE} GROUP BY 1
     ), dead AS (
       SELECT date_trunc('minute', created_at) AS minute, count(*)::float8 AS n
       FROM dead_letters WHERE source_id = $1 AND created_at >= ${SINCE} GROUP BY 1
     )
     SELECT (extract(epoch FROM minute) * 1000)::float8 AS minute_ms,
            COALESCE(a.n, 0)::float8 AS accepted, COALESCE(d.n, 0)::float8 AS dead_lettered
     FROM accepted a FULL JOIN dead d USING (minute)
     ORDER BY 1`,
    [sourceId, since.toISOString()],
  );
  return res.rows.map((r) => ({
    minute: new Date(r.minute_ms),
    accepted: r.accepted,
    deadLettered: r.dead_lettered,
  }));
}

export async function commitLatency(q: Queryable, sourceId: string, since: Date): Promise<CommitLatency> {
  const res = await q.query<{ n: number; p50: number | null; p99: number | null }>(
    `SELECT count(*)::float8 AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
     FROM (SELECT extract(epoch FROM committed_at - received_at)::float8 * 1000 AS ms
           FROM batches WHERE ${COMMITTED_SINCE}) b`,
    [sourceId, since.toISOString()],
  );
  const row = res.rows[0];
  return {
    batches: row?.n ?? 0,
    p50Ms: row?.p50 ?? undefined,
    p99Ms: row?.p99 ?? undefined,
  };
}

export async function batchProgress(q: Queryable, id: string): Promise<BatchProgress | undefined> {
  const res = await q.query<{
    id: string;
    source_id: string;
    status: BatchStatus;
    accepted: number;
    rejected: number;
    duplicates: number;
    received_ms: number;
    committed_ms: number | null;
  }>(
    `SELECT id, source_id, status::text AS status, accepted, rejected, duplicates,
            (extract(epoch FROM received_at) * 1000)::float8 AS received_ms,
            (extract(epoch FROM committed_at) * 1000)::float8 AS committed_ms
     FROM batches WHERE id = $1`,
    [id],
  );
  const r = res.rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    sourceId: r.source_id,
    status: r.status,
    accepted: r.accepted,
    rejected: r.rejected,
    duplicates: r.duplicates,
    receivedAt: new Date(r.received_ms),
    committedAt: r.committed_ms === null ? undefined : new Date(r.committed_ms),
  };
}
