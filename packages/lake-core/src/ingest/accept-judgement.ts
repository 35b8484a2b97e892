// Judging a batch's events at ingest, against the source's active schema version, in the pass that
// checks the body (so each NDJSON line is parsed once, by the API): the events that cannot be stored
// become dead letters recorded with the batch, and the batch row notes the version and their indexes.
// The worker, finding that version still active, stores the other events without parsing or
// validating them again; after a new version registers it judges them itself (process/source-group).
import type { NewDeadLetter } from "../ports/catalog";
import type { LoadedSource } from "../schema/source-schema";
import type { ParsedLineHook } from "./batch-check";
import { iterateEvents, ndjsonEventReader } from "./batch-events";
import type { BatchFormat, EnvelopeEvent, EventProblem } from "./envelope";
import { eventRejection, eventText, problemPath, problemPayload } from "./event-rejection";

/** What ingest needs to judge a batch: the source with its active schema, and the batch's identity. */
export interface AcceptJudge {
  source: LoadedSource;
  /** The id the batch will be accepted under: an event without an id is given `${batchId}:${index}`. */
  batchId: string;
  receivedAt: Date;
}

/** The verdicts on a batch's events (see NewBatch.validated). */
export interface AcceptJudgement {
  /** The schema version judged against; 0 for a source without a schema. */
  schemaVersion: number;
  rejectedIndexes: number[];
  deadLetters: NewDeadLetter[];
}

/** The version number a batch's judgement is recorded under (0: the source has no schema). */
export function judgedVersion(source: LoadedSource): number {
  return source.schemaVersion ?? 0;
}

/**
 * Collects verdicts event by event. Letters are those the worker would write for the same events
 * (code, reason, JSON pointer, payload text, schema version), with attempt 1.
 */
export class BatchJudgement {
  private readonly rejectedIndexes: number[] = [];
  private readonly deadLetters: NewDeadLetter[] = [];
  /** Set when a problem is the whole body's, not one event's: ingest then leaves judging to the worker. */
  private wholeBody = false;

  constructor(
    private readonly judge: AcceptJudge,
    private readonly body: Uint8Array,
  ) {}

  event(ev: EnvelopeEvent): void {
    const rejected = eventRejection(ev, this.judge.source, this.body);
    if (!rejected) return;
    this.reject(ev.index, {
      eventId: ev.id,
      reasonCode: rejected.code,
      reason: rejected.reason,
      path: rejected.path,
      payload: eventText(ev, this.body),
      schemaVersion: this.judge.source.schemaVersion,
    });
  }

  problem(problem: EventProblem, index: number | undefined): void {
    if (index === undefined) {
      this.wholeBody = true;
      return;
    }
    this.reject(index, {
      eventId: undefined,
      reasonCode: problem.code,
      reason: problem.message,
      path: problemPath(problem),
      payload: problemPayload(problem),
    });
  }

  result(): AcceptJudgement | undefined {
    if (this.wholeBody) return undefined;
    return {
      schemaVersion: judgedVersion(this.judge.source),
      rejectedIndexes: this.rejectedIndexes,
      deadLetters: this.deadLetters,
    };
  }

  private reject(index: number, letter: Omit<NewDeadLetter, "sourceId" | "batchId" | "attempts">): void {
    this.rejectedIndexes.push(index);
    this.deadLetters.push({
      sourceId: this.judge.source.id,
      batchId: this.judge.batchId,
      attempts: 1,
      ...letter,
    });
  }
}

/** A hook for checkBatch that judges each NDJSON line as it is checked. */
export function judgeNdjsonLines(judgement: BatchJudgement, judge: AcceptJudge): ParsedLineHook {
  const read = ndjsonEventReader(judge);
  return (value, text, span, index) => {
    const event = read(value, text, span, index);
    if ("code" in event) judgement.problem(event, index);
    else judgement.event(event);
  };
}

/**
 * Judges a CloudEvents body (structured or batch) after checkBatch accepted it. It parses the body
 * once more: the single parse is NDJSON's (judgeNdjsonLines), the format producers send in bulk.
 */
export function judgeCloudEvents(
  body: Uint8Array,
  format: BatchFormat,
  judge: AcceptJudge,
): AcceptJudgement | undefined {
  const judgement = new BatchJudgement(judge, body);
  for (const ev of iterateEvents({
    body,
    format,
    source: judge.source,
    batchId: judge.batchId,
    receivedAt: judge.receivedAt,
    // As the worker reads them: a problem without an index is the body's, except a single event's.
    onInvalid: (problem) =>
      judgement.problem(
        problem,
        problem.index === undefined && (problem.code === "MALFORMED_JSON" || format === "cloudevents-batch")
          ? undefined
          : (problem.index ?? 0),
      ),
  })) {
    judgement.event(ev);
  }
  return judgement.result();
}
