// DuckDB's SQL for the editor's highlighting and keyword completion: PostgreSQL's dialect (DuckDB's
// parser derives from it) plus DuckDB's own keywords, types and common functions.
import { PostgreSQL, SQLDialect } from "@codemirror/lang-sql";

const DUCKDB_KEYWORDS =
  "anti asof columns describe exclude glob ilike pivot pivot_longer pivot_wider positional qualify rename replace sample semi struct_pack summarize unpivot using";

const DUCKDB_TYPES =
  "hugeint uhugeint ubigint uinteger usmallint utinyint tinyint blob list struct map union uuid json varchar timestamptz timestamp_s timestamp_ms timestamp_ns bit enum";

const DUCKDB_BUILTINS =
  "approx_count_distinct approx_quantile arg_max arg_min array_agg avg bool_and bool_or count count_star date_diff date_part date_trunc datediff datepart datetrunc day dayname epoch epoch_ms first hour last list_aggregate list_distinct list_sort max median min minute mode month monthname now quantile_cont quantile_disc regexp_extract regexp_matches regexp_replace round second stddev string_agg string_split strftime strptime sum time_bucket today unnest week year";

export const DuckDB = SQLDialect.define({
  ...PostgreSQL.spec,
  keywords: `${PostgreSQL.spec.keywords ?? ""} ${DUCKDB_KEYWORDS}`,
  types: `${PostgreSQL.spec.types ?? ""} ${DUCKDB_TYPES}`,
  builtin: `${PostgreSQL.spec.builtin ?? ""} ${DUCKDB_BUILTINS}`,
  // DuckDB binds $name and ? parameters; double quotes are identifiers, never strings.
  specialVar: "$?",
  doubleQuotedStrings: false,
  doubleDollarQuotedStrings: true,
  caseInsensitiveIdentifiers: true,
});
