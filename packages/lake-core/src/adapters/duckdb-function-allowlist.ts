// The functions analyst SQL may call, by the lower-case name DuckDB's parse tree gives them: a reviewed,
// fixed allowlist the SQL guard (duckdb-sql-guard.ts) holds every function, aggregate, window function
// and operator of a query to. A function not listed here is refused, naming it.
//
// How the list was made: once, from DuckDB 1.5.6 (@duckdb/node-api), with
//   SELECT DISTINCT function_name, function_type FROM duckdb_functions()
//   WHERE function_type IN ('scalar', 'aggregate', 'macro')
// names lower-cased (the parser lower-cases them), grouped by kind: operators (the names made of symbols:
// `a + b` is the function "+", `LIKE` is "~~", `ILIKE` "~~*", `GLOB` "~~~", `||`, `->>`, `^@`, …), scalar
// functions (ICU collations apart), macros, and aggregates (DuckDB lists window functions such as
// row_number, rank, lag, lead and first_value as aggregates). Two names are added that the parser emits
// but duckdb_functions() does not list: unnest and unlist. The constructs analysts write were checked
// with json_serialize_sql: IN lists, CASE, BETWEEN, IS [NOT] DISTINCT FROM, casts, COLUMNS(*), `x[1]` and
// `x[1:2]`, COALESCE/IFNULL/IF, TRY and GROUPING are nodes of their own, not functions; `{'a': 1}` is
// struct_pack, `[1, 2]` list_value, `MAP {…}` map, `ROW(…)` row, EXTRACT date_part, `AT TIME ZONE`
// timezone, INTERVAL to_days/to_hours/… (and trunc), SIMILAR TO regexp_full_match, `x IN [list]`
// contains, `ARRAY(SELECT …)` array_agg, `count(*)` count_star, list comprehensions list_apply,
// list_filter and struct_extract, POSITION/SUBSTRING/TRIM position/substring/trim/ltrim/rtrim, LIKE …
// ESCAPE like_escape (and not_/ilike_ forms). The parser writes some of these qualified, as main.<name>
// (PARSER_QUALIFIED_FUNCTIONS below): only those may carry DuckDB's own schema; the guard refuses any other
// call qualified by main, pg_catalog, information_schema, system, memory or temp. Other qualifiers are
// DuckDB's method syntax on a column (`status.upper()` is upper(status)), which the tree writes alike.
//
// Left out, because they reach past the rows a query reads, change the engine, or are its internals:
// - settings, variables and the session: current_setting, getvariable, current_query (the SQL text as
//   the engine runs it), current_connection_id, current_query_id, current_transaction_id, txid_current,
//   setseed (changes the session's random numbers);
// - the catalog and PostgreSQL compatibility: every pg_* (pg_get_viewdef, pg_typeof, pg_sleep, …),
//   has_*_privilege, col_description, obj_description, shobj_description, format_pg_type, format_type,
//   map_to_pg_oid, inet_client_/inet_server_addr/port, get_block_size (reads pragma_database_size),
//   in_search_path, nextval and currval (sequences), and any duckdb_* or pragma_* name;
// - statistics, plans and SQL text: stats (a column's statistics), json_serialize_sql,
//   json_deserialize_sql, json_serialize_plan (plans name the files read);
// - side effects and internals: sleep_ms, write_log, parse_duckdb_log_message, combine and finalize
//   (exported aggregate states), vector_type, the __internal_compress_*/__internal_decompress_* functions
//   the optimizer inserts, variant_bytes_to_variant and variant_to_parquet_variant (Parquet's encoding).
// Files are not reachable through any scalar function: read_*, glob, parquet_*, query, query_table,
// sql_auto_complete, which_secret and json_execute_serialized_sql are table functions, which the guard
// holds to its own short list. parse_path, parse_filename, parse_dirname and parse_dirpath stay: they
// only split the text they are given. current_user, current_role, session_user and user stay: they
// return the constant 'duckdb', and DuckDB binds them from the bare words anyway, as it does
// current_date, current_time(stamp), localtime(stamp), current_catalog and current_schema, which never
// reach the parse tree as calls.
// Reviewed indirections: list_aggregate (list_aggr, aggregate, array_aggregate, array_aggr) calls an
// aggregate named by a string, which DuckDB resolves among aggregates only; safe while every aggregate
// is allowed — leaving one out means refusing these too. The macros' bodies were read: of them all, only
// get_block_size (left out) reached past its arguments. A lambda's body is part of the parse tree, so the
// guard checks the functions in it like any other.
//
// getenv: it is not a DuckDB function but one the CLI shell registers (tools/shell/shell_extension.cpp),
// so on a @duckdb/node-api 1.5.6 connection `SELECT getenv('HOME')` fails with "Scalar Function with
// name getenv does not exist", both before and after `SET enable_external_access = false` and
// `SET lock_configuration = true`; in the CLI its bind refuses when external access is off. What the
// lockdown does not stop, on the same connection: current_setting (e.g. temp_directory), getvariable,
// `SET VARIABLE`, stats and the pg_* macros all still work, which is why they are refused here.
//
// To extend: check that the function computes only from its arguments (no settings, environment,
// files, catalog, engine state or side effects), add it to its group in order, and add a passing case
// to duckdb-sql-guard.test.ts. After a DuckDB upgrade, rerun the query above and compare: new functions
// stay refused until reviewed, and the guard's tests fail for a listed name DuckDB no longer has.

/** Operators, as the parse tree names them (`a + b` calls "+"). */
// biome-ignore format: one line per leading character keeps the list reviewable
const OPERATORS = [
  "!__postfix", "!~~", "!~~*",
  "%",
  "&", "&&",
  "*", "**",
  "+",
  "-", "->>",
  "/", "//",
  "<->", "<<", "<=>", "<@",
  ">>",
  "@", "@>",
  "^", "^@",
  "|", "||",
  "~", "~~", "~~*", "~~~",
];

/** Scalar functions of strings, numbers, dates and times, lists, structs, maps, JSON, hashes, … */
// biome-ignore format: one line per initial keeps the list reviewable
const SCALAR_FUNCTIONS = [
  "abs", "acos", "acosh", "add", "age", "aggregate", "alias", "apply", "array_aggr", "array_aggregate",
  "array_apply", "array_cat", "array_concat", "array_contains", "array_cosine_distance",
  "array_cosine_similarity", "array_cross_product", "array_distance", "array_distinct",
  "array_dot_product", "array_extract", "array_filter", "array_grade_up", "array_has", "array_has_all",
  "array_has_any", "array_indexof", "array_inner_product", "array_intersect", "array_length",
  "array_negative_dot_product", "array_negative_inner_product", "array_position", "array_reduce",
  "array_resize", "array_reverse_sort", "array_select", "array_slice", "array_sort", "array_to_json",
  "array_transform", "array_unique", "array_value", "array_where", "array_zip", "ascii", "asin", "asinh",
  "atan", "atan2", "atanh",
  "bar", "base64", "bin", "bit_count", "bit_length", "bit_position", "bitstring",
  "can_cast_implicitly", "cardinality", "cast_to_type", "cbrt", "ceil", "ceiling", "century",
  "char_length", "character_length", "chr", "concat", "concat_ws", "constant_or_null", "contains", "cos",
  "cosh", "cot", "create_sort_key", "current_database", "current_date", "current_localtime",
  "current_localtimestamp", "current_schema", "current_schemas",
  "damerau_levenshtein", "date_diff", "date_part", "date_sub", "date_trunc", "datediff", "datepart",
  "datesub", "datetrunc", "day", "dayname", "dayofmonth", "dayofweek", "dayofyear", "decade", "decode",
  "degrees", "divide",
  "editdist3", "element_at", "encode", "ends_with", "enum_code", "enum_first", "enum_last", "enum_range",
  "enum_range_boundary", "epoch", "epoch_ms", "epoch_ns", "epoch_us", "equi_width_bins", "era", "error",
  "even", "exp",
  "factorial", "filter", "flatten", "floor", "format", "format_bytes", "formatreadabledecimalsize",
  "formatreadablesize", "from_base64", "from_binary", "from_hex", "from_json", "from_json_strict",
  "gamma", "gcd", "gen_random_uuid", "generate_series", "get_bit", "get_current_time",
  "get_current_timestamp", "get_type", "grade_up", "greatest", "greatest_common_divisor",
  "hamming", "hash", "hex", "hour",
  "ilike_escape", "instr", "is_histogram_other_bin", "isfinite", "isinf", "isnan", "isodow", "isoyear",
  "jaccard", "jaro_similarity", "jaro_winkler_similarity", "json_array", "json_array_length",
  "json_contains", "json_exists", "json_extract", "json_extract_path", "json_extract_path_text",
  "json_extract_string", "json_keys", "json_merge_patch", "json_object", "json_pretty", "json_quote",
  "json_structure", "json_transform", "json_transform_strict", "json_type", "json_valid", "json_value",
  "julian",
  "last_day", "lcase", "lcm", "least", "least_common_multiple", "left", "left_grapheme", "len", "length",
  "length_grapheme", "levenshtein", "lgamma", "like_escape", "list_aggr", "list_aggregate", "list_apply",
  "list_cat", "list_concat", "list_contains", "list_cosine_distance", "list_cosine_similarity",
  "list_distance", "list_distinct", "list_dot_product", "list_element", "list_extract", "list_filter",
  "list_grade_up", "list_has", "list_has_all", "list_has_any", "list_indexof", "list_inner_product",
  "list_intersect", "list_negative_dot_product", "list_negative_inner_product", "list_pack",
  "list_position", "list_reduce", "list_resize", "list_reverse_sort", "list_select", "list_slice",
  "list_sort", "list_transform", "list_unique", "list_value", "list_where", "list_zip", "ln", "log",
  "log10", "log2", "lower", "lpad", "ltrim",
  "make_date", "make_time", "make_timestamp", "make_timestamp_ms", "make_timestamp_ns",
  "make_timestamptz", "make_type", "map", "map_concat", "map_contains", "map_entries", "map_extract",
  "map_extract_value", "map_from_entries", "map_keys", "map_values", "md5", "md5_number", "microsecond",
  "millennium", "millisecond", "minute", "mismatches", "mod", "month", "monthname", "multiply",
  "nanosecond", "nextafter", "nfc_normalize", "normalized_interval", "not_ilike_escape",
  "not_like_escape", "now",
  "octet_length", "ord",
  "parse_dirname", "parse_dirpath", "parse_filename", "parse_formatted_bytes", "parse_path", "pi",
  "position", "pow", "power", "prefix", "printf",
  "quarter",
  "radians", "random", "range", "reduce", "regexp_escape", "regexp_extract", "regexp_extract_all",
  "regexp_full_match", "regexp_matches", "regexp_replace", "regexp_split_to_array", "remap_struct",
  "repeat", "replace", "replace_type", "reverse", "right", "right_grapheme", "round", "row",
  "row_to_json", "rpad", "rtrim",
  "second", "set_bit", "sha1", "sha256", "sign", "signbit", "sin", "sinh", "split", "sqrt", "st_asbinary",
  "st_astext", "st_aswkb", "st_aswkt", "st_crs", "st_geomfromwkb", "st_intersects_extent", "st_setcrs",
  "starts_with", "str_split", "str_split_regex", "strftime", "string_split", "string_split_regex",
  "string_to_array", "strip_accents", "strlen", "strpos", "strptime", "struct_concat", "struct_contains",
  "struct_extract", "struct_extract_at", "struct_has", "struct_indexof", "struct_insert", "struct_keys",
  "struct_pack", "struct_position", "struct_update", "struct_values", "substr", "substring",
  "substring_grapheme", "subtract", "suffix", "switch",
  "tan", "tanh", "time_bucket", "timetz_byte_comparable", "timezone", "timezone_hour", "timezone_minute",
  "to_base", "to_base64", "to_binary", "to_centuries", "to_days", "to_decades", "to_hex", "to_hours",
  "to_json", "to_microseconds", "to_millennia", "to_milliseconds", "to_minutes", "to_months",
  "to_quarters", "to_seconds", "to_timestamp", "to_weeks", "to_years", "today", "transaction_timestamp",
  "translate", "trim", "trunc", "try_strptime", "typeof",
  "ucase", "unbin", "unhex", "unicode", "union_extract", "union_tag", "union_value", "unpivot_list",
  "upper", "url_decode", "url_encode", "uuid", "uuid_extract_timestamp", "uuid_extract_version", "uuidv4",
  "uuidv7",
  "variant_extract", "variant_normalize", "variant_typeof", "version",
  "week", "weekday", "weekofyear",
  "xor",
  "year", "yearweek",
];

/** ICU collations: a string's sort key in a language's order. */
// biome-ignore format: the collations wrapped as one paragraph
const ICU_COLLATIONS = [
  "icu_collate_af", "icu_collate_am", "icu_collate_ar", "icu_collate_ar_sa", "icu_collate_as",
  "icu_collate_az", "icu_collate_be", "icu_collate_bg", "icu_collate_bn", "icu_collate_bo",
  "icu_collate_br", "icu_collate_bs", "icu_collate_ca", "icu_collate_ceb", "icu_collate_chr",
  "icu_collate_cs", "icu_collate_cy", "icu_collate_da", "icu_collate_de", "icu_collate_de_at",
  "icu_collate_dsb", "icu_collate_dz", "icu_collate_ee", "icu_collate_el", "icu_collate_en",
  "icu_collate_en_us", "icu_collate_eo", "icu_collate_es", "icu_collate_et", "icu_collate_fa",
  "icu_collate_fa_af", "icu_collate_ff", "icu_collate_fi", "icu_collate_fil", "icu_collate_fo",
  "icu_collate_fr", "icu_collate_fr_ca", "icu_collate_ga", "icu_collate_gl", "icu_collate_gu",
  "icu_collate_ha", "icu_collate_haw", "icu_collate_he", "icu_collate_he_il", "icu_collate_hi",
  "icu_collate_hr", "icu_collate_hsb", "icu_collate_hu", "icu_collate_hy", "icu_collate_id",
  "icu_collate_id_id", "icu_collate_ig", "icu_collate_is", "icu_collate_it", "icu_collate_ja",
  "icu_collate_ka", "icu_collate_kk", "icu_collate_kl", "icu_collate_km", "icu_collate_kn",
  "icu_collate_ko", "icu_collate_kok", "icu_collate_ku", "icu_collate_ky", "icu_collate_lb",
  "icu_collate_lkt", "icu_collate_ln", "icu_collate_lo", "icu_collate_lt", "icu_collate_lv",
  "icu_collate_mk", "icu_collate_ml", "icu_collate_mn", "icu_collate_mr", "icu_collate_ms",
  "icu_collate_mt", "icu_collate_my", "icu_collate_nb", "icu_collate_nb_no", "icu_collate_ne",
  "icu_collate_nl", "icu_collate_nn", "icu_collate_noaccent", "icu_collate_om", "icu_collate_or",
  "icu_collate_pa", "icu_collate_pa_in", "icu_collate_pl", "icu_collate_ps", "icu_collate_pt",
  "icu_collate_ro", "icu_collate_ru", "icu_collate_sa", "icu_collate_se", "icu_collate_si",
  "icu_collate_sk", "icu_collate_sl", "icu_collate_smn", "icu_collate_sq", "icu_collate_sr",
  "icu_collate_sr_ba", "icu_collate_sr_me", "icu_collate_sr_rs", "icu_collate_sv", "icu_collate_sw",
  "icu_collate_ta", "icu_collate_te", "icu_collate_th", "icu_collate_tk", "icu_collate_to",
  "icu_collate_tr", "icu_collate_ug", "icu_collate_uk", "icu_collate_ur", "icu_collate_uz",
  "icu_collate_vi", "icu_collate_wae", "icu_collate_wo", "icu_collate_xh", "icu_collate_yi",
  "icu_collate_yo", "icu_collate_yue", "icu_collate_yue_cn", "icu_collate_zh", "icu_collate_zh_cn",
  "icu_collate_zh_hk", "icu_collate_zh_mo", "icu_collate_zh_sg", "icu_collate_zh_tw", "icu_collate_zu",
  "icu_sort_key",
];

/** DuckDB's built-in macros (main schema). */
// biome-ignore format: one line per initial keeps the list reviewable
const MACROS = [
  "ago", "array_append", "array_pop_back", "array_pop_front", "array_prepend", "array_push_back",
  "array_push_front", "array_reverse", "array_to_string", "array_to_string_comma_default",
  "current_catalog", "current_role", "current_user",
  "date_add", "days_in_month",
  "fdiv", "fmod",
  "generate_subscripts", "geomean", "geometric_mean",
  "json", "json_group_array", "json_group_object", "json_group_structure",
  "list_any_value", "list_append", "list_approx_count_distinct", "list_avg", "list_bit_and",
  "list_bit_or", "list_bit_xor", "list_bool_and", "list_bool_or", "list_count", "list_entropy",
  "list_first", "list_histogram", "list_kurtosis", "list_kurtosis_pop", "list_last", "list_mad",
  "list_max", "list_median", "list_min", "list_mode", "list_prepend", "list_product", "list_reverse",
  "list_sem", "list_skewness", "list_stddev_pop", "list_stddev_samp", "list_string_agg", "list_sum",
  "list_var_pop", "list_var_samp",
  "map_contains_entry", "map_contains_value", "md5_number_lower", "md5_number_upper",
  "nullif",
  "regexp_split_to_table", "round_even", "roundbankers",
  "session_user", "split_part",
  "user",
  "wavg", "weighted_avg",
];

/** Aggregates, which include the window functions (row_number, rank, lag, lead, first_value, …). */
// biome-ignore format: one line per initial keeps the list reviewable
const AGGREGATE_FUNCTIONS = [
  "any_value", "approx_count_distinct", "approx_quantile", "approx_top_k", "arbitrary", "arg_max",
  "arg_max_null", "arg_max_nulls_last", "arg_min", "arg_min_null", "arg_min_nulls_last", "argmax",
  "argmin", "array_agg", "avg",
  "bit_and", "bit_or", "bit_xor", "bitstring_agg", "bool_and", "bool_or",
  "corr", "count", "count_if", "count_star", "countif", "covar_pop", "covar_samp", "cume_dist",
  "dense_rank",
  "entropy",
  "favg", "fill", "first", "first_value", "fsum",
  "group_concat",
  "histogram", "histogram_exact",
  "kahan_sum", "kurtosis", "kurtosis_pop",
  "lag", "last", "last_value", "lead", "list", "listagg",
  "mad", "max", "max_by", "mean", "median", "min", "min_by", "mode",
  "nth_value", "ntile",
  "percent_rank", "product",
  "quantile", "quantile_cont", "quantile_disc",
  "rank", "rank_dense", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope",
  "regr_sxx", "regr_sxy", "regr_syy", "reservoir_quantile", "row_number",
  "sem", "skewness", "stddev", "stddev_pop", "stddev_samp", "string_agg", "sum", "sum_no_overflow",
  "sumkahan",
  "var_pop", "var_samp", "variance",];

/** Names the parser emits for constructs that duckdb_functions() does not list. */
const CONSTRUCTS = ["unnest", "unlist"];

/** Every function, aggregate, window function and operator a query may call, lower-case. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...OPERATORS,
  ...SCALAR_FUNCTIONS,
  ...ICU_COLLATIONS,
  ...MACROS,
  ...AGGREGATE_FUNCTIONS,
  ...CONSTRUCTS,
]);

/**
 * Functions the parser itself writes as main.<name> for SQL constructs (`{'a': 1}`, `[1, 2]`, MAP,
 * ROW, EXTRACT, AT TIME ZONE, POSITION, SUBSTRING, TRIM, LIKE … ESCAPE, list comprehensions): these alone
 * may carry the schema "main", since the guard cannot tell them from the same call written out.
 */
export const PARSER_QUALIFIED_FUNCTIONS: ReadonlySet<string> = new Set([
  "date_part",
  "ilike_escape",
  "like_escape",
  "list_apply",
  "list_filter",
  "list_value",
  "ltrim",
  "map",
  "not_ilike_escape",
  "not_like_escape",
  "position",
  "row",
  "rtrim",
  "struct_extract",
  "struct_pack",
  "substring",
  "timezone",
  "trim",
]);
