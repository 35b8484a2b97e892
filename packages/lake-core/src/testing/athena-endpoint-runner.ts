// The query engine behind the local Athena endpoint: a DuckDB that reads Glue tables as Athena would —
// through their symlink manifests (per partition), from S3, with partition values from Glue — and
// Athena views (CREATE VIEW's, stored in Glue) over them, and reports DataScannedInBytes as the size of
// the Parquet files left to read after partition pruning. The Trino functions secure views use
// (to_utf8, hmac_sha256, json_format; DuckDB has from_hex, to_hex, substr with a negative start) are
// DuckDB macros, hmac_sha256 a real HMAC-SHA-256 built on DuckDB's sha256 (RFC 2104).
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { glueColumnType } from "../adapters/athena-types";
import { parseDuckDbJson } from "../adapters/duckdb-json";
import { sqlIdent, sqlString } from "../adapters/duckdb-sql";
import { checkSerializedQuery } from "../adapters/duckdb-sql-guard";
import { errorMessage } from "../errors";
import { isJsonNode, walkJson } from "../json/json-tree";
import {
  AwsJsonError,
  type GlueCatalogState,
  type GlueColumn,
  type GlueTable,
  viewSqlOf,
} from "./athena-endpoint-glue";
import { type AthenaColumnInfo, athenaColumnInfo, athenaText } from "./athena-endpoint-values";

const SYMLINK_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat";
const NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";

/** Views nested deeper than this are refused (a view reading itself would never end). */
const MAX_VIEW_DEPTH = 8;

/**
 * Trino's functions a secure view calls that DuckDB lacks, as macros. hmac_sha256(message, key) is
 * RFC 2104: the key (hashed first when longer than the 64-byte block) padded to 64 bytes and XOR-ed
 * with 0x36 and 0x5c byte by byte, SHA-256(opad ‖ SHA-256(ipad ‖ message)).
 */
export const TRINO_MACROS = [
  "CREATE MACRO to_utf8(s) AS encode(CAST(s AS VARCHAR))",
  "CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)",
  "CREATE MACRO trino_hmac_key_hex(k) AS rpad(hex(CASE WHEN octet_length(k) > 64 THEN unhex(sha256(k)) ELSE k END), 128, '0')",
  "CREATE MACRO trino_hmac_pad(h, x) AS unhex(array_to_string(list_transform(range(64), i -> printf('%02x', xor(CAST('0x' || substr(h, i * 2 + 1, 2) AS INTEGER), x))), ''))",
  "CREATE MACRO hmac_sha256(message, k) AS unhex(sha256(trino_hmac_pad(trino_hmac_key_hex(k), 92) || unhex(sha256(trino_hmac_pad(trino_hmac_key_hex(k), 54) || message))))",
];

/** A relation to create in a query's DuckDB: a Glue table or view, under the schema the SQL names it by. */
interface Candidate {
  schema: string;
  table: string;
  db: string;
  glue: GlueTable;
}

/** The tables a statement's parse tree names (not its WITH names): schema (maybe "") and table. */
function tableReferences(serialized: string): { schema: string; table: string }[] {
  const tree = parseDuckDbJson(serialized);
  if (isJsonNode(tree) && tree.error === true) {
    throw new AthenaQueryFailure(`SYNTAX_ERROR: ${String(tree.error_message)}`, 2, 1000);
  }
  const ctes = new Set<string>();
  for (const node of walkJson(tree)) {
    const map = node.cte_map;
    if (isJsonNode(map) && Array.isArray(map.map)) {
      for (const entry of map.map) if (isJsonNode(entry)) ctes.add(String(entry.key).toLowerCase());
    }
  }
  const refs: { schema: string; table: string }[] = [];
  for (const node of walkJson(tree)) {
    if (node.type !== "BASE_TABLE") continue;
    const schema = String(node.schema_name ?? "").toLowerCase();
    const table = String(node.table_name ?? "").toLowerCase();
    if (schema === "" && ctes.has(table)) continue;
    refs.push({ schema, table });
  }
  return refs;
}

/** A query's failure as Athena reports it: its state, reason and AthenaError. */
export class AthenaQueryFailure extends Error {
  constructor(
    message: string,
    readonly category: 1 | 2 | 3,
    readonly errorType: number,
  ) {
    super(message);
  }
}

export interface PlannedQuery {
  /** Bytes of the Parquet files the plan reads (whole files, after partition pruning). */
  scannedBytes: number;
  run(): Promise<{ columns: AthenaColumnInfo[]; rows: (string | undefined)[][] }>;
  interrupt(): void;
  close(): void;
}

/** DuckDB's type for a Hive (Glue) column type. */
export function duckDbTypeOfHive(hive: string): string {
  const t = hive.trim();
  const lower = t.toLowerCase();
  const inner = (prefix: string) => t.slice(prefix.length, -1);
  const split = (s: string) => {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < s.length; i += 1) {
      if (s[i] === "<" || s[i] === "(") depth += 1;
      else if (s[i] === ">" || s[i] === ")") depth -= 1;
      else if (s[i] === "," && depth === 0) {
        parts.push(s.slice(start, i));
        start = i + 1;
      }
    }
    parts.push(s.slice(start));
    return parts;
  };
  if (lower.startsWith("array<")) return `${duckDbTypeOfHive(inner("array<"))}[]`;
  if (lower.startsWith("map<")) {
    const [k, v] = split(inner("map<"));
    return `MAP(${duckDbTypeOfHive(k ?? "string")}, ${duckDbTypeOfHive(v ?? "string")})`;
  }
  if (lower.startsWith("struct<")) {
    const fields = split(inner("struct<")).map((f) => {
      const colon = f.indexOf(":");
      return `${sqlIdent(f.slice(0, colon).trim())} ${duckDbTypeOfHive(f.slice(colon + 1))}`;
    });
    return `STRUCT(${fields.join(", ")})`;
  }
  if (lower.startsWith("decimal")) return lower.toUpperCase();
  if (lower.startsWith("varchar") || lower.startsWith("char") || lower === "string") return "VARCHAR";
  const scalars: Record<string, string> = {
    boolean: "BOOLEAN",
    tinyint: "TINYINT",
    smallint: "SMALLINT",
    int: "INTEGER",
    integer: "INTEGER",
    bigint: "BIGINT",
    float: "FLOAT",
    double: "DOUBLE",
    date: "DATE",
    timestamp: "TIMESTAMP",
    binary: "BLOB",
  };
  const scalar = scalars[lower];
  if (!scalar) throw new AthenaQueryFailure(`HIVE_INVALID_METADATA: unsupported Hive type: ${hive}`, 2, 1000);
  return scalar;
}

/**
 * Trino's `ERROR_NAME: line L:C: message` from a DuckDB error (whose LINE/caret gives the position);
 * an unknown column is worded as Trino words it, "Column 'x' cannot be resolved".
 */
export function athenaMessageOf(err: unknown): string {
  const message = errorMessage(err);
  const location = /\n\nLINE (\d+): ([^\n]*)\n( *)\^\s*$/.exec(message);
  const said = (location ? message.slice(0, location.index) : message).replace(/\n+/g, " ").trim();
  const unknownColumn = /^Binder Error: Referenced column "?([^"\s]+)"? not found/.exec(said);
  const head = unknownColumn ? `Column '${unknownColumn[1]}' cannot be resolved` : said;
  const name = /^Binder Error/.test(said)
    ? /column/i.test(said)
      ? "COLUMN_NOT_FOUND"
      : "SEMANTIC_ERROR"
    : /^Catalog Error/.test(said)
      ? "TABLE_NOT_FOUND"
      : /^Conversion Error/.test(said)
        ? "INVALID_CAST_ARGUMENT"
        : "GENERIC_USER_ERROR";
  if (!location) return `${name}: ${head}`;
  const column = (location[3]?.length ?? 0) - `LINE ${location[1]}: `.length + 1;
  return `${name}: line ${location[1]}:${Math.max(column, 1)}: ${head}`;
}

export class AthenaQueryRunner {
  /** s3:// URI → its local copy and size. */
  private readonly files = new Map<string, Promise<{ path: string; size: number }>>();

  constructor(
    private readonly deps: { glue: GlueCatalogState; s3: S3Client; cacheDir: string; threads: number },
  ) {}

  private async localCopy(uri: string): Promise<{ path: string; size: number }> {
    let copy = this.files.get(uri);
    if (!copy) {
      copy = (async () => {
        const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
        if (!m) throw new AthenaQueryFailure(`HIVE_BAD_DATA: not an S3 URI in a manifest: ${uri}`, 2, 1001);
        await mkdir(this.deps.cacheDir, { recursive: true });
        const path = join(this.deps.cacheDir, `${createHash("sha1").update(uri).digest("hex")}.parquet`);
        let body: unknown;
        try {
          body = (await this.deps.s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }))).Body;
        } catch (err) {
          throw new AthenaQueryFailure(
            `HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${uri}: ${errorMessage(err)}`,
            2,
            1001,
          );
        }
        await pipeline(body as Readable, createWriteStream(path));
        return { path, size: (await stat(path)).size };
      })();
      this.files.set(uri, copy);
      copy.catch(() => this.files.delete(uri));
    }
    return copy;
  }

  /** The files a symlink location's manifests list (every object under it is a manifest). */
  private async manifestFiles(location: string): Promise<string[]> {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
    if (!m) throw new AthenaQueryFailure(`HIVE_METASTORE_ERROR: bad location ${location}`, 2, 1000);
    const uris: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.deps.s3.send(
        new ListObjectsV2Command({ Bucket: m[1], Prefix: m[2], ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        // A partitioned table's own location holds its partitions' folders: only direct children count.
        if (!o.Key || o.Key.slice((m[2] ?? "").length).includes("/")) continue;
        const obj = await this.deps.s3.send(new GetObjectCommand({ Bucket: m[1], Key: o.Key }));
        const text = await (obj.Body as { transformToString(): Promise<string> }).transformToString();
        uris.push(
          ...text
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean),
        );
      }
      token = page.NextContinuationToken;
    } while (token);
    return uris;
  }

  /** SELECT list for files of the table: Glue's columns cast to their types, absent ones NULL, then partition values. */
  private async groupSelect(
    connection: DuckDBConnection,
    columns: GlueColumn[],
    files: string[],
    partition: { keys: GlueColumn[]; values: string[] } | undefined,
  ): Promise<string> {
    const present = new Map<string, string>();
    if (files.length > 0) {
      const list = `[${files.map(sqlString).join(", ")}]`;
      const described = await connection.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet(${list}, union_by_name = true)`,
      );
      for (const r of described.getRowObjectsJson())
        present.set(String(r.column_name).toLowerCase(), String(r.column_name));
    }
    const select = columns.map((c) => {
      const type = duckDbTypeOfHive(c.Type ?? "string");
      const actual = present.get(c.Name.toLowerCase());
      return `CAST(${actual ? sqlIdent(actual) : "NULL"} AS ${type}) AS ${sqlIdent(c.Name)}`;
    });
    partition?.keys.forEach((k, i) => {
      const value = partition.values[i];
      const literal = value === undefined || value === NULL_PARTITION ? "NULL" : sqlString(value);
      select.push(`CAST(${literal} AS ${duckDbTypeOfHive(k.Type ?? "string")}) AS ${sqlIdent(k.Name)}`);
    });
    const from =
      files.length > 0
        ? ` FROM read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true)`
        : " WHERE false";
    return `SELECT ${select.join(", ")}${from}`;
  }

  private async viewSql(
    connection: DuckDBConnection,
    database: string,
    table: GlueTable,
    schema: string,
    sizes: Map<string, number>,
  ): Promise<string> {
    const sd = table.StorageDescriptor ?? {};
    if (sd.InputFormat !== SYMLINK_INPUT_FORMAT) {
      throw new AthenaQueryFailure(
        `HIVE_UNSUPPORTED_FORMAT: this endpoint reads symlink-manifest tables only (${table.Name})`,
        2,
        1000,
      );
    }
    const local = async (uris: string[]) => {
      const copies = await Promise.all(uris.map((u) => this.localCopy(u)));
      for (const c of copies) sizes.set(c.path, c.size);
      return copies.map((c) => c.path);
    };
    const columns = sd.Columns ?? [];
    const keys = table.PartitionKeys ?? [];
    const branches: string[] = [];
    if (keys.length === 0) {
      branches.push(
        await this.groupSelect(
          connection,
          columns,
          await local(await this.manifestFiles(sd.Location ?? "")),
          undefined,
        ),
      );
    } else {
      for (const p of this.deps.glue.partitions(database, table.Name)) {
        const files = await local(await this.manifestFiles(p.StorageDescriptor?.Location ?? ""));
        branches.push(await this.groupSelect(connection, columns, files, { keys, values: p.Values }));
      }
      if (branches.length === 0)
        branches.push(await this.groupSelect(connection, columns, [], { keys, values: [] }));
    }
    return `CREATE VIEW ${sqlIdent(schema)}.${sqlIdent(table.Name)} AS ${branches.join(" UNION ALL ")}`;
  }

  /** A fresh DuckDB for one statement, in UTC, with Trino's functions the secure views use. */
  private async open(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    const instance = await DuckDBInstance.create(":memory:", {
      threads: String(this.deps.threads),
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
    });
    try {
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      for (const macro of TRINO_MACROS) await connection.run(macro);
      return { instance, connection };
    } catch (err) {
      instance.closeSync();
      throw err;
    }
  }

  private async serialize(connection: DuckDBConnection, sql: string): Promise<string> {
    return String(
      (await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql])).getRowsJson()[0]?.[0],
    );
  }

  /** The Glue relation a name in a view's SQL reads (an unqualified one is in the view's own database). */
  private resolve(ref: { schema: string; table: string }, database: string): Candidate {
    const db = ref.schema || database.toLowerCase();
    const glue = this.deps.glue.table(db, ref.table);
    if (!glue) {
      throw new AthenaQueryFailure(
        `TABLE_NOT_FOUND: Table 'awsdatacatalog.${db}.${ref.table}' does not exist`,
        2,
        1000,
      );
    }
    return { schema: ref.schema || "main", table: glue.Name, db, glue };
  }

  /** Creates the relation in the query's DuckDB: a table over its files, or a view over what it reads. */
  private async materialize(
    connection: DuckDBConnection,
    c: Candidate,
    sizes: Map<string, number>,
    created: Set<string>,
    depth = 0,
  ): Promise<void> {
    const key = `${c.schema}.${c.table}`;
    if (created.has(key)) return;
    if (c.schema !== "main") await connection.run(`CREATE SCHEMA IF NOT EXISTS ${sqlIdent(c.schema)}`);
    const viewSql = viewSqlOf(c.glue);
    if (viewSql === undefined) {
      await connection.run(await this.viewSql(connection, c.db, c.glue, c.schema, sizes));
    } else {
      if (depth >= MAX_VIEW_DEPTH) {
        throw new AthenaQueryFailure(`VIEW_IS_RECURSIVE: View '${c.db}.${c.table}' is recursive`, 2, 1000);
      }
      for (const ref of tableReferences(await this.serialize(connection, viewSql))) {
        await this.materialize(connection, this.resolve(ref, c.db), sizes, created, depth + 1);
      }
      try {
        await connection.run(`CREATE VIEW ${sqlIdent(c.schema)}.${sqlIdent(c.table)} AS ${viewSql}`);
      } catch (err) {
        throw new AthenaQueryFailure(
          `VIEW_IS_STALE: View '${c.db}.${c.table}' is stale or in invalid state: ${athenaMessageOf(err)}`,
          2,
          1000,
        );
      }
    }
    created.add(key);
  }

  /**
   * A view's columns (names and Hive types) as CREATE VIEW over `sql` in `database` would store
   * them; fails as Athena's CREATE VIEW does when the SQL does not bind.
   */
  async describeView(sql: string, database: string): Promise<GlueColumn[]> {
    const { instance, connection } = await this.open();
    try {
      const sizes = new Map<string, number>();
      const created = new Set<string>();
      for (const ref of tableReferences(await this.serialize(connection, sql))) {
        await this.materialize(connection, this.resolve(ref, database), sizes, created, 1);
      }
      const described = await connection.runAndReadAll(`DESCRIBE ${sql}`);
      return described.getRowObjectsJson().map((r) => {
        const type = String(r.column_type);
        let hive = "string";
        try {
          hive = glueColumnType(type, String(r.column_name));
        } catch {
          // A type Glue has no name for is stored as text, as far as this stand-in goes.
        }
        return { Name: String(r.column_name).toLowerCase(), Type: hive };
      });
    } catch (err) {
      if (err instanceof AthenaQueryFailure || err instanceof AwsJsonError) throw err;
      throw new AthenaQueryFailure(athenaMessageOf(err), 2, 1000);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /**
   * Binds the query to views of the Glue tables it names (unqualified names in `database`) and works
   * out its scanned bytes; run() then computes the whole result, as Athena does before any page is read.
   */
  async plan(sql: string, database: string): Promise<PlannedQuery> {
    const { instance, connection } = await this.open();
    try {
      const serialized = await this.serialize(connection, sql);
      const candidates: Candidate[] = this.deps.glue
        .allTables()
        .flatMap(({ database: db, table }) => [
          { schema: db, table: table.Name, db, glue: table },
          ...(db === database.toLowerCase() ? [{ schema: "main", table: table.Name, db, glue: table }] : []),
        ]);
      let referenced: Set<number>;
      try {
        referenced = checkSerializedQuery(
          serialized,
          candidates.map((c) => ({ schema: c.schema, table: c.table })),
          sql,
        );
      } catch (err) {
        throw new AthenaQueryFailure(`GENERIC_USER_ERROR: ${errorMessage(err)}`, 2, 1000);
      }
      const sizes = new Map<string, number>();
      const created = new Set<string>();
      for (const i of referenced) await this.materialize(connection, candidates[i]!, sizes, created);
      let scannedBytes = 0;
      try {
        const plan = String(
          (
            await connection.runAndReadAll("SELECT json_serialize_plan($1::VARCHAR, optimize := true)", [sql])
          ).getRowsJson()[0]?.[0],
        );
        // Each scan left after the optimizer pruned partitions reads its files (a self-join twice).
        for (const m of plan.matchAll(/"files":\[([^\]]*)\]/g)) {
          for (const f of JSON.parse(`[${m[1]}]`) as string[]) scannedBytes += sizes.get(f) ?? 0;
        }
      } catch {
        scannedBytes = [...sizes.values()].reduce((n, s) => n + s, 0);
      }
      const conn = connection;
      return {
        scannedBytes,
        run: async () => {
          let reader: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>;
          try {
            reader = await conn.runAndReadAll(sql);
          } catch (err) {
            throw new AthenaQueryFailure(athenaMessageOf(err), 2, 1000);
          }
          const types = reader.columnTypes();
          const columns = reader.columnNames().map((name, i) => athenaColumnInfo(name, types[i]!));
          const rows = reader.getRows().map((row) => row.map((v, i) => athenaText(v, types[i]!)));
          return { columns, rows };
        },
        interrupt: () => conn.interrupt(),
        close: () => {
          conn.closeSync();
          instance.closeSync();
        },
      };
    } catch (err) {
      connection.closeSync();
      instance.closeSync();
      if (err instanceof AthenaQueryFailure || err instanceof AwsJsonError) throw err;
      throw new AthenaQueryFailure(athenaMessageOf(err), 2, 1000);
    }
  }
}
