// The authorization matrix holds: every procedure of the router and every HTTP route of the server has
// an entry in access-matrix.ts, and each is called as every role, anonymously, with a signed-out
// session, with a revoked API key and with a live one, the answer compared with the entry. Inputs are
// left out: the role check runs before the input is read, so a caller let through gets a 400 (or the
// answer) and one refused a 401 or 403 — authorization is what is compared, not the work.
import { generateApiKey, ROLES, type Role } from "@inlet/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { appRouter } from "../router";
import { startTestServer, type TestServer } from "../testing/test-server";
import { queryUrl } from "../testing/trpc-client";
import { type Access, PROCEDURE_ACCESS, ROUTE_ACCESS } from "./access-matrix";

const S3_EVENTS_TOKEN = "matrix-s3-events-token-0123456789";
const SLUG = "matrix";

type Caller = Role | "anonymous" | "signed-out" | "revoked-key" | "live-key";
const CALLERS: readonly Caller[] = [...ROLES, "anonymous", "signed-out", "revoked-key", "live-key"];

let s: TestServer;
const bearer = new Map<Caller, string | undefined>();

async function sourceKey(sourceId: string, revoked: boolean): Promise<string> {
  const k = generateApiKey();
  await s.database.db.prisma.apiKey.create({
    data: {
      sourceId,
      name: "matrix",
      prefix: k.prefix,
      keyHash: k.hash,
      revokedAt: revoked ? new Date() : null,
    },
  });
  return k.key;
}

beforeAll(async () => {
  s = await startTestServer({ INLET_S3_EVENTS_TOKEN: S3_EVENTS_TOKEN }, { register: dataPlaneRoutes() });
  for (const role of ROLES) bearer.set(role, await s.tokenFor(role));
  bearer.set("anonymous", undefined);
  // An admin's session, ended: signing out outranks every role.
  const ended = await s.tokenFor("admin");
  const out = await s.app.inject({
    method: "POST",
    url: "/auth/logout",
    headers: { authorization: `Bearer ${ended}` },
  });
  expect(out.statusCode).toBe(204);
  bearer.set("signed-out", ended);
  const source = await s.database.db.prisma.source.create({ data: { slug: SLUG, name: SLUG } });
  bearer.set("revoked-key", await sourceKey(source.id, true));
  bearer.set("live-key", await sourceKey(source.id, false));
}, 120_000);

afterAll(async () => {
  await s?.close();
});

function headersOf(caller: Caller): Record<string, string> {
  const token = bearer.get(caller);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** What the entry says of this caller: let through, 401 (no valid credentials) or 403 (wrong role). */
function expected(access: Access, caller: Caller): "allowed" | 401 | 403 {
  switch (access.kind) {
    case "public":
      return "allowed";
    case "roles":
      if (!(ROLES as readonly string[]).includes(caller)) return 401;
      return access.roles.includes(caller as Role) ? "allowed" : 403;
    case "session-token":
      return (ROLES as readonly string[]).includes(caller) || caller === "signed-out" ? "allowed" : 401;
    case "source-key":
      return caller === "live-key" ? "allowed" : 401;
    case "console-server":
    case "s3-events-token":
      return 401;
  }
}

function verdict(status: number): "allowed" | 401 | 403 {
  return status === 401 || status === 403 ? status : "allowed";
}

const procedures = (appRouter._def as unknown as { procedures: Record<string, { _def: { type: string } }> })
  .procedures;

/** The server's routes as `METHOD /path`, read from Fastify's route tree (HEAD, added for GET, left out). */
function serverRoutes(): string[] {
  const tree = s.app.printRoutes({ commonPrefix: false });
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^([│ ]*)[└├]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join("");
    for (const method of m[3]?.split(", ") ?? []) {
      if (method !== "HEAD") routes.push(`${method} ${path.startsWith("/") ? path : `/${path}`}`);
    }
  }
  return routes;
}

describe("the authorization matrix", () => {
  it("has an entry for every procedure of the router, and no other", () => {
    expect(Object.keys(PROCEDURE_ACCESS).sort()).toEqual(Object.keys(procedures).sort());
  });

  it("has an entry for every HTTP route of the server, and no other", () => {
    const routes = serverRoutes().filter((r) => !r.includes("/trpc/"));
    expect(routes.length).toBeGreaterThan(5);
    expect(Object.keys(ROUTE_ACCESS).sort()).toEqual([...new Set(routes)].sort());
  });

  it.concurrent.each(Object.entries(PROCEDURE_ACCESS))(
    "%s answers each caller as its entry says",
    async (path, access) => {
      const kind = procedures[path]?._def.type;
      const got: Record<string, "allowed" | 401 | 403> = {};
      const want: Record<string, "allowed" | 401 | 403> = {};
      await Promise.all(
        CALLERS.map(async (caller) => {
          const res =
            kind === "mutation"
              ? await s.app.inject({
                  method: "POST",
                  url: `/trpc/${path}`,
                  headers: { ...headersOf(caller), "content-type": "application/json" },
                  payload: {},
                })
              : await s.app.inject({ url: queryUrl(path, undefined), headers: headersOf(caller) });
          got[caller] = verdict(res.statusCode);
          want[caller] = expected(access, caller);
        }),
      );
      expect(got).toEqual(want);
    },
  );

  it.concurrent.each(Object.entries(ROUTE_ACCESS))(
    "%s answers each caller as its entry says",
    async (route, access) => {
      const [method, pattern] = route.split(" ") as [string, string];
      const url = pattern.replace(":slug", SLUG).replace(":id", "no-such-letter");
      const ingest = url.endsWith("/events") && method === "POST";
      const got: Record<string, "allowed" | 401 | 403> = {};
      const want: Record<string, "allowed" | 401 | 403> = {};
      await Promise.all(
        CALLERS.map(async (caller) => {
          // Signing out ends the session whose token is sent: each role signs out a session of its own.
          const headers =
            route === "POST /auth/logout" && (ROLES as readonly string[]).includes(caller)
              ? { authorization: `Bearer ${await s.tokenFor(caller as Role)}` }
              : headersOf(caller);
          const body = method === "GET" || method === "OPTIONS" ? {} : bodyFor(ingest);
          const res = await s.app.inject({
            method: method as "GET",
            url,
            headers: { ...headers, ...body.headers },
            ...(body.payload === undefined ? {} : { payload: body.payload }),
          });
          got[caller] = verdict(res.statusCode);
          want[caller] = expected(access, caller);
        }),
      );
      expect(got).toEqual(want);
    },
  );
});

describe("a change made with the browser's session cookie", () => {
  const keyCount = () => s.database.db.prisma.apiKey.count({ where: { source: { slug: SLUG } } });
  const createKey = async (headers: Record<string, string>) =>
    s.app.inject({
      method: "POST",
      url: "/trpc/sources.keys.create",
      headers: { "content-type": "application/json", host: "127.0.0.1:4000", ...headers },
      payload: { json: { slug: SLUG, name: "cross-site" } },
    });
  const cookie = async () => `next-auth.session-token=${await s.tokenFor("engineer")}`;

  it("is refused from another site, by Origin or by Sec-Fetch-Site, and changes nothing", async () => {
    const before = await keyCount();
    const byOrigin = await createKey({ cookie: await cookie(), origin: "https://evil.example" });
    expect(byOrigin.statusCode).toBe(403);
    expect(byOrigin.json().error.code).toBe("CROSS_SITE_REQUEST");
    const byFetchSite = await createKey({ cookie: await cookie(), "sec-fetch-site": "cross-site" });
    expect(byFetchSite.statusCode).toBe(403);
    // A sibling host is the same site, but not the console.
    const sibling = await createKey({ cookie: await cookie(), "sec-fetch-site": "same-site" });
    expect(sibling.statusCode).toBe(403);
    const opaque = await createKey({ cookie: await cookie(), origin: "null" });
    expect(opaque.statusCode).toBe(403);
    // A form can post text/plain without a preflight.
    const form = await s.app.inject({
      method: "POST",
      url: "/trpc/sources.keys.create",
      headers: { "content-type": "text/plain", cookie: await cookie(), origin: "https://evil.example" },
      payload: JSON.stringify({ json: { slug: SLUG, name: "cross-site" } }),
    });
    expect(form.statusCode).toBe(403);
    expect(form.json().error.code).toBe("CROSS_SITE_REQUEST");
    for (const [method, url] of [
      ["POST", "/v1/queries/csv"],
      ["POST", "/auth/logout"],
    ] as const) {
      const res = await s.app.inject({
        method,
        url,
        headers: {
          "content-type": "application/json",
          cookie: await cookie(),
          origin: "https://evil.example",
        },
        payload: "{}",
      });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code, url).toBe("CROSS_SITE_REQUEST");
    }
    expect(await keyCount()).toBe(before);
  });

  it("goes through from the console's own origin, as its rewrite forwards it", async () => {
    const before = await keyCount();
    const proxied = await createKey({
      cookie: await cookie(),
      origin: "http://localhost:3000",
      "x-forwarded-host": "localhost:3000",
    });
    expect(proxied.statusCode).toBe(200);
    const fetched = await createKey({ cookie: await cookie(), "sec-fetch-site": "same-origin" });
    expect(fetched.statusCode).toBe(200);
    expect(await keyCount()).toBe(before + 2);
  });

  it("is not asked of a Bearer token, which no cross-site page can attach", async () => {
    const res = await createKey({
      authorization: `Bearer ${await s.tokenFor("engineer")}`,
      origin: "https://evil.example",
    });
    expect(res.statusCode).toBe(200);
    // … because the API grants no CORS preflight that would let another site's page send one.
    const preflight = await s.app.inject({
      method: "OPTIONS",
      url: "/trpc/sources.keys.create",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.headers["access-control-allow-headers"]).toBeUndefined();
  });
});

function bodyFor(ingest: boolean): { headers?: Record<string, string>; payload?: string } {
  return ingest
    ? {
        headers: { "content-type": "application/x-ndjson" },
        payload: `${JSON.stringify({ id: "matrix-1", time: new Date().toISOString() })}\n`,
      }
    : { headers: { "content-type": "application/json" }, payload: "{}" };
}
