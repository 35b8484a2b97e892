// Secrets never reach the logs: the API (and the worker it starts) run as in production at the most
// verbose log level with distinctive secret values, are driven through sign-in, ingest with good and
// bad keys, S3 notifications, a query under a hash rule and a configuration error, and every byte
// they wrote to stdout and stderr is searched for each secret and the forms it could leak in.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internalToken } from "./auth/oidc";

const main = join(dirname(fileURLToPath(import.meta.url)), "main.ts");
const mark = randomBytes(4).toString("hex");
const SECRETS = {
  NEXTAUTH_SECRET: `nextauth-secret-${mark}-0123456789abcdef`,
  INLET_POLICY_HASH_KEY: `policy-hash-key-${mark}-0123456789`,
  INLET_S3_EVENTS_TOKEN: `s3-events-token-${mark}-0123456789`,
  INLET_ADMIN_PASSWORD: `admin-password-${mark}`,
  INLET_ENGINEER_PASSWORD: `engineer-password-${mark}`,
  INLET_GOVERNANCE_PASSWORD: `governance-password-${mark}`,
  INLET_ANALYST_PASSWORD: `analyst-password-${mark}`,
  INLET_ONCALL_PASSWORD: `oncall-password-${mark}`,
};
const SOURCE = `leaks${mark}`;

let t: TestDatabase;
let tmp: string;
let api: ChildProcess | undefined;
let output = "";
let base = "";

function waitFor(what: string, done: () => boolean, ms = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (done()) return resolve();
      if (api?.exitCode !== null && api?.exitCode !== undefined) {
        return reject(new Error(`the API exited (${api.exitCode}) before ${what}:\n${output.slice(-4000)}`));
      }
      if (Date.now() - started > ms) return reject(new Error(`no ${what}:\n${output.slice(-4000)}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = await mkdtemp(join(tmpdir(), "inlet-secrets-in-logs-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, ["--import", "tsx", main], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      ...SECRETS,
      DATABASE_URL: t.url,
      INLET_DATA_DIR: tmp,
      INLET_LAKE_URL: `file://${join(tmp, "lake")}`,
      INLET_API_PORT: String(port),
      INLET_WORKERS: "1",
      INLET_SEED_SAMPLE_SOURCE: "false",
      INLET_OPS_SAMPLE_SECONDS: "0",
      INLET_ALERT_INTERVAL_MS: "0",
      LOG_LEVEL: "trace",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  api.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  api.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  await waitFor('"api ready"', () => output.includes('"msg":"api ready"'));
}, 180_000);

afterAll(async () => {
  if (api && api.exitCode === null) {
    api.kill("SIGTERM");
    await new Promise((r) => api?.once("exit", r));
  }
  await t?.drop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** A console session token, minted as next-auth does with the shared secret. */
async function sessionFor(user: { id: string; email: string; name: string; roles: string[] }) {
  return encode({
    token: { sub: user.id, email: user.email, name: user.name, roles: user.roles },
    secret: SECRETS.NEXTAUTH_SECRET,
  });
}

async function mutate(token: string, procedure: string, input: unknown) {
  const res = await post(`/trpc/${procedure}`, { json: input }, { authorization: `Bearer ${token}` });
  const body = res.json();
  return { status: res.status, data: body?.result?.data?.json, error: body?.error?.json, text: res.text };
}

describe("secrets in the logs", () => {
  it("appear nowhere in a full run at LOG_LEVEL=trace", async () => {
    const used: string[] = Object.values(SECRETS);
    const console = internalToken(SECRETS.NEXTAUTH_SECRET);
    used.push(console);

    // Sign-in: a wrong password, then each role as the console's server signs in on their behalf.
    const denied = await post(
      "/auth/login",
      { email: "engineer@inlet.local", password: `wrong-${SECRETS.INLET_ENGINEER_PASSWORD}` },
      { authorization: `Bearer ${console}`, "x-forwarded-for": "203.0.113.9" },
    );
    expect(denied.status).toBe(401);
    used.push(`wrong-${SECRETS.INLET_ENGINEER_PASSWORD}`);
    const sessions: Record<string, string> = {};
    for (const role of ["engineer", "governance", "analyst"] as const) {
      const password = SECRETS[`INLET_${role.toUpperCase()}_PASSWORD` as keyof typeof SECRETS];
      const res = await post(
        "/auth/login",
        { email: `${role}@inlet.local`, password },
        { authorization: `Bearer ${console}` },
      );
      expect(res.status, res.text).toBe(200);
      sessions[role] = await sessionFor(res.json());
      used.push(sessions[role]!);
    }

    // A source and its API key.
    const created = await mutate(sessions.engineer!, "sources.create", {
      name: "Leak check",
      slug: SOURCE,
      schema: {
        type: "object",
        properties: {
          id: { type: "string" },
          email: { type: "string" },
          at: { type: "string", format: "date-time" },
        },
        required: ["id", "at"],
      },
      idField: "id",
      timeField: "at",
      retentionDays: 30,
    });
    expect(created.status, created.text).toBe(200);
    const apiKey: string = created.data.apiKey.key;
    used.push(apiKey);

    // Ingest with the key, with a wrong key, with a malformed header and with none.
    const events = ["a@example.com", "b@example.com"]
      .map((email, i) => JSON.stringify({ id: `e${i}`, email, at: "2026-01-01T00:00:00Z" }))
      .join("\n");
    const ingest = (authorization?: string) =>
      fetch(`${base}/v1/sources/${SOURCE}/events`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", ...(authorization ? { authorization } : {}) },
        body: events,
      });
    expect((await ingest(`Bearer ${apiKey}`)).status).toBe(202);
    const wrongKey = `${apiKey.slice(0, -6)}zzzzzz`;
    used.push(wrongKey);
    expect((await ingest(`Bearer ${wrongKey}`)).status).toBe(401);
    expect((await ingest(`Basic ${apiKey}`)).status).toBe(401);
    expect((await ingest()).status).toBe(401);

    // S3 event notifications: the right token (refused on a file:// lake) and a wrong one.
    const s3Events = (token: string) =>
      post("/v1/landing/s3-events", { Records: [] }, { authorization: `Bearer ${token}` });
    expect((await s3Events(SECRETS.INLET_S3_EVENTS_TOKEN)).status).not.toBe(200);
    expect((await s3Events(`${SECRETS.INLET_S3_EVENTS_TOKEN}-wrong`)).status).toBe(401);

    // The events land; governance hashes the email for analysts, who query it.
    const table = `curated.${SOURCE}`;
    let committed = false;
    for (let i = 0; i < 600 && !committed; i += 1) {
      const count = await mutate(sessions.engineer!, "queries.run", {
        sql: `SELECT count(*) AS n FROM ${table}`,
      });
      committed =
        count.status === 200 && Number(count.data?.rows?.[0]?.n ?? count.data?.rows?.[0]?.[0]) === 2;
      if (!committed) await new Promise((r) => setTimeout(r, 200));
    }
    expect(committed, "the two events were committed").toBe(true);
    const policy = await mutate(sessions.governance!, "policies.save", {
      table,
      reason: "hash emails for analysts",
      columnRules: [{ column: "email", role: "analyst", rule: { action: "hash" } }],
      rowFilters: [],
      columnTags: [],
      denyUnruledColumns: false,
    });
    expect(policy.status, policy.text).toBe(200);
    const hashed = await mutate(sessions.analyst!, "queries.run", {
      sql: `SELECT email FROM ${table} ORDER BY id`,
    });
    expect(hashed.status, hashed.text).toBe(200);
    const expected = createHmac("sha256", SECRETS.INLET_POLICY_HASH_KEY)
      .update("a@example.com")
      .digest("hex");
    expect(JSON.stringify(hashed.data.rows)).toContain(expected);
    // A query that fails over the hashing relation, and one the guard refuses.
    const failing = await mutate(sessions.analyst!, "queries.run", {
      sql: `SELECT CAST(email AS INTEGER) FROM ${table}`,
    });
    expect(failing.status).not.toBe(200);
    const refused = await mutate(sessions.analyst!, "queries.run", {
      sql: "SELECT * FROM read_text('/etc/passwd')",
    });
    expect(refused.status).not.toBe(200);

    // Sign-out with a session token.
    const out = await fetch(`${base}/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${sessions.analyst}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(out.status).toBe(204);

    // Stop the API (and its worker), so everything they would write is written.
    api?.kill("SIGTERM");
    await new Promise((r) => api?.once("exit", r));

    // A configuration error (a start that fails) with the same secrets, some of them refused.
    const bad = spawnSync(process.execPath, ["--import", "tsx", main], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        ...SECRETS,
        INLET_POLICY_HASH_KEY: `short-${mark}`,
        INLET_S3_EVENTS_TOKEN: `tok-${mark}`,
        INLET_QUEUE: "kafka",
        LOG_LEVEL: "trace",
      },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("INLET_POLICY_HASH_KEY (set)");
    expect(bad.stderr).toContain("INLET_S3_EVENTS_TOKEN (set)");
    used.push(`short-${mark}`, `tok-${mark}`);
    const all = `${output}\n${bad.stdout}\n${bad.stderr}`;

    // The hash key also leaks as bytes: its hex, its base64 and the HMAC pads the SQL holds.
    const key = Buffer.from(SECRETS.INLET_POLICY_HASH_KEY, "utf8");
    // HMAC's inner and outer pads (RFC 2104), which DuckDB's hash expression spells out in hex.
    const pad = (byte: number) => Buffer.from(Array.from({ length: 64 }, (_, i) => (key[i] ?? 0) ^ byte));
    const forms = [
      ...used,
      key.toString("hex"),
      key.toString("base64"),
      pad(0x36).toString("hex"),
      pad(0x5c).toString("hex"),
    ];
    // The run did log what it did (the test would pass trivially on an empty log).
    expect(all).toContain('"msg":"api ready"');
    expect(all).toContain("/v1/sources/");
    const found = forms.filter((secret) => all.toLowerCase().includes(secret.toLowerCase()));
    expect(found.map((f) => `${f.slice(0, 12)}… (${f.length} chars)`)).toEqual([]);
  }, 300_000);
});
