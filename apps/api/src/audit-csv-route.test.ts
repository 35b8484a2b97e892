// GET /v1/audit/csv against a real server and database: who may download, the filters audit.list takes,
// RFC 4180 text that reads back to the entries, and a log read in pages rather than whole.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_CSV_COLUMNS, auditCsv } from "./audit-csv-route";
import { AuditService } from "./services/audit";
import { startTestServer, type TestServer } from "./testing/test-server";
import { authHeader } from "./testing/trpc-client";

let s: TestServer;
let audit: AuditService;
const BULK = 1_203;
const AWKWARD = {
  table: "curated.orders",
  before: { note: 'a "quoted", comma\nand a new line' },
  after: null,
  reason: 'fix, then "re-check"',
};

/** RFC 4180 records read back (a reader written apart from the writer under test). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  expect(field === "" && record.length === 0, "the text ends with a whole record").toBe(true);
  return records;
}

beforeAll(async () => {
  s = await startTestServer();
  audit = new AuditService(s.database.db);
  const prisma = s.database.db.prisma;
  await prisma.auditLog.createMany({
    data: Array.from({ length: BULK }, (_, i) => ({
      at: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
      actorEmail: "bulk@example.com",
      action: "bulk.write",
      targetType: "thing",
      targetId: `t${i}`,
      details: { i },
    })),
  });
  await audit.record(
    { id: null, email: "gov@example.com" },
    { action: "policy.column.set", targetType: "column_policy", targetId: "cp1", details: AWKWARD },
    "req-1",
  );
  await audit.record(
    { id: null, email: '=HYPERLINK("http://x")@example.com' },
    { action: "auth.sign_in_failed", targetType: "user" },
    "-2+3",
  );
});
afterAll(async () => {
  await s?.close();
});

async function download(query: string, who: "governance" | "admin" | "analyst" | "engineer" = "governance") {
  return s.app.inject({ url: `/v1/audit/csv${query}`, headers: await authHeader(s, who) });
}

describe("GET /v1/audit/csv", () => {
  it("needs a session, and the governance or admin role", async () => {
    expect((await s.app.inject({ url: "/v1/audit/csv" })).statusCode).toBe(401);
    for (const who of ["analyst", "engineer"] as const) {
      const res = await download("", who);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toMatch(/admin or governance/);
    }
    const denied = await audit.list({ limit: 5, action: "access.denied" });
    expect(denied.items.map((e) => e.targetId)).toContain("GET /v1/audit/csv");
    expect((await download("", "admin")).statusCode).toBe(200);
  });

  it("streams the filtered entries as CSV, newest first, details as JSON", async () => {
    const res = await download("?actor=GOV@&table=curated.orders&action=&to=");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="audit-\d{8}T\d{6}Z\.csv"$/);
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows).toHaveLength(1);
    const [id, at, actor, action, targetType, targetId, requestId, details] = rows[0]!;
    const entry = (await audit.list({ limit: 1, actor: "gov@" })).items[0]!;
    expect([id, at, actor, action, targetType, targetId, requestId]).toEqual([
      entry.id,
      entry.at.toISOString(),
      "gov@example.com",
      "policy.column.set",
      "column_policy",
      "cp1",
      "req-1",
    ]);
    expect(JSON.parse(details!)).toEqual(AWKWARD);
  });

  it("keeps text a spreadsheet would run from running", async () => {
    const res = await download("?action=auth.sign_in_failed");
    const rows = parseCsv(res.body).slice(1);
    expect(rows.map((r) => [r[2], r[6]])).toContainEqual(['\'=HYPERLINK("http://x")@example.com', "'-2+3"]);
  });

  it("writes every matching entry, read a page at a time", async () => {
    const res = await download(`?action=bulk.write&from=${encodeURIComponent("2026-11-01T00:00:00Z")}`);
    const rows = parseCsv(res.body).slice(1);
    expect(rows).toHaveLength(BULK);
    expect(rows[0]![5]).toBe(`t${BULK - 1}`);
    expect(rows.at(-1)![5]).toBe("t0");
    expect(new Set(rows.map((r) => r[0])).size).toBe(BULK);
    // The text comes out a page (500 entries) at a time after the header.
    const chunks: string[] = [];
    for await (const chunk of auditCsv(audit, { action: "bulk.write" })) chunks.push(chunk);
    expect(chunks.map((c) => parseCsv(c).length)).toEqual([1, 500, 500, 203]);
  });

  it("refuses bad filters and unknown parameters, naming them", async () => {
    const bad = await download("?from=last%20week&table=orders");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues).toEqual([
      { path: "table", message: "must be a table name, such as curated.orders" },
      {
        path: "from",
        message: "must be an ISO 8601 date and time with its zone, such as 2026-12-05T16:00:00Z",
      },
    ]);
    const order = await download("?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z");
    expect(order.json().error.issues).toEqual([{ path: "to", message: "must be after from" }]);
    const unknown = await download("?user=bob");
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.issues).toEqual([
      { path: "user", message: "is not a filter of the audit log" },
    ]);
  });
});
