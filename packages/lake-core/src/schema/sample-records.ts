// Reads a sample a data engineer pastes or uploads into records: tells NDJSON, a JSON array of objects,
// a single JSON object and CSV apart (or takes the kind declared), enforces the sample limits, and
// names the line and the problem when the text is malformed.
import { InletError } from "../errors";
import { locateJsonError } from "../json/json-error-location";
import { arrayElementSpans } from "../json/json-spans";
import { csvHeaderFields, csvHeaderLine, readCsvSample } from "./csv-sample";
import { integralDecimalPlaces, type Place } from "./decimal-literals";

export type SampleFormat = "ndjson" | "json-array" | "json" | "csv";

/**
 * What the sender says the sample is. "json" means one JSON document, an object or an array of
 * objects (a ".json" file may hold either); "json-array" insists on the array.
 */
export type SampleKind = SampleFormat;

export interface SampleRecords {
  format: SampleFormat;
  records: Record<string, unknown>[];
  /** Places of the records where whole numbers were written as decimals ("10.0"), so are numbers. */
  decimalPlaces: Place[];
}

/** 5 MiB of UTF-8: enough rows to see a source's shape, little enough to read in one request. */
export const MAX_SAMPLE_BYTES = 5 * 1024 * 1024;
export const MAX_SAMPLE_ROWS = 10_000;

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "an array", "a string", for messages about a value of the wrong kind. */
function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return "a string";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

/** Where and how JSON text goes wrong: `line 3, column 7: unexpected "x"` (only the column for one line). */
function jsonSyntaxProblem(text: string, oneLine: boolean): string {
  const loc = locateJsonError(text);
  if (!loc) return "not valid JSON";
  const at = oneLine ? `column ${loc.column}` : `line ${loc.line}, column ${loc.column}`;
  const found = text[loc.position];
  return found === undefined
    ? `${at}: the ${oneLine ? "line" : "text"} ends before the JSON value is complete`
    : `${at}: unexpected ${JSON.stringify(found)}`;
}

function tooManyRows(): InletError {
  const limit = MAX_SAMPLE_ROWS.toLocaleString("en-US");
  return new InletError(
    "BAD_REQUEST",
    `sample has more than ${limit} rows, the limit for a sample; send its first ${limit} rows`,
    { limit: MAX_SAMPLE_ROWS },
  );
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

interface Line {
  /** 1-based. */
  number: number;
  /** Without its line ending, so a column counts from the line's start. */
  text: string;
}

/** Lines with anything on them, LF or CRLF endings. */
function nonBlankLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() !== "") lines.push({ number: i + 1, text: raw.endsWith("\r") ? raw.slice(0, -1) : raw });
  });
  return lines;
}

function readNdjson(text: string): SampleRecords {
  const lines = nonBlankLines(text);
  if (lines.length > MAX_SAMPLE_ROWS) throw tooManyRows();
  const records = lines.map((line) => {
    const parsed = tryParseJson(line.text);
    if (!parsed.ok) {
      throw new InletError(
        "BAD_REQUEST",
        `NDJSON line ${line.number} is not valid JSON: ${jsonSyntaxProblem(line.text, true)}`,
        { line: line.number },
      );
    }
    if (!isObject(parsed.value)) {
      throw new InletError(
        "BAD_REQUEST",
        `NDJSON line ${line.number} is ${describeValue(parsed.value)}; every line must be a JSON object`,
        { line: line.number },
      );
    }
    return parsed.value;
  });
  return { format: "ndjson", records, decimalPlaces: integralDecimalPlaces(text) };
}

/** 1-based line of each element of a JSON array text that JSON.parse accepted. */
function elementLine(text: string, index: number): number | undefined {
  const bytes = Buffer.from(text, "utf8");
  const span = arrayElementSpans(bytes)[index];
  if (!span) return undefined;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < span[0]; i = bytes.indexOf(0x0a, i + 1)) line += 1;
  return line;
}

function fromJsonArray(text: string, value: unknown[]): SampleRecords {
  if (value.length === 0) {
    throw new InletError("BAD_REQUEST", "sample is an empty JSON array: it needs at least one object");
  }
  if (value.length > MAX_SAMPLE_ROWS) throw tooManyRows();
  const bad = value.findIndex((v) => !isObject(v));
  if (bad !== -1) {
    const line = elementLine(text, bad);
    throw new InletError(
      "BAD_REQUEST",
      `element ${bad + 1} of the JSON array${line === undefined ? "" : ` (line ${line})`} is ${describeValue(value[bad])}; every element must be a JSON object`,
      { index: bad, line },
    );
  }
  // Places inside the array start with its element marker; relative to a record, they do not.
  const decimalPlaces = integralDecimalPlaces(text).map((place) => place.slice(1));
  return { format: "json-array", records: value as JsonObject[], decimalPlaces };
}

function fromJsonObject(text: string, value: JsonObject): SampleRecords {
  return { format: "json", records: [value], decimalPlaces: integralDecimalPlaces(text) };
}

/** One JSON document: an object (when `kind` is "json") or an array of objects. */
function readJsonDocument(text: string, kind: "json" | "json-array"): SampleRecords {
  const parsed = tryParseJson(text);
  if (!parsed.ok) {
    const first = nonBlankLines(text)[0];
    const firstParsed = first ? tryParseJson(first.text) : { ok: false as const };
    const hint =
      firstParsed.ok && isObject(firstParsed.value)
        ? "; it looks like NDJSON (one object per line): declare it as ndjson or leave the kind out"
        : "";
    throw new InletError("BAD_REQUEST", `sample is not valid JSON: ${jsonSyntaxProblem(text, false)}${hint}`);
  }
  const value = parsed.value;
  if (Array.isArray(value)) return fromJsonArray(text, value);
  if (kind === "json" && isObject(value)) return fromJsonObject(text, value);
  const wanted = kind === "json" ? "a JSON object or an array of objects" : "a JSON array of objects";
  throw new InletError("BAD_REQUEST", `sample is ${describeValue(value)}; expected ${wanted}`);
}

/**
 * A text whose first line does not parse on its own is one JSON document spread over lines; NDJSON
 * whose first line is broken still shows itself by a second line that parses on its own as an object.
 */
function looksLikeNdjson(text: string): boolean {
  const [first, second] = nonBlankLines(text);
  if (!first) return false;
  if (tryParseJson(first.text).ok) return true;
  if (!second) return false;
  const next = tryParseJson(second.text);
  return next.ok && isObject(next.value);
}

/** A one-column header must read as a name ("email"), not prose, to count as CSV. */
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Why the text cannot be CSV when nothing says it is, or undefined when it may well be. */
function notCsvReason(text: string): string | undefined {
  const line = csvHeaderLine(text);
  const fields = csvHeaderFields(line);
  if (!fields) return "its first line cannot be read as a CSV header";
  if (fields.length >= 2) return undefined;
  if (!COLUMN_NAME.test(fields[0] ?? "")) {
    return "its first line is neither a CSV header with delimiters nor a single column name";
  }
  return nonBlankLines(text).length < 2 ? "it is a single word without data rows" : undefined;
}

function readCsv(text: string): SampleRecords {
  const { records, numberColumns } = readCsvSample(text, MAX_SAMPLE_ROWS);
  if (records.length > MAX_SAMPLE_ROWS) throw tooManyRows();
  return { format: "csv", records, decimalPlaces: numberColumns.map((name) => [name]) };
}

function detectAndRead(text: string): SampleRecords {
  const whole = tryParseJson(text);
  if (whole.ok) {
    if (Array.isArray(whole.value)) return fromJsonArray(text, whole.value);
    if (isObject(whole.value)) return fromJsonObject(text, whole.value);
    throw new InletError(
      "BAD_REQUEST",
      `sample is ${describeValue(whole.value)}; expected JSON objects (NDJSON, an array or one object) or CSV`,
    );
  }
  const start = text.trimStart()[0];
  if (start === "{") return looksLikeNdjson(text) ? readNdjson(text) : readJsonDocument(text, "json");
  if (start === "[") return readJsonDocument(text, "json-array");
  const reason = notCsvReason(text);
  if (reason !== undefined) {
    throw new InletError(
      "BAD_REQUEST",
      `sample is neither JSON nor CSV: it does not start with "{" or "[", and ${reason}`,
    );
  }
  return readCsv(text);
}

function checkSize(text: string): void {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_SAMPLE_BYTES) {
    const mb = (bytes / (1024 * 1024)).toFixed(2);
    throw new InletError(
      "BAD_REQUEST",
      `sample is ${mb} MB (${bytes.toLocaleString("en-US")} bytes), over the limit of ${MAX_SAMPLE_BYTES / (1024 * 1024)} MB (${MAX_SAMPLE_BYTES.toLocaleString("en-US")} bytes)`,
      { bytes, limit: MAX_SAMPLE_BYTES },
    );
  }
}

/** The records of a sample, in the declared kind or else the one its text shows. */
export function readSampleRecords(sample: string, kind?: SampleKind): SampleRecords {
  checkSize(sample);
  const text = sample.startsWith("\uFEFF") ? sample.slice(1) : sample;
  if (text.trim() === "") throw new InletError("BAD_REQUEST", "sample is empty");
  switch (kind) {
    case "ndjson":
      return readNdjson(text);
    case "json":
    case "json-array":
      return readJsonDocument(text, kind);
    case "csv":
      return readCsv(text);
    default:
      return detectAndRead(text);
  }
}
