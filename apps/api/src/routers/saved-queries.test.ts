import { hashPassword } from "@inlet/db";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TEST_SECRET, type TestServer } from "../testing/test-server";

let s: TestServer;
/** A second analyst, to see what is shared and what is not. */
let otherAnalyst: string;

beforeAll(async () => {
  s = await startTestServer();
  const user = await s.database.db.prisma.user.create({
    data: {
      email: "second-analyst@inlet.local",
      name: "Second Analyst",
      roles: ["analyst"],
      passwordHash: await hashPassword("irrelevant-password"),
    },
  });
  otherAnalyst = await encode({
    token: { sub: user.id, email: user.email, name: user.name, roles: user.roles },
    secret: TEST_SECRET,
  });
});
afterAll(async () => {
  await s?.close();
});

type Who = "analyst" | "engineer" | "admin" | "governance" | "other-analyst";

async function auth(who: Who) {
  const token = who === "other-analyst" ? otherAnalyst : await s.tokenFor(who);
  return { authorization: `Bearer ${token}` };
}

async function mutate(procedure: string, input: unknown, who: Who = "analyst") {
  const res = await s.app.inject({
    method: "POST",
    url: `/trpc/savedQueries.${procedure}`,
    headers: { ...(await auth(who)), "content-type": "application/json" },
    payload: { json: input },
  });
  return { status: res.statusCode, body: res.json() };
}

async function query(procedure: string, input: unknown, who: Who = "analyst") {
  const res = await s.app.inject({
    url: `/trpc/savedQueries.${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
    headers: await auth(who),
  });
  return { status: res.statusCode, body: res.json() };
}

function ok(res: { status: number; body: { result?: { data: { json: unknown } } } }) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the answer's fields as it asserts them
  return res.body.result?.data.json as any;
}

function issues(res: { body: { error?: { json: { data: { issues?: unknown } } } } }) {
  return res.body.error?.json.data.issues;
}

const daily = {
  name: "Orders per day",
  description: "Orders and revenue for one day",
  folder: "finance / daily/",
  sql: "SELECT count(*) AS orders FROM curated.orders WHERE CAST(time AS DATE) = {{day}}",
  parameters: [{ name: "day", type: "date", default: "2024-05-01" }],
  chart: { type: "bar", x: "day", y: ["orders"] },
  sharedWithRoles: [],
};

async function auditRows(action: string, targetId: string) {
  return s.database.db.prisma.auditLog.findMany({ where: { action, targetId } });
}

describe("saved queries", () => {
  it("saves a query with a {{day}} parameter as version 1, in a normalized folder, audited", async () => {
    const saved = ok(await mutate("create", daily));
    expect(saved).toMatchObject({
      name: "Orders per day",
      folder: "finance/daily",
      version: 1,
      parameters: [{ name: "day", type: "date", default: "2024-05-01" }],
      chart: { type: "bar", x: "day", y: ["orders"] },
      mine: true,
      canEdit: true,
      owner: { email: "analyst@inlet.local" },
    });
    expect(saved.versions).toEqual([
      expect.objectContaining({ version: 1, createdBy: "analyst@inlet.local" }),
    ]);
    expect(await auditRows("saved_query.create", saved.id)).toHaveLength(1);

    const opened = ok(await query("get", { id: saved.id }));
    expect(opened.sql).toBe(daily.sql);
  });

  it("refuses a name the owner already uses in that folder with a 409 naming 'name'", async () => {
    const res = await mutate("create", { ...daily, folder: "finance/daily" });
    expect(res.status).toBe(409);
    expect(issues(res)).toEqual([
      {
        path: "name",
        message: "The owner already has a saved query named 'Orders per day' in folder 'finance/daily'",
      },
    ]);
    // Another folder, or another owner, may use the name.
    ok(await mutate("create", { ...daily, folder: "finance/weekly" }));
    ok(await mutate("create", daily, "engineer"));
  });

  it("refuses the second of two saves racing for one name with the same 409", async () => {
    const both = await Promise.all([
      mutate("create", { ...daily, name: "racing", folder: "" }),
      mutate("create", { ...daily, name: "racing", folder: "" }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(issues(both.find((r) => r.status === 409)!)).toEqual([
      { path: "name", message: expect.any(String) },
    ]);
  });

  it("refuses parameters that do not match the SQL's placeholders, naming the field", async () => {
    const undeclared = await mutate("create", { ...daily, name: "undeclared", parameters: [] });
    expect(undeclared.status).toBe(400);
    expect(issues(undeclared)).toEqual([{ path: "parameters", message: expect.stringContaining("{{day}}") }]);

    const unused = await mutate("create", {
      ...daily,
      name: "unused",
      parameters: [...daily.parameters, { name: "region", type: "text" }],
    });
    expect(unused.status).toBe(400);
    expect(issues(unused)).toEqual([
      {
        path: "parameters.1.name",
        message: "Parameter 'region' is declared but the SQL never uses {{region}}",
      },
    ]);

    const badType = await mutate("create", {
      ...daily,
      name: "bad type",
      parameters: [{ name: "day", type: "timestamp" }],
    });
    expect(badType.status).toBe(400);
    expect(JSON.stringify(issues(badType))).toContain("parameters.0.type");
  });

  it("keeps every save as a version, compares two, and restores one as a new version", async () => {
    const created = ok(await mutate("create", { ...daily, name: "versioned", folder: "" }));
    const edited = `${daily.sql}\nLIMIT 10`;
    const v2 = ok(
      await mutate("update", {
        ...daily,
        id: created.id,
        name: "versioned",
        folder: "",
        sql: edited,
        chart: null,
      }),
    );
    expect(v2).toMatchObject({ version: 2, sql: edited, chart: null });
    expect(v2.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const diff = ok(await query("diff", { id: created.id, from: 1, to: 2 }));
    expect(diff.sqlChanged).toBe(true);
    expect(diff.sql).toContainEqual({ kind: "added", text: "LIMIT 10", toLine: 2 });
    expect(diff.fields).toEqual([{ field: "chart", from: daily.chart, to: null }]);

    const restored = ok(await mutate("restore", { id: created.id, version: 1 }));
    expect(restored).toMatchObject({ version: 3, sql: daily.sql, chart: daily.chart });
    expect(ok(await query("versions", { id: created.id })).versions).toHaveLength(3);
    expect(await auditRows("saved_query.update", created.id)).toHaveLength(1);
    expect(await auditRows("saved_query.restore", created.id)).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ restored: 1, version: 3 }) }),
    ]);

    const missing = await mutate("restore", { id: created.id, version: 9 });
    expect(missing.status).toBe(404);
  });

  it("keeps a private query to its owner; shared roles open it but only the owner or an admin change it", async () => {
    const own = ok(await mutate("create", { ...daily, name: "private one", folder: "" }));
    expect((await query("get", { id: own.id }, "other-analyst")).status).toBe(404);
    const othersList = ok(await query("list", {}, "other-analyst"));
    expect(othersList.items.map((i: { id: string }) => i.id)).not.toContain(own.id);

    const shared = ok(
      await mutate("update", {
        ...daily,
        id: own.id,
        name: "private one",
        folder: "",
        sharedWithRoles: ["analyst"],
      }),
    );
    const opened = ok(await query("get", { id: own.id }, "other-analyst"));
    expect(opened).toMatchObject({ mine: false, canEdit: false, sharedWithRoles: ["analyst"] });
    const listed = ok(await query("list", {}, "other-analyst"));
    expect(listed.items).toContainEqual(expect.objectContaining({ id: own.id, mine: false, canEdit: false }));

    const refused = await mutate(
      "update",
      { ...daily, id: own.id, name: "hijacked", folder: "" },
      "other-analyst",
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.json.message).toContain("analyst@inlet.local");
    expect((await mutate("delete", { id: own.id }, "other-analyst")).status).toBe(403);
    // Each refusal is in the audit log, as a role's refusal is.
    const denied = await auditRows("access.denied", own.id);
    expect(denied).toHaveLength(2);
    expect(denied[0]!.details).toMatchObject({ name: "private one" });

    // An admin sees every saved query and may change any.
    expect(ok(await query("list", {}, "admin")).items.length).toBeGreaterThan(shared.versions.length);
    ok(
      await mutate(
        "update",
        { ...daily, id: own.id, name: "private one", folder: "", description: "fixed" },
        "admin",
      ),
    );
  });

  it("lists by folder (with its subfolders) and by text", async () => {
    ok(
      await mutate("create", {
        ...daily,
        name: "Top customers",
        folder: "sales",
        parameters: [],
        sql: "SELECT 1",
      }),
    );
    const finance = ok(await query("list", { folder: "finance" }));
    expect(new Set(finance.items.map((i: { folder: string }) => i.folder))).toEqual(
      new Set(["finance/daily", "finance/weekly"]),
    );
    const found = ok(await query("list", { text: "top CUSTOMERS" }));
    expect(found.items.map((i: { name: string }) => i.name)).toEqual(["Top customers"]);
  });

  it("deletes a query for its owner, audited, and is for the roles with the Queries section", async () => {
    const gone = ok(await mutate("create", { ...daily, name: "to delete", folder: "" }));
    ok(await mutate("delete", { id: gone.id }));
    expect((await query("get", { id: gone.id })).status).toBe(404);
    expect(await auditRows("saved_query.delete", gone.id)).toHaveLength(1);
    expect((await query("list", {}, "governance")).status).toBe(403);
  });
});
