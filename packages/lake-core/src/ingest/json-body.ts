// Decoding a request body as JSON text: UTF-8 and byte-order checks, and the position of a syntax
// error as line and column.
import { isUtf8 } from "node:buffer";
import { locateJsonError } from "../json/json-error-location";
import type { ByteSpan } from "../json/json-spans";
import { describeJson, type EnvelopeProblem } from "./envelope";

export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** The span of the body without its byte order mark and surrounding whitespace. */
export function trimmedSpan(buf: Buffer): ByteSpan {
  let start = bomLength(buf);
  let end = buf.length;
  while (start < end && (isBlank(buf[start]) || buf[start] === 0x0a)) start += 1;
  while (end > start && (isBlank(buf[end - 1]) || buf[end - 1] === 0x0a)) end -= 1;
  return [start, end];
}

export function bomLength(buf: Buffer): number {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

interface LineSpan {
  /** 1-based physical line. */
  line: number;
  /** Byte offsets of the line's text without surrounding blanks and the CR/LF. */
  start: number;
  end: number;
}

function isBlank(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/** Non-blank NDJSON lines; LF or CRLF endings, whitespace-only lines skipped. */
export function* ndjsonLines(buf: Buffer): Generator<LineSpan> {
  const len = buf.length;
  let pos = bomLength(buf);
  let line = 0;
  while (pos < len) {
    line += 1;
    let nl = buf.indexOf(0x0a, pos);
    if (nl === -1) nl = len;
    let start = pos;
    let end = nl;
    while (start < end && isBlank(buf[start])) start += 1;
    while (end > start && isBlank(buf[end - 1])) end -= 1;
    pos = nl + 1;
    if (start < end) yield { line, start, end };
  }
}

type ParsedLine =
  | { ok: true; value: Record<string, unknown>; text: string }
  | { ok: false; problem: EnvelopeProblem };

export function parseLine(buf: Buffer, span: LineSpan, index: number, checkUtf8: boolean): ParsedLine {
  const at = `line ${span.line}`;
  if (checkUtf8 && !isUtf8(buf.subarray(span.start, span.end))) {
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `${at}: not valid UTF-8`,
        line: span.line,
        index,
        text: buf.toString("latin1", span.start, span.end),
      },
    };
  }
  const text = buf.toString("utf8", span.start, span.end);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = (err as Error).message;
    const loc = /position \d+/.test(detail) ? undefined : locateJsonError(text);
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `${at}: ${detail}${loc ? ` (column ${loc.column})` : ""}`,
        line: span.line,
        index,
        text,
      },
    };
  }
  // A parsed line that starts with "{" is an object; anything else is valid JSON of the wrong kind.
  if (buf[span.start] !== 0x7b) {
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `${at}: expected a JSON object, got ${describeJson(value)}`,
        line: span.line,
        index,
        text,
      },
    };
  }
  return { ok: true, value: value as Record<string, unknown>, text };
}

type ParsedBody = { ok: true; value: unknown; text: string } | { ok: false; problem: EnvelopeProblem };

/** One JSON document (a CloudEvents batch or single event). */
export function parseJsonBody(body: Uint8Array): ParsedBody {
  const buf = asBuffer(body);
  if (!isUtf8(buf))
    return { ok: false, problem: { code: "MALFORMED_JSON", message: "body is not valid UTF-8" } };
  const text = buf.toString("utf8", bomLength(buf));
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch (err) {
    const detail = (err as Error).message;
    const loc = locateJsonError(text);
    if (!loc) return { ok: false, problem: { code: "MALFORMED_JSON", message: detail } };
    return {
      ok: false,
      problem: {
        code: "MALFORMED_JSON",
        message: `line ${loc.line}, column ${loc.column}: ${detail}`,
        line: loc.line,
      },
    };
  }
}
