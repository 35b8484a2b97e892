// Reprocess jobs in the catalog: their rows and progress, the raw batches a range re-reads, and the
// writes of a replacement's one transaction (the `reprocess` snapshot, released claims, letters
// marked replayed by the job, the job ended).
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import {
  ACTIVE_REPROCESS_STATUSES,
  type NewReprocessJob,
  type ReprocessBatch,
  type ReprocessCommit,
  type ReprocessFigures,
  type ReprocessJobRecord,
  type ReprocessJobStatus,
  type ReprocessPhase,
} from "../ports/reprocess-catalog";
import { insertFiles, insertSnapshot, lockTable } from "./table-catalog";
import { NOW_UTC, type Queryable } from "./transaction";

const ACTIVE = `('${ACTIVE_REPROCESS_STATUSES.join("','")}')`;

const JOB_COLUMNS = `j.id, j.source_id AS "sourceId", s.slug AS source,
  j.range_from AT TIME ZONE 'UTC' AS "from", j.range_to AT TIME ZONE 'UTC' AS "to", j.dry_run AS "dryRun",
  j.rate_per_second AS "ratePerSecond", j.status::text AS status, j.phase,
  j.batches_total AS "batchesTotal", j.batches_done AS "batchesDone", j.events_total AS "eventsTotal",
  j.events_read AS "eventsRead", j.result, j.snapshot_seq AS "snapshotSeq", j.error,
  j.requested_by_email AS "requestedByEmail", j.created_at AT TIME ZONE 'UTC' AS "createdAt",
  j.started_at AT TIME ZONE 'UTC' AS "startedAt", j.updated_at AT TIME ZONE 'UTC' AS "updatedAt",
  j.finished_at AT TIME ZONE 'UTC' AS "finishedAt"`;

type JobRow = Omit<ReprocessJobRecord, "result"> & { result: ReprocessFigures | string | null };

function toJob(row: JobRow): ReprocessJobRecord {
  const result = typeof row.result === "string" ? (JSON.parse(row.result) as ReprocessFigures) : row.result;
  return {
    ...row,
    result,
    ratePerSecond: Number(row.ratePerSecond),
    batchesTotal: Number(row.batchesTotal),
    batchesDone: Number(row.batchesDone),
    eventsTotal: Number(row.eventsTotal),
    eventsRead: Number(row.eventsRead),
    snapshotSeq: row.snapshotSeq === null ? null : Number(row.snapshotSeq),
    phase: row.phase as ReprocessPhase,
  };
}

export async function getReprocessJob(q: Queryable, id: string): Promise<ReprocessJobRecord | undefined> {
  const res = await q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM reprocess_jobs j LEFT JOIN sources s ON s.id = j.source_id WHERE j.id = $1`,
    [id],
  );
  const row = res.rows[0];
  return row ? toJob(row) : undefined;
}

export async function listReprocessJobs(
  q: Queryable,
  page: { sourceId?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ items: ReprocessJobRecord[]; nextCursor: string | undefined }> {
  const params: unknown[] = [page.limit + 1];
  const conditions: string[] = [];
  if (page.sourceId !== undefined) {
    params.push(page.sourceId);
    conditions.push(`j.source_id = $${params.length}`);
  }
  if (page.cursor !== undefined) {
    params.push(page.cursor);
    conditions.push(
      `(j.created_at, j.id) < (SELECT c.created_at, c.id FROM reprocess_jobs c WHERE c.id = $${params.length})`,
    );
  }
  const res = await q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM reprocess_jobs j LEFT JOIN sources s ON s.id = j.source_id
     ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""}
     ORDER BY j.created_at DESC, j.id DESC LIMIT $1`,
    params,
  );
  const items = res.rows.slice(0, page.limit).map(toJob);
  return { items, nextCursor: res.rows.length > page.limit ? items.at(-1)?.id : undefined };
}

export async function createReprocessJob(tx: Queryable, job: NewReprocessJob): Promise<ReprocessJobRecord> {
  const source = await tx.query<{ slug: string; status: string }>(
    "SELECT slug, status::text AS status FROM sources WHERE id = $1 FOR UPDATE",
    [job.sourceId],
  );
  const row = source.rows[0];
  if (!row) throw new InletError("NOT_FOUND", `No source with id '${job.sourceId}'`, { field: "source" });
  if (row.status === "paused" && !job.dryRun) {
    throw new InletError(
      "BAD_REQUEST",
      `Source '${row.slug}' is paused: resume it before reprocessing its raw batches`,
      { field: "source" },
    );
  }
  // The source row is locked above, so two creations for one source cannot both pass this check.
  const active = await tx.query<{ id: string }>(
    `SELECT id FROM reprocess_jobs WHERE source_id = $1 AND status::text IN ${ACTIVE} LIMIT 1`,
    [job.sourceId],
  );
  const holder = active.rows[0]?.id;
  if (holder !== undefined) {
    throw new InletError(
      "CONFLICT",
      `Reprocess job ${holder} of source '${row.slug}' has not ended: wait for it or cancel it first`,
      { jobId: holder },
    );
  }
  const id = randomUUID();
  await tx.query(
    `INSERT INTO reprocess_jobs (id, source_id, range_from, range_to, dry_run, rate_per_second, status, phase,
       requested_by_id, requested_by_email, created_at, updated_at)
     VALUES ($1, $2, $3::timestamptz AT TIME ZONE 'UTC', $4::timestamptz AT TIME ZONE 'UTC', $5, $6, 'queued',
       'queued', $7, $8, ${NOW_UTC}, ${NOW_UTC})`,
    [
      id,
      job.sourceId,
      job.from.toISOString(),
      job.to.toISOString(),
      job.dryRun,
      job.ratePerSecond,
      job.requestedById ?? null,
      job.requestedByEmail,
    ],
  );
  const created = await getReprocessJob(tx, id);
  if (!created) throw new Error(`reprocess job ${id} vanished in its own transaction`);
  return created;
}

export async function cancelReprocessJob(
  tx: Queryable,
  id: string,
): Promise<{ before: ReprocessJobStatus; after: ReprocessJobRecord } | undefined> {
  const res = await tx.query<{ status: ReprocessJobStatus }>(
    "SELECT status::text AS status FROM reprocess_jobs WHERE id = $1 FOR UPDATE",
    [id],
  );
  const before = res.rows[0]?.status;
  if (before === undefined) return undefined;
  if (!ACTIVE_REPROCESS_STATUSES.includes(before)) {
    throw new InletError(
      "CONFLICT",
      `Reprocess job ${id} is ${before === "succeeded" ? "finished" : before}: it cannot be cancelled now`,
      {
        status: before,
      },
    );
  }
  await tx.query(
    `UPDATE reprocess_jobs SET status = 'cancelled', phase = 'done', finished_at = ${NOW_UTC},
       updated_at = ${NOW_UTC} WHERE id = $1`,
    [id],
  );
  const after = await getReprocessJob(tx, id);
  if (!after) throw new Error(`reprocess job ${id} vanished in its own transaction`);
  return { before, after };
}

export async function runnableReprocessJobs(q: Queryable, limit: number): Promise<string[]> {
  const res = await q.query<{ id: string }>(
    `SELECT id FROM reprocess_jobs WHERE status::text IN ${ACTIVE} ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
  return res.rows.map((r) => r.id);
}

export async function startReprocessJob(q: Queryable, id: string): Promise<ReprocessJobStatus | undefined> {
  await q.query(
    `UPDATE reprocess_jobs SET status = 'running', started_at = coalesce(started_at, ${NOW_UTC}),
       updated_at = ${NOW_UTC} WHERE id = $1 AND status = 'queued'`,
    [id],
  );
  const res = await q.query<{ status: ReprocessJobStatus }>(
    "SELECT status::text AS status FROM reprocess_jobs WHERE id = $1",
    [id],
  );
  return res.rows[0]?.status;
}

export async function reprocessJobState(
  q: Queryable,
  id: string,
): Promise<{ status: ReprocessJobStatus; ratePerSecond: number } | undefined> {
  const res = await q.query<{ status: ReprocessJobStatus; rate: number }>(
    "SELECT status::text AS status, rate_per_second AS rate FROM reprocess_jobs WHERE id = $1",
    [id],
  );
  const r = res.rows[0];
  return r && { status: r.status, ratePerSecond: Number(r.rate) };
}

export async function updateReprocessProgress(
  q: Queryable,
  id: string,
  p: {
    phase: ReprocessPhase;
    batchesTotal: number;
    batchesDone: number;
    eventsTotal: number;
    eventsRead: number;
  },
): Promise<void> {
  await q.query(
    `UPDATE reprocess_jobs SET phase = $2, batches_total = $3, batches_done = $4, events_total = $5,
       events_read = $6, updated_at = ${NOW_UTC} WHERE id = $1 AND status = 'running'`,
    [id, p.phase, p.batchesTotal, p.batchesDone, p.eventsTotal, p.eventsRead],
  );
}

export async function finishReprocessJob(
  q: Queryable,
  id: string,
  outcome: { status: "succeeded"; result: ReprocessFigures } | { status: "failed"; error: string },
): Promise<void> {
  await q.query(
    `UPDATE reprocess_jobs SET status = $2::"ReplayStatus", phase = 'done', result = $3::jsonb, error = $4,
       finished_at = ${NOW_UTC}, updated_at = ${NOW_UTC}
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [
      id,
      outcome.status,
      outcome.status === "succeeded" ? JSON.stringify(outcome.result) : null,
      outcome.status === "failed" ? outcome.error : null,
    ],
  );
}

export async function completeReprocessJob(
  tx: Queryable,
  id: string,
  result: ReprocessFigures,
  snapshotSeq: number | undefined,
): Promise<boolean> {
  const res = await tx.query<{ id: string }>(
    `UPDATE reprocess_jobs SET status = 'succeeded', phase = 'done', result = $2::jsonb, snapshot_seq = $3,
       finished_at = ${NOW_UTC}, updated_at = ${NOW_UTC}
     WHERE id = $1 AND status = 'running' RETURNING id`,
    [id, JSON.stringify(result), snapshotSeq ?? null],
  );
  return res.rows.length === 1;
}

export async function reprocessBatches(
  q: Queryable,
  sourceId: string,
  from: Date,
  to: Date,
): Promise<ReprocessBatch[]> {
  const res = await q.query<{ id: string; raw_key: string; received_ms: number; event_count: number }>(
    `SELECT id, raw_key, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms, event_count
     FROM batches
     WHERE source_id = $1 AND status = 'committed' AND origin <> 'replay'
       AND received_at >= $2::timestamptz AT TIME ZONE 'UTC' AND received_at < $3::timestamptz AT TIME ZONE 'UTC'
     ORDER BY received_at, id`,
    [sourceId, from.toISOString(), to.toISOString()],
  );
  return res.rows.map((r) => ({
    id: r.id,
    rawKey: r.raw_key,
    receivedAt: new Date(r.received_ms),
    eventCount: Number(r.event_count),
  }));
}

export async function commitReprocess(tx: Queryable, commit: ReprocessCommit): Promise<number | undefined> {
  const current = await lockTable(tx, commit.tableId);
  if (commit.removedFileIds.length > 0) {
    const live = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM data_files
       WHERE table_id = $1 AND id = ANY($2::text[]) AND removed_seq IS NULL`,
      [commit.tableId, commit.removedFileIds],
    );
    if (live.rows[0]?.n !== commit.removedFileIds.length) return undefined;
  }
  const seq = current + 1;
  await insertFiles(tx, commit.tableId, seq, commit.added);
  await tx.query("UPDATE data_files SET removed_seq = $3 WHERE table_id = $1 AND id = ANY($2::text[])", [
    commit.tableId,
    commit.removedFileIds,
    seq,
  ]);
  await insertSnapshot(tx, commit.tableId, seq, "reprocess", commit.added, commit.removedFileIds.length, {
    jobId: commit.jobId,
    from: commit.range.from.toISOString(),
    to: commit.range.to.toISOString(),
    removedFileIds: commit.removedFileIds,
  });
  return seq;
}

export async function resolveReprocessedLetters(
  tx: Queryable,
  jobId: string,
  sourceId: string,
  events: { batchId: string; eventId: string }[],
): Promise<number> {
  if (events.length === 0) return 0;
  const res = await tx.query<{ id: string }>(
    `UPDATE dead_letters d SET status = 'replayed', reprocess_job_id = $1, resolved_at = ${NOW_UTC}
     FROM unnest($3::text[], $4::text[]) AS e(batch_id, event_id)
     WHERE d.source_id = $2 AND d.status = 'open' AND d.batch_id = e.batch_id AND d.event_id = e.event_id
     RETURNING d.id`,
    [jobId, sourceId, events.map((e) => e.batchId), events.map((e) => e.eventId)],
  );
  return res.rows.length;
}
