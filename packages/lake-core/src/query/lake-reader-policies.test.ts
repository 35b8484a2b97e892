// Every read path of LakeReader applies the reader's column rules and row filters: SQL, previews,
// latest events, one event, dead letters' payloads — and a hash computed in SQL equals the one a
// payload gets, so hashed values still match across paths.
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { AccessPolicySource, TablePolicies } from "../ports/access-policy";
import { processBatches } from "../process/process-batches";
import { MemoryQueryHistory } from "../testing/memory-query-history";
import { createTestSource, enqueueRawBatch, type TestSource } from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { LakeReader, type Reader } from "./lake-reader";

const KEY = Buffer.from("policy-test-key-0123456789");
let bed: PipelineTestBed;
let engine: DuckDbQueryEngine;
let lake: LakeReader;
let history: MemoryQueryHistory;
let table: string;
let source: TestSource;
let rules: TablePolicies;
const analyst: Reader = { userId: "u1", roles: ["analyst"] };
const admin: Reader = { userId: "u2", roles: ["admin"] };
const both: Reader = { userId: "u3", roles: ["analyst", "oncall"] };

const policies: AccessPolicySource = {
  async tablePolicies(ids) {
    return new Map(ids.filter((id) => id === rules.tableId).map((id) => [id, rules]));
  },
};

beforeAll(async () => {
  bed = await startPipelineTestBed("lake-reader-policies");
  engine = createDuckDbEngine({ store: bed.store, threads: 1, policyHashKey: KEY });
  history = new MemoryQueryHistory();
  lake = new LakeReader({ catalog: bed.catalog, engine, history, policies, policyHashKey: KEY });
  const src = await createTestSource(bed.t.db, {
    schema: {
      type: "object",
      required: ["id", "created_at"],
      properties: {
        id: { type: "string" },
        amount: { type: "number" },
        email: { type: "string" },
        created_at: { type: "string", format: "date-time" },
      },
    },
  });
  const lines = ["ann@example.com", "bob@example.com", "cy@example.com"].map((email, i) =>
    JSON.stringify({ id: `o${i}`, amount: 10 + i, email, created_at: "2024-05-01T10:00:00Z" }),
  );
  source = src;
  await enqueueRawBatch(bed, src, lines);
  await processBatches(
    { ...bed, tmpDir: join(bed.dir, "tmp") },
    await bed.queue.receive(BATCHES_QUEUE, { max: 10 }),
  );
  table = `curated.${src.slug}`;
  const view = await bed.catalog.tableSnapshot(table);
  rules = {
    tableId: view!.tableId,
    table,
    denyUnruledColumns: false,
    columnRules: [
      { role: "analyst", column: "amount", rule: { action: "deny" } },
      { role: "oncall", column: "email", rule: { action: "hash" } },
    ],
    columnTags: [{ column: "email", tag: "pii" }],
    tagRules: [{ tag: "pii", role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 11 } } }],
    defaultDenyTags: [],
    rowFilters: [{ role: "analyst", predicate: "id <> 'o2'" }],
  };
});
afterAll(async () => {
  await engine?.close();
  await bed?.close();
});

describe("LakeReader under access policies", () => {
  it("runs SQL against the reader's secure relation and records the rules it applied", async () => {
    const res = await lake.runQuery(analyst, { sql: `SELECT * FROM ${table} ORDER BY id` });
    expect(res.rows.map((r) => r.email)).toEqual(["****example.com", "****example.com"]);
    expect(res.columns.map((c) => c.name)).not.toContain("amount");
    expect(res.tables[0]?.policy).toEqual({
      columns: { amount: "deny", email: "mask (keep last 11)" },
      rowFilter: "(id <> 'o2')",
    });
    // History (and the audit log, which the API writes from it) keeps the columns each table was read for.
    const recorded = history.runs.find((r) => r.id === res.runId);
    expect(recorded?.tables?.[0]?.columns).toEqual(expect.arrayContaining(["email", "id"]));
    await expect(lake.runQuery(analyst, { sql: `SELECT amount FROM ${table}` })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Column amount of"),
    });
    const open = await lake.runQuery(admin, { sql: `SELECT email FROM ${table} ORDER BY id` });
    expect(open.rows.map((r) => r.email)).toEqual(["ann@example.com", "bob@example.com", "cy@example.com"]);
  });

  it("estimates as the reader sees the table: a hidden column is named as hidden", async () => {
    await expect(lake.estimate(analyst, { sql: `SELECT sum(amount) FROM ${table}` })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("applies the same rules to previews, latest events and one event", async () => {
    const preview = await lake.previewTable(analyst, table);
    expect(preview.rows).toHaveLength(2);
    expect(preview.rows.every((r) => String(r.email).startsWith("****") && !("amount" in r))).toBe(true);
    const latest = await lake.latestEvents(analyst, table);
    expect(latest.rows.map((r) => r.email).sort()).toEqual(["****example.com", "****example.com"]);
    const one = await lake.recentEvent(analyst, table, "o0");
    expect(one.row?.email).toBe("****example.com");
    expect(await lake.recentEvent(analyst, table, "o2").then((r) => r.row)).toBeUndefined();
    // A draft previewed before it is saved replaces the stored rules for that read only.
    const draft = await lake.previewTable(analyst, table, 100, {
      policies: { ...rules, columnRules: [], tagRules: [], rowFilters: [] },
    });
    expect(draft.rows).toHaveLength(3);
  });

  it("combines several roles row by row: the least strict rule among roles whose filter admits the row", async () => {
    const res = await lake.runQuery(both, { sql: `SELECT id, email, amount FROM ${table} ORDER BY id` });
    const hmac = (v: string) => createHmac("sha256", KEY).update(v).digest("hex");
    // oncall (no filter) hashes email and sees amount; analyst masks email keeping 11 characters (less
    // strict than a hash) where its filter admits the row: o0 and o1 masked, o2 only oncall's hash.
    expect(res.rows).toHaveLength(3);
    expect(res.rows.map((r) => Number(r.amount))).toEqual([10, 11, 12]);
    expect(res.rows[2]?.email).toBe(hmac("cy@example.com"));
    expect(res.rows[0]?.email).toBe("****example.com");
  });

  it("hashes in SQL exactly as HMAC-SHA-256 with the key, so hashed values join across paths", async () => {
    const oncall: Reader = { userId: "u4", roles: ["oncall"] };
    const res = await lake.runQuery(oncall, { sql: `SELECT email FROM ${table} ORDER BY id` });
    expect(res.rows[0]?.email).toBe(createHmac("sha256", KEY).update("ann@example.com").digest("hex"));
  });
  // Last: it adds a row to the table.
  it("estimates without pruning on a masked column's real values, so an estimate is no oracle", async () => {
    // A second flush: the table's two files hold the emails ann…cy and zed@example.com.
    await enqueueRawBatch(bed, source, [
      JSON.stringify({ id: "o9", amount: 1, email: "zed@example.com", created_at: "2024-05-01T11:00:00Z" }),
    ]);
    await processBatches(
      { ...bed, tmpDir: join(bed.dir, "tmp") },
      await bed.queue.receive(BATCHES_QUEUE, { max: 10 }),
    );
    const sql = `SELECT id FROM ${table} WHERE email = 'zed@example.com'`;
    const files = async (reader: Reader) => {
      const [t] = (await lake.estimate(reader, { sql })).tables;
      return [t!.filesRead, t!.filesTotal];
    };
    // Unrestricted, the footers' min and max leave out the file of ann…cy.
    expect(await files(admin)).toEqual([1, 2]);
    // The analyst sees emails masked: what the footers hold of them must not decide what is read.
    expect(await files(analyst)).toEqual([2, 2]);
    const below = await lake.estimate(analyst, { sql: `SELECT id FROM ${table} WHERE email < 'd'` });
    expect(below.tables[0]!.filesRead).toBe(2);
    // The run itself answers as the analyst sees the column: no row's masked email is that address.
    expect((await lake.runQuery(analyst, { sql })).rows).toEqual([]);
  });
});
