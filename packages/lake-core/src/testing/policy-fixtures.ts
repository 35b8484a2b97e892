// A table with secrets for the access-policy tests: curated.people (email, card_number, ssn, region,
// a struct with a nested email) and curated.orders to join it with, written as Parquet in one of two
// versions that differ only in what the policies hide — the real emails, card numbers, the first
// digits of the SSNs and every row of the hidden region — so a query whose answer differs between
// the two has leaked something.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { TablePolicies } from "../ports/access-policy";
import type { TableBinding } from "../ports/query-engine";

export const PEOPLE_ROWS = 200;

/** Writes the tables' files under `dir` in version "a" or "b" (same paths) and returns their bindings. */
export async function writePolicyFixtures(
  dir: string,
  version: "a" | "b",
): Promise<{ people: TableBinding; orders: TableBinding }> {
  const peopleKey = "curated/people/dt=2026-01-01/part-0.parquet";
  const ordersKey = "curated/orders/dt=2026-01-01/part-0.parquet";
  await mkdir(join(dir, "curated/people/dt=2026-01-01"), { recursive: true });
  await mkdir(join(dir, "curated/orders/dt=2026-01-01"), { recursive: true });
  const salt = version === "a" ? "alpha" : "bravo";
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    await c.run(`COPY (
      SELECT range AS id,
             CASE WHEN range % 7 = 0 THEN NULL ELSE '${salt}' || range || '@example.com' END AS email,
             '${version === "a" ? "4111" : "5500"}' || lpad(CAST(range * ${version === "a" ? 37 : 91} AS VARCHAR), 12, '0') AS card_number,
             '${version === "a" ? "123" : "987"}-' || lpad(CAST(range AS VARCHAR), 4, '0') AS ssn,
             CASE WHEN range % 5 = 0 THEN 'hidden' ELSE (['eu', 'us'])[range % 2 + 1] END AS region,
             CASE WHEN range % 5 = 0 THEN range * ${version === "a" ? 3 : 11} ELSE range END AS score,
             {'email': '${salt}.nested' || range || '@example.com', 'city': 'Lyon'} AS profile
      FROM range(${PEOPLE_ROWS})
    ) TO '${join(dir, peopleKey)}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT range AS order_id, range % ${PEOPLE_ROWS} AS person_id, range * 2 AS amount FROM range(400))
      TO '${join(dir, ordersKey)}' (FORMAT parquet)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  const columns = [
    { name: "id", type: "BIGINT" },
    { name: "email", type: "VARCHAR" },
    { name: "card_number", type: "VARCHAR" },
    { name: "ssn", type: "VARCHAR" },
    { name: "region", type: "VARCHAR" },
    { name: "score", type: "BIGINT" },
    { name: "profile", type: "STRUCT(email VARCHAR, city VARCHAR)" },
  ];
  return {
    people: {
      name: "curated.people",
      tableId: "t-people",
      snapshotSeq: 1,
      files: [{ key: peopleKey, bytes: 1, rowCount: PEOPLE_ROWS }],
      columns,
    },
    orders: {
      name: "curated.orders",
      tableId: "t-orders",
      snapshotSeq: 1,
      files: [{ key: ordersKey, bytes: 1, rowCount: 400 }],
      columns: [
        { name: "order_id", type: "BIGINT" },
        { name: "person_id", type: "BIGINT" },
        { name: "amount", type: "BIGINT" },
      ],
    },
  };
}

/** The analyst's rules on curated.people: email masked, card_number denied, ssn keeps its last 4, profile masked, the hidden region filtered out. */
export function peoplePolicies(): TablePolicies {
  return {
    tableId: "t-people",
    table: "curated.people",
    denyUnruledColumns: false,
    columnRules: [
      { role: "analyst", column: "card_number", rule: { action: "deny" } },
      { role: "analyst", column: "ssn", rule: { action: "mask", mask: { style: "last", keep: 4 } } },
      { role: "analyst", column: "profile", rule: { action: "mask", mask: { style: "full" } } },
      { role: "analyst", column: "score", rule: { action: "allow" } },
    ],
    columnTags: [{ column: "email", tag: "pii" }],
    tagRules: [{ tag: "pii", role: "analyst", rule: { action: "mask", mask: { style: "full" } } }],
    defaultDenyTags: [],
    rowFilters: [{ role: "analyst", predicate: "region <> 'hidden'" }],
  };
}
