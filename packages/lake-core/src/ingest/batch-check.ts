// The validation pass on the accept path: counts a batch's events and finds the first envelope problem
// (size, id, time, attributes) without keeping the events; hands each parsed NDJSON line to a hook.
import { isUtf8 } from "node:buffer";
import { arrayElementSpans } from "../json/json-spans";
import { cloudEventProblem } from "./cloud-event-attributes";
import { type BatchFormat, describeJson, type EnvelopeProblem, formatCount, isRecord } from "./envelope";
import { asBuffer, bomLength, ndjsonLines, parseJsonBody, parseLine } from "./json-body";

export interface BatchCheckLimits {
  maxEventBytes: number;
  maxEvents: number;
}

export type BatchCheck = { ok: true; eventCount: number } | { ok: false; problem: EnvelopeProblem };

/** Called with each NDJSON line that parsed, so that a caller judging events need not parse it again. */
export type ParsedLineHook = (
  value: Record<string, unknown>,
  text: string,
  span: { line: number; start: number; end: number },
  index: number,
) => void;

/**
 * Every check ingest makes before accepting a batch, without building events: well-formed JSON objects,
 * CloudEvents attributes, event size and count. Stops at the first problem.
 */
export function checkBatch(
  body: Uint8Array,
  format: BatchFormat,
  limits: BatchCheckLimits,
  onLine?: ParsedLineHook,
): BatchCheck {
  const buf = asBuffer(body);
  if (format === "ndjson") return checkNdjson(buf, limits, onLine);
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

function checkNdjson(buf: Buffer, limits: BatchCheckLimits, onLine: ParsedLineHook | undefined): BatchCheck {
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
    onLine?.(parsed.value, parsed.text, span, count);
    count += 1;
  }
  if (count === 0) return { ok: false, problem: emptyBatch() };
  return { ok: true, eventCount: count };
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
