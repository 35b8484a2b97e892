// The envelope's vocabulary shared by ingest (checks) and the worker (storage): batch formats, an event
// with its derived identity, and the problems an event or a body can have.
import { InletError } from "../errors";
import type { ByteSpan } from "../json/json-spans";

export type BatchFormat = "ndjson" | "cloudevents-batch" | "cloudevents";
export const BATCH_FORMATS: readonly BatchFormat[] = ["ndjson", "cloudevents-batch", "cloudevents"];

/** Where a plain JSON (NDJSON) event keeps its id and time: dotted paths, e.g. "meta.eventId". */
export interface EnvelopeSource {
  idField: string;
  timeField: string;
}

export interface CloudEventAttributes {
  type: string;
  source: string;
  subject?: string;
}

export interface EnvelopeEvent {
  /** 0-based position among the batch's events (blank NDJSON lines do not count). */
  index: number;
  /** The event's id as the producer sent it (or the assigned one); what curated `_event_id` holds. */
  id: string;
  /**
   * The key the event is deduplicated by within its Inlet source. NDJSON: the id. CloudEvents: ids are
   * unique per `source` attribute only, so a producer-sent id is qualified as `${source}\u001f${id}`.
   */
  dedupeId: string;
  time: Date;
  /** Microseconds within `time`'s millisecond (0..999), as sent: a Date holds milliseconds only. */
  timeMicros: number;
  /**
   * NDJSON: the whole object. CloudEvents: `data`; else `data_base64` decoded as UTF-8 text (parsed when
   * that text is JSON); null when neither is present.
   */
  payload: unknown;
  /** True when the batch carried no usable id and `${batchId}:${index}` was assigned. */
  idAssigned: boolean;
  /** True when the batch carried no usable time and receivedAt was used. */
  timeAssigned: boolean;
  /** CloudEvents only. */
  attributes?: CloudEventAttributes;
  /**
   * The payload's JSON text when it is not in the body as sent: the NDJSON line (also spanned by
   * start/end), or a CloudEvent's data_base64 decoded. Used so the payload need not be stringified
   * again.
   */
  text?: string;
  /** NDJSON only: 1-based line number in the batch. */
  line?: number;
  /** CloudEvents only: the byte span of the whole event in the body (what its dead letter keeps). */
  eventSpan?: ByteSpan;
  /**
   * The byte span in the body of the payload's text as sent: the NDJSON line, or a CloudEvent's `data`
   * value (absent for data_base64).
   */
  start?: number;
  end?: number;
}

/** The curated table's columns every row gets from its event's identity; a payload key of that name is left out. */
export const CURATED_META_KEYS = ["_event_id", "_event_time", "_ingested_at", "_batch_id"] as const;

export type EnvelopeProblemCode =
  | "MALFORMED_JSON"
  | "INVALID_CLOUDEVENT"
  | "EVENT_TOO_LARGE"
  | "BATCH_TOO_LARGE"
  | "EMPTY_BATCH";

/**
 * Codes of problems with single events that dead-letter the event, not the batch (found by the ingest
 * API when it judges the batch against the source, else by the worker).
 */
export type EventProblemCode = EnvelopeProblemCode | "INVALID_EVENT_ID";

export interface EnvelopeProblem<Code extends EventProblemCode = EnvelopeProblemCode> {
  code: Code;
  message: string;
  /** 0-based event index, when the problem is one event's. */
  index?: number;
  /** 1-based line of the body. */
  line?: number;
  /** Attribute at fault (CloudEvents), e.g. "type" or, in binary mode, "ce-type". */
  field?: string;
  /** EVENT_TOO_LARGE: the event's size; BATCH_TOO_LARGE: the event count. */
  actual?: number;
  limit?: number;
  /** The offending event's text when it can be cut out of the body (NDJSON lines). */
  text?: string;
  /** The offending event when it parsed (CloudEvents batches). */
  value?: unknown;
}

/** A problem iterateEvents reports: an envelope problem, or one only the worker checks. */
export type EventProblem = EnvelopeProblem<EventProblemCode>;

export class EnvelopeError extends InletError {
  readonly problem: EventProblem;
  constructor(problem: EventProblem) {
    super("BAD_REQUEST", problem.message, { ...problem });
    this.name = "EnvelopeError";
    this.problem = problem;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Thousands separators, so limits read at a glance: 1,048,576. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
