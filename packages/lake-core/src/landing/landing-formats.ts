// Turns a dropped file (NDJSON, JSON array, CSV with header, Parquet) into NDJSON text, one event per
// line, the format raw batches are stored and processed in.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { isRecord } from "../pipeline/event-envelope";
import { sqlIdent, sqlString } from "../pipeline/parquet-writer";
import type { ColumnSpec } from "../pipeline/schema-columns";

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
export function csvCellValue(text: string, type: string | undefined): unknown {
  switch (type) {
    case "BIGINT":
      return /^[+-]?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case "DOUBLE": {
      const n = Number(text);
      return text.trim() !== "" && Number.isFinite(n) ? n : text;
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

async function csvToNdjson(duck: DuckDBConnection, path: string, columns: ColumnSpec[]): Promise<string[]> {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  // Materialised, not streamed: DuckDB's streaming fetch ends the same way on success and on a
  // failure mid-file (a malformed row deep in the file), which would ingest only the rows before it.
  // A materialised read raises the error instead.
  let result: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>;
  try {
    result = await duck.runAndReadAll(
      `SELECT * FROM read_csv(${sqlString(path)}, header = true, all_varchar = true, auto_detect = true)`,
    );
  } catch (err) {
    throw new LandingFormatError(`not a readable CSV file: ${(err as Error).message}`);
  }
  const names = result.columnNames();
  const colTypes = names.map((n) => types.get(n));
  const lines: string[] = [];
  for (const row of result.getRows()) {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const cell = row[i];
      // An empty cell is an absent field, so optional columns can be left blank.
      if (cell === null || cell === undefined || cell === "") continue;
      obj[names[i]!] = csvCellValue(String(cell), colTypes[i]);
    }
    lines.push(JSON.stringify(obj));
  }
  return lines;
}

async function parquetToNdjson(duck: DuckDBConnection, path: string, scratch: string): Promise<string[]> {
  let described: Record<string, unknown>[];
  try {
    const reader = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    described = reader.getRowObjectsJson() as Record<string, unknown>[];
  } catch (err) {
    throw new LandingFormatError(`not a readable Parquet file: ${(err as Error).message}`);
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
    const text = await readFile(out, "utf8");
    // A null column is an absent field (DuckDB writes nulls), so optional properties validate.
    return text
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => (l.includes(":null") ? stripNulls(l) : l));
  } finally {
    await rm(out, { force: true });
  }
}

function stripNulls(line: string): string {
  const obj = JSON.parse(line) as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (obj[k] === null) delete obj[k];
  return JSON.stringify(obj);
}

function jsonToNdjson(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new LandingFormatError(`not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(value)) return value.map((v) => JSON.stringify(v) ?? "null");
  if (isRecord(value)) return [JSON.stringify(value)];
  throw new LandingFormatError("a .json file must hold an array of events or one event object");
}

/** The file as text; invalid UTF-8 is rejected rather than silently replaced with U+FFFD. */
async function readUtf8(path: string): Promise<string> {
  const bytes = await readFile(path);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new LandingFormatError("not valid UTF-8 text");
  }
}

/**
 * The file's events as NDJSON lines (no trailing newline on each). NDJSON files are split as they are,
 * so the raw zone keeps their original bytes per line.
 */
export async function landingFileToNdjsonLines(
  duck: DuckDBConnection,
  opts: { path: string; format: LandingFormat; payloadColumns: ColumnSpec[]; scratch: string },
): Promise<string[]> {
  switch (opts.format) {
    case "ndjson": {
      const text = await readUtf8(opts.path);
      return text.split("\n").filter((l) => l.trim().length > 0);
    }
    case "json":
      return jsonToNdjson(await readUtf8(opts.path));
    case "csv":
      return csvToNdjson(duck, opts.path, opts.payloadColumns);
    case "parquet":
      return parquetToNdjson(duck, opts.path, opts.scratch);
  }
}
