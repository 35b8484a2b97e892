// The console's Sign out, as the user menu runs it: POST /api/session/end (the session ends at the
// API), then next-auth's sign-out (the cookie is cleared). The API is told once, so it audits once.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { NextApiRequest, NextApiResponse } from "next";
import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "sign-out-test-secret-0123456789abcdefghij";
const CONSOLE_URL = "http://localhost:3000";

/** The API's sign-out endpoint as the console's server calls it, recording each call. */
let api: Server;
const logouts: unknown[] = [];
const saved = {
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET,
  NEXTAUTH_URL: process.env.NEXTAUTH_URL,
  INLET_API_URL: process.env.INLET_API_URL,
};

beforeAll(async () => {
  api = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/auth/logout") logouts.push(JSON.parse(body));
      res.writeHead(req.url === "/auth/logout" ? 204 : 404).end();
    });
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  process.env.NEXTAUTH_SECRET = SECRET;
  process.env.NEXTAUTH_URL = CONSOLE_URL;
  process.env.INLET_API_URL = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("signing out of the console", () => {
  it("ends the session at the API once", async () => {
    // Read after the environment is set: the options take the secret when they are built.
    const { authOptions } = await import("./auth");
    const { POST: endSession } = await import("@/app/api/session/end/route");
    const signedInAt = Math.floor(Date.now() / 1000);
    const sessionToken = await encode({
      token: {
        sub: "user-1",
        id: "user-1",
        sid: "session-1",
        sat: signedInAt,
        email: "engineer@inlet.local",
        name: "Engineer",
        roles: ["engineer"],
      },
      secret: SECRET,
    });

    const ended = await endSession(
      new NextRequest(`${CONSOLE_URL}/api/session/end`, {
        method: "POST",
        headers: { "x-inlet-action": "end-session", cookie: `next-auth.session-token=${sessionToken}` },
      }),
    );
    expect(ended.status).toBe(204);

    // next-auth's own sign-out (what signOut() from next-auth/react posts), with its CSRF pair.
    const csrfToken = "csrf-token-1";
    const csrfHash = createHash("sha256").update(`${csrfToken}${SECRET}`).digest("hex");
    const setCookies: string[] = [];
    const res = {
      status: () => res,
      getHeader: () => setCookies,
      setHeader: (name: string, value: string[]) => {
        if (name.toLowerCase() === "set-cookie") setCookies.splice(0, setCookies.length, ...value);
        return res;
      },
      end: () => res,
      json: () => res,
      send: () => res,
    };
    await NextAuth(
      {
        method: "POST",
        query: { nextauth: ["signout"] },
        headers: { host: "localhost:3000" },
        cookies: {
          "next-auth.session-token": sessionToken,
          "next-auth.csrf-token": `${csrfToken}|${csrfHash}`,
        },
        body: { csrfToken, callbackUrl: `${CONSOLE_URL}/signin`, json: "true" },
      } as unknown as NextApiRequest,
      res as unknown as NextApiResponse,
      authOptions,
    );
    // The cookie is cleared: the sign-out did run.
    expect(setCookies.some((c) => /^next-auth\.session-token=;/.test(c))).toBe(true);

    expect(logouts).toEqual([
      { sessionId: "session-1", userId: "user-1", expiresAt: signedInAt + 8 * 60 * 60 },
    ]);
  });
});
