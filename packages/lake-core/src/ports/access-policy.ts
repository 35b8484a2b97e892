// The AccessPolicySource port: the column rules, tags and row filters governance staff set on tables,
// as the query path reads them; and TableAccess, what one reader may see of one table, which a
// QueryEngine turns into the secure relation the reader's SQL runs against.

/** How a masked value is shown: all hidden, all but the last `keep` characters, or a fixed text. */
export type MaskSpec =
  | { style: "full" }
  | { style: "last"; keep: number }
  | { style: "fixed"; replacement: string };

/** What a role sees of a column. */
export type ColumnRule =
  | { action: "allow" }
  | { action: "deny" }
  | { action: "mask"; mask: MaskSpec }
  /** A keyed HMAC-SHA-256 of the value as text (hex): equal values hash equally, joins still work. */
  | { action: "hash" };

/** Every rule set on one table, and the tag rules that reach it, as stored. */
export interface TablePolicies {
  tableId: string;
  table: string;
  /** Columns no rule covers are denied to every role. */
  denyUnruledColumns: boolean;
  columnRules: { role: string; column: string; rule: ColumnRule }[];
  columnTags: { column: string; tag: string }[];
  /** Rules on the tags the table's columns carry. */
  tagRules: { tag: string; role: string; rule: ColumnRule }[];
  /** Tags that deny a column carrying them to every role no rule covers. */
  defaultDenyTags: string[];
  rowFilters: { role: string; predicate: string }[];
}

export interface AccessPolicySource {
  /** The policies of each table id asked for (a table without any has an entry with empty lists). */
  tablePolicies(tableIds: readonly string[]): Promise<Map<string, TablePolicies>>;
}

/** What one role sees of a table: its rule for each column it may see, and its row filter. */
export interface RoleView {
  role: string;
  /** A SQL predicate over the table's columns; null when every row shows. */
  rowFilter: string | null;
  /** Each column of the table by name; a denied column is present with action "deny". */
  columns: Record<string, ColumnRule>;
}

/**
 * What a reader with these roles may see of one table: one view per role. A row shows when any
 * role's filter admits it; a column's value is shown under the least strict rule of the roles whose
 * filter admits the row; a column every role denies does not exist.
 */
export interface TableAccess {
  roles: RoleView[];
}

/** What a full mask (and the hidden part of a partial one) shows instead of the value. */
export const MASKED = "****";
