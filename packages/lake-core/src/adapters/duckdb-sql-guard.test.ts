import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InletError } from "../errors";
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
