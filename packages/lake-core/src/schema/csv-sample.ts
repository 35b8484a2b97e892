// Reads a CSV sample with a header row into records: the delimiter from the header line, then one type
// per column from its cells' text (integer, number, boolean or string); an empty cell is null.
import { CsvError, parse } from "csv-parse/sync";
import { InletError } from "../errors";

type CsvColumnKind = "integer" | "number" | "boolean" | "string";

export interface CsvSample {
  records: Record<string, unknown>[];
  /** Columns typed "number": a cell showed a fraction or exponent, even if every value is whole ("10.00"). */
  numberColumns: string[];
}

const DELIMITERS = [",", ";", "\t", "|"] as const;

/** JSON's integer grammar: "007" (a code, not a number) and "+1" stay strings. */
const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;
const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BOOLEAN_TEXT = /^(?:true|false)$/i;

/** The header line: the first line with anything on it. */
export function csvHeaderLine(text: string): string {
  return /^[ \t]*\S[^\r\n]*/m.exec(text)?.[0] ?? "";
}

/** The candidate delimiter that occurs most often outside quotes in the header line; comma on a tie. */
export function csvDelimiter(headerLine: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best: string = DELIMITERS[0];
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** The header's fields, or undefined when the line cannot be read as CSV. */
export function csvHeaderFields(headerLine: string): string[] | undefined {
  try {
    const rows = parse(headerLine, { delimiter: csvDelimiter(headerLine), trim: true });
    return rows[0];
  } catch {
    return undefined;
  }
}

/**
 * The kind of one non-empty cell. Integers beyond 2^53 are strings: a number would lose their digits,
 * and such values are ids far more often than quantities.
 */
function cellKind(cell: string): CsvColumnKind {
  if (INTEGER_TEXT.test(cell)) return Number.isSafeInteger(Number(cell)) ? "integer" : "string";
  if (NUMBER_TEXT.test(cell)) return Number.isFinite(Number(cell)) ? "number" : "string";
  if (BOOLEAN_TEXT.test(cell)) return "boolean";
  return "string";
}

/** A column's kind: the one its cells share, "number" for integers mixed with fractions, else "string". */
function columnKind(cells: Iterable<string>): CsvColumnKind {
  let kind: CsvColumnKind | undefined;
  for (const cell of cells) {
    if (cell === "") continue;
    const k = cellKind(cell);
    if (kind === undefined || kind === k) kind = k;
    else if ((kind === "integer" && k === "number") || (kind === "number" && k === "integer"))
      kind = "number";
    else return "string";
  }
  return kind ?? "string";
}

function cellValue(cell: string, kind: CsvColumnKind): unknown {
  if (cell === "") return null;
  if (kind === "integer" || kind === "number") return Number(cell);
  if (kind === "boolean") return cell.toLowerCase() === "true";
  return cell;
}

/**
 * The line of the quote that opens a field never closed: quotes toggle "inside a quoted field", and an
 * escaped quote ("") toggles twice.
 */
function unclosedQuoteLine(text: string): number | undefined {
  let open = -1;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) open = open === -1 ? i : -1;
  if (open === -1) return undefined;
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < open; i = text.indexOf("\n", i + 1)) line += 1;
  return line;
}

/** A csv-parse error as a message naming the line and, in plain words, what is wrong there. */
function csvError(err: unknown, text: string, headerFields: number | undefined): unknown {
  if (!(err instanceof CsvError)) return err;
  const line = typeof err.lines === "number" ? err.lines : undefined;
  const at = line === undefined ? "CSV" : `CSV line ${line}`;
  const details = { line };
  switch (err.code) {
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH": {
      const got = Array.isArray(err.record) ? err.record.length : undefined;
      const fields = got === undefined ? "a different number of fields" : `${got} fields`;
      const header = headerFields === undefined ? "" : ` where the header has ${headerFields}`;
      return new InletError("BAD_REQUEST", `${at} has ${fields}${header}`, details);
    }
    case "CSV_QUOTE_NOT_CLOSED": {
      // csv-parse reports where the text ended; the line to fix is the one where the quote opened.
      const opened = unclosedQuoteLine(text) ?? line;
      return new InletError("BAD_REQUEST", `CSV line ${opened}: a quote opens a field that is never closed`, {
        line: opened,
      });
    }
    case "INVALID_OPENING_QUOTE":
      return new InletError("BAD_REQUEST", `${at}: a quote in the middle of an unquoted field`, details);
    case "CSV_INVALID_CLOSING_QUOTE":
      return new InletError(
        "BAD_REQUEST",
        `${at}: text right after a closing quote, before the next delimiter`,
        details,
      );
    default:
      return new InletError("BAD_REQUEST", `${at}: ${err.message}`, details);
  }
}

function checkHeader(header: string[]): void {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === "") throw new InletError("BAD_REQUEST", `CSV header: column ${i + 1} has no name`);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new InletError(
        "BAD_REQUEST",
        `CSV header names column "${name}" twice (columns ${earlier + 1} and ${i + 1})`,
      );
    }
    seen.set(name, i);
  });
  if (header.every((name) => NUMBER_TEXT.test(name))) {
    throw new InletError(
      "BAD_REQUEST",
      `CSV needs a header row: the first line (${header.join(", ")}) holds only numbers, which look like data`,
    );
  }
}

/**
 * The records of a CSV sample, at most `maxRows + 1` of them (the caller refuses more than `maxRows`
 * without the rest being read); refuses a header without data rows.
 */
export function readCsvSample(text: string, maxRows: number): CsvSample {
  const headerLine = csvHeaderLine(text);
  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      delimiter: csvDelimiter(headerLine),
      skip_empty_lines: true,
      trim: true,
      // The header plus one row more than allowed tells "too many" without reading the rest.
      to: maxRows + 2,
    });
  } catch (err) {
    throw csvError(err, text, csvHeaderFields(headerLine)?.length);
  }
  const [header, ...data] = rows;
  if (!header) throw new InletError("BAD_REQUEST", "sample is empty");
  checkHeader(header);
  if (data.length === 0) {
    throw new InletError(
      "BAD_REQUEST",
      `CSV sample has a header row (${header.join(", ")}) but no data rows`,
    );
  }
  const kinds = header.map((_, i) => columnKind(data.map((row) => row[i] ?? "")));
  // fromEntries defines own properties, so a column named "__proto__" stays a column.
  const records = data.map((row) =>
    Object.fromEntries(header.map((name, i) => [name, cellValue(row[i] ?? "", kinds[i]!)])),
  );
  return { records, numberColumns: header.filter((_, i) => kinds[i] === "number") };
}
