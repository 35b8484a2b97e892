// The `{{name}}` parameters of the SQL being edited: which names it uses (outside string literals, quoted
// identifiers and comments, as the API reads them), their declared types, and the typed values the
// inputs above the editor hold, ready to send as the run's parameters.

export const PARAMETER_TYPES = ["date", "number", "text", "list"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export const PARAMETER_TYPE_LABELS: Record<ParameterType, string> = {
  date: "Date",
  number: "Number",
  text: "Text",
  list: "List of values",
};

export interface DeclaredParameter {
  name: string;
  type: ParameterType;
  default?: string | number | string[] | undefined;
}

/** What each input holds, as typed: dates as YYYY-MM-DD, lists one value per line or comma. */
export type ParameterDrafts = Record<string, string>;

export type ParameterValue = string | number | string[];

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/y;

/** Where a string literal, quoted identifier or comment opened at `i` ends; `i` itself when none opens. */
function skipQuotedOrComment(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] !== c) j += 1;
      else if (sql[j + 1] === c) j += 2;
      else return j + 1;
    }
    return sql.length;
  }
  if (c === "-" && sql[i + 1] === "-") {
    const end = sql.indexOf("\n", i);
    return end < 0 ? sql.length : end + 1;
  }
  if (c === "/" && sql[i + 1] === "*") {
    const end = sql.indexOf("*/", i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

export interface PlaceholderAt {
  name: string;
  from: number;
  to: number;
}

/** Every placeholder in the SQL with its place, for highlighting. */
export function placeholderRanges(sql: string): PlaceholderAt[] {
  const found: PlaceholderAt[] = [];
  let i = 0;
  while (i < sql.length) {
    const skipped = skipQuotedOrComment(sql, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    if (sql[i] === "{" && sql[i + 1] === "{") {
      PLACEHOLDER.lastIndex = i;
      const match = PLACEHOLDER.exec(sql);
      if (match?.[1]) {
        found.push({ name: match[1], from: i, to: PLACEHOLDER.lastIndex });
        i = PLACEHOLDER.lastIndex;
        continue;
      }
    }
    i += 1;
  }
  return found;
}

/** The distinct parameter names the SQL uses, in order of first use. */
export function placeholdersIn(sql: string): string[] {
  return [...new Set(placeholderRanges(sql).map((p) => p.name))];
}

/** A first guess at a new parameter's type from its name: day/date/from/to → date, n/limit/min/max → number. */
export function guessParameterType(name: string): ParameterType {
  const n = name.toLowerCase();
  if (/(^|_)(date|day|from|to|since|until|start|end)($|_)|_(at|on)$|date/.test(n)) return "date";
  if (/(^|_)(n|limit|min|max|count|amount|size|top|threshold|days|hours)($|_)/.test(n)) return "number";
  if (/(^|_)(ids|list|values|names|in)($|_)|s_in$/.test(n)) return "list";
  return "text";
}

/**
 * The parameters to declare for the SQL: one per name it uses, in order, keeping the type and default
 * already declared for a name and guessing the type of a new one.
 */
export function reconcileParameters(
  sql: string,
  declared: readonly DeclaredParameter[],
): DeclaredParameter[] {
  return placeholdersIn(sql).map(
    (name) => declared.find((p) => p.name === name) ?? { name, type: guessParameterType(name) },
  );
}

/** The text an input starts with for a declared default. */
export function draftOf(p: DeclaredParameter): string {
  if (p.default === undefined) return "";
  return Array.isArray(p.default) ? p.default.join("\n") : String(p.default);
}

export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** A list input's values: one per line or separated by commas, blanks dropped. */
export function listValues(draft: string): string[] {
  return draft
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

export type ParsedValue = { ok: true; value: ParameterValue } | { ok: false; problem: string };

/** One input's text as the typed value sent with the run, or why it cannot be. */
export function parseParameterValue(p: DeclaredParameter, draft: string): ParsedValue {
  const text = draft.trim();
  switch (p.type) {
    case "date":
      if (text === "") return { ok: false, problem: `Choose a date for ${p.name}` };
      return isCalendarDate(text)
        ? { ok: true, value: text }
        : { ok: false, problem: `${p.name} must be a date written YYYY-MM-DD` };
    case "number": {
      if (text === "") return { ok: false, problem: `Enter a number for ${p.name}` };
      const n = Number(text);
      return Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, problem: `${p.name} must be a number` };
    }
    case "text":
      return { ok: true, value: draft };
    case "list": {
      const values = listValues(draft);
      return values.length > 0
        ? { ok: true, value: values }
        : { ok: false, problem: `Enter at least one value for ${p.name}` };
    }
  }
}

/** Every parameter's value, or each one's problem by name. */
export function bindParameters(
  parameters: readonly DeclaredParameter[],
  drafts: ParameterDrafts,
): { values: Record<string, ParameterValue>; problems: Record<string, string> } {
  const values: Record<string, ParameterValue> = {};
  const problems: Record<string, string> = {};
  for (const p of parameters) {
    const parsed = parseParameterValue(p, drafts[p.name] ?? "");
    if (parsed.ok) values[p.name] = parsed.value;
    else problems[p.name] = parsed.problem;
  }
  return { values, problems };
}

/** The declared parameters to save: each input's valid value becomes its default. */
export function parametersToSave(
  parameters: readonly DeclaredParameter[],
  drafts: ParameterDrafts,
): DeclaredParameter[] {
  return parameters.map((p) => {
    const parsed = parseParameterValue(p, drafts[p.name] ?? "");
    const keep = parsed.ok && !(p.type === "text" && (drafts[p.name] ?? "") === "");
    return keep ? { name: p.name, type: p.type, default: parsed.value } : { name: p.name, type: p.type };
  });
}

/** A declaration as the API takes it: the default's type follows the parameter's. */
export type TypedDeclaration =
  | { name: string; type: "date"; default?: string }
  | { name: string; type: "number"; default?: number }
  | { name: string; type: "text"; default?: string }
  | { name: string; type: "list"; default?: string[] };

/** The declaration with its default kept only when it has the parameter's type. */
export function typedDeclaration(p: DeclaredParameter): TypedDeclaration {
  const d = p.default;
  switch (p.type) {
    case "date":
    case "text":
      return typeof d === "string"
        ? { name: p.name, type: p.type, default: d }
        : { name: p.name, type: p.type };
    case "number":
      return typeof d === "number"
        ? { name: p.name, type: "number", default: d }
        : { name: p.name, type: "number" };
    case "list":
      return Array.isArray(d) ? { name: p.name, type: "list", default: d } : { name: p.name, type: "list" };
  }
}
