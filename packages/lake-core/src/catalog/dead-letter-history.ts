// A dead letter's history from the catalog's own rows: when it was received (and why), each edit and
// by whom, each replay job that took it with the batch that carried it and what became of it (landed
// in which snapshot, a duplicate, refused again), the reprocess from raw that landed its event, and
// its discard.
import type { DeadLetterHistoryEntry } from "../ports/replay-catalog";
import type { Queryable } from "./transaction";

interface LetterRow {
  created_at: Date;
  batch_id: string | null;
  reason_code: string;
  reason: string;
  status: string;
  resolved_at: Date | null;
  discarded_by_email: string | null;
  discard_reason: string | null;
  reprocess_job_id: string | null;
  reprocess_by: string | null;
  reprocess_seq: number | null;
  table_name: string | null;
}

interface ItemRow {
  job_id: string;
  job_created_at: Date;
  requested_by_email: string;
  state: string;
  batch_id: string | null;
  landed: number;
  duplicates: number;
  table_name: string | null;
  snapshot_seq: number | null;
  reason_code: string | null;
  reason: string | null;
  path: string | null;
  sent_at: Date | null;
  done_at: Date | null;
}

export async function deadLetterHistory(
  q: Queryable,
  id: string,
): Promise<DeadLetterHistoryEntry[] | undefined> {
  const letter = (
    await q.query<LetterRow>(
      `SELECT d.created_at AT TIME ZONE 'UTC' AS created_at, d.batch_id,
              coalesce(received_reason_code, reason_code) AS reason_code,
              coalesce(received_reason, reason) AS reason, d.status::text AS status,
              d.resolved_at AT TIME ZONE 'UTC' AS resolved_at, discarded_by_email, discard_reason,
              d.reprocess_job_id, r.requested_by_email AS reprocess_by, r.snapshot_seq AS reprocess_seq,
              'curated.' || s.slug AS table_name
       FROM dead_letters d LEFT JOIN reprocess_jobs r ON r.id = d.reprocess_job_id
       LEFT JOIN sources s ON s.id = d.source_id
       WHERE d.id = $1`,
      [id],
    )
  ).rows[0];
  if (!letter) return undefined;
  const edits = await q.query<{ at: Date; actor_email: string }>(
    `SELECT created_at AT TIME ZONE 'UTC' AS at, actor_email FROM dead_letter_edits
     WHERE letter_id = $1 ORDER BY id`,
    [id],
  );
  const items = await q.query<ItemRow>(
    // An item sent and waiting for its outcome is still queued: its replay batch's row names the batch.
    `SELECT i.job_id, j.created_at AT TIME ZONE 'UTC' AS job_created_at, j.requested_by_email, i.state,
            coalesce(i.batch_id, rb.batch_id) AS batch_id, i.landed, i.duplicates, i.table_name,
            i.snapshot_seq, i.reason_code, i.reason, i.path,
            coalesce(i.sent_at, rb.sent_at) AT TIME ZONE 'UTC' AS sent_at, i.done_at AT TIME ZONE 'UTC' AS done_at
     FROM replay_items i JOIN replay_jobs j ON j.id = i.job_id
     LEFT JOIN LATERAL (
       SELECT b.batch_id, b.sent_at FROM replay_batches b
       WHERE i.state = 'queued' AND i.seq <= j.cursor AND b.job_id = i.job_id AND b.done_at IS NULL
         AND i.seq = ANY(b.seqs)
       LIMIT 1
     ) rb ON true
     WHERE i.letter_id = $1 ORDER BY j.created_at, j.id`,
    [id],
  );

  const out: DeadLetterHistoryEntry[] = [
    {
      at: new Date(letter.created_at),
      kind: "received",
      batchId: letter.batch_id,
      reasonCode: letter.reason_code,
      reason: letter.reason,
    },
  ];
  for (const e of edits.rows) out.push({ at: new Date(e.at), kind: "edited", by: e.actor_email });
  for (const i of items.rows) {
    const jobId = i.job_id;
    out.push({ at: new Date(i.job_created_at), kind: "replay_queued", jobId, by: i.requested_by_email });
    if (i.sent_at && i.batch_id) {
      out.push({ at: new Date(i.sent_at), kind: "replay_sent", jobId, batchId: i.batch_id });
    }
    if (!i.done_at) continue;
    const at = new Date(i.done_at);
    if (i.state === "landed") {
      out.push({
        at,
        kind: "landed",
        jobId,
        batchId: i.batch_id,
        table: i.table_name,
        snapshotSeq: i.snapshot_seq === null ? null : Number(i.snapshot_seq),
        events: Number(i.landed),
      });
    } else if (i.state === "duplicate") {
      out.push({ at, kind: "duplicate", jobId, batchId: i.batch_id, events: Number(i.duplicates) });
    } else if (i.state === "failed") {
      out.push({
        at,
        kind: "failed_again",
        jobId,
        batchId: i.batch_id,
        reasonCode: i.reason_code,
        reason: i.reason,
        path: i.path,
      });
    } else if (i.state === "skipped") {
      out.push({ at, kind: "skipped", jobId, reason: i.reason });
    }
  }
  if (letter.reprocess_job_id !== null && letter.resolved_at) {
    out.push({
      at: new Date(letter.resolved_at),
      kind: "reprocessed",
      jobId: letter.reprocess_job_id,
      by: letter.reprocess_by,
      table: letter.table_name,
      snapshotSeq: letter.reprocess_seq === null ? null : Number(letter.reprocess_seq),
    });
  }
  if (letter.status === "discarded" && letter.resolved_at) {
    out.push({
      at: new Date(letter.resolved_at),
      kind: "discarded",
      by: letter.discarded_by_email,
      reason: letter.discard_reason,
    });
  }
  // Stable: entries at the same instant keep the order they were added in (queued before sent).
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i)
    .map((x) => x.e);
}
