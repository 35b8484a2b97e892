// Judging a batch's events at ingest, against the source's active schema version, in the pass that
// checks the body (so each NDJSON line is parsed once, by the API): the events that cannot be stored
// become dead letters recorded with the batch, and the batch row notes the version and their indexes.
// The worker, finding that version still active, stores the other events without parsing or
// validating them again; after a new version registers it judges them itself (process/source-group).
import { bytesMayHoldSurrogateEscape } from "../json/lone-surrogates";
import type { NewDeadLetter } from "../ports/catalog";
import type { LoadedSource } from "../schema/source-schema";
import type { ParsedLineHook } from "./batch-check";
import { iterateEvents, ndjsonEventReader } from "./batch-events";
import {
  type BatchFormat,
  CURATED_META_KEYS,
  type EnvelopeEvent,
  type EventProblem,
  isRecord,
} from "./envelope";
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
  /** An NDJSON batch's accepted events as the worker needs them, read without parsing the lines. */
  events?: JudgedEvents;
}

/**
 * An NDJSON batch's accepted events, in order, as parallel arrays: each one's index among the batch's
 * lines, its id, its time (milliseconds and the microseconds within), and whether the worker must
 * parse that line after all to build its row (a payload key named like a meta column, or a possible
 * unpaired surrogate escape). Kept beside the raw object (judgedEventsKey) until the batch is
 * committed; the raw object itself stays the body as sent.
 */
export interface JudgedEvents {
  v: 1;
  index: number[];
  id: string[];
  ms: number[];
  micros: number[];
  /** Indexes (into the batch's lines) of the events whose rows need their line parsed. */
  parse: number[];
}

/** Where a batch's judged events are kept: beside its raw object. */
export function judgedEventsKey(rawKey: string): string {
  return `${rawKey}.judged.json`;
}

export function encodeJudgedEvents(events: JudgedEvents): Uint8Array {
  return Buffer.from(JSON.stringify(events));
}

/** The judged events of a batch as stored, or undefined when the bytes are not such a record. */
export function decodeJudgedEvents(bytes: Uint8Array): JudgedEvents | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const e = value as Partial<JudgedEvents>;
  const n = e.index?.length;
  if (e.v !== 1 || n === undefined || !Array.isArray(e.index) || !Array.isArray(e.parse)) return undefined;
  if (!Array.isArray(e.id) || !Array.isArray(e.ms) || !Array.isArray(e.micros)) return undefined;
  if (e.id.length !== n || e.ms.length !== n || e.micros.length !== n) return undefined;
  return e as JudgedEvents;
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
  private readonly events: JudgedEvents = { v: 1, index: [], id: [], ms: [], micros: [], parse: [] };
  /** True while every event seen is an NDJSON line (the events are kept for the worker only then). */
  private lines = true;

  constructor(
    private readonly judge: AcceptJudge,
    private readonly body: Uint8Array,
  ) {}

  event(ev: EnvelopeEvent): void {
    const rejected = eventRejection(ev, this.judge.source, this.body);
    if (!rejected) {
      this.keep(ev);
      return;
    }
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
      ...(this.lines ? { events: this.events } : {}),
    };
  }

  private keep(ev: EnvelopeEvent): void {
    if (ev.line === undefined || ev.start === undefined || ev.end === undefined) {
      this.lines = false;
      return;
    }
    const e = this.events;
    e.index.push(ev.index);
    e.id.push(ev.id);
    e.ms.push(ev.time.getTime());
    e.micros.push(ev.timeMicros);
    if (bytesMayHoldSurrogateEscape(this.body, ev.start, ev.end) || holdsMetaKey(ev.payload)) {
      e.parse.push(ev.index);
    }
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

function holdsMetaKey(payload: unknown): boolean {
  return isRecord(payload) && CURATED_META_KEYS.some((k) => Object.hasOwn(payload, k));
}
