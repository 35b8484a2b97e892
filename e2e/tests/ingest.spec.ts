// Journey: a producer sends events to the sample source with its key; within seconds the console
// shows them landed, and the invalid one waiting in the dead letters.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { E2E } from "../env";
import { signIn } from "./fixtures";

function sampleKey(): string {
  const text = readFileSync(join(E2E.dataDir, "initial-credentials.txt"), "utf8");
  const key = /ingest key for source 'orders': (\S+)/.exec(text)?.[1];
  if (!key) throw new Error("no sample ingest key in initial-credentials.txt");
  return key;
}

function order(id: string, amount: number | string) {
  return {
    id,
    customer_id: "c-1",
    amount,
    currency: "EUR",
    status: "placed",
    created_at: new Date().toISOString(),
  };
}

test("events posted with the source key land in curated and show on the Overview", async ({
  page,
  request,
}) => {
  const key = sampleKey();
  const body = [
    order("e2e-1", 10),
    order("e2e-2", 20.5),
    order("e2e-2", 20.5),
    order("e2e-3", "not a number"),
  ]
    .map((o) => JSON.stringify(o))
    .join("\n");
  const res = await request.post(`${E2E.apiUrl}/v1/sources/orders/events`, {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    data: body,
  });
  expect(res.status()).toBe(202);
  expect(await res.json()).toMatchObject({ accepted: 4 });

  const refused = await request.post(`${E2E.apiUrl}/v1/sources/orders/events`, {
    headers: { authorization: "Bearer inlet_wrong", "content-type": "application/x-ndjson" },
    data: body,
  });
  expect(refused.status()).toBe(401);

  await signIn(page, "oncall");
  const card = (label: string) =>
    page
      .locator("main dl > div")
      .filter({ has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) })
      .locator("dd")
      .first();
  // Two distinct valid orders are accepted (the repeated id is dropped); the bad amount is a dead letter.
  await expect(async () => {
    await page.reload();
    await expect(card("Events today")).toHaveText("2", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(card("Open dead letters")).toHaveText("1");

  // On-call opens the dead letter: its reason, JSON pointer and payload as sent.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dead letters" }).click();
  const row = page.getByRole("row").filter({ hasText: "e2e-3" });
  await expect(row).toContainText("SCHEMA_VIOLATION");
  await expect(row).toContainText('/amount: must be a number, got the string "not a number"');
  await row.getByRole("button", { name: "View" }).click();
  const letter = page.getByRole("region", { name: "Dead letter" });
  await expect(letter).toContainText("/amount");
  await expect(letter.getByTestId("dead-letter-payload")).toContainText('"not a number"');

  // A malformed body's 400 names the dead letter that keeps it; the console opens it by id.
  const malformed = await request.post(`${E2E.apiUrl}/v1/sources/orders/events`, {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    data: '{"id":"e2e-4",\n',
  });
  expect(malformed.status()).toBe(400);
  const { error } = (await malformed.json()) as { error: { deadLetterId: string } };
  await page.getByLabel("Dead letter id").fill(error.deadLetterId);
  await page.getByLabel("Dead letter id").press("Enter");
  await expect(letter).toContainText("MALFORMED_JSON");
  await expect(letter.getByTestId("dead-letter-payload")).toContainText('{"id":"e2e-4",');
  await expect(page).toHaveURL(new RegExp(`id=${error.deadLetterId}`));
});
