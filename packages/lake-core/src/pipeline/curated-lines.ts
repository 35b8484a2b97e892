// Builds the NDJSON lines DuckDB turns into curated rows: the meta columns spliced in front of the
// event's original JSON bytes, so the hot path neither re-serializes a payload nor re-encodes its text.
import { isRecord } from "./event-envelope";
import { lastOfEachKey, lastWinsJson, objectMembers } from "./json-spans";

const META_KEYS = ["_event_id", "_event_time", "_ingested_at", "_batch_id"] as const;

export interface LineContext {
  /** JSON string literal of the batch id (computed once per batch). */
  batchIdJson: string;
  /** ISO time the batch was received (the row's _ingested_at). */
  ingestedAtIso: string;
  /** Payload stored whole in `_payload` instead of spread into columns. */
  rawPayload: boolean;
  /** Names of the payload's properties that are columns. */
  columns: ReadonlySet<string>;
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

/** Re-serialized payload without the meta keys: the slow path for odd payloads. */
function safeTail(payload: unknown): string {
  if (!isRecord(payload)) return "}";
  const copy: Record<string, unknown> = { ...payload };
  for (const k of META_KEYS) delete copy[k];
  return objectTail(JSON.stringify(copy));
}

/** Whether a payload key is spread into a column of its own (the meta columns' names are not). */
export function isPayloadKey(key: string): boolean {
  return !(META_KEYS as readonly string[]).includes(key);
}

/**
 * A line's text after its meta prefix, from the bytes of the object at `start` as sent: the members
 * `keep` accepts, each key once at every depth (the member JSON.parse keeps and the schema judged).
 * No value is serialized again, so none loses a digit; DuckDB refuses an object with a column's key
 * twice, and a meta column's name must not reach the row.
 */
export function memberTail(body: Uint8Array, start: number, keep: (key: string) => boolean): string {
  const members = objectMembers(body, start);
  const last = lastOfEachKey(members);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const kept: string[] = [];
  for (let m = 0; m < members.length; m += 1) {
    const member = members[m]!;
    if (!last[m] || !keep(member.key)) continue;
    kept.push(
      `${text.toString("utf8", member.start, member.keyEnd)}:${lastWinsJson(body, member.valueStart, member.end)}`,
    );
  }
  return kept.length === 0 ? "}" : `,${kept.join(",")}}`;
}

/**
 * Whether a payload's row can be built from its text as sent: always when the payload is kept
 * whole, else when it is an object none of whose keys is a meta column's (those are dropped).
 */
export function bytesAlone(payload: unknown, rawPayload: boolean): boolean {
  return rawPayload || (isRecord(payload) && !hasMetaKey(payload));
}

/**
 * A line's text after its meta prefix for a payload kept whole, from its JSON text as sent (a
 * CloudEvent's decoded data_base64): one line, each object's repeated keys reduced to the last.
 */
export function rawTextTail(text: string): string {
  const bytes = Buffer.from(text);
  return `${RAW_PAYLOAD_KEY}${lastWinsJson(bytes, 0, bytes.length)}}`;
}

/**
 * A line's text after its meta prefix, from a parsed payload (an object with meta keys, data that is
 * not an object): serializing may throw (a payload nested deeper than the call stack), so it is done
 * per event.
 */
export function payloadTail(payload: unknown, rawPayload: boolean): string {
  return rawPayload ? `,"_payload":${JSON.stringify(payload ?? null)}}` : safeTail(payload);
}

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
const RAW_PAYLOAD_KEY = ',"_payload":';

function isJsonBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/**
 * A byte row's tail rebuilt from its text (for a flush DuckDB refused as sent): only the members
 * that are columns, or the whole payload, each object's repeated keys reduced to the last.
 */
function rebuiltTail(rows: CandidateRows, i: number, ctx: LineContext): string {
  const body = rows.bodies[rows.owner[i]!]!;
  if (ctx.rawPayload) return `${RAW_PAYLOAD_KEY}${lastWinsJson(body, rows.starts[i]!, rows.ends[i]!)}}`;
  return memberTail(body, rows.starts[i]!, (key) => ctx.columns.has(key));
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
    capacity +=
      3 * (2 * rows.ids[i]!.length + 160 + contexts[rows.owner[i]!]!.batchIdJson.length) + span + 16;
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
      put(RAW_PAYLOAD_KEY);
      putBytes(body, start, end);
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
