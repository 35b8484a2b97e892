import { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

function preview(table: string) {
  return `/trpc/tables.preview?input=${encodeURIComponent(JSON.stringify({ json: { table } }))}`;
}

describe("tables.preview", () => {
  it("shows a table at its current snapshot through the LakeReader, to every role", async () => {
    const catalog = new PgCatalog(s.database.db);
    const source = await catalog.findSourceBySlug("orders");
    if (!source) throw new Error("the seed has no orders source");
    await catalog.ensureCuratedTable(source, () => [
      { name: "id", type: "VARCHAR" },
      { name: "_event_time", type: "TIMESTAMPTZ" },
    ]);
    for (const role of ["analyst", "governance", "oncall", "engineer", "admin"] as const) {
      const res = await s.app.inject({
        url: preview("curated.orders"),
        headers: { authorization: `Bearer ${await s.tokenFor(role)}` },
      });
      expect(res.statusCode, role).toBe(200);
      expect(res.json().result.data.json).toMatchObject({
        table: "curated.orders",
        snapshot: 0,
        rows: [],
        columns: [
          { name: "id", type: "VARCHAR" },
          { name: "_event_time", type: "TIMESTAMP WITH TIME ZONE" },
        ],
      });
    }
  });

  it("names a table that does not exist, and refuses a malformed name", async () => {
    const headers = { authorization: `Bearer ${await s.tokenFor("analyst")}` };
    const missing = await s.app.inject({ url: preview("curated.nope"), headers });
    expect([missing.statusCode, missing.json().error.json.message]).toEqual([
      404,
      "No table named 'curated.nope'",
    ]);
    const bad = await s.app.inject({ url: preview("../etc/passwd"), headers });
    expect(bad.statusCode).toBe(400);
    expect((await s.app.inject({ url: preview("curated.orders") })).statusCode).toBe(401);
  });
});
