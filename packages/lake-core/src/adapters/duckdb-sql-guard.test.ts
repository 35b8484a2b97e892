import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InletError } from "../errors";
import { ALLOWED_FUNCTIONS, PARSER_QUALIFIED_FUNCTIONS } from "./duckdb-function-allowlist";
import { checkSerializedQuery, inspectQueryTree, leadingKeyword, refusedStatement } from "./duckdb-sql-guard";

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
});
afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

async function serialize(sql: string): Promise<string> {
  const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
  return String(reader.getRowsJson()[0]?.[0]);
}

const TABLES = [
  { schema: "curated", table: "orders" },
  { schema: "analytics", table: "daily" },
];

/** The guard's refusal of `sql`, as the engine meets it. */
async function refusalOf(sql: string): Promise<InletError> {
  try {
    checkSerializedQuery(await serialize(sql), TABLES, sql);
  } catch (err) {
    expect(err).toBeInstanceOf(InletError);
    return err as InletError;
  }
  throw new Error(`the guard let through: ${sql}`);
}

describe("the SQL guard", () => {
  it("lets a SELECT over the bound tables through and says which it reads", async () => {
    const sql = `WITH recent AS (SELECT * FROM curated.orders WHERE dt >= '2026-01-01')
      SELECT r.id, d.total FROM recent r JOIN analytics.daily d ON d.id = r.id
      WHERE r.id IN (SELECT unnest([1, 2])) AND r.amount > (SELECT max(range) FROM range(3))`;
    expect(checkSerializedQuery(await serialize(sql), TABLES, sql)).toEqual(new Set([0, 1]));
  });

  it.each([
    ["COPY (SELECT 1) TO '/tmp/x.csv'", "COPY", /COPY is not allowed: it reads or writes files/],
    ["COPY curated.orders FROM '/tmp/x.csv'", "COPY", /COPY is not allowed/],
    ["ATTACH '/tmp/other.duckdb' AS other", "ATTACH", /ATTACH is not allowed: it opens another database/],
    ["DETACH other", "DETACH", /DETACH is not allowed/],
    ["INSTALL httpfs", "INSTALL", /INSTALL is not allowed: it installs extensions/],
    ["LOAD httpfs", "LOAD", /LOAD is not allowed: it loads extensions/],
    ["PRAGMA database_list", "PRAGMA", /PRAGMA is not allowed: it reads or changes the engine's settings/],
    ["SET enable_external_access = true", "SET", /SET is not allowed: it changes the engine's settings/],
    ["RESET memory_limit", "RESET", /RESET is not allowed/],
    ["SET VARIABLE x = 1", "SET", /SET is not allowed/],
    ["EXPORT DATABASE '/tmp/dump'", "EXPORT", /EXPORT is not allowed: it writes the database to files/],
    ["IMPORT DATABASE '/tmp/dump'", "IMPORT", /IMPORT is not allowed: it reads a database from files/],
    ["CREATE TABLE t AS SELECT 1", "CREATE", /CREATE is not allowed: queries are read-only/],
    ["CREATE OR REPLACE VIEW curated.orders AS SELECT 1", "CREATE", /CREATE is not allowed/],
    ["INSERT INTO curated.orders VALUES (1)", "INSERT", /INSERT is not allowed: queries are read-only/],
    ["UPDATE curated.orders SET id = 1", "UPDATE", /UPDATE is not allowed/],
    ["DELETE FROM curated.orders", "DELETE", /DELETE is not allowed/],
    ["DROP VIEW curated.orders", "DROP", /DROP is not allowed/],
    ["CALL pragma_version()", "CALL", /CALL is not allowed/],
    ["  /* note */ -- line\n copy (SELECT 1) TO '/tmp/x.csv'", "COPY", /COPY is not allowed/],
  ])("refuses %s, saying what and why", async (sql, construct, message) => {
    const err = await refusalOf(sql);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(message);
    expect(err.details).toMatchObject({ field: "sql", refused: construct });
    expect(refusedStatement(sql)?.message).toMatch(message);
  });

  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')", /read_csv\(\) is not allowed: it reads files directly/],
    ["SELECT * FROM read_parquet('/lake/curated/orders/x.parquet')", /read_parquet\(\) is not allowed/],
    ["SELECT * FROM read_json_auto('x.json')", /read_json_auto\(\) is not allowed: it reads files/],
    ["SELECT * FROM read_text('/etc/hostname')", /read_text\(\) is not allowed/],
    ["SELECT * FROM read_blob('/etc/hostname')", /read_blob\(\) is not allowed/],
    ["SELECT * FROM glob('/etc/*')", /glob\(\) is not allowed: it reads files/],
    ["SELECT * FROM parquet_metadata('/lake/x.parquet')", /parquet_metadata\(\) is not allowed/],
    [
      "SELECT * FROM query('SELECT 1')",
      /query\(\) is not allowed: it runs SQL text the guard cannot inspect/,
    ],
    ["SELECT * FROM query_table('curated.orders')", /query_table\(\) is not allowed/],
    ["SELECT * FROM duckdb_settings()", /duckdb_settings\(\) is not allowed: it shows the engine's settings/],
    ["SELECT * FROM duckdb_views()", /duckdb_views\(\) is not allowed/],
    ["SELECT * FROM pragma_database_size()", /pragma_database_size\(\) is not allowed/],
    ["SELECT * FROM '/etc/passwd'", /file or URL '\/etc\/passwd' is not allowed/],
    ["SELECT * FROM 'orders.csv'", /file or URL 'orders.csv' is not allowed/],
    ["SELECT * FROM 'https://example.com/x.parquet'", /file or URL 'https:\/\/example.com\/x.parquet'/],
    ["SELECT * FROM 's3://bucket/key.parquet'", /file or URL 's3:\/\/bucket\/key.parquet'/],
    ["SELECT getenv('HOME')", /getenv\(\) is not allowed: it reads the server's environment/],
    [
      "SELECT current_setting('memory_limit')",
      /current_setting\(\) is not allowed: it reads the engine's settings/,
    ],
    ["SELECT getvariable('x')", /getvariable\(\) is not allowed/],
    [
      "SELECT id FROM curated.orders WHERE id IN (SELECT length(getenv('PATH')))",
      /getenv\(\) is not allowed/,
    ],
    ["SELECT * FROM curated.orders, (SELECT * FROM glob('/*'))", /glob\(\) is not allowed/],
    ["SELECT * FROM other.main.orders", /Unknown table other.main.orders/],
    ["SELECT * FROM curated.nope", /Unknown table curated.nope; available: curated.orders, analytics.daily/],
  ])("refuses %s", async (sql, message) => {
    const err = await refusalOf(sql);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(message);
    expect(err.details?.field).toBe("sql");
  });

  it.each([
    [
      "SELECT stats(amount) FROM curated.orders",
      "stats",
      /stats\(\) is not allowed: it reads the engine's statistics/,
    ],
    [
      "SELECT pg_get_viewdef(1)",
      "pg_get_viewdef",
      /pg_get_viewdef\(\) is not allowed: it reads the engine's catalog/,
    ],
    ["SELECT pg_typeof(id) FROM curated.orders", "pg_typeof", /pg_typeof\(\) is not allowed/],
    ["SELECT has_table_privilege('curated.orders', 'SELECT')", "has_table_privilege", /catalog/],
    ["SELECT get_block_size('memory')", "get_block_size", /get_block_size\(\) is not allowed/],
    ["SELECT current_setting('temp_directory')", "current_setting", /current_setting\(\) is not allowed/],
    [
      "SELECT getvariable('x') AS v",
      "getvariable",
      /getvariable\(\) is not allowed: it reads the engine's variables/,
    ],
    ["SELECT current_query()", "current_query", /current_query\(\) is not allowed: it returns the SQL text/],
    ["SELECT json_serialize_sql('SELECT 1')", "json_serialize_sql", /json_serialize_sql\(\) is not allowed/],
    ["SELECT json_serialize_plan('SELECT 1')", "json_serialize_plan", /the paths of the files it reads/],
    ["SELECT nextval('s')", "nextval", /nextval\(\) is not allowed: it reads and changes sequences/],
    ["SELECT sleep_ms(100000)", "sleep_ms", /sleep_ms\(\) is not allowed/],
    ["SELECT write_log('x')", "write_log", /write_log\(\) is not allowed/],
    [
      "SELECT parquet_metadata('/lake/x.parquet')",
      "parquet_metadata",
      /parquet_metadata\(\) is not allowed: it reads files/,
    ],
    ["SELECT read_text('/etc/hostname')", "read_text", /read_text\(\) is not allowed: it reads files/],
    ["SELECT duckdb_settings()", "duckdb_settings", /duckdb_settings\(\) is not allowed/],
    [
      "SELECT __internal_compress_string_utinyint('a')",
      "__internal_compress_string_utinyint",
      /not among the functions/,
    ],
    [
      "SELECT main.lower(status) FROM curated.orders",
      "main.lower",
      /The function main.lower\(\) is not among the functions queries may use: .*without a schema or catalog; call it as lower\(…\)/,
    ],
    ["SELECT pg_catalog.current_database()", "pg_catalog.current_database", /not among the functions/],
    [
      "SELECT system.main.upper(status) FROM curated.orders",
      "system.main.upper",
      /without a schema or catalog/,
    ],
    [
      "SELECT memory.main.upper(status) FROM curated.orders",
      "memory.main.upper",
      /without a schema or catalog/,
    ],
    ["SELECT system.upper(status) FROM curated.orders", "system.upper", /without a schema or catalog/],
    ["SELECT MAIN.upper(status) FROM curated.orders", "MAIN.upper", /without a schema or catalog/],
    [
      "SELECT main.sum(amount) OVER () FROM curated.orders",
      "main.sum",
      /main.sum\(\) is not among the functions/,
    ],
    [
      "SELECT frobnicate(amount) FROM curated.orders",
      "frobnicate",
      /^The function frobnicate\(\) is not among the functions queries may use$/,
    ],
    [
      "SELECT lowr(status) FROM curated.orders",
      "lowr",
      /lowr\(\) is not among .*\(did you mean lower\(\)\?\)/,
    ],
    ["SELECT status.getvariable() FROM curated.orders", "getvariable", /getvariable\(\) is not allowed/],
    ["SELECT list_transform([1], x -> current_setting('threads'))", "current_setting", /current_setting/],
    [
      "SELECT row_number() OVER (ORDER BY stats(id)) FROM curated.orders",
      "stats",
      /stats\(\) is not allowed/,
    ],
    ["SELECT * FROM range(length(current_setting('threads')))", "current_setting", /current_setting/],
    ["SELECT id FROM curated.orders WHERE status IN (SELECT getvariable('s'))", "getvariable", /getvariable/],
    ["SELECT ARRAY(SELECT stats(id) FROM curated.orders)", "stats", /stats\(\)/],
  ])("refuses the call in %s, naming the function", async (sql, refused, message) => {
    const err = await refusalOf(sql);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(message);
    expect(err.details).toMatchObject({ field: "sql", refused });
  });

  it.each([
    // The analyst e2e's and the API tests' queries.
    `SELECT status, count(*) AS orders, sum(amount) AS revenue FROM curated.orders GROUP BY status`,
    `SELECT status, count(*) AS orders, sum(amount) AS revenue FROM curated.orders WHERE dt >= DATE '2026-01-02' GROUP BY status`,
    `SELECT status, count(*) AS orders FROM curated.orders WHERE dt = $day GROUP BY status ORDER BY status`,
    `SELECT dt, count(*) AS orders, sum(CAST(note AS INTEGER)) AS notes FROM curated.orders GROUP BY dt`,
    `SELECT count(*) AS orders FROM curated.orders WHERE CAST(time AS DATE) = $day`,
    `SELECT count(*) AS n FROM range(1000000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3`,
    `SELECT d.id, d.amount, r.range AS copy FROM curated.orders d, range(50) r ORDER BY d.id, r.range`,
    `SELECT * FROM curated.orders WHERE _event_id = 'e1' LIMIT 1`,
    // Constructs the parser writes as calls, or as nodes of their own.
    `SELECT id FROM curated.orders WHERE status IN ('paid', 'sent') AND id NOT IN (1, 2) AND amount IN [1, 2]`,
    `SELECT CASE WHEN amount > 10 THEN 'big' ELSE 'small' END, CASE status WHEN 'paid' THEN 1 END FROM curated.orders`,
    `SELECT {'a': 1, 'b': [1, 2]} AS s, [1, 2, 3] AS l, MAP {'k': 1} AS m, ROW(1, 2), (1, 2)`,
    `SELECT tags[1], tags[1:2], tags[:-1], status[2:3], props.a, props['a'] FROM curated.orders`,
    `SELECT COLUMNS(*) FROM curated.orders`,
    `SELECT COLUMNS('^(amount|id)$') + 1, * EXCLUDE (note), COLUMNS(c -> c LIKE 'a%') FROM curated.orders`,
    `SELECT amount::INT, CAST(amount AS DECIMAL(10, 2)), TRY_CAST(note AS INTEGER), tags::VARCHAR[], DATE '2026-01-01', TIMESTAMP '2026-01-01 00:00' FROM curated.orders`,
    `SELECT EXTRACT(year FROM ts), EXTRACT(epoch FROM ts), date_part('month', ts) FROM curated.orders`,
    `SELECT ts + INTERVAL 1 DAY, ts - INTERVAL '1 hour', ts - INTERVAL (3) HOUR, INTERVAL (id) DAY FROM curated.orders`,
    `SELECT status LIKE 'p%', status NOT LIKE 'p%', status ILIKE 'P%', status NOT ILIKE 'x', status SIMILAR TO 'p.*', status NOT SIMILAR TO 'x', status GLOB 'p*', status LIKE 'p!%' ESCAPE '!' FROM curated.orders`,
    `SELECT status ~ 'p.*', status !~ 'x', status ^@ 'p', regexp_matches(status, 'p'), regexp_replace(status, 'p', 'q'), regexp_extract(status, '(p)', 1) FROM curated.orders`,
    `SELECT id IS DISTINCT FROM 2, id IS NOT DISTINCT FROM 2, amount BETWEEN 1 AND 2, amount NOT BETWEEN 1 AND 2, note IS NULL, note IS NOT NULL, paid IS TRUE FROM curated.orders`,
    `SELECT list_transform(tags, x -> x + 1), list_filter(tags, lambda x: x > 1), [x * 2 FOR x IN tags IF x > 1], list_reduce(tags, (a, b) -> a + b) FROM curated.orders`,
    `SELECT date_trunc('day', ts), date_trunc('month', ts)::DATE AS month, strftime(ts, '%Y-%m-%d'), strptime('2026', '%Y'), time_bucket(INTERVAL 1 DAY, ts), dayname(ts), ts::DATE FROM curated.orders`,
    `SELECT row_number() OVER (PARTITION BY status ORDER BY ts), rank() OVER w, dense_rank() OVER w, lag(amount, 1) OVER w, lead(amount) OVER w, first_value(amount) OVER w, last_value(amount IGNORE NULLS) OVER w, nth_value(amount, 2) OVER w, ntile(4) OVER w, percent_rank() OVER w, cume_dist() OVER w, sum(amount) OVER (ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), count(*) OVER () FROM curated.orders WINDOW w AS (ORDER BY ts)`,
    `SELECT sum(amount) OVER (PARTITION BY status ORDER BY ts RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW) FROM curated.orders`,
    `SELECT count(*), count(id), count(DISTINCT status), sum(amount) FILTER (WHERE amount > 1), count(*) FILTER (amount > 1), avg(amount), min(ts), max(ts), string_agg(status, ',' ORDER BY status), list(id), list(id ORDER BY id), arg_max(id, amount), approx_count_distinct(customer), quantile_cont(amount, 0.5), median(amount), any_value(note) FROM curated.orders`,
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount), mode() WITHIN GROUP (ORDER BY status) FROM curated.orders`,
    `SELECT status, count(*) FROM curated.orders GROUP BY status HAVING count(*) > 1 QUALIFY row_number() OVER (ORDER BY status) = 1 ORDER BY ALL`,
    `SELECT status, dt, GROUPING(status), sum(amount) FROM curated.orders GROUP BY ROLLUP (status, dt)`,
    `SELECT coalesce(note, 'x'), ifnull(note, 'x'), nullif(note, ''), if(amount > 1, 1, 2), greatest(1, 2), least(1, 2), try(amount / 0), NOT paid, -amount FROM curated.orders`,
    `SELECT 1 + 2 - 3 * 4 / 5 // 6 % 7, 2 ^ 3, 2 ** 3, 'a' || 'b', 1 & 2, 1 | 2, 1 << 2, 1 >> 2, ~1, @(-1), 5!, [1] && [1], [1] <@ [1, 2], [1, 2] @> [1]`,
    `SELECT payload -> '$.a', payload ->> '$.a', payload ->> 'a', json_extract(payload, '$.a'), json_extract_string(payload, '$.a'), to_json(props), json_object('a', 1), payload::JSON FROM curated.orders`,
    `SELECT md5(customer), sha256(customer), hash(customer), lower(status), upper(status), length(status), status.upper(), o.status.lower().upper() FROM curated.orders o`,
    `SELECT unnest(tags), unnest([[1]], recursive := true), generate_subscripts(tags, 1) FROM curated.orders`,
    `SELECT POSITION('a' IN status), SUBSTRING(status FROM 1 FOR 2), TRIM(BOTH 'x' FROM status), TRIM(LEADING FROM status), trim(status) FROM curated.orders`,
    `SELECT ts AT TIME ZONE 'UTC', current_date, current_timestamp, now(), today(), current_database(), current_schema(), version() FROM curated.orders`,
    `SELECT EXISTS (SELECT 1 FROM curated.orders), 1 = ANY (SELECT id FROM curated.orders), ARRAY(SELECT id FROM curated.orders ORDER BY id)`,
    `SELECT date_add(dt, INTERVAL 1 DAY), dt + 1, date_diff('day', dt, DATE '2026-02-01'), make_date(2026, 1, 1), epoch_ms(ts), age(ts) FROM curated.orders`,
    `SELECT format('{}', id), printf('%d', id), concat(status, 'x'), concat_ws(',', status, note), split_part(note, ',', 1), string_split(note, ','), left(status, 1), replace(status, 'a', 'b'), round(amount, 2), abs(amount), formatReadableSize(id) FROM curated.orders`,
    `SELECT status COLLATE nocase, status = 'PAID' COLLATE nocase FROM curated.orders`,
    `SELECT * FROM curated.orders PIVOT (sum(amount) FOR status IN ('paid', 'sent'))`,
    `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r`,
    `SELECT id FROM curated.orders UNION BY NAME SELECT id FROM analytics.daily`,
    `SELECT DISTINCT ON (status) status, #1 FROM curated.orders`,
    `SELECT error('no') WHERE false`,
    `SELECT * FROM range(3), generate_series(1, 2), unnest([1]), json_each('[1]'), json_tree('[1]')`,
  ])("lets through %s", async (sql) => {
    const serialized = await serialize(sql);
    expect(() => checkSerializedQuery(serialized, TABLES, sql)).not.toThrow();
  });

  it("holds a list of functions DuckDB has, none of them reaching past the rows", async () => {
    const reader = await connection.runAndReadAll(
      "SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate', 'macro')",
    );
    const known = new Set(reader.getRowsJson().map((row) => String(row[0])));
    const missing = [...ALLOWED_FUNCTIONS].filter(
      (name) => !known.has(name) && !["unnest", "unlist"].includes(name),
    );
    expect(missing).toEqual([]);
    const reaching = [...ALLOWED_FUNCTIONS].filter((name) =>
      /^(duckdb_|pragma_|pg_|parquet_|read_|__internal_)|_privilege$|^(getenv|current_setting|getvariable|current_query|stats|query|query_table|json_serialize_sql|json_deserialize_sql|json_serialize_plan|json_execute_serialized_sql|sql_auto_complete|which_secret|nextval|currval|setseed|sleep_ms|write_log|get_block_size|in_search_path)$/.test(
        name,
      ),
    );
    expect(reaching).toEqual([]);
    expect([...PARSER_QUALIFIED_FUNCTIONS].filter((name) => !ALLOWED_FUNCTIONS.has(name))).toEqual([]);
  });

  it("says where in the SQL a refused function stands", async () => {
    const sql = "SELECT 1,\n  getenv('HOME')";
    const doc = JSON.parse(await serialize(sql)) as { statements: unknown[] };
    let err: unknown;
    try {
      inspectQueryTree(doc.statements[0]);
    } catch (e) {
      err = e;
    }
    expect((err as InletError).details).toMatchObject({ refused: "getenv", offset: sql.indexOf("getenv") });
  });

  it("reads a statement's first keyword past comments and parentheses", () => {
    expect(leadingKeyword("-- a\n/* b */ ((copy x to 'y'))")).toBe("COPY");
    expect(leadingKeyword("with x as (select 1) select * from x")).toBe("WITH");
    expect(refusedStatement("SELECT 1")).toBeUndefined();
    expect(refusedStatement("FROM curated.orders")).toBeUndefined();
  });
});
