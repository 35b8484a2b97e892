// Journey: an engineer opens a source, creates a key for a new producer (shown once), the producer
// sends with it, the engineer revokes it and the producer is refused; pausing the source makes ingest
// answer 409 until it is resumed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type APIRequestContext, expect, test } from "@playwright/test";
import { E2E } from "../env";
import { sessionToken, signIn } from "./fixtures";

const ingestUrl = `${E2E.apiUrl}/v1/sources/orders/events`;

function send(request: APIRequestContext, key: string, id: string) {
  const order = {
    id,
    customer_id: "c-9",
    amount: 3,
    currency: "EUR",
    status: "placed",
    created_at: new Date().toISOString(),
  };
  return request.post(ingestUrl, {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    data: JSON.stringify(order),
  });
}

function sampleKey(): string {
  const text = readFileSync(join(E2E.dataDir, "initial-credentials.txt"), "utf8");
  const key = /ingest key for source 'orders': (\S+)/.exec(text)?.[1];
  if (!key) throw new Error("no sample ingest key in initial-credentials.txt");
  return key;
}

test("an engineer creates a key, a producer sends with it, and revoking it refuses the producer", async ({
  page,
  request,
}) => {
  await signIn(page, "engineer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sources" }).click();
  await page.getByRole("link", { name: "Orders" }).click();
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  await expect(page.getByLabel("Ingest URL", { exact: true })).toHaveValue(/\/v1\/sources\/orders\/events$/);
  // The schema events are checked against, with the fields that give an event its id and time.
  const schema = page.getByRole("region", { name: "Schema", exact: true });
  await expect(schema).toContainText("Version 1");
  await expect(schema).toContainText("created_at");
  await expect(schema.getByLabel("JSON Schema, version 1")).toContainText('"enum": [');

  // Keyboard only: type a name and press Enter.
  await page.getByLabel("New key name").fill("e2e-producer");
  await page.getByLabel("New key name").press("Enter");
  const shown = page.getByLabel("New API key", { exact: true });
  await expect(shown).toHaveValue(/^inlet_/);
  const key = await shown.inputValue();
  // The key's own row (a confirmation opens in a row under it).
  const row = page.getByRole("row").filter({ hasText: "e2e-producer" }).first();
  await expect(row).toContainText("Active");
  await expect(row).toContainText(key.slice(0, 10));
  // Shown once: after Done, only the prefix is left on the page.
  await page.getByRole("button", { name: "Done" }).click();
  await expect(shown).toHaveCount(0);
  await expect(page.getByText(key)).toHaveCount(0);

  expect((await send(request, key, "e2e-key-1")).status()).toBe(202);

  await row.getByRole("button", { name: "Revoke" }).click();
  // The confirmation fits the card on a wide screen and on a phone: nothing scrolls out of sight.
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const name of ["Revoke “e2e-producer”", "Cancel"]) {
      const button = await page.getByRole("button", { name, exact: true }).boundingBox();
      const frame = await page.getByRole("table", { name: "API keys" }).locator("..").boundingBox();
      expect(button && frame, `${name} at ${width} px`).toBeTruthy();
      expect(button!.x, `${name} at ${width} px`).toBeGreaterThanOrEqual(frame!.x);
      expect(button!.x + button!.width, `${name} at ${width} px`).toBeLessThanOrEqual(
        frame!.x + frame!.width,
      );
    }
    const overflow = await page
      .getByRole("table", { name: "API keys" })
      .evaluate((table) => table.parentElement!.scrollWidth - table.parentElement!.clientWidth);
    expect(overflow, `keys table overflow at ${width} px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByRole("button", { name: "Revoke “e2e-producer”" }).click();
  await expect(row).toContainText("Revoked");
  // Keys are cached for up to 5 s by the API.
  await expect(async () => {
    expect((await send(request, key, "e2e-key-2")).status()).toBe(401);
  }).toPass({ timeout: 15_000 });
  // The sample key still works.
  expect((await send(request, sampleKey(), "e2e-key-3")).status()).toBe(202);
});

test("pausing a source refuses its events with 409 until it is resumed", async ({ page, request }) => {
  await signIn(page, "engineer");
  const token = await sessionToken(page);
  try {
    await page.goto("/sources/orders");
    await page.getByRole("button", { name: "Pause ingest" }).click();
    await page.getByRole("button", { name: "Pause: refuse new events" }).click();
    await expect(page.getByText(/Ingest is paused/)).toBeVisible();
    await expect(async () => {
      const res = await send(request, sampleKey(), "e2e-pause-1");
      expect(res.status()).toBe(409);
      expect((await res.json()).error.code).toBe("SOURCE_PAUSED");
    }).toPass({ timeout: 15_000 });

    await page.getByRole("button", { name: "Resume ingest" }).click();
    await expect(page.getByText(/Ingest is paused/)).toHaveCount(0);
    await expect(async () => {
      expect((await send(request, sampleKey(), "e2e-pause-2")).status()).toBe(202);
    }).toPass({ timeout: 15_000 });
  } finally {
    // Leave the sample source active for the other journeys, whatever happened above.
    await request.post(`${E2E.apiUrl}/trpc/sources.setStatus`, {
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      data: { json: { slug: "orders", status: "active" } },
    });
  }
});
