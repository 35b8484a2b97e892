// What a new schema version touches downstream: for each curated column it changes or removes, the
// saved queries, analytics tables and policies that name that column. Matching is by text, erring
// towards listing too much: a column named in a comment or a string counts.
import type { ColumnSpec, TableDependents } from "../ports/catalog";
import type { SchemaChange } from "./schema-diff";

export interface SavedQueryText {
  id: string;
  name: string;
  sql: string;
  /** Who owns it (an email), when known. */
  owner: string | null;
}

export interface ColumnImpact {
  column: string;
  /** What the new version does to the column, one phrase per change ("type changed from …"). */
  changes: string[];
  /** Whether the new version no longer declares it (old files keep it; new rows read NULL). */
  removed: boolean;
  savedQueries: { id: string; name: string; owner: string | null }[];
  analyticsTables: { name: string }[];
  columnPolicies: { role: string; action: string }[];
  rowFilters: { role: string; predicate: string }[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether SQL names the table, as `curated.orders`, `curated."orders"` or `"curated"."orders"`, any case. */
export function referencesTable(sql: string, tableName: string): boolean {
  const parts = tableName.split(".").map((p) => `"?${escapeRegExp(p)}"?`);
  return new RegExp(`(?<![\\w$".])${parts.join("\\s*\\.\\s*")}(?![\\w$-])`, "i").test(sql);
}

/** Whether text names the column as a whole word (quoted or not, any case: DuckDB's names are case-insensitive). */
export function mentionsColumn(text: string, column: string): boolean {
  return new RegExp(`(?<![\\w$])${escapeRegExp(column)}(?![\\w$])`, "i").test(text);
}

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/**
 * The table's columns the changes alter or remove, each with its changes, in the order of the changes.
 * A change inside a column (a nested field, array items) counts for the column; added columns have
 * nothing reading them yet, and changes to the event as a whole name no column.
 */
export function changedColumns(
  changes: readonly SchemaChange[],
  columns: readonly ColumnSpec[],
): { column: string; changes: SchemaChange[] }[] {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  const found = new Map<string, SchemaChange[]>();
  for (const change of changes) {
    const top = change.path.split("/")[1];
    if (top === undefined) continue;
    const column = byName.get(unescapePointerToken(top).toLowerCase());
    const isTheColumn = change.path.split("/").length === 2;
    if (column === undefined || (change.kind === "added" && isTheColumn)) continue;
    found.set(column, [...(found.get(column) ?? []), change]);
  }
  return [...found].map(([column, list]) => ({ column, changes: list }));
}

/** Per changed or removed column of `tableName`, what reads it. */
export function downstreamImpact(input: {
  tableName: string;
  changes: readonly SchemaChange[];
  columns: readonly ColumnSpec[];
  savedQueries: readonly SavedQueryText[];
  dependents: TableDependents;
}): ColumnImpact[] {
  const { tableName, dependents } = input;
  const queries = input.savedQueries.filter((q) => referencesTable(q.sql, tableName));
  const analytics = dependents.analyticsTables.filter((t) => referencesTable(t.definition, tableName));
  return changedColumns(input.changes, input.columns).map(({ column, changes }) => ({
    column,
    changes: changes.map((c) => (c.field === column ? c.description : `${c.field}: ${c.description}`)),
    removed: changes.some((c) => c.kind === "removed" && c.path.split("/").length === 2),
    savedQueries: queries
      .filter((q) => mentionsColumn(q.sql, column))
      .map((q) => ({ id: q.id, name: q.name, owner: q.owner })),
    analyticsTables: analytics
      .filter((t) => mentionsColumn(t.definition, column))
      .map((t) => ({ name: t.name })),
    columnPolicies: dependents.columnPolicies
      .filter((p) => p.column.toLowerCase() === column.toLowerCase())
      .map((p) => ({ role: p.role, action: p.action })),
    rowFilters: dependents.rowFilters.filter((f) => mentionsColumn(f.predicate, column)),
  }));
}
