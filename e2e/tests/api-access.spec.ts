// Journey: the control plane enforces roles and input on the server, whatever client calls it.
import { expect, test } from "@playwright/test";
import { E2E } from "../env";
import { sessionToken, signIn } from "./fixtures";

function trpcGet(path: string, input: unknown): string {
  return `${E2E.apiUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
}

test("an analyst calling a governance-only procedure gets 403 with a clear message", async ({
  page,
  request,
}) => {
  await signIn(page, "analyst");
  const token = await sessionToken(page);
  const res = await request.get(trpcGet("audit.list", { limit: 5 }), {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status()).toBe(403);
  const body = await res.json();
  expect(body.error.json.message).toContain("governance");
  expect(body.error.json.data.code).toBe("FORBIDDEN");

  // The same call through the console's own origin (cookie, not Bearer) is refused the same way.
  const viaConsole = await page.request.get(
    `/api/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`,
  );
  expect(viaConsole.status()).toBe(403);
});

test("governance may read the audit log, which records sign-ins", async ({ page, request }) => {
  await signIn(page, "governance");
  const token = await sessionToken(page);
  const res = await request.get(trpcGet("audit.list", { limit: 50, action: "auth.sign_in" }), {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status()).toBe(200);
  const body = await res.json();
  const actions = body.result.data.json.items.map((i: { action: string }) => i.action);
  expect(actions).toContain("auth.sign_in");
});

test("a forged or missing session token gets 401", async ({ request }) => {
  const forged = await request.get(trpcGet("me", undefined), {
    headers: { authorization: "Bearer not-a-real-token" },
  });
  expect(forged.status()).toBe(401);
  expect((await forged.json()).error.json.message).toMatch(/invalid or expired/);
  const none = await request.get(trpcGet("me", undefined));
  expect(none.status()).toBe(401);
});

test("malformed input gets 400 naming the field path", async ({ page, request }) => {
  await signIn(page, "admin");
  const token = await sessionToken(page);
  const res = await request.get(trpcGet("audit.list", { limit: "many" }), {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status()).toBe(400);
  const body = await res.json();
  expect(body.error.json.message).toContain("limit");
  expect(body.error.json.data.issues[0].path).toBe("limit");
});

test("health endpoints answer without a session", async ({ request }) => {
  expect((await request.get(`${E2E.apiUrl}/healthz`)).status()).toBe(200);
  expect((await request.get(`${E2E.apiUrl}/readyz`)).status()).toBe(200);
});
