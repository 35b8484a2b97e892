// Accumulating a group's candidate rows: each batch's events are read from its raw bytes, judged,
// deduplicated within the group, and held as parallel columns; rejected events become dead letters.
import { errorMessage } from "../errors";
import { judgedVersion } from "../ingest/accept-judgement";
import { iterateEvents } from "../ingest/batch-events";
import { pointerOfPath } from "../ingest/event-fields";
import type { BatchOutcome, NewDeadLetter } from "../ports/catalog";
import type { ReceivedMessage } from "../ports/queue";
import type { LoadedSource } from "../schema/source-schema";
import type { CandidateRows } from "./curated-lines";
import { eventText, judgeEvent, problemPayload } from "./judge-event";
import type { PendingBatch } from "./process-outcome";
import { rawBatchFormat } from "./read-raw-batch";
import { type ReplayTracking, refusedAsReplayed, replayTracking } from "./replay-outcomes";

/** A batch read and split: its candidate events are held in the group's column arrays. */
export interface ParsedBatch {
  batch: PendingBatch;
  body: Uint8Array;
  deadLetters: NewDeadLetter[];
  outcome: BatchOutcome;
  /** A replay batch: its letters and where each of its events went. */
  replay?: ReplayTracking;
}

export interface GroupCandidates {
  /** The batches that could be read, in the order their rows were added. */
  parsed: ParsedBatch[];
  cols: CandidateRows;
  /** The key each candidate is deduplicated by (see EnvelopeEvent.dedupeId). */
  dedupeIds: string[];
}

/**
 * Reads every batch of the group into one set of candidate rows. A batch that cannot be read or
 * parsed is handed back (nack) and contributes nothing, so the others go on.
 */
export async function accumulateCandidates(
  source: LoadedSource,
  bodies: { b: PendingBatch; body: Uint8Array | undefined; error: string | undefined }[],
  nack: (msg: ReceivedMessage, error: string) => Promise<void>,
): Promise<GroupCandidates> {
  const sourceId = source.id;
  // Candidate events as parallel columns: cheaper than one object per event.
  const cols: CandidateRows = {
    ids: [],
    times: [],
    micros: [],
    payloads: [],
    starts: [],
    ends: [],
    owner: [],
    bodies: [],
  };
  const { ids, times, micros, payloads, starts, ends, owner } = cols;
  const dedupeIds: string[] = [];
  const inGroup = new Set<string>();
  const parsed: ParsedBatch[] = [];

  for (const { b, body, error } of bodies) {
    if (!body) {
      await nack(b.msg, error ?? "raw object missing");
      continue;
    }
    const deadLetters: NewDeadLetter[] = [];
    const outcome: BatchOutcome = { accepted: 0, rejected: 0, duplicates: 0 };
    const replay = b.replay ? replayTracking(b.replay) : undefined;
    // Events ingest dead-lettered are neither stored nor dead-lettered again, whatever the version now;
    // the others need no judging while the version ingest judged them against is still active.
    const rejectedAtAccept = new Set(b.rejectedAtAccept);
    const judged =
      b.validatedSchemaVersion !== undefined && b.validatedSchemaVersion === judgedVersion(source);
    const reject = (
      eventId: string | undefined,
      reasonCode: string,
      reason: string,
      path: string | undefined,
      payload: string,
      schemaVersion?: number,
    ) => {
      outcome.rejected += 1;
      deadLetters.push({
        sourceId,
        batchId: b.batchId,
        eventId,
        reasonCode,
        reason,
        path,
        payload,
        attempts: b.msg.receiveCount,
        schemaVersion,
      });
    };
    const batchIndex = parsed.length;
    const firstCandidate = ids.length;
    let unparseable: string | undefined;
    const format = rawBatchFormat(b.rawKey, body);
    if (format === undefined) {
      await nack(b.msg, `raw object ${b.rawKey} has no known batch format (expected .ndjson or .json)`);
      continue;
    }
    try {
      for (const ev of iterateEvents({
        body,
        format,
        source,
        batchId: b.batchId,
        receivedAt: b.receivedAt,
        ...(replay ? { assignedId: (index: number) => replay.assigned[index] } : {}),
        onInvalid: (problem) => {
          // A body that is not JSON at all has no events to dead-letter one by one: the batch is poison.
          if (
            problem.index === undefined &&
            (problem.code === "MALFORMED_JSON" || format === "cloudevents-batch")
          ) {
            unparseable = problem.message;
            return;
          }
          if (rejectedAtAccept.has(problem.index ?? 0)) {
            outcome.rejected += 1;
            return;
          }
          const path =
            problem.code === "INVALID_EVENT_ID" && problem.field !== undefined
              ? pointerOfPath(problem.field)
              : undefined;
          if (
            refusedAsReplayed(replay, problem.index, { code: problem.code, reason: problem.message, path })
          ) {
            outcome.rejected += 1;
            return;
          }
          reject(undefined, problem.code, problem.message, path, problemPayload(problem));
        },
      })) {
        if (rejectedAtAccept.has(ev.index)) {
          outcome.rejected += 1;
          continue;
        }
        const verdict = judgeEvent(ev, source, body, judged);
        if (verdict.rejected) {
          const { code, reason, path } = verdict.rejected;
          if (
            refusedAsReplayed(replay, ev.index, { code, reason, path, schemaVersion: source.schemaVersion })
          ) {
            outcome.rejected += 1;
            continue;
          }
          // The schema it was judged against: the grouped view tells letters of each version apart.
          reject(ev.id, code, reason, path, eventText(ev, body), source.schemaVersion);
          continue;
        }
        if (inGroup.has(ev.dedupeId)) {
          outcome.duplicates += 1;
          replay?.duplicates.add(ev.index);
          continue;
        }
        inGroup.add(ev.dedupeId);
        replay?.rows.set(ev.index, ids.length);
        ids.push(ev.id);
        dedupeIds.push(ev.dedupeId);
        times.push(ev.time);
        micros.push(ev.timeMicros);
        payloads.push(verdict.payload);
        starts.push(ev.start ?? -1);
        ends.push(ev.end ?? -1);
        owner.push(batchIndex);
      }
    } catch (err) {
      unparseable = errorMessage(err);
    }
    if (unparseable !== undefined) {
      // Roll this batch's candidates back out of the group so its ids can be taken by no one.
      for (let i = firstCandidate; i < ids.length; i++) inGroup.delete(dedupeIds[i]!);
      ids.length = dedupeIds.length = firstCandidate;
      times.length = micros.length = payloads.length = firstCandidate;
      starts.length = ends.length = owner.length = firstCandidate;
      await nack(b.msg, `raw object ${b.rawKey} is unparseable: ${unparseable}`);
      continue;
    }
    parsed.push({ batch: b, body, deadLetters, outcome, ...(replay ? { replay } : {}) });
    cols.bodies.push(body);
  }
  return { parsed, cols, dedupeIds };
}
