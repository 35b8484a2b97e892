// Analytics tables under access policies: a refresh reads the inputs as the table's creator may see
// them (masked columns materialized masked, filtered rows left out; a table without a creator fails,
// saying why), and a reader of the table is held to its inputs' rules on the columns computed from them.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import { type AccessPolicySource, MASKED, type TablePolicies } from "../ports/access-policy";
import { resolveColumnRule } from "../query/access-rules";
import { bindingOf } from "../query/lake-reader";
import { createTestSource, type TestSource } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { planDefinition } from "./analytics-definition";
import { inheritingAnalyticsPolicies } from "./analytics-policies";
import { type AnalyticsRefreshDeps, refreshAnalyticsTable } from "./refresh-analytics";

const bed = usePipelineTestBed("refresh-analytics-policies");
let engine: DuckDbQueryEngine;
let src: TestSource;
let input: string;
let rules: TablePolicies;

const ROLES: Record<string, string[]> = { "u-analyst": ["analyst"], "u-admin": ["admin"], "u-none": [] };

function event(id: string, day: number, email: string): string {
  return JSON.stringify({ id, email, amount: 1, created_at: `2024-05-0${day}T10:00:00Z` });
}

function deps(): AnalyticsRefreshDeps {
  return {
    catalog: bed.catalog,
    store: bed.store,
    engine,
    tmpDir: join(bed.dir, "tmp"),
    policies: {
      async tablePolicies(ids) {
        return new Map(ids.filter((id) => id === rules.tableId).map((id) => [id, rules]));
      },
    },
    rolesOf: async (id) => ROLES[id] ?? [],
  };
}

async function define(name: string, sql: string, createdById: string | undefined) {
  const plan = await planDefinition(bed.catalog, sql);
  await bed.catalog.transaction((tx) =>
    tx.createAnalyticsTable({
      name,
      definition: sql,
      inputs: plan.views.map((v) => v.name),
      columns: [],
      partitionBy: [],
      refreshMode: "on_commit",
      createdById,
    }),
  );
}

async function rowsOf(name: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const view = await bed.catalog.tableSnapshot(name);
  if (!view || view.files.length === 0) return [];
  const result = await engine.query({
    sql: `SELECT * FROM ${name} ORDER BY ${orderBy}`,
    tables: [bindingOf(view)],
    maxRows: 1000,
  });
  return result.rows;
}

beforeAll(async () => {
  engine = createDuckDbEngine({ store: bed.store, threads: 1, idleInstances: 0 });
  src = await createTestSource(bed.t.db, {
    schema: {
      type: "object",
      required: ["id", "created_at"],
      properties: {
        id: { type: "string" },
        email: { type: "string" },
        amount: { type: "number" },
        created_at: { type: "string", format: "date-time" },
      },
    },
  });
  input = `curated.${src.slug}`;
  await commitBatchesOneByOne(bed, src, [
    [event("o1", 1, "Ann@Example.com"), event("o2", 1, "bob@example.com"), event("o3", 2, "cy@example.com")],
  ]);
  const view = await bed.catalog.tableSnapshot(input);
  rules = {
    tableId: view!.tableId,
    table: input,
    denyUnruledColumns: false,
    columnRules: [],
    columnTags: [{ column: "email", tag: "pii" }],
    tagRules: [{ tag: "pii", role: "analyst", rule: { action: "mask", mask: { style: "full" } } }],
    defaultDenyTags: [],
    rowFilters: [{ role: "analyst", predicate: "id <> 'o2'" }],
  };
});
afterAll(async () => {
  await engine?.close();
});

describe("refreshing an analytics table as its creator", () => {
  it("materializes what the creator sees: a masked column masked, a filtered row left out", async () => {
    const sql = `SELECT id, lower(email) AS e FROM ${input}`;
    await define("analytics.by_analyst", sql, "u-analyst");
    await define("analytics.by_admin", sql, "u-admin");

    expect(await refreshAnalyticsTable(deps(), "analytics.by_analyst")).toMatchObject({
      status: "refreshed",
    });
    expect(await rowsOf("analytics.by_analyst", "id")).toEqual([
      { id: "o1", e: MASKED.toLowerCase() },
      { id: "o3", e: MASKED.toLowerCase() },
    ]);

    expect(await refreshAnalyticsTable(deps(), "analytics.by_admin")).toMatchObject({ status: "refreshed" });
    expect(await rowsOf("analytics.by_admin", "id")).toEqual([
      { id: "o1", e: "ann@example.com" },
      { id: "o2", e: "bob@example.com" },
      { id: "o3", e: "cy@example.com" },
    ]);
  });

  it("reads the changed partitions of an incremental refresh as the creator too", async () => {
    await define("analytics.daily_emails", `SELECT dt, id, email FROM ${input}`, "u-analyst");
    expect(await refreshAnalyticsTable(deps(), "analytics.daily_emails")).toMatchObject({
      status: "refreshed",
      mode: "full",
    });
    await commitBatchesOneByOne(bed, src, [[event("o4", 3, "dee@example.com")]]);
    expect(await refreshAnalyticsTable(deps(), "analytics.daily_emails")).toMatchObject({
      status: "refreshed",
      mode: "incremental",
      partitions: ["dt=2024-05-03"],
    });
    const rows = await rowsOf("analytics.daily_emails", "id");
    expect(rows.map((r) => r.id)).toEqual(["o1", "o3", "o4"]);
    expect(rows.every((r) => r.email === MASKED)).toBe(true);
  });

  it("fails a table without a creator, saying so on the table, when an input has policies", async () => {
    await define("analytics.orphan", `SELECT count(*) AS n FROM ${input}`, undefined);
    const outcome = await refreshAnalyticsTable(deps(), "analytics.orphan");
    expect(outcome).toMatchObject({ status: "failed" });
    const error = outcome.status === "failed" ? outcome.error : "";
    expect(error).toMatch(/no recorded creator/);
    expect(error).toContain(input);
    const table = await bed.catalog.getAnalyticsTable("analytics.orphan");
    expect(table).toMatchObject({ currentSeq: 0, lastRefreshError: error });

    // A creator whose roles are gone is refused the same way.
    await define("analytics.roleless", `SELECT count(*) AS n FROM ${input}`, "u-none");
    const roleless = await refreshAnalyticsTable(deps(), "analytics.roleless");
    expect(roleless.status === "failed" && roleless.error).toMatch(/creator has no role/);
  });

  it("says a column the creator may not see is hidden from the creator", async () => {
    const saved = rules;
    rules = { ...rules, columnRules: [{ role: "analyst", column: "email", rule: { action: "deny" } }] };
    try {
      await define("analytics.denied", `SELECT email FROM ${input}`, "u-analyst");
      const outcome = await refreshAnalyticsTable(deps(), "analytics.denied");
      expect(outcome.status === "failed" && outcome.error).toMatch(
        /Column email of .* is hidden from the table's creator/,
      );
    } finally {
      rules = saved;
    }
  });

  it("reads inputs whole when no policies are given", async () => {
    await define("analytics.open", `SELECT count(*) AS n FROM ${input}`, undefined);
    const { policies: _p, rolesOf: _r, ...open } = deps();
    expect(await refreshAnalyticsTable(open, "analytics.open")).toMatchObject({ status: "refreshed" });
    expect(await rowsOf("analytics.open", "n")).toEqual([{ n: "4" }]);
  });
});

describe("reading an analytics table under its inputs' rules", () => {
  /** Stored policies: the input's rules, and an empty entry for any other table asked for. */
  async function stored(extra: Record<string, Partial<TablePolicies>> = {}): Promise<AccessPolicySource> {
    return {
      async tablePolicies(ids) {
        const out = new Map<string, TablePolicies>();
        for (const id of ids) {
          if (id === rules.tableId) out.set(id, rules);
          const name = [...names].find(([, tableId]) => tableId === id)?.[0];
          if (name && id !== rules.tableId) {
            out.set(id, {
              ...rules,
              tableId: id,
              table: name,
              columnRules: [],
              columnTags: [],
              tagRules: [],
              rowFilters: [],
              ...extra[name],
            });
          }
        }
        return out;
      },
    };
  }
  const names = new Map<string, string>();

  async function defineAndRefresh(name: string, sql: string) {
    await define(name, sql, "u-admin");
    expect(await refreshAnalyticsTable(deps(), name)).toMatchObject({ status: "refreshed" });
    names.set(name, (await bed.catalog.tableSnapshot(name))!.tableId);
  }

  it("holds each column to the rules of the input columns it is computed from, through tables over tables", async () => {
    await defineAndRefresh(
      "analytics.per_email",
      `SELECT lower(email) AS e, count(*) AS n, max(id) AS last_id FROM ${input} GROUP BY e`,
    );
    await defineAndRefresh("analytics.per_email_again", "SELECT e AS who, n FROM analytics.per_email");
    const source = inheritingAnalyticsPolicies(await stored(), bed.catalog);
    const got = await source.tablePolicies([
      names.get("analytics.per_email")!,
      names.get("analytics.per_email_again")!,
    ]);
    const first = got.get(names.get("analytics.per_email")!)!;
    expect(resolveColumnRule(first, "analyst", "e")).toMatchObject({
      rule: { action: "mask" },
      origin: { kind: "tag", tag: "pii" },
    });
    expect(resolveColumnRule(first, "analyst", "n").rule).toEqual({ action: "allow" });
    expect(resolveColumnRule(first, "analyst", "last_id").rule).toEqual({ action: "allow" });
    // The input's filter holds the analyst: none of the analytics table's rows until governance sets one.
    expect(first.rowFilters).toEqual([{ role: "analyst", predicate: "false" }]);
    const second = got.get(names.get("analytics.per_email_again")!)!;
    expect(resolveColumnRule(second, "analyst", "who").rule).toMatchObject({ action: "mask" });
    expect(resolveColumnRule(second, "analyst", "n").rule).toEqual({ action: "allow" });
  });

  it("keeps the analytics table's own rules, the strictest winning", async () => {
    const source = inheritingAnalyticsPolicies(
      await stored({
        "analytics.per_email": {
          columnRules: [
            { role: "analyst", column: "e", rule: { action: "allow" } },
            { role: "analyst", column: "n", rule: { action: "deny" } },
          ],
        },
      }),
      bed.catalog,
    );
    const got = (await source.tablePolicies([names.get("analytics.per_email")!])).get(
      names.get("analytics.per_email")!,
    )!;
    expect(resolveColumnRule(got, "analyst", "e").rule).toMatchObject({ action: "mask" });
    expect(resolveColumnRule(got, "analyst", "n").rule).toEqual({ action: "deny" });
  });
});
