// Numbers, cursors and dates past what the catalog stores are refused as bad input naming the field,
// never answered with a 500 carrying the database's text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call } from "../testing/trpc-client";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe("inputs past the catalog's ranges", () => {
  it.each([
    ["query", "schemas.get", { slug: "orders", version: 2_147_483_648 }, "engineer", "version"],
    ["query", "schemas.diff", { slug: "orders", from: 1, to: 2_147_483_648 }, "engineer", "to"],
    ["query", "savedQueries.diff", { id: "x", from: 1, to: 99_999_999_999 }, "analyst", "to"],
    ["mutation", "savedQueries.restore", { id: "x", version: 99_999_999_999 }, "analyst", "version"],
    [
      "query",
      "replays.dryRun",
      { selection: { filter: { schemaVersion: 99_999_999_999 } } },
      "oncall",
      "selection.filter.schemaVersion",
    ],
    ["query", "audit.list", { cursor: "99999999999999999999999" }, "governance", "cursor"],
    [
      "query",
      "queries.history",
      { filters: { from: "-271821-04-20T00:00:00.000Z" }, limit: 50 },
      "analyst",
      "filters.from",
    ],
  ] as const)("%s %s: 400 naming the field", async (kind, procedure, input, role, field) => {
    const res = await call(s, kind, procedure, input, role);
    expect(res.status, res.message).toBe(400);
    expect(res.issues.map((i) => i.path)).toContain(field);
    expect(res.message).not.toMatch(/prisma|\/work\/|\.ts:/i);
  });
});
