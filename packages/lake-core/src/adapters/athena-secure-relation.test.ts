// The Athena secure relation against DuckDB's: both SELECTs run over the same rows (the Trino one on a
// DuckDB with the local endpoint's macros for Trino's to_utf8 and hmac_sha256) must give the same
// answer for each access — masks, deny, hash, row filters, several roles — and the Trino text uses
// Trino's functions (substr with a negative start, hmac_sha256 over to_utf8 with the key from_hex).
import { createHmac } from "node:crypto";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InletError } from "../errors";
import type { ColumnRule, RoleView, TableAccess } from "../ports/access-policy";
import { TRINO_MACROS } from "../testing/athena-endpoint-runner";
import { athenaSecureSelectSql, trinoText } from "./athena-secure-relation";
import { type RelationColumn, secureSelectSql } from "./duckdb-secure-relation";
import { hmacPads } from "./hmac-pads";

const KEY = Buffer.from("athena-secure-relation-test-key");

const COLUMNS: RelationColumn[] = [
  { name: "id", type: "BIGINT", absent: false },
  { name: "email", type: "VARCHAR", absent: false },
  { name: "card", type: "VARCHAR", absent: false },
  { name: "region", type: "VARCHAR", absent: false },
  { name: "score", type: "BIGINT", absent: false },
];
const HIVE: Record<string, string> = { BIGINT: "bigint", VARCHAR: "string" };
const ATHENA_COLUMNS = COLUMNS.map((c) => ({ name: c.name, type: HIVE[c.type]! }));

const allow: ColumnRule = { action: "allow" };
const deny: ColumnRule = { action: "deny" };
const hash: ColumnRule = { action: "hash" };
const full: ColumnRule = { action: "mask", mask: { style: "full" } };
const last = (keep: number): ColumnRule => ({ action: "mask", mask: { style: "last", keep } });
const fixed = (replacement: string): ColumnRule => ({
  action: "mask",
  mask: { style: "fixed", replacement },
});

function role(name: string, rowFilter: string | null, rules: Partial<Record<string, ColumnRule>>): RoleView {
  return {
    role: name,
    rowFilter,
    columns: Object.fromEntries(COLUMNS.map((c) => [c.name, rules[c.name] ?? allow])),
  };
}

let instance: DuckDBInstance;
let connection: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY id`);
  return reader.getRowObjectsJson();
}

/** Runs both renderings over table t and returns them (they must be equal). */
async function both(access: TableAccess) {
  const duck = await rows(secureSelectSql(COLUMNS, access, "t", hmacPads(KEY)));
  const athena = await rows(athenaSecureSelectSql(ATHENA_COLUMNS, access, '"t"', KEY));
  return { duck, athena };
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
  for (const macro of TRINO_MACROS) await connection.run(macro);
  await connection.run(`CREATE TABLE t AS SELECT
      range AS id,
      CASE WHEN range % 4 = 0 THEN NULL ELSE 'user' || range || '@example.com' END AS email,
      CASE WHEN range % 5 = 0 THEN NULL ELSE left(CAST(range * 7919 AS VARCHAR), CAST(range % 4 + 1 AS INTEGER)) END AS card,
      (['eu', 'us', 'apac'])[range % 3 + 1] AS region,
      CASE WHEN range % 6 = 0 THEN NULL ELSE range * 10 END AS score
    FROM range(30)`);
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

describe("athenaSecureSelectSql", () => {
  const cases: [string, TableAccess][] = [
    [
      "one role: masks, deny, hash",
      { roles: [role("analyst", null, { email: full, card: last(4), region: fixed("n/a"), score: deny })] },
    ],
    ["a hashed column", { roles: [role("analyst", null, { email: hash, card: hash, score: hash })] }],
    [
      "keeping none, one, or more characters than there are",
      { roles: [role("a", null, { card: last(0), email: last(1), region: last(9) })] },
    ],
    ["one role's row filter", { roles: [role("analyst", "region <> 'apac'", { card: deny })] }],
    [
      "two roles with filters: a row shows the least strict rule of the roles that admit it",
      {
        roles: [
          role("eu", "region = 'eu'", { email: allow, card: last(2), score: deny }),
          role("us", "region = 'us'", { email: hash, card: deny, score: allow }),
        ],
      },
    ],
    [
      "a role without a filter beside one with a filter",
      {
        roles: [
          role("oncall", "score > 100", { email: allow, card: allow }),
          role("analyst", null, { email: full, card: deny }),
        ],
      },
    ],
    [
      "two roles both denying a column: it is absent",
      {
        roles: [
          role("a", "id < 10", { card: deny }),
          role("b", "id >= 20", { card: deny, email: fixed("x") }),
        ],
      },
    ],
  ];

  for (const [what, access] of cases) {
    it(`gives DuckDB's answer: ${what}`, async () => {
      const { duck, athena } = await both(access);
      expect(duck.length).toBeGreaterThan(0);
      expect(athena).toEqual(duck);
    });
  }

  it("leaves a column every role denies out, and filters rows by the OR of the roles' filters", async () => {
    const access: TableAccess = {
      roles: [role("a", "region = 'eu'", { card: deny }), role("b", "region = 'us'", { card: deny })],
    };
    const { athena } = await both(access);
    expect(Object.keys(athena[0]!)).toEqual(["id", "email", "region", "score"]);
    expect(new Set(athena.map((r) => r.region))).toEqual(new Set(["eu", "us"]));
    const sql = athenaSecureSelectSql(ATHENA_COLUMNS, access, '"db"."raw"', KEY);
    expect(sql).not.toContain('"card"');
    expect(sql).toMatch(/ FROM "db"\."raw" WHERE \(region = 'eu'\) OR \(region = 'us'\)$/);
  });

  it("hashes with Trino's hmac_sha256 keyed from_hex(key): equal to Node's HMAC-SHA-256, NULL stays NULL", async () => {
    const access: TableAccess = { roles: [role("analyst", null, { email: hash })] };
    const sql = athenaSecureSelectSql(ATHENA_COLUMNS, access, '"t"', KEY);
    expect(sql).toContain(
      `lower(to_hex(hmac_sha256(to_utf8(CAST("email" AS varchar)), from_hex('${KEY.toString("hex")}'))))`,
    );
    const { athena } = await both(access);
    for (const r of athena) {
      const id = Number(r.id);
      const plain = id % 4 === 0 ? null : `user${id}@example.com`;
      expect(r.email).toBe(plain === null ? null : createHmac("sha256", KEY).update(plain).digest("hex"));
    }
  });

  it("writes Trino's functions, none of DuckDB's own", () => {
    const sql = athenaSecureSelectSql(
      ATHENA_COLUMNS,
      {
        roles: [
          role("a", "region = 'eu'", { email: hash, card: last(4), region: fixed("it's"), score: full }),
          role("b", "region = 'us'", { card: deny, email: allow }),
        ],
      },
      '"db"."raw"',
      KEY,
    );
    expect(sql).toContain(`'****' || substr(CAST("card" AS varchar), -4)`);
    expect(sql).toContain("'it''s'");
    expect(sql).not.toMatch(/\b(right|unhex|encode|sha256)\(/);
    expect(sql).not.toContain("::");
  });

  it("shows a complex or binary value as Trino can make text of it", () => {
    expect(trinoText('"profile"', "struct<email:string,city:string>")).toBe(
      'json_format(CAST("profile" AS JSON))',
    );
    expect(trinoText('"tags"', "array<string>")).toBe('json_format(CAST("tags" AS JSON))');
    expect(trinoText('"raw"', "binary")).toBe('lower(to_hex("raw"))');
    expect(trinoText('"n"', "bigint")).toBe('CAST("n" AS varchar)');
  });

  it("matches rules to Glue's lower-case column names whatever their case in the access", () => {
    const access: TableAccess = {
      roles: [{ role: "a", rowFilter: null, columns: { ID: allow, Email: full, CARD: deny } }],
    };
    const sql = athenaSecureSelectSql(
      [
        { name: "id", type: "bigint" },
        { name: "email", type: "string" },
        { name: "card", type: "string" },
        // No rule at all: denied, as on DuckDB.
        { name: "other", type: "string" },
      ],
      access,
      '"raw"',
      undefined,
    );
    expect(sql).toBe(
      `SELECT "id" AS "id", CASE WHEN "email" IS NULL THEN NULL ELSE '****' END AS "email" FROM "raw"`,
    );
  });

  it("refuses a hash rule without a key, and a table whose every column is hidden", () => {
    expect(() =>
      athenaSecureSelectSql(ATHENA_COLUMNS, { roles: [role("a", null, { email: hash })] }, '"t"', undefined),
    ).toThrow(/no policy hash key/);
    const none = { roles: [{ role: "", rowFilter: "false", columns: {} }] };
    const err = (() => {
      try {
        athenaSecureSelectSql(ATHENA_COLUMNS, none, '"t"', KEY);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InletError);
    expect((err as InletError).code).toBe("FORBIDDEN");
  });
});
