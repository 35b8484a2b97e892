// Whether one event must be dead-lettered rather than stored, and the letter's code, reason, JSON
// pointer and payload text: one set of rules for the ingest API (which judges events against the
// source's active schema before answering 202) and the worker (which judges those ingest did not).
import { errorMessage } from "../errors";
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
import { type EnvelopeEvent, type EventProblem, isRecord } from "./envelope";
import { pointerOfPath } from "./event-fields";

export interface EventRejection {
  code: string;
  reason: string;
  path?: string | undefined;
}

// Postgres and DuckDB both accept years 1..9999; an event time outside that cannot be stored.
const MIN_TIME_MS = -62_135_596_800_000;
const MAX_TIME_MS = 253_402_300_799_999;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const ID_CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Why an event cannot be stored (its time, its id, the schema's verdict, a value no column can hold),
 * or undefined when it can. Anything an event makes fail (a schema whose validation recurses too far)
 * rejects that event alone.
 */
export function eventRejection(
  ev: EnvelopeEvent,
  source: LoadedSource,
  body: Uint8Array,
): EventRejection | undefined {
  const { schema } = source;
  try {
    const t = ev.time.getTime();
    if (!(t >= MIN_TIME_MS && t <= MAX_TIME_MS)) {
      return { code: "INVALID_EVENT_TIME", reason: "event time is outside years 1..9999" };
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
        code: "INVALID_EVENT_ID",
        reason: `${inPayload ? `line ${ev.line}: ` : ""}event id contains ${what}`,
        path: inPayload ? pointerOfPath(source.idField, ev.payload) : undefined,
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
      return { code, reason: formatViolation(violation), path: violation.path };
    }
    const surrogate = unpairedSurrogate(ev, body, schema);
    if (surrogate?.stored) {
      return {
        code: "UNSTORABLE_VALUE",
        reason: `${surrogate.path || "/"}: holds an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which stored text cannot hold`,
        path: surrogate.path,
      };
    }
    return undefined;
  } catch (err) {
    return { code: "UNPROCESSABLE_EVENT", reason: `the event cannot be processed: ${errorMessage(err)}` };
  }
}

/**
 * Where an event's payload holds an unpaired surrogate, and whether that part would be stored (the
 * whole payload for a schemaless table, else a payload column); undefined when it holds none.
 */
export function unpairedSurrogate(
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

/** The JSON pointer a dead letter of an event the envelope could not read names, when there is one. */
export function problemPath(problem: EventProblem): string | undefined {
  return problem.code === "INVALID_EVENT_ID" && problem.field !== undefined
    ? pointerOfPath(problem.field)
    : undefined;
}
