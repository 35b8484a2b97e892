// Judging one event: whether it can be stored, and what its curated row is built from (its bytes in
// the batch, or payload text prepared here); a rejected event gets its dead letter's code and reason.
import { errorMessage } from "../errors";
import { type EnvelopeEvent, type EventProblem, isRecord } from "../ingest/envelope";
import { pointerOfPath } from "../ingest/event-fields";
import { escapePointerToken } from "../json/json-pointer";
import { memberText } from "../json/json-spans";
import {
  bytesMayHoldSurrogateEscape,
  hasLoneSurrogate,
  loneSurrogatePath,
  mayHoldSurrogateEscape,
} from "../json/lone-surrogates";
import { formatViolation, unstorableValue } from "../schema/schema-validator";
import type { LoadedSource, SchemaLayout } from "../schema/source-schema";
import {
  BYTES_ONLY,
  holdsMetaKey,
  isPayloadKey,
  memberTail,
  type PreparedPayload,
  payloadTail,
  rawBytesTail,
} from "./curated-lines";

// Postgres and DuckDB both accept years 1..9999; an event time outside that cannot be stored.
const MIN_TIME_MS = -62_135_596_800_000;
const MAX_TIME_MS = 253_402_300_799_999;
/** What judging one event decided: the dead letter it becomes, or what its curated row is built from. */
export type EventVerdict =
  | { rejected: { code: string; reason: string; path?: string | undefined }; payload?: undefined }
  | { rejected?: undefined; payload: PreparedPayload };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const ID_CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Whether an event can be stored, and what its row is built from: its bytes in the body, or the
 * payload text prepared here. Anything an event makes fail (a payload nested too deeply to
 * serialize, a schema whose validation recurses too far) rejects that event alone.
 */
export function judgeEvent(ev: EnvelopeEvent, source: LoadedSource, body: Uint8Array): EventVerdict {
  const { schema } = source;
  try {
    const t = ev.time.getTime();
    if (!(t >= MIN_TIME_MS && t <= MAX_TIME_MS)) {
      return { rejected: { code: "INVALID_EVENT_TIME", reason: "event time is outside years 1..9999" } };
    }
    // Ids hold no control characters: a dedupe key separates a CloudEvent's source from its id by one.
    const control = ID_CONTROL_CHARACTER.exec(ev.id)?.[0];
    if (control !== undefined || hasLoneSurrogate(ev.id)) {
      // An NDJSON event's id is a field of its payload; a CloudEvent's is an attribute beside it.
      const inPayload = ev.line !== undefined;
      const what =
        control === undefined
          ? "an unpaired UTF-16 surrogate"
          : control === "\0"
            ? "a NUL character"
            : `a control character (U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")})`;
      return {
        rejected: {
          code: "INVALID_EVENT_ID",
          reason: `${inPayload ? `line ${ev.line}: ` : ""}event id contains ${what}`,
          path: inPayload ? pointerOfPath(source.idField, ev.payload) : undefined,
        },
      };
    }
    // The schema's verdict first, then values the schema accepts but a column cannot hold.
    const schemaViolation = schema.validate?.(ev.payload);
    const violation =
      schemaViolation ??
      unstorableValue(ev.payload, schema.rawPayload ? [] : schema.payloadColumns, (name) => {
        if (ev.start !== undefined) return memberText(body, ev.start, name);
        return ev.text === undefined ? undefined : memberText(Buffer.from(ev.text), 0, name);
      });
    if (violation) {
      const code = schemaViolation ? "SCHEMA_VIOLATION" : "UNSTORABLE_VALUE";
      return { rejected: { code, reason: formatViolation(violation), path: violation.path } };
    }
    const surrogate = unpairedSurrogate(ev, body, schema);
    if (surrogate?.stored) {
      return {
        rejected: {
          code: "UNSTORABLE_VALUE",
          reason: `${surrogate.path || "/"}: holds an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which stored text cannot hold`,
          path: surrogate.path,
        },
      };
    }
    // Only in properties the table does not store (they stay in raw): the row is built without them.
    if (surrogate) return { payload: storedPropertiesTail(ev, body, schema) };
    // Kept whole: its text, in a string for the JSON column; from the batch's bytes unless it may hold
    // a surrogate escape in a repeated key's dropped member (then rebuilt, see rawBytesTail).
    if (schema.rawPayload) {
      if (
        ev.start !== undefined &&
        ev.end !== undefined &&
        !bytesMayHoldSurrogateEscape(body, ev.start, ev.end)
      ) {
        return { payload: BYTES_ONLY };
      }
      const sent = sentPayload(ev, body);
      return {
        payload: sent
          ? rawBytesTail(sent.bytes, sent.start, sent.end)
          : payloadTail(ev.payload, true, schema.jsonColumns),
      };
    }
    // Only scalar columns and no meta column's name: the row is built from the event's bytes, and
    // keeps neither the parsed payload nor its text meanwhile.
    const plain = schema.jsonColumns.size === 0 && isRecord(ev.payload) && !holdsMetaKey(ev.payload);
    if (plain && ev.start !== undefined) return { payload: BYTES_ONLY };
    // Its text as sent, member by member: a meta column's name dropped, each key once, JSON columns'
    // values as text.
    const sent = sentPayload(ev, body);
    if (sent && isRecord(ev.payload)) {
      return { payload: memberTail(sent.bytes, sent.start, isPayloadKey, schema.jsonColumns) };
    }
    return { payload: payloadTail(ev.payload, false, schema.jsonColumns) };
  } catch (err) {
    return {
      rejected: {
        code: "UNPROCESSABLE_EVENT",
        reason: `the event cannot be processed: ${errorMessage(err)}`,
      },
    };
  }
}

/**
 * Where an event's payload holds an unpaired surrogate, and whether that part would be stored (the
 * whole payload for a schemaless table, else a payload column); undefined when it holds none.
 */
function unpairedSurrogate(
  ev: EnvelopeEvent,
  body: Uint8Array,
  schema: SchemaLayout,
): { path: string; stored: boolean } | undefined {
  const suspect =
    ev.start !== undefined && ev.end !== undefined
      ? bytesMayHoldSurrogateEscape(body, ev.start, ev.end)
      : ev.text !== undefined
        ? mayHoldSurrogateEscape(ev.text)
        : true;
  if (!suspect) return undefined;
  const anywhere = loneSurrogatePath(ev.payload);
  if (anywhere === undefined) return undefined;
  if (schema.rawPayload || !isRecord(ev.payload)) return { path: anywhere, stored: true };
  const payload = ev.payload;
  for (const c of schema.payloadColumns) {
    if (!Object.hasOwn(payload, c.name)) continue;
    const at = loneSurrogatePath(payload[c.name], `/${escapePointerToken(c.name)}`);
    if (at !== undefined) return { path: at, stored: true };
  }
  return { path: anywhere, stored: false };
}

/** The payload's text as sent: its span in the batch's body, or its decoded text (data_base64). */
function sentPayload(
  ev: EnvelopeEvent,
  body: Uint8Array,
): { bytes: Uint8Array; start: number; end: number } | undefined {
  if (ev.start !== undefined && ev.end !== undefined) return { bytes: body, start: ev.start, end: ev.end };
  if (ev.text !== undefined) {
    const bytes = Buffer.from(ev.text);
    return { bytes, start: 0, end: bytes.length };
  }
  return undefined;
}

/** The line's tail holding only the payload's properties that are columns of the table. */
function storedPropertiesTail(ev: EnvelopeEvent, body: Uint8Array, schema: SchemaLayout): string {
  const payload = ev.payload;
  if (!isRecord(payload)) return "}";
  const columns = new Set(schema.payloadColumns.map((c) => c.name));
  const sent = sentPayload(ev, body);
  if (sent) return memberTail(sent.bytes, sent.start, (key) => columns.has(key), schema.jsonColumns);
  const out: Record<string, unknown> = {};
  for (const name of columns) if (Object.hasOwn(payload, name)) out[name] = payload[name];
  return payloadTail(out, false, schema.jsonColumns);
}

/**
 * An event as its dead letter keeps it: a CloudEvent's whole text, an NDJSON line, else serialized.
 */
export function eventText(ev: EnvelopeEvent, body: Uint8Array): string {
  // A CloudEvent is kept whole, attributes included, so that it can be sent again as it was.
  if (ev.eventSpan) {
    const [start, end] = ev.eventSpan;
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8", start, end);
  }
  if (ev.text !== undefined) return ev.text;
  if (ev.start !== undefined && ev.end !== undefined) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8", ev.start, ev.end);
  }
  try {
    return JSON.stringify(ev.payload) ?? "null";
  } catch (err) {
    return `(cannot be serialized: ${errorMessage(err)}; the event is in the batch's raw object)`;
  }
}

export function problemPayload(problem: EventProblem): string {
  if (problem.text !== undefined) return problem.text;
  if (problem.value !== undefined) return JSON.stringify(problem.value) ?? "";
  return "";
}
