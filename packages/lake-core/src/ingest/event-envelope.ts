// Event identity shared by ingest (checks) and the worker (storage): splits a raw batch into events and
// derives each one's id, time, payload and CloudEvents attributes by one set of rules.
import { isUtf8 } from "node:buffer";
import { InletError } from "../errors";
import { locateJsonError } from "../json/json-error-location";
import { escapePointerToken } from "../json/json-pointer";
import { arrayElementSpans, type ByteSpan, cloudEventDataSpans } from "../json/json-spans";

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

export type EnvelopeProblemCode =
  | "MALFORMED_JSON"
  | "INVALID_CLOUDEVENT"
  | "EVENT_TOO_LARGE"
  | "BATCH_TOO_LARGE"
  | "EMPTY_BATCH";

/**
 * Codes of problems with single events that only the worker reports (ingest does not know the source's
 * id field, so it accepts the batch and the worker dead-letters the event).
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

// ---- dotted paths, ids and times -------------------------------------------------------------------

/**
 * A reader for a dotted path ("a.b.0.c"): a key spelled exactly like the whole path wins, then the
 * path is followed through objects (own keys only) and arrays (numeric segments).
 */
export function compilePath(path: string): (value: unknown) => unknown {
  if (path === "") return () => undefined;
  const parts = path.split(".");
  return (value) => {
    if (!isRecord(value)) return undefined;
    if (Object.hasOwn(value, path)) return value[path];
    if (parts.length === 1) return undefined;
    let current: unknown = value;
    for (const part of parts) {
      if (Array.isArray(current)) {
        if (!/^\d+$/.test(part)) return undefined;
        current = current[Number(part)];
      } else if (isRecord(current) && Object.hasOwn(current, part)) {
        current = current[part];
      } else {
        return undefined;
      }
    }
    return current;
  };
}

/** A dotted path ("meta.eventId") as the JSON pointer of the value compilePath reads ("/meta/eventId"). */
export function pointerOfPath(path: string, value?: unknown): string {
  if (isRecord(value) && Object.hasOwn(value, path)) return `/${escapePointerToken(path)}`;
  return path
    .split(".")
    .map((part) => `/${escapePointerToken(part)}`)
    .join("");
}

export function getPath(value: unknown, path: string): unknown {
  return compilePath(path)(value);
}

/**
 * A usable event id: a non-empty string, or a safe integer (|n| <= 2^53 - 1) written in decimal. The
 * number 1 and the string "1" are the same id on purpose (one producer may switch representations).
 * Other numbers are not usable (see eventIdProblem): JSON.parse cannot keep them exact, so distinct ids
 * above 2^53 (or fractions) would collapse into one and all but one event would be dropped as duplicates.
 */
export function eventIdFrom(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * Why an id value present in the event cannot be used, or undefined when it can be used or is absent
 * (then an id is assigned). `field` names the id field in the message.
 */
export function eventIdProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== "number" || Number.isSafeInteger(value)) return undefined;
  return `event id field "${field}" is a number that cannot be represented exactly (not an integer of at most 2^53 - 1 = 9007199254740991); ids above 2^53 or with fractions must be sent as JSON strings`;
}

const ISO_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const MAX_EPOCH_MS = 8.64e15;

/**
 * A usable event time: an ISO 8601 date or date-time string (no zone means UTC, so the result does not
 * depend on the machine's time zone) or a number of milliseconds since the Unix epoch.
 */
export function eventTimeFrom(value: unknown): Date | undefined {
  if (typeof value === "number") {
    // Floored, not truncated: -1.5 ms is 2 ms before the epoch plus 500 µs (subMillisecondMicros).
    return Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS
      ? new Date(Math.floor(value))
      : undefined;
  }
  if (typeof value !== "string") return undefined;
  const fast = utcTimeFast(value);
  if (fast !== undefined) return new Date(fast);
  const m = ISO_TIME.exec(value);
  if (!m) return undefined;
  const [, date, clock, zone] = m;
  let offset = "Z";
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2) || "00"}`;
  }
  const iso = `${date}T${(clock ?? "00:00").replace(",", ".")}${offset}`;
  if (!validCalendarTime(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * The microseconds within the millisecond of an event time as sent (the fraction's 4th to 6th digits;
 * finer digits are cut, as a timestamp column holds microseconds), for a time eventTimeFrom read.
 */
export function subMillisecondMicros(value: unknown): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return 0;
    return Math.min(999, Math.round((value - Math.floor(value)) * 1000));
  }
  if (typeof value !== "string") return 0;
  const fraction = SECONDS_FRACTION.exec(value)?.[1];
  return fraction === undefined || fraction.length <= 3 ? 0 : Number(fraction.slice(3, 6).padEnd(3, "0"));
}

const SECONDS_FRACTION = /:\d\d[.,](\d+)/;

/** The decimal value of the `n` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i += 1) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * Milliseconds of the form producers send most, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (years 1000..9999),
 * read without regular expressions; undefined for anything else, which the general path then reads.
 * Same result as that path: fractions are truncated to milliseconds, impossible dates are refused.
 */
function utcTimeFast(s: string): number | undefined {
  const len = s.length;
  if (len < 20 || (s.charCodeAt(len - 1) | 0x20) !== 0x7a) return undefined; // ends in Z or z
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || (s.charCodeAt(10) | 0x20) !== 0x74)
    return undefined;
  if (s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let ms = 0;
  if (len > 20) {
    const sep = s.charCodeAt(19);
    if (sep !== 0x2e && sep !== 0x2c) return undefined;
    const digits = len - 21;
    if (digits < 1 || digitsAt(s, 20, digits) < 0) return undefined;
    ms = digitsAt(s, 20, Math.min(3, digits)) * (digits >= 3 ? 1 : digits === 2 ? 10 : 100);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

const CALENDAR_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?(?:[Zz]|[+-](\d{2}):?(\d{2}))?$/;

/**
 * True when every field of an ISO 8601 date-time names a real instant: Date.parse rolls impossible
 * dates over ("2024-02-30" becomes March 1st), so the month, day, hour, minute, second and offset are
 * checked against their ranges here first.
 */
function validCalendarTime(iso: string): boolean {
  const m = CALENDAR_PARTS.exec(iso);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (UTC, so no zone or DST effects).
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : daysInMonth)) return false;
  if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return true;
}

/** An RFC 3339 timestamp (the CloudEvents `time` attribute) as a Date, or undefined when it is not one. */
export function rfc3339Time(value: string): Date | undefined {
  if (!RFC3339.test(value) || !validCalendarTime(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

// ---- CloudEvents attributes --------------------------------------------------------------------------

/** CloudEvents attribute names: lowercase ASCII letters and digits. */
export const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LEAP_SECOND_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:60(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export interface AttributeProblem {
  field: string;
  message: string;
}

/**
 * The CloudEvents 1.0 checks ingest applies: specversion "1.0", non-empty type and source, id a non-empty
 * string when present (assigned when absent), subject a string, time RFC 3339, not both data forms.
 * `label` names attributes in messages (binary mode says "ce-type" where JSON says "type").
 */
export function checkCloudEvent(
  event: unknown,
  label: (attribute: string) => string = (a) => `"${a}"`,
  /**
   * Ingest's checks (the default). The worker passes false: it still reads batches accepted before
   * ingest required an id, checked attribute names, data_base64 and the source's characters.
   */
  opts: { atIngest?: boolean } = {},
): AttributeProblem | undefined {
  const atIngest = opts.atIngest !== false;
  if (!isRecord(event)) return { field: "", message: `is ${describeJson(event)}, not a JSON object` };
  const missing = (a: string): AttributeProblem => ({
    field: a,
    message: `missing required attribute ${label(a)}`,
  });
  const spec = event.specversion;
  if (spec === undefined || spec === null) return missing("specversion");
  if (spec !== "1.0") {
    return {
      field: "specversion",
      message: `${label("specversion")} must be "1.0" (got ${preview(spec)})`,
    };
  }
  // CloudEvents 1.0 requires id: producers retry with the same id, which is what deduplication keys on.
  for (const a of ["id", "source", "type"] as const) {
    const v = event[a];
    if ((v === undefined || v === null) && a === "id" && !atIngest) continue;
    if (v === undefined || v === null) return missing(a);
    if (typeof v !== "string" || v === "") {
      return { field: a, message: `${label(a)} must be a non-empty string (got ${preview(v)})` };
    }
  }
  // A URI-reference holds no control character; a dedupe key separates source and id by one.
  if (atIngest && CONTROL_CHARACTER.test(event.source as string)) {
    return {
      field: "source",
      message: `${label("source")} must be a URI-reference, which holds no control characters (U+0000 to U+001F, U+007F)`,
    };
  }
  for (const a of ["subject", "datacontenttype", "dataschema"] as const) {
    const v = event[a];
    if (v !== undefined && v !== null && typeof v !== "string") {
      return { field: a, message: `${label(a)} must be a string (got ${preview(v)})` };
    }
  }
  const time = event.time;
  if (time !== undefined && time !== null) {
    if (typeof time === "string" && LEAP_SECOND_TIME.test(time)) {
      return {
        field: "time",
        message: `${label("time")} is a leap second (:60), which Inlet cannot represent as an instant (got ${preview(time)})`,
      };
    }
    if (typeof time !== "string" || rfc3339Time(time) === undefined) {
      return {
        field: "time",
        message: `${label("time")} must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z (got ${preview(time)})`,
      };
    }
  }
  if (event.data !== undefined && event.data_base64 !== undefined) {
    return { field: "data", message: `${label("data")} and ${label("data_base64")} cannot both be present` };
  }
  const b64 = event.data_base64;
  if (atIngest && b64 !== undefined && b64 !== null && (typeof b64 !== "string" || !BASE64.test(b64))) {
    return {
      field: "data_base64",
      message: `${label("data_base64")} must be a base64 string (RFC 4648: A-Z, a-z, 0-9, + and /, padded with =; got ${preview(b64)})`,
    };
  }
  if (atIngest) {
    for (const name of Object.keys(event)) {
      if (name === "data" || name === "data_base64" || ATTRIBUTE_NAME.test(name)) continue;
      return {
        field: name,
        message: `${label(name)}: CloudEvents attribute names are lowercase letters and digits (a-z, 0-9)`,
      };
    }
  }
  // CloudEvents attribute values are strings, integers or booleans (binary, URI and timestamp values
  // are strings in JSON); only data may be structured.
  for (const [name, value] of Object.entries(event)) {
    if (name === "data" || value === null || typeof value !== "object") continue;
    return {
      field: name,
      message: `${label(name)} must be a string, number or boolean: CloudEvents attributes cannot be ${Array.isArray(value) ? "arrays" : "objects"}`,
    };
  }
  return undefined;
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function preview(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---- body decoding ------------------------------------------------------------------------------------

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** The span of the body without its byte order mark and surrounding whitespace. */
function trimmedSpan(buf: Buffer): ByteSpan {
  let start = bomLength(buf);
  let end = buf.length;
  while (start < end && (isBlank(buf[start]) || buf[start] === 0x0a)) start += 1;
  while (end > start && (isBlank(buf[end - 1]) || buf[end - 1] === 0x0a)) end -= 1;
  return [start, end];
}

function bomLength(buf: Buffer): number {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

interface LineSpan {
  /** 1-based physical line. */
  line: number;
  /** Byte offsets of the line's text without surrounding blanks and the CR/LF. */
  start: number;
  end: number;
}

function isBlank(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/** Non-blank NDJSON lines; LF or CRLF endings, whitespace-only lines skipped. */
function* ndjsonLines(buf: Buffer): Generator<LineSpan> {
  const len = buf.length;
  let pos = bomLength(buf);
  let line = 0;
  while (pos < len) {
    line += 1;
    let nl = buf.indexOf(0x0a, pos);
    if (nl === -1) nl = len;
    let start = pos;
    let end = nl;
    while (start < end && isBlank(buf[start])) start += 1;
    while (end > start && isBlank(buf[end - 1])) end -= 1;
    pos = nl + 1;
    if (start < end) yield { line, start, end };
  }
}

type ParsedLine =
  | { ok: true; value: Record<string, unknown>; text: string }
  | { ok: false; problem: EnvelopeProblem };

function parseLine(buf: Buffer, span: LineSpan, index: number, checkUtf8: boolean): ParsedLine {
  const at = `line ${span.line}`;
  if (checkUtf8 && !isUtf8(buf.subarray(span.start, span.end))) {
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `${at}: not valid UTF-8`,
        line: span.line,
        index,
        text: buf.toString("latin1", span.start, span.end),
      },
    };
  }
  const text = buf.toString("utf8", span.start, span.end);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = (err as Error).message;
    const loc = /position \d+/.test(detail) ? undefined : locateJsonError(text);
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `${at}: ${detail}${loc ? ` (column ${loc.column})` : ""}`,
        line: span.line,
        index,
        text,
      },
    };
  }
  // A parsed line that starts with "{" is an object; anything else is valid JSON of the wrong kind.
  if (buf[span.start] !== 0x7b) {
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `${at}: expected a JSON object, got ${describeJson(value)}`,
        line: span.line,
        index,
        text,
      },
    };
  }
  return { ok: true, value: value as Record<string, unknown>, text };
}

type ParsedBody = { ok: true; value: unknown; text: string } | { ok: false; problem: EnvelopeProblem };

/** One JSON document (a CloudEvents batch or single event). */
export function parseJsonBody(body: Uint8Array): ParsedBody {
  const buf = asBuffer(body);
  if (!isUtf8(buf))
    return { ok: false, problem: { code: "MALFORMED_JSON", message: "body is not valid UTF-8" } };
  const text = buf.toString("utf8", bomLength(buf));
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch (err) {
    const detail = (err as Error).message;
    const loc = locateJsonError(text);
    if (!loc) return { ok: false, problem: { code: "MALFORMED_JSON", message: detail } };
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `line ${loc.line}, column ${loc.column}: ${detail}`,
        line: loc.line,
      },
    };
  }
}

// ---- the validation-only pass (ingest) -----------------------------------------------------------------

export interface BatchCheckLimits {
  maxEventBytes: number;
  maxEvents: number;
}

export type BatchCheck = { ok: true; eventCount: number } | { ok: false; problem: EnvelopeProblem };

/**
 * Every check ingest makes before accepting a batch, without building events: well-formed JSON objects,
 * CloudEvents attributes, event size and count. Stops at the first problem.
 */
export function checkBatch(body: Uint8Array, format: BatchFormat, limits: BatchCheckLimits): BatchCheck {
  const buf = asBuffer(body);
  if (format === "ndjson") return checkNdjson(buf, limits);
  const parsed = parseJsonBody(buf);
  if (!parsed.ok) return parsed;
  if (format === "cloudevents") {
    const problem = cloudEventProblem(parsed.value, undefined);
    if (problem) return { ok: false, problem };
    const bytes = buf.length - bomLength(buf);
    if (bytes > limits.maxEventBytes) {
      return { ok: false, problem: tooLarge("the event", bytes, limits.maxEventBytes, 0) };
    }
    return { ok: true, eventCount: 1 };
  }
  const events = parsed.value;
  if (!Array.isArray(events)) {
    const hint = isRecord(events) ? "; send a single event as application/cloudevents+json" : "";
    return {
      ok: false,
      problem: {
        code: "INVALID_CLOUDEVENT",
        message: `a CloudEvents batch must be a JSON array of events, got ${describeJson(events)}${hint}`,
      },
    };
  }
  if (events.length === 0) return { ok: false, problem: emptyBatch() };
  if (events.length > limits.maxEvents) {
    return { ok: false, problem: tooMany(events.length, limits.maxEvents) };
  }
  for (let i = 0; i < events.length; i += 1) {
    const problem = cloudEventProblem(events[i], i);
    if (problem) return { ok: false, problem };
  }
  // An event's size is its text as sent; none can exceed the limit when the whole body is within it.
  if (buf.length > limits.maxEventBytes) {
    const spans = arrayElementSpans(buf, bomLength(buf));
    for (let i = 0; i < spans.length; i += 1) {
      const bytes = spans[i]![1] - spans[i]![0];
      if (bytes > limits.maxEventBytes) {
        return { ok: false, problem: tooLarge(`event ${i + 1}`, bytes, limits.maxEventBytes, i) };
      }
    }
  }
  return { ok: true, eventCount: events.length };
}

function checkNdjson(buf: Buffer, limits: BatchCheckLimits): BatchCheck {
  const checkUtf8 = !isUtf8(buf);
  let count = 0;
  const lines = ndjsonLines(buf);
  for (const span of lines) {
    if (count === limits.maxEvents) {
      let total = count + 1;
      for (const _ of lines) total += 1;
      return { ok: false, problem: tooMany(total, limits.maxEvents) };
    }
    const bytes = span.end - span.start;
    if (bytes > limits.maxEventBytes) {
      const problem = tooLarge(`line ${span.line}: the event`, bytes, limits.maxEventBytes, count);
      return { ok: false, problem: { ...problem, line: span.line } };
    }
    const parsed = parseLine(buf, span, count, checkUtf8);
    if (!parsed.ok) return parsed;
    count += 1;
  }
  if (count === 0) return { ok: false, problem: emptyBatch() };
  return { ok: true, eventCount: count };
}

function cloudEventProblem(
  event: unknown,
  index: number | undefined,
  atIngest = true,
): EnvelopeProblem | undefined {
  const problem = checkCloudEvent(event, undefined, { atIngest });
  if (!problem) return undefined;
  const at = index === undefined ? {} : { index };
  if (problem.field === "") {
    const message =
      index === undefined
        ? `a structured CloudEvent must be a JSON object, got ${describeJson(event)}${
            Array.isArray(event) ? "; send arrays as application/cloudevents-batch+json" : ""
          }`
        : `event ${index + 1} ${problem.message}`;
    return { code: "INVALID_CLOUDEVENT", message, ...at, value: event };
  }
  return {
    code: "INVALID_CLOUDEVENT",
    message: index === undefined ? problem.message : `event ${index + 1}: ${problem.message}`,
    ...at,
    field: problem.field,
    value: event,
  };
}

function tooLarge(who: string, bytes: number, limit: number, index: number): EnvelopeProblem {
  return {
    code: "EVENT_TOO_LARGE",
    message: `${who} is ${formatCount(bytes)} bytes; the limit is ${formatCount(limit)}`,
    index,
    actual: bytes,
    limit,
  };
}

function tooMany(count: number, limit: number): EnvelopeProblem {
  return {
    code: "BATCH_TOO_LARGE",
    message: `the batch has ${formatCount(count)} events; the limit is ${formatCount(limit)} per request`,
    actual: count,
    limit,
  };
}

function emptyBatch(): EnvelopeProblem {
  return { code: "EMPTY_BATCH", message: "the batch has no events" };
}

// ---- events (worker) -------------------------------------------------------------------------------------

export interface ParseBatchInput {
  body: Uint8Array;
  format: BatchFormat;
  source: EnvelopeSource;
  batchId: string;
  receivedAt: Date;
  /**
   * Called for each event that cannot be read, and iteration goes on with the next one. Without it the
   * first such event throws an EnvelopeError.
   */
  onInvalid?(problem: EventProblem): void;
}

/** The batch's events in order, with identity derived by the data plane contract's rules. */
export function* iterateEvents(input: ParseBatchInput): Generator<EnvelopeEvent> {
  const report = (problem: EventProblem): void => {
    if (!input.onInvalid) throw new EnvelopeError(problem);
    input.onInvalid(problem);
  };
  const buf = asBuffer(input.body);
  const { batchId, receivedAt } = input;
  if (input.format === "ndjson") {
    const idOf = compilePath(input.source.idField);
    const timeOf = compilePath(input.source.timeField);
    const checkUtf8 = !isUtf8(buf);
    let index = 0;
    for (const span of ndjsonLines(buf)) {
      const parsed = parseLine(buf, span, index, checkUtf8);
      if (parsed.ok) {
        const rawId = idOf(parsed.value);
        const idProblem = eventIdProblem(rawId, input.source.idField);
        if (idProblem !== undefined) {
          report({
            code: "INVALID_EVENT_ID",
            message: `line ${span.line}: ${idProblem}`,
            index,
            line: span.line,
            field: input.source.idField,
            text: parsed.text,
          });
          index += 1;
          continue;
        }
        const id = eventIdFrom(rawId);
        const rawTime = timeOf(parsed.value);
        const time = eventTimeFrom(rawTime);
        const finalId = id ?? `${batchId}:${index}`;
        yield {
          index,
          id: finalId,
          dedupeId: finalId,
          time: time ?? receivedAt,
          timeMicros: time === undefined ? 0 : subMillisecondMicros(rawTime),
          payload: parsed.value,
          idAssigned: id === undefined,
          timeAssigned: time === undefined,
          text: parsed.text,
          line: span.line,
          start: span.start,
          end: span.end,
        };
      } else {
        report(parsed.problem);
      }
      index += 1;
    }
    return;
  }
  const parsed = parseJsonBody(buf);
  if (!parsed.ok) {
    report(parsed.problem);
    return;
  }
  let events: unknown[];
  if (input.format === "cloudevents") {
    events = [parsed.value];
  } else if (Array.isArray(parsed.value)) {
    events = parsed.value;
  } else {
    report({
      code: "INVALID_CLOUDEVENT",
      message: `a CloudEvents batch must be a JSON array of events, got ${describeJson(parsed.value)}`,
      value: parsed.value,
    });
    return;
  }
  const batch = input.format === "cloudevents-batch";
  const dataSpans = cloudEventDataSpans(buf, batch, bomLength(buf));
  const eventSpans: (ByteSpan | undefined)[] = batch
    ? arrayElementSpans(buf, bomLength(buf))
    : [trimmedSpan(buf)];
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index];
    const problem = cloudEventProblem(event, input.format === "cloudevents" ? undefined : index, false);
    if (problem || !isRecord(event)) {
      report(problem ?? { code: "INVALID_CLOUDEVENT", message: "not an object", index });
      continue;
    }
    const id = eventIdFrom(event.id);
    const time = typeof event.time === "string" ? rfc3339Time(event.time) : undefined;
    const attributes: CloudEventAttributes = { type: event.type as string, source: event.source as string };
    if (typeof event.subject === "string") attributes.subject = event.subject;
    const dataSpan = event.data === undefined ? undefined : dataSpans[index];
    const data = cloudEventData(event);
    yield {
      index,
      id: id ?? `${batchId}:${index}`,
      // CloudEvents ids are unique per source attribute; assigned ids are unique by themselves.
      dedupeId: id === undefined ? `${batchId}:${index}` : `${attributes.source}\u001f${id}`,
      time: time ?? receivedAt,
      timeMicros: time === undefined ? 0 : subMillisecondMicros(event.time),
      payload: data.payload,
      ...(data.text === undefined ? {} : { text: data.text }),
      idAssigned: id === undefined,
      timeAssigned: time === undefined,
      attributes,
      ...(dataSpan === undefined ? {} : { start: dataSpan[0], end: dataSpan[1] }),
      ...(eventSpans[index] === undefined ? {} : { eventSpan: eventSpans[index] }),
    };
  }
}

/**
 * The payload of a CloudEvent: `data` as sent; else `data_base64` decoded as UTF-8 text, parsed when
 * that text is JSON (then `text` is that JSON text, so no digit is lost to serializing it again;
 * undecodable or non-UTF-8 bytes keep the base64 text so nothing is lost); else null.
 */
export function cloudEventData(event: Record<string, unknown>): { payload: unknown; text?: string } {
  if (event.data !== undefined) return { payload: event.data };
  const b64 = event.data_base64;
  if (typeof b64 !== "string") return { payload: null };
  const bytes = Buffer.from(b64, "base64");
  if (!isUtf8(bytes)) return { payload: b64 };
  const text = bytes.toString("utf8");
  try {
    return { payload: JSON.parse(text), text: text.trim() };
  } catch {
    return { payload: text };
  }
}

export function parseEvents(input: ParseBatchInput): EnvelopeEvent[] {
  return Array.from(iterateEvents(input));
}
