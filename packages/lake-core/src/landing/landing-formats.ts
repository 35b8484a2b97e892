// Turns a dropped file (NDJSON, JSON array, CSV with header, Parquet) into NDJSON text, one event per
// line, the format raw batches are stored and processed in.
import { createReadStream } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlIdent, sqlString } from "../adapters/duckdb-sql";
import { isRecord } from "../ingest/envelope";
import { arrayElementSpans, objectMembers } from "../json/json-spans";
import type { ColumnSpec } from "../schema/schema-columns";
import { csvReadProblem, parquetReadProblem } from "./landing-read-errors";

export type LandingFormat = "ndjson" | "json" | "csv" | "parquet";

const EXTENSIONS: Record<string, LandingFormat> = {
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".json": "json",
  ".csv": "csv",
  ".parquet": "parquet",
};

export function landingFormatOf(key: string): LandingFormat | undefined {
  const lower = key.toLowerCase();
  const dot = lower.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSIONS[lower.slice(dot)];
}

/** Thrown when a file's content does not match its format; the file is set aside, not retried. */
export class LandingFormatError extends Error {}

/**
 * A CSV cell as the schema wants it: numbers and booleans typed when they read cleanly, JSON columns
 * parsed; anything else stays the original text so validation reports it and nothing is lost.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function csvCellValue(text: string, type: string | undefined): unknown {
  switch (type) {
    case "BIGINT": {
      // As in JSON, an integer may be written with a zero fraction or an exponent (1.0, 1e3).
      const n = Number(text);
      return DECIMAL.test(text.trim()) && Number.isSafeInteger(n) ? n : text;
    }
    case "DOUBLE": {
      // Decimal notation only: Number() would also read "0x1A", "0b11" or "0o7" as numbers.
      const n = Number(text);
      return DECIMAL.test(text.trim()) && Number.isFinite(n) ? n : text;
    }
    case "BOOLEAN": {
      const t = text.trim().toLowerCase();
      return t === "true" ? true : t === "false" ? false : text;
    }
    case "JSON":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/**
 * The names in a CSV file's header row (RFC 4180: comma-separated, fields optionally in double quotes
 * with "" for a quote), read here so that DuckDB reads the rows with exactly these columns: left to
 * guess, its sniffer picks another delimiter when a ragged row sits in its sample and reads every
 * line as one column.
 */
export function csvHeaderNames(text: string): string[] {
  const names: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    let name = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new LandingFormatError("the CSV header row has an unterminated quote");
        name += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        name += '"';
        i += 1;
      }
      if (name.includes("\n")) throw new LandingFormatError("a CSV header name cannot hold a line break");
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && text[end] !== "\n" && text[end] !== "\r") end += 1;
      name = text.slice(i, end);
      i = end;
    }
    names.push(name);
    if (text[i] === ",") {
      i += 1;
      continue;
    }
    if (i < text.length && text[i] !== "\n" && text[i] !== "\r") {
      throw new LandingFormatError(
        `the CSV header row has text after a quoted name: ${JSON.stringify(text.slice(i, i + 20))}`,
      );
    }
    return names;
  }
}

/**
 * A CSV cell as JSON text: csvCellValue's value, except that an integer for a BIGINT column keeps
 * every digit (a JavaScript number would round one beyond 2^53).
 */
export function csvCellJson(text: string, type: string | undefined): string {
  const trimmed = text.trim();
  if (type === "BIGINT" && /^[+-]?\d+$/.test(trimmed)) return BigInt(trimmed).toString();
  // An integer with a zero fraction keeps every digit too ("9007199254740993.00").
  if (type === "BIGINT" && /^[+-]?\d+\.0*$/.test(trimmed))
    return BigInt(trimmed.slice(0, trimmed.indexOf("."))).toString();
  // A JSON cell is its own text when it is JSON (parsing and serializing would round its numbers);
  // line breaks can only sit between its tokens, so they become spaces.
  if (type === "JSON" && trimmed !== "" && csvCellValue(text, type) !== text)
    return trimmed.replace(/[\r\n]/g, " ");
  return JSON.stringify(csvCellValue(text, type));
}

/**
 * The CSV's rows as NDJSON lines, read in chunks. The whole file is read once first to find a
 * malformed row anywhere in it: DuckDB's streaming fetch ends the same way on success and on a failure
 * mid-file, which would ingest only the rows before it.
 */
async function* csvToNdjson(
  duck: DuckDBConnection,
  path: string,
  columns: ColumnSpec[],
): AsyncGenerator<string> {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  // DuckDB checks the encoding only of the columns it decodes: a count(*) passes a file whose bytes
  // are not UTF-8, and the read then fails part-way. Checked here first, for the whole file.
  await checkUtf8File(path);
  const head = await readHead(path, 1024 * 1024);
  if (head.trim() === "") return;
  const header = csvHeaderNames(head);
  const empty = header.findIndex((n) => n.trim() === "");
  if (empty >= 0) {
    throw new LandingFormatError(`the CSV header's column ${empty + 1} has no name: ${header.join(", ")}`);
  }
  // DuckDB tells column names apart without regard to case.
  if (new Set(header.map((n) => n.toLowerCase())).size !== header.length) {
    throw new LandingFormatError(
      `the CSV header names a column twice (names are compared without regard to case): ${header.join(", ")}`,
    );
  }
  const struct = `{${header.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(", ")}}`;
  const source = `read_csv(${sqlString(path)}, header = true, auto_detect = false, strict_mode = true,
        delim = ',', quote = '"', escape = '"', columns = ${struct})`;
  try {
    await duck.runAndReadAll(`SELECT count(*) FROM ${source}`);
  } catch (err) {
    throw new LandingFormatError(`not a readable CSV file: ${csvReadProblem((err as Error).message, path)}`);
  }
  const result = await duck.stream(`SELECT * FROM ${source}`);
  const names = result.columnNames();
  const colTypes = names.map((n) => types.get(n));
  const keys = names.map((n) => JSON.stringify(n));
  const batches = (async function* () {
    try {
      yield* result.yieldRows();
    } catch (err) {
      // A problem the count did not meet: told as one, never DuckDB's dump of the line and its options.
      throw new LandingFormatError(
        `not a readable CSV file: ${csvReadProblem((err as Error).message, path)}`,
      );
    }
  })();
  for await (const rows of batches) {
    for (const row of rows) {
      const members: string[] = [];
      for (let i = 0; i < names.length; i++) {
        const cell = row[i];
        // An empty cell is an absent field, so optional columns can be left blank.
        if (cell === null || cell === undefined || cell === "") continue;
        members.push(`${keys[i]}:${csvCellJson(String(cell), colTypes[i])}`);
      }
      yield `{${members.join(",")}}`;
    }
  }
}

async function* parquetToNdjson(
  duck: DuckDBConnection,
  path: string,
  scratch: string,
): AsyncGenerator<string> {
  let described: Record<string, unknown>[];
  try {
    const reader = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    described = reader.getRowObjectsJson() as Record<string, unknown>[];
  } catch (err) {
    throw new LandingFormatError(
      `not a readable Parquet file: ${parquetReadProblem((err as Error).message, path)}`,
    );
  }
  // Timestamps become RFC 3339 text (what JSON Schema's date-time format expects), in UTC.
  const select = described
    .map((d) => {
      const name = String(d.column_name);
      const type = String(d.column_type);
      const id = sqlIdent(name);
      if (type === "TIMESTAMP WITH TIME ZONE") return `strftime(${id}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${id}`;
      if (type.startsWith("TIMESTAMP")) return `strftime(${id}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${id}`;
      return id;
    })
    .join(", ");
  const out = join(scratch, "parquet.ndjson");
  await duck.run(
    `COPY (SELECT ${select} FROM read_parquet(${sqlString(path)})) TO ${sqlString(out)} (FORMAT json)`,
  );
  try {
    // A null column is an absent field (DuckDB writes nulls), so optional properties validate.
    for await (const line of fileLines(out)) {
      if (line.length > 0) yield line.includes(":null") ? stripNulls(line) : line;
    }
  } finally {
    await rm(out, { force: true });
  }
}

/** The object line without its null members, every other member's text as DuckDB wrote it. */
function stripNulls(line: string): string {
  const bytes = Buffer.from(line);
  const kept = objectMembers(bytes, 0)
    .filter((m) => bytes.toString("utf8", m.valueStart, m.end) !== "null")
    .map((m) => bytes.toString("utf8", m.start, m.end));
  return `{${kept.join(",")}}`;
}

/** A JSON array of events (or one event) as NDJSON lines of each event's text as written. */
function jsonToNdjson(bytes: Buffer): string[] {
  // TextDecoder drops a byte order mark; the byte offsets below must skip it too.
  const text = utf8Text(bytes);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LandingFormatError(`not valid JSON: ${(err as Error).message}`);
  }
  // Line breaks in JSON text can only be whitespace between tokens (a string cannot hold one raw), so
  // a pretty-printed event becomes one NDJSON line by turning them into spaces: no value changes.
  const oneLine = (t: string) => t.replace(/[\r\n]/g, " ");
  if (isRecord(value)) return [oneLine(text.trim())];
  if (!Array.isArray(value)) {
    throw new LandingFormatError("a .json file must hold an array of events or one event object");
  }
  return arrayElementSpans(bytes, bom).map(([start, end]) => oneLine(bytes.toString("utf8", start, end)));
}

/** The bytes as text; invalid UTF-8 is rejected rather than silently replaced with U+FFFD. */
function utf8Text(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new LandingFormatError("not valid UTF-8 text");
  }
}

/** The first `bytes` bytes of a file as text (a character cut at the end is replaced, not refused). */
async function readHead(path: string, bytes: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.toString("utf8", 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The lines of a UTF-8 text file, read in chunks (a line break is never inside a character). */
async function* fileLines(path: string): AsyncGenerator<string> {
  let carry = "";
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = carry + decoder.decode(chunk, { stream: true });
    } catch {
      throw new LandingFormatError("not valid UTF-8 text");
    }
    // TextDecoder drops a byte order mark at the start.
    const lines = text.split("\n");
    carry = lines.pop() ?? "";
    yield* lines;
  }
  try {
    carry += decoder.decode();
  } catch {
    throw new LandingFormatError("not valid UTF-8 text");
  }
  if (carry.length > 0) yield carry;
}

/** Reads the whole file once to find bytes that are not UTF-8 before any line is used. */
async function checkUtf8File(path: string): Promise<void> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of createReadStream(path, {
      highWaterMark: 1024 * 1024,
    }) as AsyncIterable<Buffer>) {
      decoder.decode(chunk, { stream: true });
    }
    decoder.decode();
  } catch {
    throw new LandingFormatError("not valid UTF-8 text");
  }
}

/**
 * The file's events as NDJSON lines (no trailing newline on each), read as they are used so that a
 * large file never sits in memory whole (a .json array is the exception: it is parsed whole). NDJSON
 * files are split as they are, so the raw zone keeps their original bytes per line. A file that
 * cannot be read throws LandingFormatError before the first line.
 */
export async function* landingFileToNdjsonLines(
  duck: DuckDBConnection,
  opts: { path: string; format: LandingFormat; payloadColumns: ColumnSpec[]; scratch: string },
): AsyncGenerator<string> {
  switch (opts.format) {
    case "ndjson": {
      await checkUtf8File(opts.path);
      for await (const line of fileLines(opts.path)) if (line.trim().length > 0) yield line;
      return;
    }
    case "json":
      yield* jsonToNdjson(await readFile(opts.path));
      return;
    case "csv":
      yield* csvToNdjson(duck, opts.path, opts.payloadColumns);
      return;
    case "parquet":
      yield* parquetToNdjson(duck, opts.path, opts.scratch);
      return;
  }
}
