// A raw batch's events in order, each with its id, time, payload and CloudEvents attributes, for the
// worker (and tests) to judge and store.
import { isUtf8 } from "node:buffer";
import { arrayElementSpans, type ByteSpan, cloudEventDataSpans } from "../json/json-spans";
import { cloudEventProblem } from "./cloud-event-attributes";
import {
  type BatchFormat,
  type CloudEventAttributes,
  describeJson,
  EnvelopeError,
  type EnvelopeEvent,
  type EnvelopeSource,
  type EventProblem,
  isRecord,
} from "./envelope";
import {
  compilePath,
  eventIdFrom,
  eventIdProblem,
  eventTimeFrom,
  rfc3339Time,
  subMillisecondMicros,
} from "./event-fields";
import { asBuffer, bomLength, ndjsonLines, parseJsonBody, parseLine, trimmedSpan } from "./json-body";

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
  /**
   * The id an event at this index takes when it carries none, instead of `${batchId}:${index}`: a
   * replayed event keeps the id first assigned to it (see replay/), so it is deduplicated as itself.
   */
  assignedId?(index: number): string | undefined;
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
    const read = ndjsonEventReader(input);
    const checkUtf8 = !isUtf8(buf);
    let index = 0;
    for (const span of ndjsonLines(buf)) {
      const parsed = parseLine(buf, span, index, checkUtf8);
      if (parsed.ok) {
        const event = read(parsed.value, parsed.text, span, index);
        if ("code" in event) report(event);
        else yield event;
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
    const eventId = id ?? input.assignedId?.(index) ?? `${batchId}:${index}`;
    yield {
      index,
      id: eventId,
      // CloudEvents ids are unique per source attribute; assigned ids are unique by themselves.
      dedupeId: id === undefined ? eventId : `${attributes.source}\u001f${id}`,
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
 * Turns one parsed NDJSON line into its event (id, time and payload by the source's id and time
 * fields), or the problem that makes it unreadable: shared by iterateEvents and the ingest API's
 * single pass over a body (see accept-judgement.ts).
 */
export function ndjsonEventReader(
  input: Pick<ParseBatchInput, "source" | "batchId" | "receivedAt" | "assignedId">,
): (
  value: Record<string, unknown>,
  text: string,
  span: { line: number; start: number; end: number },
  index: number,
) => EnvelopeEvent | EventProblem {
  const { batchId, receivedAt } = input;
  const idOf = compilePath(input.source.idField);
  const timeOf = compilePath(input.source.timeField);
  return (value, text, span, index) => {
    const rawId = idOf(value);
    const idProblem = eventIdProblem(rawId, input.source.idField);
    if (idProblem !== undefined) {
      return {
        code: "INVALID_EVENT_ID",
        message: `line ${span.line}: ${idProblem}`,
        index,
        line: span.line,
        field: input.source.idField,
        text,
      };
    }
    const id = eventIdFrom(rawId);
    const rawTime = timeOf(value);
    const time = eventTimeFrom(rawTime);
    const finalId = id ?? input.assignedId?.(index) ?? `${batchId}:${index}`;
    return {
      index,
      id: finalId,
      dedupeId: finalId,
      time: time ?? receivedAt,
      timeMicros: time === undefined ? 0 : subMillisecondMicros(rawTime),
      payload: value,
      idAssigned: id === undefined,
      timeAssigned: time === undefined,
      text,
      line: span.line,
      start: span.start,
      end: span.end,
    };
  };
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
