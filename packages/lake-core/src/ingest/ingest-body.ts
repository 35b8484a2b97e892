// What ingest makes of a request body: its format from the content type, decompression within the size
// limit, binary-mode CloudEvents turned structured, the envelope checks — or a precise, typed rejection.
import { isUtf8 } from "node:buffer";
import {
  type AcceptJudge,
  type AcceptJudgement,
  BatchJudgement,
  judgeCloudEvents,
  judgeNdjsonLines,
} from "./accept-judgement";
import { checkBatch } from "./batch-check";
import { decompressBounded, isSupportedEncoding, SUPPORTED_ENCODINGS } from "./bounded-decompress";
import { ATTRIBUTE_NAME, checkCloudEvent } from "./cloud-event-attributes";
import { type BatchFormat, type EnvelopeProblem, type EnvelopeProblemCode, formatCount } from "./envelope";
import { parseJsonBody } from "./json-body";

export interface IngestLimits {
  /** Largest body after decompression (and on the wire). */
  maxBodyBytes: number;
  /** Largest single event (an NDJSON line, a CloudEvent as JSON). */
  maxEventBytes: number;
  maxEventsPerBatch: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  maxEventsPerBatch: 10_000,
};

/** The environment variables that set each limit (named in rejection messages). */
export const INGEST_LIMIT_ENV: Readonly<Record<keyof IngestLimits, string>> = {
  maxBodyBytes: "INLET_INGEST_MAX_BODY_BYTES",
  maxEventBytes: "INLET_INGEST_MAX_EVENT_BYTES",
  maxEventsPerBatch: "INLET_INGEST_MAX_EVENTS",
};

export function resolveIngestLimits(limits?: Partial<IngestLimits>): IngestLimits {
  return {
    maxBodyBytes: limits?.maxBodyBytes ?? DEFAULT_INGEST_LIMITS.maxBodyBytes,
    maxEventBytes: limits?.maxEventBytes ?? DEFAULT_INGEST_LIMITS.maxEventBytes,
    maxEventsPerBatch: limits?.maxEventsPerBatch ?? DEFAULT_INGEST_LIMITS.maxEventsPerBatch,
  };
}

export const CONTENT_TYPE_FORMATS: Readonly<Record<string, BatchFormat>> = {
  "application/cloudevents-batch+json": "cloudevents-batch",
  "application/cloudevents+json": "cloudevents",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
};

export const ACCEPTED_CONTENT_TYPES: readonly string[] = [
  "application/cloudevents-batch+json",
  "application/cloudevents+json",
  "application/x-ndjson",
  "application/json with ce-specversion, ce-type and ce-source headers (binary-mode CloudEvent)",
];

export type IngestRejectionCode =
  | "UNSUPPORTED_MEDIA_TYPE"
  | "UNSUPPORTED_ENCODING"
  | "BODY_TOO_LARGE"
  | "MALFORMED_ENCODING"
  | EnvelopeProblemCode;

export interface IngestRejection {
  ok: false;
  status: 400 | 413 | 415;
  code: IngestRejectionCode;
  message: string;
  field?: string;
  line?: number;
  index?: number;
  /**
   * Bytes to keep as a dead letter so nothing is lost: the body after decompression when that worked,
   * else as received. Absent when the client keeps the batch (size limit, media type) or it was empty.
   */
  deadLetter?: Uint8Array;
}

export interface IngestAccepted {
  ok: true;
  format: BatchFormat;
  /** Decompressed body; binary mode: the event as one structured CloudEvent. Stored unchanged. */
  bytesToStore: Buffer;
  eventCount: number;
  /** The events' verdicts, when a judge was given and the body's events could all be read. */
  judgement?: AcceptJudgement;
}

export type IngestBodyResult = IngestAccepted | IngestRejection;

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface IngestRequestKind {
  format: BatchFormat;
  /** A binary-mode CloudEvent: attributes in ce-* headers, the body is its data. */
  binary: boolean;
  /** Content codings to undo, in the order they were applied. */
  encodings: string[];
}

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function unsupportedMediaType(message: string): IngestRejection {
  return {
    ok: false,
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: `${message}. Accepted: ${ACCEPTED_CONTENT_TYPES.join("; ")}`,
  };
}

function isJsonMediaType(type: string): boolean {
  return (
    type === "application/json" || type === "text/json" || /^application\/[\w.!#$&^-]+\+json$/.test(type)
  );
}

/**
 * Decides from the headers alone whether the request can be accepted and how to read it, so that
 * unsupported requests are refused before their body is read.
 */
export function classifyIngestRequest(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  headers: HeaderBag,
): { ok: true; kind: IngestRequestKind } | IngestRejection {
  if (!contentType) return unsupportedMediaType("missing Content-Type");
  const [rawType = "", ...params] = contentType.split(";");
  const type = rawType.trim().toLowerCase();
  for (const p of params) {
    const [k = "", v = ""] = p.split("=");
    const charset = v.trim().replace(/^"|"$/g, "").toLowerCase();
    if (k.trim().toLowerCase() === "charset" && charset !== "utf-8" && charset !== "utf8") {
      return unsupportedMediaType(
        charset === ""
          ? "the charset parameter has no value; send UTF-8"
          : `charset ${charset} is not supported; send UTF-8`,
      );
    }
  }
  const encodings = (contentEncoding ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  for (const coding of encodings) {
    if (!isSupportedEncoding(coding)) {
      return {
        ok: false,
        status: 415,
        code: "UNSUPPORTED_ENCODING",
        message: `Content-Encoding ${coding} is not supported. Accepted: ${SUPPORTED_ENCODINGS.join(", ")}, identity`,
      };
    }
  }
  const format = CONTENT_TYPE_FORMATS[type];
  if (format) return { ok: true, kind: { format, binary: false, encodings } };
  const hasCe = header(headers, "ce-specversion") !== undefined;
  if (isJsonMediaType(type)) {
    if (hasCe) return { ok: true, kind: { format: "cloudevents", binary: true, encodings } };
    return unsupportedMediaType(
      `${type} is accepted only as a binary-mode CloudEvent (ce-specversion, ce-type, ce-source headers); send plain JSON events as application/x-ndjson, one per line`,
    );
  }
  if (hasCe) return unsupportedMediaType(`binary-mode CloudEvent data must be JSON, not ${type}`);
  return unsupportedMediaType(`Content-Type ${type} is not accepted`);
}

const STATUS: Record<IngestRejectionCode, 400 | 413 | 415> = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_ENCODING: 415,
  BODY_TOO_LARGE: 413,
  MALFORMED_ENCODING: 400,
  MALFORMED_JSON: 400,
  INVALID_CLOUDEVENT: 400,
  EVENT_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 400,
  EMPTY_BATCH: 400,
};

function bodyTooLarge(limit: number, detail: string): IngestRejection {
  return {
    ok: false,
    status: 413,
    code: "BODY_TOO_LARGE",
    message: `${detail}; the limit is ${formatCount(limit)} bytes (${INGEST_LIMIT_ENV.maxBodyBytes}). Nothing was stored: split the batch into smaller requests and send them again`,
  };
}

function fromProblem(problem: EnvelopeProblem, body: Uint8Array): IngestRejection {
  let message = problem.message;
  if (problem.code === "EVENT_TOO_LARGE") message += ` (${INGEST_LIMIT_ENV.maxEventBytes})`;
  if (problem.code === "BATCH_TOO_LARGE") message += ` (${INGEST_LIMIT_ENV.maxEventsPerBatch})`;
  const rejection: IngestRejection = { ok: false, status: STATUS[problem.code], code: problem.code, message };
  if (problem.field !== undefined) rejection.field = problem.field;
  if (problem.line !== undefined) rejection.line = problem.line;
  if (problem.index !== undefined) rejection.index = problem.index;
  if (problem.code !== "EMPTY_BATCH") rejection.deadLetter = body;
  return rejection;
}

export interface IngestBodyInput {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  headers: HeaderBag;
  /** The body exactly as received on the wire. */
  body: Uint8Array;
}

/** Everything ingest checks about a body before it accepts the batch. */
export async function decodeIngestBody(
  input: IngestBodyInput,
  limits?: Partial<IngestLimits>,
  judge?: AcceptJudge,
): Promise<IngestBodyResult> {
  const lim = resolveIngestLimits(limits);
  const classified = classifyIngestRequest(input.contentType, input.contentEncoding, input.headers);
  if (!classified.ok) return classified;
  const { kind } = classified;
  if (input.body.length > lim.maxBodyBytes) {
    return bodyTooLarge(lim.maxBodyBytes, `the body is ${formatCount(input.body.length)} bytes`);
  }
  // No bytes at all, whatever the Content-Encoding says: an empty batch, with nothing to keep.
  if (input.body.length === 0 && !kind.binary) {
    return fromProblem({ code: "EMPTY_BATCH", message: "the batch has no events" }, input.body);
  }
  let body: Buffer = Buffer.isBuffer(input.body)
    ? input.body
    : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
  // A binary-mode event without a body has no data, whatever the Content-Encoding says.
  const encodings = input.body.length === 0 ? [] : [...kind.encodings].reverse();
  for (const coding of encodings) {
    if (!isSupportedEncoding(coding)) continue;
    const out = await decompressBounded(body, coding, lim.maxBodyBytes);
    if (!out.ok) {
      if (out.reason === "too-large") {
        const detail =
          out.declared === undefined
            ? `the ${coding} body decompresses to more than ${formatCount(lim.maxBodyBytes)} bytes`
            : `the ${coding} body declares ${formatCount(out.declared)} bytes of content`;
        return bodyTooLarge(lim.maxBodyBytes, detail);
      }
      if (out.reason === "unsupported") {
        return { ok: false, status: 415, code: "UNSUPPORTED_ENCODING", message: out.message };
      }
      return {
        ok: false,
        status: 400,
        code: "MALFORMED_ENCODING",
        message: out.message,
        // A binary-mode event keeps its attributes: its letter is the event, the bytes as received as data_base64.
        deadLetter: kind.binary
          ? binaryDeadLetter(input.contentType ?? "", input.headers, Buffer.from(input.body))
          : input.body,
      };
    }
    body = out.bytes;
  }
  if (kind.binary) {
    const structured = binaryToStructured(input.contentType ?? "", input.headers, body, lim);
    return structured.ok && judge ? withJudgement(structured, judge) : structured;
  }
  const ndjsonJudgement = judge && kind.format === "ndjson" ? new BatchJudgement(judge, body) : undefined;
  const check = checkBatch(
    body,
    kind.format,
    { maxEventBytes: lim.maxEventBytes, maxEvents: lim.maxEventsPerBatch },
    ndjsonJudgement && judge ? judgeNdjsonLines(ndjsonJudgement, judge) : undefined,
  );
  if (!check.ok) return fromProblem(check.problem, body);
  const accepted: IngestAccepted = {
    ok: true,
    format: kind.format,
    bytesToStore: body,
    eventCount: check.eventCount,
  };
  if (ndjsonJudgement) {
    const judgement = ndjsonJudgement.result();
    return judgement ? { ...accepted, judgement } : accepted;
  }
  return judge ? withJudgement(accepted, judge) : accepted;
}

/** A CloudEvents body accepted by its checks, with its events judged (see accept-judgement.ts). */
function withJudgement(accepted: IngestAccepted, judge: AcceptJudge): IngestAccepted {
  const judgement = judgeCloudEvents(accepted.bytesToStore, accepted.format, judge);
  return judgement ? { ...accepted, judgement } : accepted;
}

function decodeHeaderValue(value: string): string {
  // The CloudEvents HTTP binding percent-encodes non-printable characters in ce-* header values.
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The ce-* headers of a binary-mode request as attributes (name without the prefix, value decoded). */
function headerAttributes(headers: HeaderBag): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith("ce-") || raw === undefined) continue;
    attributes[name.slice(3)] = decodeHeaderValue(Array.isArray(raw) ? raw.join(",") : raw);
  }
  return attributes;
}

/**
 * What a refused binary-mode CloudEvent leaves as its dead letter: the event in structured form, every
 * ce-* header as an attribute and the body as `data` when it is JSON, else as `data_base64`, so that
 * neither the attributes nor the data are lost and the letter can be sent again as
 * application/cloudevents+json once fixed.
 */
function binaryDeadLetter(contentType: string, headers: HeaderBag, body: Buffer): Buffer {
  const head = JSON.stringify({ ...headerAttributes(headers), datacontenttype: contentType });
  if (!body.some((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) return Buffer.from(head);
  const parsed = parseJsonBody(body);
  const data = parsed.ok ? `"data":${parsed.text.trim()}` : `"data_base64":"${body.toString("base64")}"`;
  return Buffer.from(`${head.slice(0, -1)},${data}}`);
}

/** A binary-mode CloudEvent (attributes in ce-* headers, data in the body) as one structured CloudEvent. */
function binaryToStructured(
  contentType: string,
  headers: HeaderBag,
  body: Buffer,
  lim: IngestLimits,
): IngestBodyResult {
  const reject = (problem: EnvelopeProblem): IngestRejection =>
    fromProblem(problem, binaryDeadLetter(contentType, headers, body));
  const attributes = headerAttributes(headers);
  for (const attribute of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(attribute) || attribute === "data") {
      return reject({
        code: "INVALID_CLOUDEVENT",
        message: `header ce-${attribute}: CloudEvents attribute names are lowercase letters and digits`,
        field: `ce-${attribute}`,
      });
    }
  }
  attributes.datacontenttype = contentType;
  const problem = checkCloudEvent(attributes, (a) => `header ce-${a}`);
  if (problem)
    return reject({ code: "INVALID_CLOUDEVENT", message: problem.message, field: `ce-${problem.field}` });
  let dataText: string | undefined;
  if (body.some((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) {
    const parsed = parseJsonBody(body);
    if (!parsed.ok) return reject(parsed.problem);
    dataText = parsed.text.trim();
  }
  // Splice the data's own text in rather than re-serialising it: same bytes, no precision loss.
  const head = JSON.stringify(attributes);
  const json = dataText === undefined ? head : `${head.slice(0, -1)},"data":${dataText}}`;
  const bytes = Buffer.from(json);
  if (bytes.length > lim.maxEventBytes) {
    return reject({
      code: "EVENT_TOO_LARGE",
      message: `the event is ${formatCount(bytes.length)} bytes; the limit is ${formatCount(lim.maxEventBytes)}`,
      actual: bytes.length,
      limit: lim.maxEventBytes,
    });
  }
  return { ok: true, format: "cloudevents", bytesToStore: bytes, eventCount: 1 };
}

/**
 * A dead letter's payload column: the bytes as text when they are UTF-8 without NUL (which Postgres text
 * cannot hold), else `base64:` followed by their base64.
 */
export function deadLetterPayload(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf) && buf.indexOf(0) === -1) return buf.toString("utf8");
  return `base64:${buf.toString("base64")}`;
}
