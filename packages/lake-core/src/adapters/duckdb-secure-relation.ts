// The secure relation a reader's SQL runs against on DuckDB: the table's files read with each column
// under the reader's rule (a denied column absent, a masked or hashed one already transformed) and
// the reader's row filter applied, as one SELECT a view is made of.
import { InletError } from "../errors";
import { type ColumnRule, MASKED, type TableAccess } from "../ports/access-policy";
import { sqlIdent, sqlString } from "./duckdb-sql";
import type { HmacPads } from "./hmac-pads";

export interface RelationColumn {
  name: string;
  type: string;
  /** Held by no bound file yet: read as NULL of its type. */
  absent: boolean;
}

const DENY: ColumnRule = { action: "deny" };

function strictness(rule: ColumnRule): number {
  if (rule.action === "deny") return 3;
  if (rule.action === "allow") return 0;
  return rule.action === "hash" ? 2 : 1;
}

/** `value` (an expression) under `rule`, as text when the rule transforms it. */
function ruled(value: string, type: string, rule: ColumnRule, pads: HmacPads | undefined): string {
  const text = `CAST(${value} AS VARCHAR)`;
  switch (rule.action) {
    case "allow":
      return value;
    case "deny":
      return `CAST(NULL AS ${type})`;
    case "hash":
      if (!pads) throw new InletError("INTERNAL", "a hash rule applies but no policy hash key is configured");
      return `CASE WHEN ${value} IS NULL THEN NULL ELSE sha256(unhex('${pads.outer}') || unhex(sha256(unhex('${pads.inner}') || encode(${text})))) END`;
    case "mask":
      switch (rule.mask.style) {
        case "full":
          return `CASE WHEN ${value} IS NULL THEN NULL ELSE ${sqlString(MASKED)} END`;
        case "fixed":
          return `CASE WHEN ${value} IS NULL THEN NULL ELSE ${sqlString(rule.mask.replacement)} END`;
        case "last": {
          const keep = Math.max(0, Math.trunc(rule.mask.keep));
          return `CASE WHEN ${value} IS NULL THEN NULL WHEN length(${text}) > ${keep} THEN ${sqlString(MASKED)} || right(${text}, ${keep}) ELSE ${sqlString(MASKED)} END`;
        }
      }
  }
}

/** The column's expression for a reader with these roles; undefined when every role denies it. */
function columnExpression(
  column: RelationColumn,
  access: TableAccess,
  pads: HmacPads | undefined,
): string | undefined {
  const value = column.absent ? `CAST(NULL AS ${column.type})` : sqlIdent(column.name);
  const branches = access.roles
    .map((v) => ({ filter: v.rowFilter, rule: v.columns[column.name] ?? DENY }))
    .sort((a, b) => strictness(a.rule) - strictness(b.rule));
  if (branches.every((b) => b.rule.action === "deny")) return undefined;
  const asText =
    new Set(branches.map((b) => b.rule.action === "allow" || b.rule.action === "deny")).size > 1 ||
    branches.some((b) => b.rule.action === "mask" || b.rule.action === "hash");
  const render = (rule: ColumnRule) => {
    const e = ruled(value, column.type, rule, pads);
    return asText && rule.action === "allow"
      ? `CAST(${e} AS VARCHAR)`
      : asText && rule.action === "deny"
        ? "CAST(NULL AS VARCHAR)"
        : e;
  };
  const first = branches[0]!;
  if (branches.length === 1 || first.filter === null) return render(first.rule);
  const whens: string[] = [];
  for (const b of branches) {
    if (b.filter === null) return `CASE ${whens.join(" ")} ELSE ${render(b.rule)} END`;
    whens.push(`WHEN (${b.filter}) THEN ${render(b.rule)}`);
  }
  return `CASE ${whens.join(" ")} ELSE NULL END`;
}

/** The rows a reader with these roles sees: every role's filter OR-ed; null when one shows every row. */
export function rowFilterSql(access: TableAccess): string | null {
  if (access.roles.some((v) => v.rowFilter === null)) return null;
  return access.roles.map((v) => `(${v.rowFilter})`).join(" OR ") || "false";
}

/** The secure relation's SELECT over `from` (a read_parquet call, or nothing for a table with no files). */
export function secureSelectSql(
  columns: readonly RelationColumn[],
  access: TableAccess,
  from: string | undefined,
  pads: HmacPads | undefined,
): string {
  const list = columns
    .map((c) => {
      const e = columnExpression(c, access, pads);
      return e === undefined ? undefined : `${e} AS ${sqlIdent(c.name)}`;
    })
    .filter((e): e is string => e !== undefined);
  if (list.length === 0) {
    throw new InletError("FORBIDDEN", "Every column of this table is hidden from you by an access policy", {
      policy: "column",
    });
  }
  const filter = rowFilterSql(access);
  const where = from === undefined ? " WHERE false" : filter === null ? "" : ` WHERE ${filter}`;
  return `SELECT ${list.join(", ")}${from === undefined ? "" : ` FROM ${from}`}${where}`;
}
