import { ORDERS_SCHEMA } from "@inlet/db";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, TEST_PASSWORD, TEST_SECRET, type TestServer } from "./testing/test-server";

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ INLET_LOGIN_MAX_FAILURES: "3" });
});
afterAll(async () => {
  await s.close();
});

// Failed sign-ins are throttled per client address too, so each test signs in from an address of
// its own: one test's failures never throttle another's sign-ins.
let clientAddress = "";
let addressesUsed = 0;
beforeEach(() => {
  addressesUsed += 1;
  clientAddress = `192.0.2.${addressesUsed}`;
});

function signIn(payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return s.app.inject({ method: "POST", url: "/auth/login", payload, headers, remoteAddress: clientAddress });
}

function trpcGet(path: string, input?: unknown) {
  return input === undefined
    ? `/trpc/${path}`
    : `/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
}

describe("sign-in", () => {
  it("returns the user with roles for the right password and audits it", async () => {
    const res = await signIn({ email: "Analyst@inlet.local", password: TEST_PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: "analyst@inlet.local", roles: ["analyst"] });
    const audit = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "auth.sign_in", actorEmail: "analyst@inlet.local" },
    });
    expect(audit).not.toBeNull();
  });

  it("answers a wrong password and an unknown user with the same generic 401", async () => {
    const wrong = await signIn({ email: "oncall@inlet.local", password: "nope" });
    const unknown = await signIn({ email: "ghost@inlet.local", password: "nope" });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it("rate-limits repeated failures per account and resets on success elsewhere", async () => {
    const attempt = (password: string) =>
      signIn({ email: "engineer@inlet.local", password }, { "x-forwarded-for": "10.1.1.1" });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await attempt(`bad-${i}`)).statusCode);
    expect(codes).toEqual([401, 401, 429, 429]);
    const locked = await attempt(TEST_PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBeDefined();
    expect(locked.json().error.message).toMatch(/try again in \d+ s/);
    const other = await signIn({ email: "admin@inlet.local", password: TEST_PASSWORD });
    expect(other.statusCode).toBe(200);
  });

  it("counts parallel guesses before checking them, so a burst cannot exceed the limit", async () => {
    const burst = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signIn({ email: "governance@inlet.local", password: `guess-${i}` }),
      ),
    );
    const codes = burst.map((r) => r.statusCode);
    // Max 3 failures: at most 2 plain refusals, the 3rd failure and everything after are throttled.
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(2);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(8);
  });

  it("rejects a malformed body with 400 naming the field", async () => {
    const res = await signIn({ email: "a@b.c" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("password");
  });
});

describe("tRPC control plane", () => {
  it("requires a session: missing → 401, forged → 401, expired → 401", async () => {
    expect((await s.app.inject({ url: trpcGet("me") })).statusCode).toBe(401);
    const forged = await encode({ token: { sub: "x" }, secret: "another-secret-0123456789abcdefghijklmnop" });
    expect(
      (await s.app.inject({ url: trpcGet("me"), headers: { authorization: `Bearer ${forged}` } })).statusCode,
    ).toBe(401);
    const user = await s.database.db.prisma.user.findUniqueOrThrow({ where: { email: "admin@inlet.local" } });
    const expired = await encode({
      token: { sub: user.id },
      secret: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz",
      maxAge: -60,
    });
    const res = await s.app.inject({ url: trpcGet("me"), headers: { authorization: `Bearer ${expired}` } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.json.message).toMatch(/invalid or expired/);
  });

  it("accepts the session cookie and returns the user's sections", async () => {
    const token = await s.tokenFor("governance");
    const res = await s.app.inject({
      url: trpcGet("me"),
      headers: { cookie: `next-auth.session-token=${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.data.json).toMatchObject({
      roles: ["governance"],
      sections: ["overview", "tables", "policies", "audit"],
    });
  });

  it("forbids an analyst a governance procedure with a clear 403", async () => {
    const token = await s.tokenFor("analyst");
    const res = await s.app.inject({
      url: trpcGet("audit.list", {}),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.json.message).toBe("This needs the role governance; you have analyst");
    const denied = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "access.denied", targetId: "audit.list" },
    });
    expect(denied).toMatchObject({
      actorEmail: "analyst@inlet.local",
      details: { type: "query", needs: ["governance"] },
    });
  });

  it("rejects malformed input with 400 naming the field path", async () => {
    const token = await s.tokenFor("admin");
    const res = await s.app.inject({
      url: trpcGet("audit.list", { limit: 1000 }),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(400);
    const err = res.json().error.json;
    expect(err.data.issues[0].path).toBe("limit");
    expect(err.message).toContain("limit:");
  });

  it("issues and revokes API keys, storing only hashes and auditing both", async () => {
    const token = await s.tokenFor("engineer");
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const created = await s.app.inject({
      method: "POST",
      url: "/trpc/sources.keys.create",
      headers,
      payload: { json: { slug: "orders", name: "ci" } },
    });
    expect(created.statusCode).toBe(200);
    const { id, key } = created.json().result.data.json as { id: string; key: string };
    const stored = await s.database.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(stored.keyHash).not.toContain(key);
    const revoked = await s.app.inject({
      method: "POST",
      url: "/trpc/sources.keys.revoke",
      headers,
      payload: { json: { id } },
    });
    expect(revoked.statusCode).toBe(200);
    const actions = (await s.database.db.prisma.auditLog.findMany({ where: { targetId: id } }))
      .map((a) => a.action)
      .sort();
    expect(actions).toEqual(["api_key.create", "api_key.revoke"]);
    const analyst = await s.tokenFor("analyst");
    const denied = await s.app.inject({
      method: "POST",
      url: "/trpc/sources.keys.create",
      headers: { authorization: `Bearer ${analyst}`, "content-type": "application/json" },
      payload: { json: { slug: "orders", name: "x" } },
    });
    expect(denied.statusCode).toBe(403);
  });

  it("shows a source and pauses and resumes it, for engineers only, auditing each change", async () => {
    const engineer = {
      authorization: `Bearer ${await s.tokenFor("engineer")}`,
      "content-type": "application/json",
    };
    const oncall = { authorization: `Bearer ${await s.tokenFor("oncall")}` };
    const shown = await s.app.inject({ url: trpcGet("sources.get", { slug: "orders" }), headers: oncall });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().result.data.json).toMatchObject({
      slug: "orders",
      status: "active",
      idField: "id",
      landingPrefix: "landing/orders/",
    });
    expect(shown.json().result.data.json.ingestUrl).toMatch(/\/v1\/sources\/orders\/events$/);
    // The active schema version and its JSON Schema, as registered.
    expect(shown.json().result.data.json).toMatchObject({
      activeSchemaVersion: 1,
      schema: { version: 1, jsonSchema: ORDERS_SCHEMA },
      timeField: "created_at",
    });
    const missing = await s.app.inject({ url: trpcGet("sources.get", { slug: "nope" }), headers: oncall });
    expect(missing.statusCode).toBe(404);

    const set = (status: string, headers: Record<string, string>) =>
      s.app.inject({
        method: "POST",
        url: "/trpc/sources.setStatus",
        headers: { ...headers, "content-type": "application/json" },
        payload: { json: { slug: "orders", status } },
      });
    expect((await set("paused", oncall)).statusCode).toBe(403);
    expect((await set("stopped", engineer)).statusCode).toBe(400);
    expect((await set("paused", engineer)).statusCode).toBe(200);
    expect((await set("paused", engineer)).statusCode).toBe(200);
    const paused = await s.database.db.prisma.source.findUniqueOrThrow({ where: { slug: "orders" } });
    expect(paused.status).toBe("paused");
    expect((await set("active", engineer)).statusCode).toBe(200);
    const actions = await s.database.db.prisma.auditLog.findMany({
      where: { targetId: paused.id, action: { startsWith: "source." } },
      orderBy: { id: "asc" },
    });
    // Setting the status it already has changes nothing and records nothing.
    expect(actions.map((a) => a.action)).toEqual(["source.create", "source.pause", "source.resume"]);

    // The audit filter matches LIKE's wildcards as typed.
    const admin = { authorization: `Bearer ${await s.tokenFor("admin")}` };
    const filtered = async (action: string) =>
      (await s.app.inject({ url: trpcGet("audit.list", { action }), headers: admin })).json().result.data.json
        .items.length;
    expect(await filtered("source.pause")).toBe(1);
    expect(await filtered("%")).toBe(0);
    expect(await filtered("source_pause")).toBe(0);
  });

  it("lists dead letters newest first by source, reason and status, and shows one with its payload", async () => {
    const orders = await s.database.db.prisma.source.findUniqueOrThrow({ where: { slug: "orders" } });
    const letter = (reasonCode: string, n: number) => ({
      sourceId: orders.id,
      batchId: "b-1",
      eventId: `e-${n}`,
      reasonCode,
      reason: `/amount: must be number (${n})`,
      path: "/amount",
      payload: `{"id":"e-${n}","amount":"x"}`,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    });
    await s.database.db.prisma.deadLetter.createMany({
      data: [
        ...[1, 2, 3].map((n) => letter("SCHEMA_VIOLATION", n)),
        letter("MALFORMED_JSON", 4),
        { ...letter("SCHEMA_VIOLATION", 5), status: "replayed" as const },
      ],
    });
    const oncall = { authorization: `Bearer ${await s.tokenFor("oncall")}` };
    const list = async (input: Record<string, unknown>) => {
      const res = await s.app.inject({ url: trpcGet("deadLetters.list", input), headers: oncall });
      expect(res.statusCode).toBe(200);
      return res.json().result.data.json;
    };
    const first = await list({ source: "orders", limit: 2 });
    expect(first.items.map((d: { eventId: string }) => d.eventId)).toEqual(["e-4", "e-3"]);
    expect(first.reasons).toEqual([
      { reasonCode: "MALFORMED_JSON", count: 1 },
      { reasonCode: "SCHEMA_VIOLATION", count: 3 },
    ]);
    const second = await list({ source: "orders", limit: 2, cursor: first.nextCursor });
    expect(second.items.map((d: { eventId: string }) => d.eventId)).toEqual(["e-2", "e-1"]);
    expect(second.nextCursor).toBeNull();
    expect((await list({ reasonCode: "MALFORMED_JSON" })).items).toHaveLength(1);
    expect((await list({ status: "replayed" })).items.map((d: { eventId: string }) => d.eventId)).toEqual([
      "e-5",
    ]);
    expect(first.items[0]).not.toHaveProperty("payload");

    const one = await s.app.inject({
      url: trpcGet("deadLetters.get", { id: first.items[0].id }),
      headers: oncall,
    });
    expect(one.json().result.data.json).toMatchObject({
      source: "orders",
      reasonCode: "MALFORMED_JSON",
      payload: '{"id":"e-4","amount":"x"}',
      payloadTruncated: false,
    });
    const missing = await s.app.inject({ url: trpcGet("deadLetters.get", { id: "nope" }), headers: oncall });
    expect(missing.statusCode).toBe(404);
    // The whole payload as a file, for the same roles.
    const file = await s.app.inject({ url: `/dead-letters/${first.items[0].id}/payload`, headers: oncall });
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe('{"id":"e-4","amount":"x"}');
    expect(file.headers["content-disposition"]).toMatch(/^attachment; filename="dead-letter-/);
    const noFile = await s.app.inject({ url: "/dead-letters/nope/payload", headers: oncall });
    expect(noFile.statusCode).toBe(404);
    const analystFile = await s.app.inject({
      url: `/dead-letters/${first.items[0].id}/payload`,
      headers: { authorization: `Bearer ${await s.tokenFor("analyst")}` },
    });
    expect(analystFile.statusCode).toBe(403);
    expect(analystFile.json().error.message).toBe("This needs the role engineer or oncall; you have analyst");
    const deniedFile = await s.database.db.prisma.auditLog.findFirst({
      where: { action: "access.denied", targetId: "GET /dead-letters/:id/payload" },
    });
    expect(deniedFile).toMatchObject({
      actorEmail: "analyst@inlet.local",
      details: { needs: ["engineer", "oncall"] },
    });
    expect((await s.app.inject({ url: `/dead-letters/${first.items[0].id}/payload` })).statusCode).toBe(401);
    const analyst = { authorization: `Bearer ${await s.tokenFor("analyst")}` };
    const denied = await s.app.inject({ url: trpcGet("deadLetters.list", {}), headers: analyst });
    expect(denied.statusCode).toBe(403);
    await s.database.db.prisma.deadLetter.deleteMany({ where: { batchId: "b-1" } });
  });

  it("refuses a signed-out session token, signed out by its holder or by the console", async () => {
    const own = await s.tokenFor("analyst");
    const me = (token: string) =>
      s.app.inject({ url: trpcGet("me"), headers: { authorization: `Bearer ${token}` } });
    expect((await me(own)).statusCode).toBe(200);
    const out = await s.app.inject({
      method: "POST",
      url: "/auth/logout",
      headers: { authorization: `Bearer ${own}` },
    });
    expect(out.statusCode).toBe(204);
    const refused = await me(own);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.json.message).toBe("This session was signed out; sign in again");
    // A token that is not a session token cannot sign anything out.
    const bad = await s.app.inject({
      method: "POST",
      url: "/auth/logout",
      headers: { authorization: "Bearer x" },
    });
    expect(bad.statusCode).toBe(401);

    // The console sends the session's id from its signOut event, as the internal caller. Every token
    // of that session is refused: copies, and ones refreshed from it (same sid, new jti) after too.
    const { internalToken } = await import("./auth/oidc");
    const { decode, encode } = await import("next-auth/jwt");
    const oncall = await s.database.db.prisma.user.findUniqueOrThrow({
      where: { email: "oncall@inlet.local" },
    });
    const sat = Math.floor(Date.now() / 1000);
    const sessionToken = (sid: string, signedInAt = sat) =>
      encode({
        token: {
          sub: oncall.id,
          email: oncall.email,
          name: oncall.name,
          roles: oncall.roles,
          sid,
          sat: signedInAt,
        },
        secret: TEST_SECRET,
      });
    const before = await sessionToken("session-1");
    const claims = await decode({ token: before, secret: TEST_SECRET });
    expect((await me(before)).statusCode).toBe(200);
    const byConsole = await s.app.inject({
      method: "POST",
      url: "/auth/logout",
      headers: { authorization: `Bearer ${internalToken(TEST_SECRET)}`, "content-type": "application/json" },
      payload: { sessionId: claims?.sid, userId: claims?.sub, expiresAt: sat + 8 * 3600 },
    });
    expect(byConsole.statusCode).toBe(204);
    expect((await me(before)).statusCode).toBe(401);
    expect((await me(await sessionToken("session-1"))).statusCode).toBe(401);
    // Another session of the same user is not affected.
    expect((await me(await sessionToken("session-2"))).statusCode).toBe(200);
    // However often a token is refreshed, its session ends 8 hours after signing in.
    expect((await me(await sessionToken("session-3", sat - 8 * 3600 - 60))).statusCode).toBe(401);
    const audited = await s.database.db.prisma.auditLog.count({ where: { action: "auth.sign_out" } });
    expect(audited).toBe(2);
  });

  it("reports real overview counts", async () => {
    const token = await s.tokenFor("oncall");
    const res = await s.app.inject({
      url: trpcGet("overview.summary"),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json().result.data.json;
    expect(body).toMatchObject({ sources: 1, eventsToday: 0, deadLettersOpen: 0 });
    expect(body.eventsByHour).toHaveLength(24);
  });

  it("answers health without a session and tags responses with a request id", async () => {
    const res = await s.app.inject({ url: "/healthz", headers: { "x-request-id": "abc-123" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-request-id"]).toBe("abc-123");
    const ready = await s.app.inject({ url: "/readyz" });
    expect(ready.json()).toEqual({ status: "ready", checks: { database: "ok", queue: "ok" } });
    expect(ready.statusCode).toBe(200);
  });
});

describe("client address throttling", () => {
  it("trusts x-forwarded-for only from the console's server", async () => {
    const { internalToken } = await import("./auth/oidc");
    const fail = (headers: Record<string, string>) =>
      signIn({ email: `x${Math.random()}@inlet.local`, password: "bad" }, headers);
    // 3 failures × 4 per address: the 13th failure from one address is throttled even across accounts.
    const spoofed: number[] = [];
    for (let i = 0; i < 13; i++) spoofed.push((await fail({ "x-forwarded-for": `10.9.9.${i}` })).statusCode);
    expect(spoofed.at(-1)).toBe(429);
    const viaConsole = await fail({
      "x-forwarded-for": "10.7.7.7",
      authorization: `Bearer ${internalToken(s.config.NEXTAUTH_SECRET)}`,
    });
    expect(viaConsole.statusCode).toBe(401);
  });
});

describe("OIDC sign-in", () => {
  it("provisions an SSO user with the default roles only for the console's internal token", async () => {
    const { internalToken } = await import("./auth/oidc");
    const payload = {
      subject: "https://idp|sub-1",
      email: "Sso.User@example.com",
      emailVerified: true,
      name: "SSO User",
    };
    const outsider = await s.app.inject({ method: "POST", url: "/auth/oidc", payload });
    expect(outsider.statusCode).toBe(401);
    const headers = { authorization: `Bearer ${internalToken(s.config.NEXTAUTH_SECRET)}` };
    const first = await s.app.inject({ method: "POST", url: "/auth/oidc", payload, headers });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ email: "sso.user@example.com", roles: ["analyst"] });
    const again = await s.app.inject({ method: "POST", url: "/auth/oidc", payload, headers });
    expect(again.json().id).toBe(first.json().id);

    // No takeover: an unverified email links to nothing, and a password account is never linked by email.
    const unverified = {
      subject: "https://idp|sub-2",
      email: "new@example.com",
      emailVerified: false,
      name: "N",
    };
    expect(
      (await s.app.inject({ method: "POST", url: "/auth/oidc", payload: unverified, headers })).statusCode,
    ).toBe(403);
    const takeover = {
      subject: "https://evil|admin",
      email: "admin@inlet.local",
      emailVerified: true,
      name: "A",
    };
    const denied = await s.app.inject({ method: "POST", url: "/auth/oidc", payload: takeover, headers });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toMatch(/already exists/);
  });
});
