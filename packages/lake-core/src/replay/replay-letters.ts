// A dead letter as events to send again: its format (an NDJSON line or body, a CloudEvent or a batch of
// them), each event's text as it is kept (bytes unchanged, so no digit is lost), and the id each event
// keeps when it carries none. Replay batches are built from these; dry runs judge the same events.
import { isUtf8 } from "node:buffer";
import { formatCount } from "../ingest/envelope";
import { locateJsonError } from "../json/json-error-location";
import { arrayElementSpans } from "../json/json-spans";

/** The two shapes a replay batch takes: NDJSON lines, or a CloudEvents batch (an array). */
export type ReplayFormat = "ndjson" | "cloudevents-batch";

/** What a letter's events are read from. */
export interface LetterText {
  id: string;
  /** The letter's original batch and the raw key of its object (its format), when still known. */
  batchId: string | null;
  batchRawKey: string | null;
  eventId: string | null;
  payload: string;
}

export type LetterEvents =
  | { ok: true; format: ReplayFormat; events: string[]; assignedIds: string[]; bytes: number }
  | { ok: false; reason: string };

const WHITESPACE = /\s/;

/** The first non-whitespace character of the text. */
function firstChar(text: string): string | undefined {
  for (const c of text) if (!WHITESPACE.test(c)) return c;
  return undefined;
}

/**
 * A letter's format: its original batch's (a `.ndjson` raw key holds NDJSON lines, `.json` CloudEvents)
 * when that batch is known; else from the payload (a refused body kept whole): a JSON array is a
 * CloudEvents batch, an object with `specversion` a CloudEvent, anything else NDJSON.
 */
export function letterFormat(letter: Pick<LetterText, "batchRawKey" | "payload">): ReplayFormat {
  if (letter.batchRawKey?.endsWith(".ndjson")) return "ndjson";
  if (letter.batchRawKey?.endsWith(".json")) return "cloudevents-batch";
  const first = firstChar(letter.payload.slice(0, 4096));
  if (first === "[") return "cloudevents-batch";
  if (first === "{" && !letter.payload.trimEnd().includes("\n")) {
    try {
      const value: unknown = JSON.parse(letter.payload);
      if (typeof value === "object" && value !== null && "specversion" in value) return "cloudevents-batch";
    } catch {
      // Not one JSON value: NDJSON lines.
    }
  }
  return "ndjson";
}

/** Where JSON text goes wrong, for a reason a person can act on. */
function jsonProblem(text: string, err: unknown): string {
  const at = locateJsonError(text);
  const detail = err instanceof Error ? err.message : String(err);
  return at ? `line ${at.line}, column ${at.column}: ${detail}` : detail;
}

/**
 * The id an event at position `k` of the letter keeps when it carries none: the id first assigned to
 * it (`{batch id}:{index}`, recorded as the letter's event id), or for a letter that never had one
 * (a refused body) `{letter id}:{k}`, the same on every replay of the letter.
 */
export function assignedIdOf(
  letter: Pick<LetterText, "id" | "batchId" | "eventId">,
  k: number,
  count: number,
): string {
  const { batchId, eventId } = letter;
  const prefix = `${batchId}:`;
  if (
    count === 1 &&
    eventId !== null &&
    batchId !== null &&
    eventId.startsWith(prefix) &&
    /^\d+$/.test(eventId.slice(prefix.length))
  ) {
    return eventId;
  }
  return `${letter.id}:${k}`;
}

/**
 * The letter's events as their texts, or why it cannot be sent: not UTF-8 text, not JSON, no events,
 * or an event above the ingest limit. Each event must parse on its own: a CloudEvents batch that does
 * not parse cannot be split into events, and one bad letter must not take a batch of others with it.
 */
export function letterEvents(letter: LetterText, limits: { maxEventBytes: number }): LetterEvents {
  const { payload } = letter;
  if (payload.startsWith("base64:")) {
    const bytes = Buffer.from(payload.slice("base64:".length), "base64");
    if (!isUtf8(bytes)) {
      return {
        ok: false,
        reason: "the payload is not UTF-8 text (it is kept as base64): edit it into JSON events to replay it",
      };
    }
    return letterEvents({ ...letter, payload: bytes.toString("utf8") }, limits);
  }
  const format = letterFormat(letter);
  let events: string[];
  if (format === "ndjson") {
    events = payload
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
    for (const [i, line] of events.entries()) {
      try {
        JSON.parse(line);
      } catch (err) {
        const where = events.length > 1 ? `event ${i + 1} (line ${i + 1}): ` : "";
        return { ok: false, reason: `${where}not valid JSON: ${jsonProblem(line, err)}` };
      }
    }
  } else {
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch (err) {
      return { ok: false, reason: `not valid JSON: ${jsonProblem(payload, err)}` };
    }
    if (Array.isArray(value)) {
      const buf = Buffer.from(payload);
      events = arrayElementSpans(buf).map(([s, e]) => buf.toString("utf8", s, e));
    } else {
      events = [payload.trim()];
    }
  }
  if (events.length === 0) return { ok: false, reason: "the payload holds no events" };
  let bytes = 0;
  for (const [i, e] of events.entries()) {
    const size = Buffer.byteLength(e);
    if (size > limits.maxEventBytes) {
      return {
        ok: false,
        reason: `${events.length > 1 ? `event ${i + 1}` : "the event"} is ${formatCount(size)} bytes; the limit is ${formatCount(limits.maxEventBytes)}`,
      };
    }
    bytes += size + 1;
  }
  const assignedIds = events.map((_, k) => assignedIdOf(letter, k, events.length));
  return { ok: true, format, events, assignedIds, bytes };
}

/**
 * A replay batch's body: NDJSON lines, or a CloudEvents batch array. Each event is encoded straight into
 * one buffer of the body's size: joining a second's worth of events into one string first (5 MB, twice
 * that as UTF-16 when an event is not ASCII) and encoding it again took twice as long in the worker's
 * process, where flushes run too.
 */
export function replayBody(format: ReplayFormat, events: readonly string[]): Uint8Array {
  const [open, between, close] = format === "ndjson" ? ["", "\n", "\n"] : ["[", ",\n", "]"];
  let size = open.length + close.length + Math.max(0, events.length - 1) * between.length;
  for (const e of events) size += Buffer.byteLength(e);
  const body = Buffer.allocUnsafe(size);
  let at = body.write(open, 0);
  for (const [i, e] of events.entries()) {
    if (i > 0) at += body.write(between, at);
    at += body.write(e, at);
  }
  at += body.write(close, at);
  return at === size ? body : body.subarray(0, at);
}
