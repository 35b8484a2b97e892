// The secure relation a reader's SQL runs against on Athena: a Trino SELECT over the table's Glue
// registration with each column under the reader's rule (a denied column absent, a masked or hashed
// one already transformed) and the reader's row filter applied — the same semantics as DuckDB's
// (duckdb-secure-relation.ts), written in Trino's functions. A view is made of it (athena-secure-views.ts).
//
// A hash rule is HMAC-SHA-256 computed by Trino's hmac_sha256, which takes the key as an argument: the
// SELECT holds the policy hash key itself, as a hex literal. Whatever stores or shows this text (the
// Glue view definition, the workgroup's query history) holds the key.
import { InletError } from "../errors";
import { type ColumnRule, MASKED, type RoleView, type TableAccess } from "../ports/access-policy";
import { trinoIdent, trinoString } from "./athena-sql";
import { rowFilterSql } from "./duckdb-secure-relation";

export interface AthenaRelationColumn {
  /** As Glue stores it (lower case). */
  name: string;
  /** Its Hive type as Glue stores it: string, bigint, array<string>, struct<a:int>, … */
  type: string;
}

const DENY: ColumnRule = { action: "deny" };

function strictness(rule: ColumnRule): number {
  if (rule.action === "deny") return 3;
  if (rule.action === "allow") return 0;
  return rule.action === "hash" ? 2 : 1;
}

/**
 * A value as text, as Trino gives it. Trino cannot CAST an array, map or row (or varbinary) to
 * varchar: those are shown as JSON and hex. The text of a timestamp, a floating-point number, a
 * binary or a complex value is Trino's own, not DuckDB's, so its masks and hashes differ between the
 * engines; text, integers, decimals, dates and booleans read the same on both.
 */
export function trinoText(value: string, hiveType: string): string {
  const type = hiveType.trim().toLowerCase();
  if (/^(array|map|struct)\s*</.test(type)) return `json_format(CAST(${value} AS JSON))`;
  if (type === "binary") return `lower(to_hex(${value}))`;
  return `CAST(${value} AS varchar)`;
}

/** `value` (an expression) under `rule`, as text when the rule transforms it. */
function ruled(value: string, type: string, rule: ColumnRule, keyHex: string | undefined): string {
  const text = trinoText(value, type);
  switch (rule.action) {
    case "allow":
      return value;
    case "deny":
      // Only ever one branch of a CASE beside a column someone may see: Trino types the NULL from it.
      return "NULL";
    case "hash":
      if (keyHex === undefined) {
        throw new InletError("INTERNAL", "a hash rule applies but no policy hash key is configured");
      }
      return `CASE WHEN ${value} IS NULL THEN NULL ELSE lower(to_hex(hmac_sha256(to_utf8(${text}), from_hex('${keyHex}')))) END`;
    case "mask":
      switch (rule.mask.style) {
        case "full":
          return `CASE WHEN ${value} IS NULL THEN NULL ELSE ${trinoString(MASKED)} END`;
        case "fixed":
          return `CASE WHEN ${value} IS NULL THEN NULL ELSE ${trinoString(rule.mask.replacement)} END`;
        case "last": {
          const keep = Math.max(0, Math.trunc(rule.mask.keep));
          // substr(x, -0) is not "the last 0 characters" in Trino: keeping none is a full mask.
          if (keep === 0) return `CASE WHEN ${value} IS NULL THEN NULL ELSE ${trinoString(MASKED)} END`;
          return `CASE WHEN ${value} IS NULL THEN NULL WHEN length(${text}) > ${keep} THEN ${trinoString(MASKED)} || substr(${text}, -${keep}) ELSE ${trinoString(MASKED)} END`;
        }
      }
  }
}

/** A role's rule on a column, its name matched case-insensitively (Glue folds names to lower case). */
function ruleOf(view: RoleView, column: string): ColumnRule {
  const direct = view.columns[column];
  if (direct) return direct;
  let found: ColumnRule | undefined;
  for (const [name, rule] of Object.entries(view.columns)) {
    if (name.toLowerCase() !== column.toLowerCase()) continue;
    if (!found || strictness(rule) > strictness(found)) found = rule;
  }
  return found ?? DENY;
}

/** The column's expression for a reader with these roles; undefined when every role denies it. */
function columnExpression(
  column: AthenaRelationColumn,
  access: TableAccess,
  keyHex: string | undefined,
): string | undefined {
  const value = trinoIdent(column.name);
  const branches = access.roles
    .map((v) => ({ filter: v.rowFilter, rule: ruleOf(v, column.name) }))
    .sort((a, b) => strictness(a.rule) - strictness(b.rule));
  if (branches.every((b) => b.rule.action === "deny")) return undefined;
  const asText = branches.some((b) => b.rule.action === "mask" || b.rule.action === "hash");
  const render = (rule: ColumnRule) => {
    const e = ruled(value, column.type, rule, keyHex);
    return asText && rule.action === "allow" ? trinoText(e, column.type) : e;
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

/**
 * The secure relation's SELECT over `from` (the registered Glue table, quoted and qualified), its
 * columns in the registration's order. `hashKey` is needed once a hash rule applies.
 */
export function athenaSecureSelectSql(
  columns: readonly AthenaRelationColumn[],
  access: TableAccess,
  from: string,
  hashKey: Uint8Array | undefined,
): string {
  const keyHex = hashKey ? Buffer.from(hashKey).toString("hex") : undefined;
  const list = columns
    .map((c) => {
      const e = columnExpression(c, access, keyHex);
      return e === undefined ? undefined : `${e} AS ${trinoIdent(c.name)}`;
    })
    .filter((e): e is string => e !== undefined);
  if (list.length === 0) {
    throw new InletError("FORBIDDEN", "Every column of this table is hidden from you by an access policy", {
      policy: "column",
    });
  }
  const filter = rowFilterSql(access);
  return `SELECT ${list.join(", ")} FROM ${from}${filter === null ? "" : ` WHERE ${filter}`}`;
}
