// Journey: every persona signs in, sees exactly the sections their roles allow and signs out; the
// control plane enforces roles and input on the server, whatever client calls it.
import { ROLES, type Role } from "@inlet/db/roles";
import { expect, type Page, test } from "@playwright/test";
import { E2E, emailOf } from "../env";
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

/** The sign-in form's error (Next's route announcer is an empty alert too). */
function signInError(page: Page) {
  return page.getByRole("alert").filter({ hasText: /\S/ });
}

const NAV: Record<Role, string[]> = {
  admin: [
    "Overview",
    "Operations",
    "Sources",
    "Tables",
    "Queries",
    "Policies",
    "Dead letters",
    "Alerts",
    "Audit",
  ],
  engineer: ["Overview", "Operations", "Sources", "Tables", "Queries", "Dead letters", "Alerts"],
  governance: ["Overview", "Tables", "Policies", "Audit"],
  analyst: ["Overview", "Tables", "Queries"],
  oncall: ["Overview", "Operations", "Sources", "Tables", "Dead letters", "Alerts"],
};

for (const role of ROLES) {
  test(`${role} signs in and sees only the sections of that role`, async ({ page }) => {
    await signIn(page, role);
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link")).toHaveText(NAV[role]);
    await expect(page.getByRole("banner").getByText(emailOf(role))).toBeVisible();
    // On-call staff land on the operations dashboard; everyone else on the Overview, which on-call
    // still reaches from the navigation.
    if (role === "oncall") {
      await expect(page).toHaveURL(/\/operations$/);
      await expect(page.getByRole("heading", { name: "Operations", level: 1 })).toBeVisible();
      await nav.getByRole("link", { name: "Overview" }).click();
    }
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    // The overview shows real counts from the API: the seed registered one source.
    const sourcesCard = page
      .locator("main dl > div")
      .filter({ has: page.locator("dt", { hasText: /^Sources$/ }) });
    await expect(sourcesCard.locator("dd").first()).toHaveText("1");
  });
}

test("a section outside the user's roles says so instead of showing data", async ({ page }) => {
  await signIn(page, "analyst");
  await page.goto("/audit");
  await expect(page.getByText(/don.t have access/i)).toBeVisible();
});

test("sign out ends the session and protects every page again", async ({ page, request }) => {
  await signIn(page, "engineer");
  const token = await sessionToken(page);
  const signingOut = new Date();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/sources");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  // A copy of the token (taken from the browser before signing out) is refused too.
  const replayed = await request.get(`${E2E.apiUrl}/trpc/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(replayed.status()).toBe(401);

  // One sign-out, one audit entry.
  await signIn(page, "admin");
  const input = encodeURIComponent(JSON.stringify({ json: { action: "auth.sign_out" } }));
  const audit = await request.get(`${E2E.apiUrl}/trpc/audit.list?input=${input}`, {
    headers: { authorization: `Bearer ${await sessionToken(page)}` },
  });
  expect(audit.status()).toBe(200);
  const entries: { actorEmail: string; at: string }[] = (await audit.json()).result.data.json.items;
  const engineers = entries.filter(
    (e) => e.actorEmail === emailOf("engineer") && new Date(e.at).getTime() >= signingOut.getTime() - 1000,
  );
  expect(engineers).toHaveLength(1);
});

test("a wrong password gets a generic error, and repeated failures are rate-limited", async ({ page }) => {
  await page.goto("/signin");
  const email = "nobody-here@inlet.local";
  for (let i = 0; i < 3; i++) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`wrong-${i}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(signInError(page)).toHaveText(
      i < 2 ? "Email or password is incorrect" : /too many attempts/i,
    );
  }
  // The governance account stays usable: throttling is per account, not global.
  await signIn(page, "governance");
});

test("a wrong password for a real account shows the generic message", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(emailOf("oncall"));
  await page.getByLabel("Password").fill("definitely-not-it");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(signInError(page)).toHaveText("Email or password is incorrect");
});
