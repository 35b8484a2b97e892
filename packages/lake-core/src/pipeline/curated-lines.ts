// Builds the NDJSON lines DuckDB turns into curated rows: the meta columns spliced into the event's
// original JSON text by string concatenation, so the hot path never re-serializes a payload.
import { isRecord } from "./event-envelope";

const META_KEYS = ["_event_id", "_event_time", "_ingested_at", "_batch_id"] as const;

export interface LineContext {
  /** JSON string literal of the batch id (computed once per batch). */
  batchIdJson: string;
  /** ISO time the batch was received (the row's _ingested_at). */
  ingestedAtIso: string;
  /** Payload stored whole in `_payload` instead of spread into columns. */
  rawPayload: boolean;
}

function metaPrefix(id: string, time: Date, ctx: LineContext): string {
  return `{"_event_id":${JSON.stringify(id)},"_event_time":"${time.toISOString()}","_ingested_at":"${
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

/** Stands in for a payload whose curated line is built from its original text alone. */
export const TEXT_ONLY: unique symbol = Symbol("text-only");

/** Whether curatedLine can build the row from the original text without the parsed payload. */
export function textAlone(payload: unknown, text: string | undefined, rawPayload: boolean): boolean {
  if (text === undefined) return false;
  return rawPayload || (text.charCodeAt(0) === 123 && isRecord(payload) && !hasMetaKey(payload));
}

/**
 * One NDJSON line for a curated row. `text` is the payload's original JSON text when the envelope
 * kept it (NDJSON lines); otherwise the payload is serialized once here.
 */
export function curatedLine(
  id: string,
  time: Date,
  payload: unknown,
  text: string | undefined,
  ctx: LineContext,
): string {
  const prefix = metaPrefix(id, time, ctx);
  if (ctx.rawPayload) return `${prefix},"_payload":${text ?? JSON.stringify(payload ?? null)}}`;
  if (text !== undefined && (payload === TEXT_ONLY || textAlone(payload, text, false))) {
    return prefix + objectTail(text);
  }
  return prefix + safeTail(payload);
}

/**
 * The same row without reusing the original text: used when DuckDB refuses the fast lines (an event
 * with duplicate keys is valid for JSON.parse but not for read_json).
 */
export function curatedLineSafe(id: string, time: Date, payload: unknown, ctx: LineContext): string {
  const prefix = metaPrefix(id, time, ctx);
  if (ctx.rawPayload) return `${prefix},"_payload":${JSON.stringify(payload ?? null)}}`;
  return prefix + safeTail(payload);
}
