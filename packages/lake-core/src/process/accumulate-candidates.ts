// Accumulating a group's candidate rows: each batch's events are read from its raw bytes, judged,
// deduplicated within the group, and held as parallel columns; rejected events become dead letters.
import { errorMessage } from "../errors";
import { type JudgedEvents, judgedVersion } from "../ingest/accept-judgement";
import { iterateEvents, ndjsonEventReader } from "../ingest/batch-events";
import { pointerOfPath } from "../ingest/event-fields";
import { ndjsonLines, parseLine } from "../ingest/json-body";
import type { BatchOutcome, NewDeadLetter } from "../ports/catalog";
import type { ReceivedMessage } from "../ports/queue";
import type { LoadedSource } from "../schema/source-schema";
import type { CandidateRows, PreparedPayload } from "./curated-lines";
import { eventText, judgedLinePayload, judgeEvent, problemPayload } from "./judge-event";
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
  bodies: {
    b: PendingBatch;
    body: Uint8Array | undefined;
    error: string | undefined;
    /** The events ingest judged (see readJudgedEvents): their rows are built without parsing lines. */
    judged?: JudgedEvents | undefined;
  }[],
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

  for (const { b, body, error, judged: judgedEvents } of bodies) {
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
    const lines =
      judgedEvents && judged && format === "ndjson" && !replay
        ? judgedLines(body, judgedEvents, rejectedAtAccept)
        : undefined;
    try {
      // The fast path: ids and times as ingest read them, rows from the lines' bytes, no JSON.parse
      // and no validation (but for the few lines judgedEvents.parse names).
      if (lines && judgedEvents) {
        outcome.rejected += rejectedAtAccept.size;
        const mustParse = new Set(judgedEvents.parse);
        const read = ndjsonEventReader({ source, batchId: b.batchId, receivedAt: b.receivedAt });
        const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        for (let k = 0; k < judgedEvents.index.length; k += 1) {
          const id = judgedEvents.id[k]!;
          const index = judgedEvents.index[k]!;
          const start = lines.starts[k]!;
          const end = lines.ends[k]!;
          let payload: PreparedPayload;
          if (mustParse.has(index)) {
            const span = { line: lines.lineNos[k]!, start, end };
            const line = parseLine(buf, span, index, true);
            const ev = line.ok ? read(line.value, line.text, span, index) : undefined;
            if (!ev || "code" in ev) throw new Error(`line ${span.line} no longer reads as ingest judged it`);
            const verdict = judgeEvent(ev, source, body, true);
            if (verdict.rejected) {
              const { code, reason, path } = verdict.rejected;
              reject(ev.id, code, reason, path, eventText(ev, body), source.schemaVersion);
              continue;
            }
            payload = verdict.payload;
          } else {
            payload = judgedLinePayload(source.schema, body, start);
          }
          if (inGroup.has(id)) {
            outcome.duplicates += 1;
            continue;
          }
          inGroup.add(id);
          ids.push(id);
          dedupeIds.push(id);
          times.push(new Date(judgedEvents.ms[k]!));
          micros.push(judgedEvents.micros[k]!);
          payloads.push(payload);
          starts.push(start);
          ends.push(end);
          owner.push(batchIndex);
        }
      }
      for (const ev of lines
        ? []
        : iterateEvents({
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
                refusedAsReplayed(replay, problem.index, {
                  code: problem.code,
                  reason: problem.message,
                  path,
                })
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

/**
 * The byte spans (and line numbers) of the lines ingest judged, in its order; undefined when the body
 * does not hold them as its record says (then the batch is judged here).
 */
function judgedLines(
  body: Uint8Array,
  judged: JudgedEvents,
  rejected: ReadonlySet<number>,
): { starts: number[]; ends: number[]; lineNos: number[] } | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  const lineNos: number[] = [];
  let index = 0;
  for (const span of ndjsonLines(Buffer.from(body.buffer, body.byteOffset, body.byteLength))) {
    if (!rejected.has(index)) {
      if (judged.index[starts.length] !== index) return undefined;
      starts.push(span.start);
      ends.push(span.end);
      lineNos.push(span.line);
    }
    index += 1;
  }
  return starts.length === judged.index.length ? { starts, ends, lineNos } : undefined;
}
