// Checking an edit of a dead letter's payload, as the console's editor calls it while someone types:
// where the JSON breaks (position, line, column), every problem the active schema finds (at its JSON
// pointer), and whether the edit keeps the event's id, which is what makes its replay land only once.
import { type EnvelopeSource, isRecord } from "../ingest/envelope";
import { eventIdFrom, getPath, pointerOfPath } from "../ingest/event-fields";
import { compactJson } from "../json/json-compact";
import { locateJsonError } from "../json/json-error-location";
import type { LoadedSource } from "../schema/source-schema";
import { type EventProblemAt, judgeLetterEvents } from "./judge-letter";
import { type LetterText, letterEvents, letterFormat, type ReplayFormat } from "./replay-letters";

export interface JsonParseError {
  message: string;
  /** Offset into the edited text (UTF-16 code units, as an editor counts). */
  position: number;
  /** 1-based. */
  line: number;
  column: number;
}

export interface EditedPayloadCheck {
  /** True when the edit parses, keeps the event's id and every event passes the active schema. */
  ok: boolean;
  format: ReplayFormat;
  parseError?: JsonParseError | undefined;
  /** Problems of the events (envelope, schema, id): each at a JSON pointer into its event. */
  problems: EventProblemAt[];
  /** The edit as it is stored and replayed: one line per event for NDJSON, as typed otherwise. */
  payload: string;
  events: number;
  /** The active schema version the events were judged against; undefined for a schemaless source. */
  schemaVersion: number | undefined;
}

/** Where `text` fails to parse, shifted to where it sits in the whole edit (offset, line, column). */
function parseError(text: string, err: unknown, at = { offset: 0, line: 0, column: 0 }): JsonParseError {
  const found = locateJsonError(text);
  const message = err instanceof Error ? err.message : String(err);
  return {
    message,
    position: at.offset + (found?.position ?? text.length),
    line: at.line + (found?.line ?? 1),
    column: (found?.line ?? 1) === 1 ? at.column + (found?.column ?? 1) : (found?.column ?? 1),
  };
}

/**
 * The edited text as the events it will be replayed as, or where it fails to parse. A letter of one
 * NDJSON event is one JSON value however it is laid out (stored as one line); a letter of several
 * (a refused body) is one event per line; a CloudEvents letter is one event or an array of them.
 */
function parseEdit(
  text: string,
  format: ReplayFormat,
  events: number,
): { ok: true; payload: string } | { ok: false; error: JsonParseError } {
  if (format === "ndjson" && events > 1) {
    const lines: string[] = [];
    let offset = 0;
    for (const [i, raw] of text.split("\n").entries()) {
      const line = raw.trim();
      if (line !== "") {
        try {
          JSON.parse(line);
        } catch (err) {
          const lead = raw.length - raw.trimStart().length;
          return {
            ok: false,
            error: parseError(line, err, { offset: offset + lead, line: i, column: lead }),
          };
        }
        lines.push(line);
      }
      offset += raw.length + 1;
    }
    return { ok: true, payload: lines.join("\n") };
  }
  try {
    JSON.parse(text);
  } catch (err) {
    return { ok: false, error: parseError(text, err) };
  }
  return { ok: true, payload: format === "ndjson" ? compactJson(text.trim()) : text.trim() };
}

/** The id problem of an edited event, when the edit would change the id the event is deduplicated by. */
function idProblem(
  source: EnvelopeSource,
  format: ReplayFormat,
  letter: LetterText,
  original: string,
  edited: unknown,
): EventProblemAt | undefined {
  const { eventId, batchId } = letter;
  if (eventId === null) return undefined; // Never had a usable id: any the edit gives is new.
  const assigned = batchId !== null && eventId.startsWith(`${batchId}:`);
  if (format === "ndjson") {
    const id = eventIdFrom(getPath(edited, source.idField));
    if (assigned || id === eventId) return undefined;
    return {
      event: 0,
      code: "EVENT_ID_CHANGED",
      path: pointerOfPath(source.idField),
      message: `must stay ${JSON.stringify(eventId)}: a replayed event keeps its id, so that it lands once`,
    };
  }
  if (!isRecord(edited)) return undefined;
  let before: unknown;
  try {
    before = JSON.parse(original);
  } catch {
    return undefined;
  }
  for (const attribute of assigned ? ["source"] : ["id", "source"]) {
    const was = isRecord(before) ? before[attribute] : undefined;
    if (was === undefined || edited[attribute] === was) continue;
    return {
      event: 0,
      code: "EVENT_ID_CHANGED",
      path: `/${attribute}`,
      message: `must stay ${JSON.stringify(was)}: a CloudEvent is deduplicated by its source and id, and a replayed event keeps them so that it lands once`,
    };
  }
  return undefined;
}

/**
 * Checks an edit of the letter (its current payload `letter.payload`) against the source's active
 * schema. Nothing is stored here.
 */
export function checkEditedPayload(
  source: LoadedSource,
  letter: LetterText,
  text: string,
  limits: { maxEventBytes: number },
): EditedPayloadCheck {
  const format = letterFormat(letter);
  const before = letterEvents(letter, limits);
  const eventsBefore = before.ok ? before.events.length : 1;
  const base = { format, problems: [] as EventProblemAt[], schemaVersion: source.schemaVersion };
  const parsed = parseEdit(text, format, eventsBefore);
  if (!parsed.ok) return { ...base, ok: false, parseError: parsed.error, payload: text, events: 0 };
  const read = letterEvents({ ...letter, payload: parsed.payload }, limits);
  if (!read.ok) {
    return {
      ...base,
      ok: false,
      problems: [{ event: 0, code: "UNSENDABLE_PAYLOAD", path: "", message: read.reason }],
      payload: parsed.payload,
      events: 0,
    };
  }
  const problems: EventProblemAt[] = [];
  if (read.events.length === 1 && eventsBefore === 1) {
    const changed = idProblem(source, format, letter, letter.payload, JSON.parse(read.events[0]!));
    if (changed) problems.push(changed);
  }
  for (const j of judgeLetterEvents(source, read)) if (!j.pass) problems.push(...j.problems);
  return {
    ...base,
    ok: problems.length === 0,
    problems,
    payload: parsed.payload,
    events: read.events.length,
  };
}
