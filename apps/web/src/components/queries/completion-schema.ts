// The tables and columns the editor completes, as CodeMirror's SQL schema: zone → table → columns
// ("curated." offers curated tables, "curated.orders." its columns), with each column's type shown.

export interface CompletionTable {
  /** As written in SQL: "curated.orders". */
  name: string;
  columns: readonly { name: string; type: string }[];
}

export interface ColumnCompletion {
  label: string;
  type: "property";
  detail: string;
}

export type CompletionSchema = Record<string, Record<string, ColumnCompletion[]>>;

export function completionSchema(tables: readonly CompletionTable[]): CompletionSchema {
  const schema: CompletionSchema = {};
  for (const table of tables) {
    const dot = table.name.indexOf(".");
    if (dot <= 0) continue;
    const zone = table.name.slice(0, dot);
    const name = table.name.slice(dot + 1);
    schema[zone] ??= {};
    schema[zone][name] = table.columns.map((c) => ({ label: c.name, type: "property", detail: c.type }));
  }
  return schema;
}
