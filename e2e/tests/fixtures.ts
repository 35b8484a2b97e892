// Shared steps of the e2e journeys: signing in through the console like a person would.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Role } from "@inlet/db/roles";
import { type APIRequestContext, type Browser, expect, type Page } from "@playwright/test";
import { E2E, emailOf, PASSWORDS } from "../env";

export async function signIn(page: Page, role: Role): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(emailOf(role));
  await page.getByLabel("Password").fill(PASSWORDS[role]);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/** The next-auth session token the browser holds after signing in (the API accepts it as Bearer). */
export async function sessionToken(page: Page): Promise<string> {
  const cookies = await page.context().cookies(E2E.consoleUrl);
  const token = cookies.find((c) => c.name.endsWith("next-auth.session-token"))?.value;
  if (!token) throw new Error("no next-auth session cookie after sign-in");
  return token;
}

/** The sample source's ingest key, as the first start printed and saved it. */
export function sampleKey(): string {
  const text = readFileSync(join(E2E.dataDir, "initial-credentials.txt"), "utf8");
  const key = /ingest key for source 'orders': (\S+)/.exec(text)?.[1];
  if (!key) throw new Error("no sample ingest key in initial-credentials.txt");
  return key;
}

/** A page of its own (a separate browser context) signed in as `role`. */
export async function signedIn(browser: Browser, role: Role): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, role);
  return page;
}

/** A tRPC call to the API as the person signed in on `page`; fails the test unless it answers 200. */
export async function trpc(
  request: APIRequestContext,
  page: Page,
  path: string,
  input: unknown,
  kind: "query" | "mutation" = "mutation",
): Promise<unknown> {
  const token = await sessionToken(page);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const res =
    kind === "mutation"
      ? await request.post(`${E2E.apiUrl}/trpc/${path}`, { headers, data: { json: input } })
      : await request.get(
          `${E2E.apiUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
          { headers },
        );
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return ((await res.json()) as { result: { data: { json: unknown } } }).result.data.json;
}
