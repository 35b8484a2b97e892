// Builds the NDJSON lines DuckDB turns into curated rows: the meta columns spliced in front of the
// event's original JSON bytes, so the hot path neither re-serializes a payload nor re-encodes its text.
import { CURATED_META_KEYS, isRecord } from "../ingest/envelope";
import { lastOfEachKey, lastWinsJson, objectMembers } from "../json/json-spans";
import { bytesMayHoldSurrogateEscape } from "../json/lone-surrogates";

const META_KEYS = CURATED_META_KEYS;

export interface LineContext {
  /** JSON string literal of the batch id (computed once per batch). */
  batchIdJson: string;
  /** ISO time the batch was received (the row's _ingested_at). */
  ingestedAtIso: string;
  /** Payload stored whole in `_payload` instead of spread into columns. */
  rawPayload: boolean;
  /** Names of the payload's properties that are columns. */
  columns: ReadonlySet<string>;
  /** Those of them whose values DuckDB reads as text (JSON columns). */
  jsonColumns: ReadonlySet<string>;
}

/** The candidate rows of one flush, as parallel columns (cheaper than one object per row). */
export interface CandidateRows {
  ids: string[];
  times: Date[];
  /** Microseconds within each time's millisecond (0..999), which a Date cannot hold. */
  micros: number[];
  /**
   * BYTES_ONLY when the row is built from the event's bytes in its batch's body (holding every parsed
   * object until the commit made the worker collect garbage for an eighth of its time), else the
   * line's text after the meta prefix (payloadTail), prepared while the event was judged.
   */
  payloads: PreparedPayload[];
  /** The payload's byte span in its batch's body (an NDJSON line, a CloudEvent's data), else -1. */
  starts: number[];
  ends: number[];
  /** Index of the row's batch in the flush, into `bodies` and the line contexts. */
  owner: number[];
  bodies: Uint8Array[];
}

/** Stands in for a payload whose curated line is built from its original bytes alone. */
export const BYTES_ONLY: unique symbol = Symbol("bytes-only");

export type PreparedPayload = typeof BYTES_ONLY | string;

/** The time as ISO 8601 UTC with microseconds when it has any (years 1..9999: always 4 digits). */
function isoTime(time: Date, micros: number): string {
  const iso = time.toISOString();
  return micros === 0 ? iso : `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}

function metaPrefix(rows: CandidateRows, i: number, ctx: LineContext): string {
  return `{"_event_id":${JSON.stringify(rows.ids[i]!)},"_event_time":"${isoTime(rows.times[i]!, rows.micros[i]!)}","_ingested_at":"${
    ctx.ingestedAtIso
  }","_batch_id":${ctx.batchIdJson}`;
}

function hasMetaKey(payload: Record<string, unknown>): boolean {
  return (
    Object.hasOwn(payload, META_KEYS[0]) ||
    Object.hasOwn(payload, META_KEYS[1]) ||
    Object.hasOwn(payload, META_KEYS[2]) ||
    Object.hasOwn(payload, META_KEYS[3])
  );
}

/** The object text after its opening brace, prefixed by a comma unless the object is empty. */
function objectTail(text: string): string {
  const rest = text.slice(1);
  return rest.trimStart().startsWith("}") ? "}" : `,${rest}`;
}

/** Re-serialized payload without the meta keys: the slow path for payloads without their text. */
function safeTail(payload: unknown, jsonColumns: ReadonlySet<string>): string {
  if (!isRecord(payload)) return "}";
  const copy: Record<string, unknown> = { ...payload };
  for (const k of META_KEYS) delete copy[k];
  for (const k of jsonColumns) {
    if (Object.hasOwn(copy, k) && copy[k] !== null) copy[k] = JSON.stringify(copy[k]);
  }
  return objectTail(JSON.stringify(copy));
}

/** Whether a payload key is spread into a column of its own (the meta columns' names are not). */
export function isPayloadKey(key: string): boolean {
  return !(META_KEYS as readonly string[]).includes(key);
}

/**
 * A JSON value's text for a column DuckDB reads as text and casts to JSON: a string holding it, so
 * that no number goes through a double; null stays null (SQL NULL).
 */
function asJsonText(valueText: string): string {
  return valueText === "null" ? "null" : JSON.stringify(valueText);
}

/**
 * A line's text after its meta prefix, from the bytes of the object at `start` as sent: the members
 * `keep` accepts, each key once at every depth (the member JSON.parse keeps and the schema judged),
 * the values of `jsonColumns` as text. No value is serialized again, so none loses a digit; DuckDB
 * refuses an object with a column's key twice, and a meta column's name must not reach the row.
 */
export function memberTail(
  body: Uint8Array,
  start: number,
  keep: (key: string) => boolean,
  jsonColumns: ReadonlySet<string> = NO_COLUMNS,
): string {
  const members = objectMembers(body, start);
  const last = lastOfEachKey(members);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const kept: string[] = [];
  for (let m = 0; m < members.length; m += 1) {
    const member = members[m]!;
    if (!last[m] || !keep(member.key)) continue;
    const key = text.toString("utf8", member.start, member.keyEnd);
    if (jsonColumns.has(member.key)) {
      kept.push(`${key}:${asJsonText(storableJson(body, member.valueStart, member.end))}`);
    } else {
      kept.push(`${key}:${lastWinsJson(body, member.valueStart, member.end)}`);
    }
  }
  return kept.length === 0 ? "}" : `,${kept.join(",")}}`;
}

const NO_COLUMNS: ReadonlySet<string> = new Set();

/** Whether a payload holds a key named like a meta column (such a member is left out of its row). */
export function holdsMetaKey(payload: unknown): boolean {
  return isRecord(payload) && hasMetaKey(payload);
}

/**
 * A JSON value's text as sent, ready to be stored: as it is, unless it may hold a \uD800-\uDFFF
 * escape, which DuckDB's JSON cast refuses unpaired even in a member JSON.parse drops (a repeated
 * key): then each object's repeated keys are reduced to the last, the member the schema judged.
 */
function storableJson(body: Uint8Array, start: number, end: number): string {
  if (bytesMayHoldSurrogateEscape(body, start, end)) return lastWinsJson(body, start, end);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8", start, end);
}

/**
 * A line's text after its meta prefix for a payload kept whole, from its JSON text as sent (the
 * bytes `start`..`end`), in a string.
 */
export function rawBytesTail(body: Uint8Array, start: number, end: number): string {
  return `${RAW_PAYLOAD_KEY}${asJsonText(storableJson(body, start, end).trim())}}`;
}

/**
 * A line's text after its meta prefix, from a parsed payload (one whose text is not at hand):
 * serializing may throw (a payload nested deeper than the call stack), so it is done per event.
 */
export function payloadTail(payload: unknown, rawPayload: boolean, jsonColumns: ReadonlySet<string>): string {
  if (!rawPayload) return safeTail(payload, jsonColumns);
  return payload === null || payload === undefined
    ? `${RAW_PAYLOAD_KEY}null}`
    : `${RAW_PAYLOAD_KEY}${JSON.stringify(JSON.stringify(payload))}}`;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
const RAW_PAYLOAD_KEY = ',"_payload":';

function isJsonBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/**
 * A byte row's tail rebuilt from its text (for a flush DuckDB refused as sent): only the members
 * that are columns, each object's repeated keys reduced to the last.
 */
function rebuiltTail(rows: CandidateRows, i: number, ctx: LineContext): string {
  const body = rows.bodies[rows.owner[i]!]!;
  if (ctx.rawPayload) return rawBytesTail(body, rows.starts[i]!, rows.ends[i]!);
  return memberTail(body, rows.starts[i]!, (key) => ctx.columns.has(key), ctx.jsonColumns);
}

/**
 * Lines `from`..`to` of the given rows as one UTF-8 buffer, each ending in a newline. Rows built from
 * bytes copy the event's bytes after its opening brace behind the meta prefix; `rebuild` rebuilds
 * byte rows from their members, for text DuckDB refuses although JSON.parse accepts it (an object
 * with a column's key twice, an unpaired surrogate in a member JSON.parse drops).
 */
export function curatedLinesChunk(
  rows: CandidateRows,
  keep: number[],
  from: number,
  to: number,
  contexts: LineContext[],
  rebuild: boolean,
): Buffer {
  let capacity = 0;
  for (let k = from; k < to; k += 1) {
    const i = keep[k]!;
    const span = rows.starts[i]! >= 0 ? rows.ends[i]! - rows.starts[i]! : 0;
    // UTF-16 code units encode to at most 3 bytes each; JSON.stringify of an id at most doubles it.
    const ctx = contexts[rows.owner[i]!]!;
    // A payload kept whole goes in a string: its quotes and backslashes take two bytes each.
    capacity +=
      3 * (2 * rows.ids[i]!.length + 160 + ctx.batchIdJson.length) + (ctx.rawPayload ? 2 * span : span) + 16;
  }
  let out = Buffer.allocUnsafe(capacity);
  let at = 0;
  /** Makes room for `bytes` more bytes (the estimate above holds unless a payload is rebuilt). */
  const ensure = (bytes: number) => {
    if (at + bytes <= out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(out.length * 2, at + bytes));
    out.copy(grown, 0, 0, at);
    out = grown;
  };
  const put = (text: string) => {
    ensure(3 * text.length + 2);
    at += out.write(text, at);
  };
  const putBytes = (body: Uint8Array, from: number, to: number) => {
    ensure(to - from + 2);
    out.set(body.subarray(from, to), at);
    at += to - from;
  };
  /** The bytes as a JSON string: quotes, backslashes and control bytes escaped, the rest copied. */
  const putJsonString = (body: Uint8Array, from: number, to: number) => {
    ensure(2 * (to - from) + 2);
    const o = out;
    let a = at;
    o[a++] = QUOTE;
    for (let p = from; p < to; p += 1) {
      const b = body[p]!;
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
        o[a++] = b;
      } else if (b >= 0x20) {
        o[a++] = BACKSLASH;
        o[a++] = b;
      } else {
        // Only whitespace between tokens can be a raw control byte in JSON text that parsed:
        // \t, \n and \r, escaped as such (two bytes, within the room made above).
        o[a++] = BACKSLASH;
        o[a++] = b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : b === 0x0d ? 0x72 : 0x20;
      }
    }
    o[a++] = QUOTE;
    at = a;
  };
  for (let k = from; k < to; k += 1) {
    const i = keep[k]!;
    const ctx = contexts[rows.owner[i]!]!;
    const start = rows.starts[i]!;
    const payload = rows.payloads[i]!;
    if (payload !== BYTES_ONLY) {
      put(metaPrefix(rows, i, ctx) + payload);
      out[at++] = NEWLINE;
      continue;
    }
    if (rebuild) {
      put(metaPrefix(rows, i, ctx) + rebuiltTail(rows, i, ctx));
      out[at++] = NEWLINE;
      continue;
    }
    const body = rows.bodies[rows.owner[i]!]!;
    const end = rows.ends[i]!;
    put(metaPrefix(rows, i, ctx));
    if (ctx.rawPayload) {
      // Kept whole, the payload is one JSON column: its text goes in a string, null as SQL NULL.
      put(RAW_PAYLOAD_KEY);
      if (end - start === 4 && body[start] === 0x6e && body[start + 3] === 0x6c) put("null");
      else putJsonString(body, start, end);
      out[at++] = CLOSE_BRACE;
    } else {
      // The object's bytes after "{": "}" alone for an empty object, else "," and the members.
      let p = start + 1;
      while (p < end && isJsonBlank(body[p]!)) p += 1;
      if (body[p] === CLOSE_BRACE) {
        out[at++] = CLOSE_BRACE;
      } else {
        out[at++] = COMMA;
        putBytes(body, start + 1, end);
      }
    }
    out[at++] = NEWLINE;
  }
  return out.subarray(0, at);
}
