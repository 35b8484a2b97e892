// Replay jobs in the catalog: a job is created holding its letters (one replay_items row each, in
// sending order), its runner reads the letters' current payloads a chunk at a time and records each
// replay batch as one replay_batches row (its letters and their places), and the worker records what
// became of each letter in its commit transaction. An item is "sent" while it is still `queued` at or
// below its job's cursor: the cursor only moves past items handed to a batch or settled.
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import {
  ACTIVE_REPLAY_STATUSES,
  type CreatedReplayJob,
  type NewReplayJob,
  NOT_EVENT_REASON_CODES,
  type OutstandingReplayBatch,
  type ReplayBatchAssignment,
  type ReplayCandidate,
  type ReplayItemToSend,
  type ReplayJobRecord,
  type ReplayJobStatus,
  type ReplayLetterFilter,
  type ReplayManifestItem,
  type ReplayOutcome,
  type ReplayProgress,
  type ReplaySelection,
} from "../ports/replay-catalog";
import { pgText } from "./dead-letters";
import { NOW_UTC, type Queryable } from "./transaction";

const ACTIVE = `('${ACTIVE_REPLAY_STATUSES.join("','")}')`;

/**
 * The active job holding letter `d`, if one does: a letter is held by the job its replay_items row
 * belongs to while that job is queued, running or paused.
 */
const HELD_BY = `(SELECT hj.id FROM replay_items hi JOIN replay_jobs hj ON hj.id = hi.job_id
  WHERE hi.letter_id = d.id AND hj.status::text IN ${ACTIVE} LIMIT 1)`;

/** The active jobs holding any of the letters ($1), by letter. */
async function holders(q: Queryable, letterIds: string[]): Promise<Map<string, string>> {
  if (letterIds.length === 0) return new Map();
  const res = await q.query<{ letter_id: string; job_id: string }>(
    `SELECT DISTINCT ON (i.letter_id) i.letter_id, i.job_id FROM replay_items i
     JOIN replay_jobs j ON j.id = i.job_id
     WHERE i.letter_id = ANY($1::text[]) AND j.status::text IN ${ACTIVE}`,
    [letterIds],
  );
  return new Map(res.rows.map((r) => [r.letter_id, r.job_id]));
}

/** The newest edit of a letter `d`, else its payload as received. */
const CURRENT_PAYLOAD = `coalesce((SELECT e.payload FROM dead_letter_edits e WHERE e.letter_id = d.id
  ORDER BY e.id DESC LIMIT 1), d.payload)`;
const EDITED = "EXISTS (SELECT 1 FROM dead_letter_edits e WHERE e.letter_id = d.id)";

/** Conditions over `d` for a filter, with parameters numbered after `params`' current length. */
function filterWhere(filter: ReplayLetterFilter, params: unknown[]): string {
  const conditions = ["d.status = 'open'"];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(params.length));
  };
  if (filter.sourceId !== undefined) add((n) => `d.source_id = $${n}`, filter.sourceId);
  if (filter.reasonCode !== undefined) add((n) => `d.reason_code = $${n}`, filter.reasonCode);
  if (filter.from !== undefined)
    add((n) => `d.created_at >= ($${n}::timestamptz AT TIME ZONE 'UTC')`, filter.from.toISOString());
  if (filter.to !== undefined)
    add((n) => `d.created_at < ($${n}::timestamptz AT TIME ZONE 'UTC')`, filter.to.toISOString());
  if (filter.batchId !== undefined) add((n) => `d.batch_id = $${n}`, filter.batchId);
  if (filter.path !== undefined) add((n) => `d.path = $${n}`, filter.path);
  if (filter.schemaVersion !== undefined) add((n) => `d.schema_version = $${n}`, filter.schemaVersion);
  return conditions.join(" AND ");
}

/** The selection's letters as conditions over `d` (a filter takes open letters that are events only). */
function selectionWhere(selection: ReplaySelection, params: unknown[]): string {
  if ("letterIds" in selection) {
    params.push(selection.letterIds);
    return `d.id = ANY($${params.length}::text[])`;
  }
  const conditions = filterWhere(selection.filter, params);
  params.push(NOT_EVENT_REASON_CODES);
  return `${conditions} AND d.reason_code <> ALL($${params.length}::text[])`;
}

/** The order a job sends its letters in: by source (one batch holds one source's events), then as recorded. */
const SEND_ORDER = "d.source_id, d.created_at, d.id";

function selectionJson(selection: ReplaySelection): Record<string, unknown> {
  if ("letterIds" in selection) return { letters: selection.letterIds.length };
  const f = selection.filter;
  return {
    filter: {
      ...(f.sourceId === undefined ? {} : { sourceId: f.sourceId }),
      ...(f.reasonCode === undefined ? {} : { reasonCode: f.reasonCode }),
      ...(f.from === undefined ? {} : { from: f.from.toISOString() }),
      ...(f.to === undefined ? {} : { to: f.to.toISOString() }),
      ...(f.batchId === undefined ? {} : { batchId: f.batchId }),
      ...(f.path === undefined ? {} : { path: f.path }),
      ...(f.schemaVersion === undefined ? {} : { schemaVersion: f.schemaVersion }),
    },
  };
}

/**
 * An item's state as the console tells it (of `i` in job `j`): `sent` for a queued item at or below the
 * job's cursor (its replay batch's row holds it), else as recorded.
 */
const ITEM_STATE = `CASE WHEN i.state = 'queued' AND i.seq <= j.cursor THEN 'sent' ELSE i.state END`;

const JOB_COLUMNS = `j.id, j.status::text AS status, j.filter AS selection, j.rate_per_second AS "ratePerSecond",
  j.sending_rate AS "sendingRate",
  j.source_id AS "sourceId", s.slug AS source, j.cursor, j.error, j.requested_by_email AS "requestedByEmail",
  j.created_at AT TIME ZONE 'UTC' AS "createdAt", j.started_at AT TIME ZONE 'UTC' AS "startedAt",
  j.updated_at AT TIME ZONE 'UTC' AS "updatedAt", j.finished_at AT TIME ZONE 'UTC' AS "finishedAt", j.total,
  (SELECT coalesce(json_object_agg(c.state, c.n), '{}') FROM
     (SELECT ${ITEM_STATE} AS state, count(*)::int AS n FROM replay_items i WHERE i.job_id = j.id
      GROUP BY 1) c) AS counts`;

type JobRow = Omit<ReplayJobRecord, "progress"> & { total: number; counts: Record<string, number> | string };

function toJob(row: JobRow): ReplayJobRecord {
  const { counts: raw, total, ...rest } = row;
  const counts: Record<string, number> = typeof raw === "string" ? JSON.parse(raw) : raw;
  const n = (state: string) => Number(counts[state] ?? 0);
  const progress: ReplayProgress = {
    total: Number(total),
    queued: n("queued"),
    sent: n("sent"),
    replayed: n("sent") + n("landed") + n("duplicate") + n("failed"),
    landed: n("landed"),
    duplicates: n("duplicate"),
    stillFailing: n("failed"),
    skipped: n("skipped"),
  };
  const selection = typeof rest.selection === "string" ? JSON.parse(rest.selection) : rest.selection;
  return {
    ...rest,
    selection,
    ratePerSecond: Number(rest.ratePerSecond),
    sendingRate: rest.sendingRate === null ? null : Number(rest.sendingRate),
    cursor: Number(rest.cursor),
    progress,
  };
}

export async function getReplayJob(q: Queryable, id: string): Promise<ReplayJobRecord | undefined> {
  const res = await q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM replay_jobs j LEFT JOIN sources s ON s.id = j.source_id WHERE j.id = $1`,
    [id],
  );
  const row = res.rows[0];
  return row ? toJob(row) : undefined;
}

export async function listReplayJobs(
  q: Queryable,
  page: { status?: ReplayJobStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<{ items: ReplayJobRecord[]; nextCursor: string | undefined }> {
  const params: unknown[] = [page.limit + 1];
  const conditions: string[] = [];
  if (page.status !== undefined) {
    params.push(page.status);
    conditions.push(`j.status = $${params.length}::"ReplayStatus"`);
  }
  if (page.cursor !== undefined) {
    params.push(page.cursor);
    conditions.push(
      `(j.created_at, j.id) < (SELECT c.created_at, c.id FROM replay_jobs c WHERE c.id = $${params.length})`,
    );
  }
  const res = await q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM replay_jobs j LEFT JOIN sources s ON s.id = j.source_id
     ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""}
     ORDER BY j.created_at DESC, j.id DESC LIMIT $1`,
    params,
  );
  const items = res.rows.slice(0, page.limit).map(toJob);
  return { items, nextCursor: res.rows.length > page.limit ? items.at(-1)?.id : undefined };
}

/** Letter ids quoted for a message: the first few, and how many more. */
function someIds(ids: string[], max = 3): string {
  const shown = ids.slice(0, max).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

interface SelectedRow {
  id: string;
  status: string;
  source_id: string | null;
  slug: string | null;
  source_status: string | null;
  reason_code: string;
  held_by: string | null;
}

/**
 * Creates a queued job holding the selected letters. One statement locks the letters (in id order,
 * so two creations never deadlock); which active jobs hold them is read in a statement of its own,
 * which sees a job another transaction committed while this one waited for a lock, and refuses
 * with its id. The letter rows are locked, not written: holding is the job's replay_items rows.
 */
export async function createReplayJob(tx: Queryable, job: NewReplayJob): Promise<CreatedReplayJob> {
  const byLetters = "letterIds" in job.selection;
  const id = randomUUID();
  await tx.query(
    `INSERT INTO replay_jobs (id, filter, rate_per_second, status, total, requested_by_id, requested_by_email,
                              created_at, updated_at)
     VALUES ($1, $2::jsonb, $3, 'queued', 0, $4, $5, ${NOW_UTC}, ${NOW_UTC})`,
    [
      id,
      JSON.stringify(selectionJson(job.selection)),
      job.ratePerSecond,
      job.requestedById ?? null,
      job.requestedByEmail,
    ],
  );
  const params: unknown[] = [];
  const where = selectionWhere(job.selection, params);
  const claimed = (
    await tx.query<{ id: string; status: string; source_id: string | null; reason_code: string }>(
      `SELECT d.id, d.status::text AS status, d.source_id, d.reason_code FROM dead_letters d
       WHERE ${where} ORDER BY d.id FOR NO KEY UPDATE OF d`,
      params,
    )
  ).rows;
  if (byLetters) {
    const found = new Set(claimed.map((r) => r.id));
    const missing = [...new Set((job.selection as { letterIds: string[] }).letterIds)].filter(
      (letter) => !found.has(letter),
    );
    if (missing.length > 0) {
      throw new InletError("NOT_FOUND", `No dead letter with id ${someIds(missing)}`, {
        field: "letterIds",
        letterIds: missing,
      });
    }
  }
  if (claimed.length === 0) {
    throw new InletError("BAD_REQUEST", "No open dead letters match the filter: nothing to replay", {
      field: "filter",
    });
  }
  const heldBy = await holders(
    tx,
    claimed.map((r) => r.id),
  );
  const sourceIds = [...new Set(claimed.map((r) => r.source_id).filter((x): x is string => x !== null))];
  const sources = new Map(
    (
      await tx.query<{ id: string; slug: string; status: string }>(
        "SELECT id, slug, status::text AS status FROM sources WHERE id = ANY($1::text[])",
        [sourceIds],
      )
    ).rows.map((r) => [r.id, r]),
  );
  const rows: SelectedRow[] = claimed.map((r) => {
    const source = r.source_id === null ? undefined : sources.get(r.source_id);
    return {
      id: r.id,
      status: r.status,
      source_id: r.source_id,
      slug: source?.slug ?? null,
      source_status: source?.status ?? null,
      reason_code: r.reason_code,
      held_by: heldBy.get(r.id) ?? null,
    };
  });

  const held = rows.filter((r) => r.held_by !== null);
  if (held.length > 0) {
    const jobs = [...new Set(held.map((r) => r.held_by as string))];
    throw new InletError(
      "CONFLICT",
      held.length === 1
        ? `Dead letter ${held[0]!.id} is being replayed by job ${jobs[0]}: wait for it, or cancel it`
        : `${held.length} of the letters (${someIds(held.map((r) => r.id))}) are being replayed by job ${jobs.join(", ")}: wait for it, or cancel it`,
      { jobId: jobs[0], jobIds: jobs, letterIds: held.map((r) => r.id) },
    );
  }
  const refuse = (message: string, letterIds: string[]) => {
    throw new InletError("BAD_REQUEST", message, {
      field: byLetters ? "letterIds" : "filter",
      letterIds,
    });
  };
  const notOpen = rows.filter((r) => r.status !== "open");
  if (notOpen.length > 0) {
    refuse(
      `Dead letter ${someIds(notOpen.map((r) => r.id))} is ${notOpen[0]!.status}, not open: only open letters are replayed`,
      notOpen.map((r) => r.id),
    );
  }
  const orphans = rows.filter((r) => r.source_id === null || r.slug === null);
  if (orphans.length > 0) {
    refuse(
      byLetters
        ? `Dead letter ${someIds(orphans.map((r) => r.id))} belongs to a deleted source: there is nowhere to replay it (discard it instead)`
        : `${orphans.length} letters matching the filter belong to deleted sources, which cannot take a replay: filter by source, or discard them`,
      orphans.map((r) => r.id),
    );
  }
  const paused = rows.filter((r) => r.source_status === "paused");
  if (paused.length > 0) {
    const slugs = [...new Set(paused.map((r) => r.slug))];
    refuse(
      `Source ${slugs.map((s) => `'${s}'`).join(", ")} is paused and stores nothing: resume it before replaying its letters`,
      paused.map((r) => r.id),
    );
  }
  const notEvents = rows.filter((r) => NOT_EVENT_REASON_CODES.includes(r.reason_code));
  if (notEvents.length > 0) {
    refuse(
      `Dead letter ${someIds(notEvents.map((r) => r.id))} (${notEvents[0]!.reason_code}) is not an event: a poison batch is reprocessed from its raw batch, a rejected file is fixed and dropped into landing/ again`,
      notEvents.map((r) => r.id),
    );
  }

  // Letters the filter matched that are not events (left out by selectionWhere), for the answer.
  let excluded: { reasonCode: string; count: number }[] = [];
  if (!byLetters) {
    const p: unknown[] = [];
    const w = filterWhere((job.selection as { filter: ReplayLetterFilter }).filter, p);
    p.push(NOT_EVENT_REASON_CODES);
    const res = await tx.query<{ reason_code: string; n: number }>(
      `SELECT d.reason_code, count(*)::int AS n FROM dead_letters d
       WHERE ${w} AND d.reason_code = ANY($${p.length}::text[]) GROUP BY d.reason_code ORDER BY d.reason_code`,
      p,
    );
    excluded = res.rows.map((r) => ({ reasonCode: r.reason_code, count: Number(r.n) }));
  }

  await tx.query(
    `INSERT INTO replay_items (job_id, seq, letter_id, source_id)
     SELECT $1, row_number() OVER (ORDER BY ${SEND_ORDER}), d.id, d.source_id
     FROM dead_letters d WHERE d.id = ANY($2::text[])`,
    [id, rows.map((r) => r.id)],
  );
  await tx.query("UPDATE replay_jobs SET total = $2, source_id = $3 WHERE id = $1", [
    id,
    rows.length,
    sourceIds.length === 1 ? sourceIds[0] : null,
  ]);
  const created = await getReplayJob(tx, id);
  if (!created) throw new Error(`replay job ${id} vanished in its own transaction`);
  return { job: created, excluded };
}

const STATUS_WORDS: Record<ReplayJobStatus, string> = {
  queued: "queued",
  running: "running",
  paused: "paused",
  succeeded: "finished",
  failed: "failed",
  cancelled: "cancelled",
};

export async function setReplayJobStatus(
  tx: Queryable,
  id: string,
  to: ReplayJobStatus,
  from: readonly ReplayJobStatus[],
): Promise<{ before: ReplayJobStatus; after: ReplayJobRecord } | undefined> {
  const res = await tx.query<{ status: ReplayJobStatus }>(
    "SELECT status::text AS status FROM replay_jobs WHERE id = $1 FOR UPDATE",
    [id],
  );
  const before = res.rows[0]?.status;
  if (before === undefined) return undefined;
  if (!from.includes(before)) {
    throw new InletError("CONFLICT", `Replay job ${id} is ${STATUS_WORDS[before]}: it cannot be ${to} now`, {
      status: before,
    });
  }
  const ends = to === "cancelled" || to === "succeeded" || to === "failed";
  await tx.query(
    `UPDATE replay_jobs SET status = $2::"ReplayStatus", updated_at = ${NOW_UTC},
       error = CASE WHEN $2 = 'queued' THEN NULL ELSE error END,
       finished_at = CASE WHEN $3 THEN ${NOW_UTC} ELSE finished_at END
     WHERE id = $1`,
    [id, to, ends],
  );
  if (to === "cancelled") {
    await tx.query(
      `UPDATE replay_items i SET state = 'skipped', reason = 'the job was cancelled before it was sent',
         done_at = ${NOW_UTC}
       FROM replay_jobs j
       WHERE j.id = $1 AND i.job_id = j.id AND i.state = 'queued' AND i.seq > j.cursor`,
      [id],
    );
  }
  const after = await getReplayJob(tx, id);
  if (!after) throw new Error(`replay job ${id} vanished in its own transaction`);
  return { before, after };
}

export async function replayJobState(
  q: Queryable,
  id: string,
): Promise<{ status: ReplayJobStatus; cursor: number; ratePerSecond: number } | undefined> {
  const res = await q.query<{ status: ReplayJobStatus; cursor: number; rate: number }>(
    "SELECT status::text AS status, cursor, rate_per_second AS rate FROM replay_jobs WHERE id = $1",
    [id],
  );
  const r = res.rows[0];
  return r && { status: r.status, cursor: Number(r.cursor), ratePerSecond: Number(r.rate) };
}

export async function runnableReplayJobs(q: Queryable, limit: number): Promise<string[]> {
  const res = await q.query<{ id: string }>(
    `SELECT j.id FROM replay_jobs j
     WHERE j.status IN ('queued', 'running')
        OR (j.status IN ('paused', 'cancelled')
            AND EXISTS (SELECT 1 FROM replay_batches rb WHERE rb.job_id = j.id AND rb.done_at IS NULL))
     ORDER BY j.created_at, j.id LIMIT $1`,
    [limit],
  );
  return res.rows.map((r) => r.id);
}

export async function startReplayJob(q: Queryable, id: string): Promise<ReplayJobStatus | undefined> {
  const res = await q.query<{ status: ReplayJobStatus }>(
    `WITH started AS (
       UPDATE replay_jobs SET status = 'running', started_at = coalesce(started_at, ${NOW_UTC}),
         updated_at = ${NOW_UTC}
       WHERE id = $1 AND status = 'queued' RETURNING status::text AS status
     )
     SELECT status FROM started UNION ALL
     SELECT status::text FROM replay_jobs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM started)`,
    [id],
  );
  return res.rows[0]?.status;
}

export async function setReplaySendingRate(q: Queryable, id: string, rate: number | null): Promise<void> {
  await q.query("UPDATE replay_jobs SET sending_rate = $2 WHERE id = $1", [
    id,
    rate === null ? null : Math.max(1, Math.round(rate)),
  ]);
}

export async function finishReplayJob(
  q: Queryable,
  id: string,
  status: "succeeded" | "failed",
  error?: string,
): Promise<void> {
  await q.query(
    `UPDATE replay_jobs SET status = $2::"ReplayStatus", error = $3, finished_at = ${NOW_UTC},
       updated_at = ${NOW_UTC}
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [id, status, error ?? null],
  );
}

export async function pauseReplayJob(q: Queryable, id: string, error: string): Promise<void> {
  await q.query(
    `UPDATE replay_jobs SET status = 'paused', error = $2, updated_at = ${NOW_UTC}
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [id, error],
  );
}

const ITEM_COLUMNS = `i.seq, d.id AS "letterId", d.source_id AS "sourceId", s.slug AS source,
  s.status::text AS "sourceStatus", d.batch_id AS "batchId", b.raw_key AS "batchRawKey", d.event_id AS "eventId",
  d.reason_code AS "reasonCode", ${CURRENT_PAYLOAD} AS payload, ${EDITED} AS edited`;
const ITEM_JOINS = `JOIN dead_letters d ON d.id = i.letter_id
  LEFT JOIN sources s ON s.id = d.source_id LEFT JOIN batches b ON b.id = d.batch_id`;

export async function nextReplayItems(
  q: Queryable,
  jobId: string,
  afterSeq: number,
  limit: number,
): Promise<ReplayItemToSend[]> {
  // The chunk's items first (in seq order from the primary key: past the cursor nearly every item is
  // queued), then their letters: joined the other way round, every queued letter of a large job would
  // be read to keep a few hundred.
  const res = await q.query<ReplayItemToSend>(
    `WITH next AS MATERIALIZED (
       SELECT i.seq, i.letter_id, i.batch_id FROM replay_items i
       WHERE i.job_id = $1 AND i.state = 'queued' AND i.seq > $2 ORDER BY i.seq LIMIT $3
     )
     SELECT ${ITEM_COLUMNS}, i.batch_id AS "replayBatchId" FROM next i ${ITEM_JOINS} ORDER BY i.seq`,
    [jobId, afterSeq, limit],
  );
  return res.rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

export async function replayBatchItems(
  q: Queryable,
  jobId: string,
  batchId: string,
): Promise<ReplayItemToSend[]> {
  const res = await q.query<ReplayItemToSend>(
    `SELECT ${ITEM_COLUMNS}, rb.batch_id AS "replayBatchId"
     FROM replay_batches rb CROSS JOIN LATERAL unnest(rb.seqs) AS u(seq)
     JOIN replay_items i ON i.job_id = rb.job_id AND i.seq = u.seq ${ITEM_JOINS}
     WHERE rb.batch_id = $2 AND rb.job_id = $1 AND rb.done_at IS NULL AND i.state = 'queued'
     ORDER BY i.seq`,
    [jobId, batchId],
  );
  return res.rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/**
 * The smallest and largest seq of a set of items: bounding a join of unnest()ed items by their seq range
 * (and their letters by their ids) lets PostgreSQL read them from the primary key instead of hashing the
 * whole table, which it otherwise chose for a few thousand rows: every replay batch's commit scanned
 * every replay item and every dead letter (about 0.3 s each at 100,000 letters, inside the commit that
 * live batches wait for).
 */
function seqRange(seqs: number[]): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of seqs) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  return [min, max];
}

export async function assignReplayBatch(tx: Queryable, a: ReplayBatchAssignment): Promise<boolean> {
  // The job's row is locked first: a cancel committed since the runner read its letters is seen here
  // (and one that comes later waits, then skips only what this batch did not take).
  const job = await tx.query<{ status: string }>(
    "SELECT status::text AS status FROM replay_jobs WHERE id = $1 FOR UPDATE",
    [a.jobId],
  );
  const status = job.rows[0]?.status;
  if (status === undefined || status === "cancelled" || status === "succeeded" || status === "failed") {
    return false;
  }
  if (a.settled && a.settled.length > 0) await settleReplayItems(tx, a.jobId, a.settled);
  // One row for the batch, whatever its size (a retry after a crash finds it there under the same id).
  await tx.query(
    `INSERT INTO replay_batches (batch_id, job_id, seqs, letter_ids, first_index, event_count, assigned_ids,
                                 events, first_seq, sent_at)
     VALUES ($1, $2, $3::int[], $4::text[], $5::int[], $6::int[], $7::text[], $8, $9, ${NOW_UTC})
     ON CONFLICT (batch_id) DO NOTHING`,
    [
      a.batchId,
      a.jobId,
      a.items.map((i) => i.seq),
      a.items.map((i) => i.letterId),
      a.items.map((i) => i.firstIndex),
      a.items.map((i) => i.eventCount),
      a.items.flatMap((i) => i.assignedIds),
      a.events,
      Math.min(...a.items.map((i) => i.seq)),
    ],
  );
  await tx.query(
    `UPDATE replay_jobs SET cursor = GREATEST(cursor, $2), updated_at = ${NOW_UTC} WHERE id = $1`,
    [a.jobId, Math.max(0, ...a.items.map((i) => i.seq))],
  );
  return true;
}

export async function settleReplayItems(
  q: Queryable,
  jobId: string,
  items: { seq: number; state: "skipped" | "failed"; reason: string; reasonCode?: string }[],
  batchId?: string,
): Promise<void> {
  if (items.length === 0 && batchId === undefined) return;
  if (items.length > 0) {
    const [minSeq, maxSeq] = seqRange(items.map((i) => i.seq));
    await q.query(
      `UPDATE replay_items i SET state = a.state, reason = a.reason, reason_code = a.reason_code,
         batch_id = coalesce($8, i.batch_id), done_at = ${NOW_UTC},
         sent_at = coalesce((SELECT rb.sent_at FROM replay_batches rb WHERE rb.batch_id = $8), i.sent_at)
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS a(seq, state, reason, reason_code)
       WHERE i.job_id = $1 AND i.seq BETWEEN $6 AND $7 AND i.seq = a.seq AND i.state IN ('queued', 'sent')`,
      [
        jobId,
        items.map((i) => i.seq),
        items.map((i) => i.state),
        items.map((i) => pgText(i.reason)),
        items.map((i) => i.reasonCode ?? null),
        minSeq,
        maxSeq,
        batchId ?? null,
      ],
    );
    await q.query(
      `UPDATE replay_jobs SET cursor = GREATEST(cursor, $2), updated_at = ${NOW_UTC} WHERE id = $1`,
      [jobId, Math.max(0, ...items.map((i) => i.seq))],
    );
  }
  if (batchId !== undefined) {
    await q.query(
      `UPDATE replay_batches SET done_at = ${NOW_UTC} WHERE batch_id = $1 AND job_id = $2 AND done_at IS NULL`,
      [batchId, jobId],
    );
  }
}

export async function outstandingReplayBatches(
  q: Queryable,
  jobId: string,
): Promise<OutstandingReplayBatch[]> {
  const res = await q.query<{ batch_id: string; status: string | null; n: number }>(
    `SELECT rb.batch_id, b.status::text AS status, cardinality(rb.seqs) AS n
     FROM replay_batches rb LEFT JOIN batches b ON b.id = rb.batch_id
     WHERE rb.job_id = $1 AND rb.done_at IS NULL ORDER BY rb.first_seq`,
    [jobId],
  );
  return res.rows.map((r) => ({
    batchId: r.batch_id,
    status: (r.status ?? undefined) as OutstandingReplayBatch["status"],
    items: Number(r.n),
  }));
}

export async function replayManifests(
  q: Queryable,
  batchIds: string[],
): Promise<Map<string, ReplayManifestItem[]>> {
  const out = new Map<string, ReplayManifestItem[]>();
  if (batchIds.length === 0) return out;
  // A batch not done has every item waiting for its outcome (the runner settles a batch's items all at
  // once, and the worker's commit records them all): its row is the whole manifest, in body order.
  const res = await q.query<{
    batch_id: string;
    job_id: string;
    seqs: number[];
    letter_ids: string[];
    first_index: number[];
    event_count: number[];
    assigned_ids: string[];
  }>(
    `SELECT batch_id, job_id, seqs, letter_ids, first_index, event_count, assigned_ids FROM replay_batches
     WHERE batch_id = ANY($1::text[]) AND done_at IS NULL`,
    [batchIds],
  );
  for (const r of res.rows) {
    const list: ReplayManifestItem[] = r.seqs.map((seq, k) => {
      const firstIndex = Number(r.first_index[k]);
      const eventCount = Number(r.event_count[k]);
      return {
        jobId: r.job_id,
        batchId: r.batch_id,
        seq: Number(seq),
        letterId: r.letter_ids[k]!,
        firstIndex,
        eventCount,
        assignedIds: r.assigned_ids.slice(firstIndex, firstIndex + eventCount),
      };
    });
    out.set(r.batch_id, list);
  }
  return out;
}

/**
 * Records what became of replayed letters, in the transaction that commits their batch: each item
 * still waiting in its batch takes its outcome (and the batch is done); a letter that landed (or was found in curated already) is resolved
 * as replayed; one refused again stays open with the new reason and one more attempt (the reason it
 * was first received with is kept beside it).
 */
export async function recordReplayOutcomes(tx: Queryable, outcomes: ReplayOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const [minSeq, maxSeq] = seqRange(outcomes.map((o) => o.seq));
  const batchIds = [...new Set(outcomes.map((o) => o.batchId))];
  const res = await tx.query<{ letter_id: string; state: string }>(
    `UPDATE replay_items i SET state = o.state, landed = o.landed, duplicates = o.duplicates,
       table_name = o.table_name, snapshot_seq = o.snapshot_seq, reason_code = o.reason_code,
       reason = o.reason, path = o.path, batch_id = o.batch_id, sent_at = rb.sent_at, done_at = ${NOW_UTC}
     FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::int[], $6::text[], $7::int[], $8::text[],
                 $9::text[], $10::text[], $14::text[])
          AS o(job_id, seq, state, landed, duplicates, table_name, snapshot_seq, reason_code, reason, path,
               batch_id)
     JOIN replay_batches rb ON rb.batch_id = o.batch_id
     WHERE i.job_id = ANY($11::text[]) AND i.seq BETWEEN $12 AND $13
       AND i.job_id = o.job_id AND i.seq = o.seq AND i.state = 'queued'
     RETURNING i.letter_id, i.state`,
    [
      outcomes.map((o) => o.jobId),
      outcomes.map((o) => o.seq),
      outcomes.map((o) => o.state),
      outcomes.map((o) => o.landed),
      outcomes.map((o) => o.duplicates),
      outcomes.map((o) => o.tableName),
      outcomes.map((o) => o.snapshotSeq ?? null),
      outcomes.map((o) => o.failure?.reasonCode ?? null),
      outcomes.map((o) => (o.failure ? pgText(o.failure.reason) : null)),
      outcomes.map((o) => (o.failure?.path === undefined ? null : pgText(o.failure.path))),
      [...new Set(outcomes.map((o) => o.jobId))],
      minSeq,
      maxSeq,
      outcomes.map((o) => o.batchId),
    ],
  );
  await tx.query(
    `UPDATE replay_batches SET done_at = ${NOW_UTC} WHERE batch_id = ANY($1::text[]) AND done_at IS NULL`,
    [batchIds],
  );
  const recorded = new Set(res.rows.map((r) => r.letter_id));
  const resolved = outcomes.filter((o) => o.state !== "failed" && recorded.has(o.letterId));
  if (resolved.length > 0) {
    await tx.query(
      `UPDATE dead_letters d SET status = 'replayed', resolved_at = ${NOW_UTC}, replay_job_id = r.job_id
       FROM unnest($1::text[], $2::text[]) AS r(id, job_id)
       WHERE d.id = ANY($1::text[]) AND d.id = r.id AND d.status = 'open'`,
      [resolved.map((o) => o.letterId), resolved.map((o) => o.jobId)],
    );
  }
  const failed = outcomes.filter((o) => o.state === "failed" && o.failure && recorded.has(o.letterId));
  if (failed.length > 0) {
    await tx.query(
      `UPDATE dead_letters d SET attempts = d.attempts + 1,
         received_reason_code = coalesce(d.received_reason_code, d.reason_code),
         received_reason = coalesce(d.received_reason, d.reason),
         received_path = CASE WHEN d.received_reason IS NULL THEN d.path ELSE d.received_path END,
         reason_code = f.reason_code, reason = f.reason, path = f.path, schema_version = f.schema_version,
         replay_job_id = f.job_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
            AS f(id, reason_code, reason, path, schema_version, job_id)
       WHERE d.id = ANY($1::text[]) AND d.id = f.id`,
      [
        failed.map((o) => o.letterId),
        failed.map((o) => o.failure?.reasonCode ?? "REPLAY_FAILED"),
        failed.map((o) => pgText(o.failure?.reason ?? "")),
        failed.map((o) => (o.failure?.path === undefined ? null : pgText(o.failure.path))),
        failed.map((o) => o.failure?.schemaVersion ?? null),
        failed.map((o) => o.jobId),
      ],
    );
  }
}

interface CandidateRow extends Omit<ReplayCandidate, "heldBy"> {
  heldBy: string | null;
}

export async function replayCandidates(
  q: Queryable,
  selection: ReplaySelection,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ items: ReplayCandidate[]; nextCursor: string | undefined }> {
  const params: unknown[] = [];
  // A dry run of ids judges every letter asked for (and says why one cannot be replayed).
  const where = selectionWhere(selection, params);
  params.push(page.limit + 1);
  const limitParam = params.length;
  let after = "";
  if (page.cursor !== undefined) {
    params.push(page.cursor);
    after = ` AND (d.source_id, d.created_at, d.id) > (SELECT c.source_id, c.created_at, c.id FROM dead_letters c WHERE c.id = $${params.length})`;
  }
  const res = await q.query<CandidateRow>(
    `SELECT d.id, d.source_id AS "sourceId", s.slug AS source, s.status::text AS "sourceStatus",
            d.batch_id AS "batchId", b.raw_key AS "batchRawKey", d.event_id AS "eventId",
            d.reason_code AS "reasonCode", d.reason, d.path, d.status::text AS status,
            ${CURRENT_PAYLOAD} AS payload, ${EDITED} AS edited,
            ${HELD_BY} AS "heldBy"
     FROM dead_letters d LEFT JOIN sources s ON s.id = d.source_id LEFT JOIN batches b ON b.id = d.batch_id
     WHERE ${where}${after} ORDER BY ${SEND_ORDER} LIMIT $${limitParam}`,
    params,
  );
  const items = res.rows.slice(0, page.limit);
  return { items, nextCursor: res.rows.length > page.limit ? items.at(-1)?.id : undefined };
}

/** Locks an open letter and refuses when it is not open or an active job holds it. */
async function lockEditable(tx: Queryable, ids: string[], doing: string): Promise<SelectedRow[]> {
  const locked = (
    await tx.query<{ id: string; status: string; source_id: string | null; reason_code: string }>(
      `SELECT d.id, d.status::text AS status, d.source_id, d.reason_code FROM dead_letters d
       WHERE d.id = ANY($1::text[]) ORDER BY d.id FOR NO KEY UPDATE`,
      [ids],
    )
  ).rows;
  const heldBy = await holders(
    tx,
    locked.map((r) => r.id),
  );
  const rows: SelectedRow[] = locked.map((r) => ({
    ...r,
    slug: null,
    source_status: null,
    held_by: heldBy.get(r.id) ?? null,
  }));
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new InletError("NOT_FOUND", `No dead letter with id ${someIds(missing)}`);
  const held = rows.find((r) => r.held_by !== null);
  if (held) {
    throw new InletError(
      "CONFLICT",
      `Dead letter ${held.id} is being replayed by job ${held.held_by}: it cannot be ${doing} until the job ends (or is cancelled)`,
      { jobId: held.held_by },
    );
  }
  const closed = rows.find((r) => r.status !== "open");
  if (closed) {
    throw new InletError(
      "BAD_REQUEST",
      `Dead letter ${closed.id} is ${closed.status}: only open letters can be ${doing}`,
      { field: "id" },
    );
  }
  return rows;
}

export async function recordDeadLetterEdit(
  tx: Queryable,
  letterId: string,
  payload: string,
  actor: { id: string | undefined; email: string },
): Promise<{ at: Date }> {
  await lockEditable(tx, [letterId], "edited");
  const res = await tx.query<{ at: Date }>(
    `INSERT INTO dead_letter_edits (letter_id, payload, actor_id, actor_email, created_at)
     VALUES ($1, $2, $3, $4, ${NOW_UTC}) RETURNING created_at AT TIME ZONE 'UTC' AS at`,
    [letterId, pgText(payload), actor.id ?? null, actor.email],
  );
  return { at: new Date(res.rows[0]!.at) };
}

export async function discardDeadLetters(
  tx: Queryable,
  ids: string[],
  reason: string,
  actor: { id: string | undefined; email: string },
): Promise<{ id: string; sourceId: string | null }[]> {
  const unique = [...new Set(ids)];
  const rows = await lockEditable(tx, unique, "discarded");
  await tx.query(
    `UPDATE dead_letters SET status = 'discarded', resolved_at = ${NOW_UTC}, discarded_by_email = $2,
       discard_reason = $3
     WHERE id = ANY($1::text[])`,
    [unique, actor.email, pgText(reason)],
  );
  return rows.map((r) => ({ id: r.id, sourceId: r.source_id }));
}
