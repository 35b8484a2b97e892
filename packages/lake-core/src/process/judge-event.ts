// Judging one event: whether it can be stored, and what its curated row is built from (its bytes in
// the batch, or payload text prepared here); a rejected event gets its dead letter's code and reason.
import { errorMessage } from "../errors";
import { type EnvelopeEvent, isRecord } from "../ingest/envelope";
import { type EventRejection, eventRejection, unpairedSurrogate } from "../ingest/event-rejection";
import { bytesMayHoldSurrogateEscape } from "../json/lone-surrogates";
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

/** What judging one event decided: the dead letter it becomes, or what its curated row is built from. */
export type EventVerdict =
  | { rejected: EventRejection; payload?: undefined }
  | { rejected?: undefined; payload: PreparedPayload };

/**
 * Whether an event can be stored (see eventRejection), and what its row is built from: its bytes in
 * the body, or the payload text prepared here. `judged`: ingest already judged the event against the
 * source's active schema version and did not reject it, so only its row is prepared here.
 */
export function judgeEvent(
  ev: EnvelopeEvent,
  source: LoadedSource,
  body: Uint8Array,
  judged = false,
): EventVerdict {
  const { schema } = source;
  if (!judged) {
    const rejected = eventRejection(ev, source, body);
    if (rejected) return { rejected };
  }
  try {
    // Only in properties the table does not store (they stay in raw): the row is built without them.
    if (unpairedSurrogate(ev, body, schema)) return { payload: storedPropertiesTail(ev, body, schema) };
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
 * What the row of an NDJSON line ingest judged and accepted is built from, without parsing it: the
 * same as judgeEvent gives for an object holding no meta column's name and no surrogate escape (the
 * lines that do are parsed, see JudgedEvents.parse).
 */
export function judgedLinePayload(schema: SchemaLayout, body: Uint8Array, start: number): PreparedPayload {
  if (schema.rawPayload || schema.jsonColumns.size === 0) return BYTES_ONLY;
  return memberTail(body, start, isPayloadKey, schema.jsonColumns);
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

export { eventText, problemPayload } from "../ingest/event-rejection";
