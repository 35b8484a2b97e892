// Typed query parameters written {{name}} in SQL: found where they are code (not in literals or
// comments), checked against their type, and turned into the engine's `$name` prepared-statement
// parameters. A value is never spliced into the SQL text.
import { sqlSpans } from "../adapters/sql-text";
import { InletError } from "../errors";
import type { QueryParam } from "../ports/query-engine";

export const QUERY_PARAMETER_TYPES = ["date", "number", "text", "list"] as const;
export type QueryParameterType = (typeof QUERY_PARAMETER_TYPES)[number];

/** A value as a caller gives it: with its type, or a bare value whose type is read from its form. */
export interface QueryParameterInput {
  type?: QueryParameterType | undefined;
  value: unknown;
}

export interface Placeholder {
  name: string;
  /** Offsets of `{{…}}` in the SQL, end exclusive. */
  start: number;
  end: number;
  /** Inside a string literal, quoted name or comment: text there, not a parameter. */
  quoted: boolean;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A list parameter's most values: it becomes one prepared-statement value, not SQL text. */
export const MAX_LIST_VALUES = 10_000;

/** Every {{name}} in the SQL, in order, each saying whether it stands where a parameter may. */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const span of sqlSpans(sql)) {
    const text = sql.slice(span.start, span.end);
    for (const m of text.matchAll(PLACEHOLDER)) {
      const start = span.start + (m.index ?? 0);
      found.push({ name: m[1]!, start, end: start + m[0].length, quoted: span.kind !== "code" });
    }
  }
  return found;
}

/** The distinct parameter names the SQL uses as parameters, in order of first use. */
export function parameterNames(sql: string): string[] {
  const names: string[] = [];
  for (const p of findPlaceholders(sql)) if (!p.quoted && !names.includes(p.name)) names.push(p.name);
  return names;
}

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function refuse(name: string, message: string): InletError {
  return new InletError("BAD_REQUEST", message, { field: `params.${name}`, parameter: name });
}

function describe(value: unknown): string {
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "nothing";
  return typeof value === "object" ? "an object" : String(value);
}

function asNumber(name: string, value: unknown): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    throw refuse(name, `Parameter {{${name}}} must be a number, got ${describe(value)}`);
  }
  return n;
}

/** The value checked against its type (or a type read from the value's form). */
export function typedParameter(name: string, input: QueryParameterInput): QueryParam {
  const { value } = input;
  const type: QueryParameterType =
    input.type ?? (Array.isArray(value) ? "list" : typeof value === "number" ? "number" : "text");
  switch (type) {
    case "date":
      if (typeof value !== "string" || !isCalendarDate(value)) {
        throw refuse(name, `Parameter {{${name}}} must be a date written YYYY-MM-DD, got ${describe(value)}`);
      }
      return { type, value };
    case "number":
      return { type, value: asNumber(name, value) };
    case "text":
      if (typeof value !== "string") {
        throw refuse(name, `Parameter {{${name}}} must be text, got ${describe(value)}`);
      }
      return { type, value };
    case "list": {
      if (!Array.isArray(value) || value.length === 0) {
        throw refuse(
          name,
          `Parameter {{${name}}} must be a list of one or more values, got ${describe(value)}`,
        );
      }
      if (value.length > MAX_LIST_VALUES) {
        throw refuse(name, `Parameter {{${name}}} holds ${value.length} values; at most ${MAX_LIST_VALUES}`);
      }
      if (value.every((v) => typeof v === "number")) {
        return { type, items: "number", value: value.map((v) => asNumber(name, v)) };
      }
      const bad = value.find((v) => typeof v !== "string" && typeof v !== "number");
      if (bad !== undefined) {
        throw refuse(name, `Parameter {{${name}}} must be a list of text or numbers, got ${describe(bad)}`);
      }
      return { type, items: "text", value: value.map(String) };
    }
  }
}

export interface BoundSql {
  /** The SQL with each {{name}} replaced by `$name` (padded with spaces: lines and columns stay put). */
  sql: string;
  /** The typed value of each parameter the SQL uses, by its `$name` (lower case). */
  params: Record<string, QueryParam>;
  /** The values as given, by the name written in the SQL, for history. */
  values: Record<string, unknown>;
}

/**
 * Binds the SQL's {{name}} placeholders to typed values. Refused, naming the parameter: a placeholder
 * without a value, a value of the wrong type, a placeholder inside a string literal (where it could
 * only be spliced), two names that differ only in case (DuckDB's parameter names ignore case).
 * With allowMissing, a placeholder without a value is left as an unbound `$name`.
 */
export function bindParameters(
  sql: string,
  given: Record<string, QueryParameterInput> = {},
  opts: { allowMissing?: boolean } = {},
): BoundSql {
  const placeholders = findPlaceholders(sql);
  const quoted = placeholders.find((p) => p.quoted);
  if (quoted) {
    throw refuse(
      quoted.name,
      `{{${quoted.name}}} is inside a quoted string or comment, where it cannot be a parameter: write it outside quotes, e.g. '%' || {{${quoted.name}}} || '%'`,
    );
  }
  const params: Record<string, QueryParam> = {};
  const values: Record<string, unknown> = {};
  const nameFor = new Map<string, string>();
  for (const p of placeholders) {
    const key = p.name.toLowerCase();
    const seen = nameFor.get(key);
    if (seen !== undefined && seen !== p.name) {
      throw refuse(p.name, `{{${seen}}} and {{${p.name}}} differ only in case; use one spelling`);
    }
    if (seen !== undefined) continue;
    nameFor.set(key, p.name);
    const input = Object.hasOwn(given, p.name) ? given[p.name] : undefined;
    const empty = input?.value === "" && input.type !== "text";
    if (input === undefined || input.value === undefined || input.value === null || empty) {
      // Estimating as the SQL is typed: a parameter without a value yet stays `$name`, unbound.
      if (opts.allowMissing) continue;
      throw refuse(p.name, `Parameter {{${p.name}}} has no value`);
    }
    params[key] = typedParameter(p.name, input);
    values[p.name] = params[key]!.value;
  }
  let out = "";
  let at = 0;
  for (const p of placeholders) {
    const replacement = `$${p.name.toLowerCase()}`;
    out += sql.slice(at, p.start) + replacement.padEnd(p.end - p.start, " ");
    at = p.end;
  }
  return { sql: out + sql.slice(at), params, values };
}
