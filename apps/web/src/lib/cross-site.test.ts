// The console's cookie-authenticated POST endpoints refuse a request another site's page makes: its
// tRPC rewrite, the query CSV download form and ending a session, each tried with a forged Origin.
import { NextRequest } from "next/server";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as queryCsv } from "@/app/api/queries/csv/route";
import { POST as endSession } from "@/app/api/session/end/route";
import { proxy } from "@/proxy";
import { crossSiteRefusal } from "./cross-site";

const SECRET = "cross-site-test-secret-0123456789abcdefghij";
const CONSOLE = "http://localhost:3000";
const saved = { NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, INLET_API_URL: process.env.INLET_API_URL };
let cookie = "";

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = SECRET;
  // Nothing listens here: a request that got past the check would fail to reach the API (503).
  process.env.INLET_API_URL = "http://127.0.0.1:9";
  const token = await encode({
    token: { sub: "u1", id: "u1", email: "a@inlet.local", name: "A", roles: ["analyst"] },
    secret: SECRET,
  });
  cookie = `next-auth.session-token=${token}`;
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function post(path: string, headers: Record<string, string>, body?: BodyInit): NextRequest {
  return new NextRequest(`${CONSOLE}${path}`, {
    method: "POST",
    headers: { host: "localhost:3000", cookie, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

function form(): FormData {
  const f = new FormData();
  f.set("sql", "SELECT 1");
  return f;
}

describe("crossSiteRefusal", () => {
  const h = (init: Record<string, string>) => new Headers({ host: "localhost:3000", ...init });
  it("lets same-origin requests, safe methods and non-browser callers through", () => {
    expect(crossSiteRefusal("POST", h({ "sec-fetch-site": "same-origin" }))).toBeUndefined();
    expect(crossSiteRefusal("POST", h({ origin: CONSOLE }))).toBeUndefined();
    expect(crossSiteRefusal("POST", h({}))).toBeUndefined();
    expect(crossSiteRefusal("GET", h({ origin: "https://evil.example" }))).toBeUndefined();
    const behindProxy = h({ origin: "https://inlet.example.com", "x-forwarded-host": "inlet.example.com" });
    expect(crossSiteRefusal("POST", behindProxy)).toBeUndefined();
  });

  it("refuses other sites, sibling hosts and opaque origins", () => {
    expect(crossSiteRefusal("POST", h({ origin: "https://evil.example" }))).toMatch(/evil\.example/);
    expect(crossSiteRefusal("POST", h({ origin: "http://localhost:3001" }))).toBeDefined();
    expect(crossSiteRefusal("POST", h({ origin: "null" }))).toBeDefined();
    expect(crossSiteRefusal("DELETE", h({ "sec-fetch-site": "cross-site" }))).toBeDefined();
    expect(crossSiteRefusal("POST", h({ "sec-fetch-site": "same-site", origin: CONSOLE }))).toBeDefined();
  });
});

describe("the console's POST endpoints", () => {
  it("refuse a tRPC mutation posted from another site before it is forwarded to the API", async () => {
    const forged = await proxy(
      post(
        "/api/trpc/sources.keys.create",
        { origin: "https://evil.example", "content-type": "text/plain" },
        "{}",
      ),
    );
    expect(forged.status).toBe(403);
    expect((await forged.json()).error.code).toBe("CROSS_SITE_REQUEST");
    const own = await proxy(post("/api/trpc/sources.keys.create", { origin: CONSOLE }, "{}"));
    expect(own.headers.get("x-middleware-rewrite")).toBe("http://127.0.0.1:9/trpc/sources.keys.create");
  });

  it("refuse the query CSV form submitted from another site", async () => {
    const forged = await queryCsv(post("/api/queries/csv", { origin: "https://evil.example" }, form()));
    expect(forged.status).toBe(403);
    expect((await forged.json()).error.code).toBe("CROSS_SITE_REQUEST");
    // The same form from the console's own page is passed on (and here finds no API).
    const own = await queryCsv(post("/api/queries/csv", { origin: CONSOLE }, form()));
    expect(own.status).toBe(503);
  });

  it("refuse to end a session for another site, even with the action header", async () => {
    const forged = await endSession(
      post("/api/session/end", { origin: "https://evil.example", "x-inlet-action": "end-session" }),
    );
    expect(forged.status).toBe(403);
    const own = await endSession(
      post("/api/session/end", { origin: CONSOLE, "x-inlet-action": "end-session" }),
    );
    expect(own.status).toBe(503);
  });
});
