import { describe, expect, it } from "vitest";
import { curatedColumns } from "./schema-columns";
import { diffSchemas } from "./schema-diff";
import { changedColumns, downstreamImpact, mentionsColumn, referencesTable } from "./schema-impact";

const v1 = {
  type: "object",
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    customer: { type: "object", properties: { email: { type: "string" } } },
    note: { type: "string" },
  },
  required: ["id", "amount"],
};
const v2 = {
  type: "object",
  properties: {
    id: { type: "string" },
    amount: { type: "integer" },
    customer: { type: "object", properties: { email: { type: "string", format: "email" } } },
    coupon: { type: "string" },
  },
  required: ["id", "amount"],
};
const columns = curatedColumns(v1);
const none = { analyticsTables: [], columnPolicies: [], rowFilters: [] };

describe("downstream impact of a schema change", () => {
  it("recognises the table however its name is quoted, and no other table", () => {
    for (const sql of [
      "select * from curated.orders",
      'SELECT * FROM "curated"."orders" o',
      'select * from CURATED . "orders"',
      "select * from curated.orders;",
    ]) {
      expect(referencesTable(sql, "curated.orders"), sql).toBe(true);
    }
    for (const sql of ["select * from curated.orders_v2", 'select * from curated."orders-old"', "select 1"]) {
      expect(referencesTable(sql, "curated.orders"), sql).toBe(false);
    }
    expect(referencesTable('select * from curated."web-orders"', "curated.web-orders")).toBe(true);
  });

  it("finds a column as a whole word only", () => {
    expect(mentionsColumn("select sum(amount) from t", "amount")).toBe(true);
    expect(mentionsColumn('select "Amount" from t', "amount")).toBe(true);
    expect(mentionsColumn("select amount_usd from t", "amount")).toBe(false);
    expect(mentionsColumn("select t.amount from t", "amount")).toBe(true);
  });

  it("lists the changed and removed columns, not the added ones", () => {
    const found = changedColumns(diffSchemas(v1, v2), columns);
    expect(found.map((c) => [c.column, c.changes.map((x) => x.kind)])).toEqual([
      ["amount", ["retyped"]],
      ["customer", ["format"]],
      ["note", ["removed"]],
    ]);
  });

  it("names each saved query, analytics table and policy reading a changed column", () => {
    const impact = downstreamImpact({
      tableName: "curated.orders",
      changes: diffSchemas(v1, v2),
      columns,
      savedQueries: [
        { id: "q1", name: "Revenue", sql: "SELECT sum(amount) FROM curated.orders", owner: "a@x" },
        { id: "q2", name: "Other table", sql: "SELECT sum(amount) FROM curated.refunds", owner: null },
        { id: "q3", name: "Notes", sql: 'SELECT "note" FROM curated."orders"', owner: null },
      ],
      dependents: {
        analyticsTables: [
          {
            name: "analytics.revenue",
            definition: "SELECT date_trunc('day', dt), sum(amount) FROM curated.orders",
          },
          { name: "analytics.orders_v2", definition: "SELECT amount FROM curated.orders_v2" },
        ],
        columnPolicies: [
          { role: "analyst", column: "customer", action: "mask" },
          { role: "analyst", column: "id", action: "allow" },
        ],
        rowFilters: [{ role: "analyst", predicate: "amount < 1000" }],
      },
    });
    expect(impact).toEqual([
      {
        column: "amount",
        changes: ["type changed from number to integer"],
        removed: false,
        savedQueries: [{ id: "q1", name: "Revenue", owner: "a@x" }],
        analyticsTables: [{ name: "analytics.revenue" }],
        columnPolicies: [],
        rowFilters: [{ role: "analyst", predicate: "amount < 1000" }],
      },
      {
        column: "customer",
        changes: ['customer.email: format "email" added'],
        removed: false,
        savedQueries: [],
        analyticsTables: [],
        columnPolicies: [{ role: "analyst", action: "mask" }],
        rowFilters: [],
      },
      {
        column: "note",
        changes: ["removed, was optional (string)"],
        removed: true,
        savedQueries: [{ id: "q3", name: "Notes", owner: null }],
        analyticsTables: [],
        columnPolicies: [],
        rowFilters: [],
      },
    ]);
  });

  it("is empty when nothing reads the table, and when only columns are added", () => {
    const changes = diffSchemas(v1, v2);
    const impact = downstreamImpact({
      tableName: "curated.orders",
      changes,
      columns,
      savedQueries: [],
      dependents: none,
    });
    expect(impact.every((c) => c.savedQueries.length + c.analyticsTables.length === 0)).toBe(true);
    const onlyAdded = { ...v1, properties: { ...v1.properties, coupon: { type: "string" } } };
    expect(
      downstreamImpact({
        tableName: "curated.orders",
        changes: diffSchemas(v1, onlyAdded),
        columns,
        savedQueries: [],
        dependents: none,
      }),
    ).toEqual([]);
  });
});
