// Format: the SQL laid out by sql-formatter's DuckDB dialect, keywords upper-cased, `{{name}}`
// parameters kept as they are. SQL it cannot read is left alone, with the reason in one line.
import { duckdb, formatDialect } from "sql-formatter";

export type FormatResult = { ok: true; sql: string } | { ok: false; problem: string };

const PARAMETER = String.raw`\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}`;

export function formatSql(sql: string): FormatResult {
  try {
    const formatted = formatDialect(sql, {
      dialect: duckdb,
      keywordCase: "upper",
      tabWidth: 2,
      paramTypes: { custom: [{ regex: PARAMETER }] },
    });
    return { ok: true, sql: formatted };
  } catch (err) {
    // The parser's message goes on to list every token it expected: its first line says enough.
    const first = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
    return { ok: false, problem: `Could not format this SQL: ${first}` };
  }
}
