// Journey: a data engineer. Producers send to the sample source and the console shows the events
// landed (and the invalid one dead-lettered); keys are created, used and revoked; a source is paused
// and resumed; a new source is registered from a pasted sample, sent to with the curl command the
// console shows, watched on its page and in the tables browser, and its schema evolved through the
// registry (an incompatible change refused naming the field, a compatible one registered).
import { execFileSync } from "node:child_process";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { E2E } from "../env";
import { sampleKey, sessionToken, signIn } from "./fixtures";

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
  // Other journeys send events too: the Overview's figures are read before and compared after.
  await signIn(page, "oncall");
  // On-call lands on the operations dashboard; the Overview is one click away.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
  const card = (label: string) =>
    page
      .locator("main dl > div")
      .filter({ has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) })
      .locator("dd")
      .first();
  const figure = async (label: string) =>
    Number((await card(label).textContent())?.replace(/\D/g, "") || "0");
  await expect(card("Events today")).toHaveText(/\d/);
  const eventsBefore = await figure("Events today");
  const lettersBefore = await figure("Open dead letters");

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
  // The API judges each event against the active schema as it accepts the batch: the duplicate is
  // accepted (the worker drops it), the order whose amount is not a number is dead-lettered at once.
  expect(await res.json()).toMatchObject({ accepted: 3, deadLettered: 1 });

  const refused = await request.post(`${E2E.apiUrl}/v1/sources/orders/events`, {
    headers: { authorization: "Bearer inlet_wrong", "content-type": "application/x-ndjson" },
    data: body,
  });
  expect(refused.status()).toBe(401);

  // Two distinct valid orders are accepted (the repeated id is dropped); the bad amount is a dead letter.
  await expect(async () => {
    await page.reload();
    await expect(card("Events today")).toHaveText(String(eventsBefore + 2), { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(card("Open dead letters")).toHaveText(String(lettersBefore + 1));

  // On-call opens the dead letter: its reason, JSON pointer and payload as sent.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dead letters" }).click();
  // The page lands on the causes; the letter itself is in the list of all letters.
  await expect(page.getByRole("table", { name: "Dead letters by cause" })).toContainText("/amount");
  await page
    .getByRole("tablist", { name: "Dead letters view" })
    .getByRole("tab", { name: "All letters" })
    .click();
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

test("an engineer creates a key, a producer sends with it, and revoking it refuses the producer", async ({
  page,
  request,
}) => {
  await signIn(page, "engineer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sources" }).click();
  await page.getByRole("link", { name: "Orders", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Orders", exact: true })).toBeVisible();
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

const SAMPLE = [
  { event_id: "ck-1", amount: 12.5, status: "paid", occurred_at: "2026-11-30T10:00:00Z" },
  { event_id: "ck-2", amount: 3, status: "refunded", occurred_at: "2026-11-30T11:30:00Z" },
  { event_id: "ck-3", amount: 40.25, status: "paid", occurred_at: "2026-12-01T09:15:00Z" },
];

/** Replaces the text of a CodeMirror editor found by its accessible name, as a person pasting would. */
async function replaceEditorText(page: Page, name: string, text: string): Promise<void> {
  const editor = page.getByRole("textbox", { name, exact: true });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

test("an engineer registers a source from a sample, sends with the shown curl, and evolves its schema", async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  await signIn(page, "engineer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sources" }).click();
  await page.getByRole("link", { name: "New source" }).click();
  await expect(page.getByRole("heading", { name: "New source" })).toBeVisible();

  // 1. Name and kind: the slug follows the name.
  await page.getByRole("textbox", { name: "Name" }).fill("Checkout events");
  await expect(page.getByRole("textbox", { name: "Slug" })).toHaveValue("checkout-events");
  await page.getByRole("button", { name: "Next" }).click();

  // 2. Schema inferred from a pasted NDJSON sample, shown beside it and editable.
  await expect(page.getByRole("heading", { name: "Schema", exact: true })).toBeFocused();
  await page
    .getByRole("textbox", { name: "Sample", exact: true })
    .fill(SAMPLE.map((e) => JSON.stringify(e)).join("\n"));
  await page.getByRole("button", { name: "Infer schema" }).click();
  await expect(page.getByRole("heading", { name: /^Inferred schema \(from 3 NDJSON rows/ })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "JSON Schema", exact: true })).toContainText(
    '"occurred_at"',
  );
  await page.getByRole("button", { name: "Next" }).click();

  // 3. Fields: the id and time fields are suggested from their names.
  await expect(page.getByRole("combobox", { name: "Event-id field" })).toHaveValue("event_id");
  await expect(page.getByRole("combobox", { name: "Event-time field" })).toHaveValue("occurred_at");
  await page.getByRole("button", { name: "Next" }).click();

  // 4. Review and create; then the ingest URL, the key shown once, and examples that work as shown.
  await page.getByRole("button", { name: "Create source" }).click();
  await expect(page.getByRole("heading", { name: "Source “Checkout events” created" })).toBeVisible();
  const key = await page.getByRole("textbox", { name: "API key" }).inputValue();
  expect(key).toMatch(/^inlet_/);
  await page.getByRole("tab", { name: "curl" }).click();
  const curl = (await page.getByRole("tabpanel").locator("pre").textContent()) ?? "";
  expect(curl).toContain(`${E2E.apiUrl}/v1/sources/checkout-events/events`);
  const answer = execFileSync("sh", ["-c", curl], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  expect(JSON.parse(answer)).toMatchObject({ accepted: 1 });

  // The rest of the sample, as a producer would send it.
  const sent = await request.post(`${E2E.apiUrl}/v1/sources/checkout-events/events`, {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    data: SAMPLE.map((e) => JSON.stringify(e)).join("\n"),
  });
  expect(sent.status()).toBe(202);

  // The source page: latest events as they landed, the ingest-rate chart, freshness.
  await page.getByRole("link", { name: "Open the source page" }).click();
  await page.waitForURL(/\/sources\/checkout-events$/);
  await expect(page.getByRole("heading", { name: "Checkout events", exact: true })).toBeVisible();
  const latest = page.getByRole("table", { name: "Latest events" });
  await expect(async () => {
    await page.reload();
    await expect(latest).toContainText("ck-3", { timeout: 3000 });
  }).toPass({ timeout: 60_000 });
  await expect(latest).toContainText("ck-1");
  const rate = page.getByRole("region", { name: "Ingest rate" });
  await expect(rate.getByRole("img", { name: "Ingest rate" })).toBeVisible();
  await expect(rate).toContainText(/[1-9]\d* accepted/);
  await expect(page.getByRole("region", { name: "Freshness" }).getByText("p50")).toBeVisible();

  // The tables browser: the curated table, its partitions, snapshots and a preview.
  await page.goto("/tables");
  await page.getByRole("link", { name: "curated.checkout-events" }).click();
  await expect(page.getByRole("heading", { name: "curated.checkout-events" })).toBeVisible();
  await page.getByRole("tab", { name: "Partitions" }).click();
  await expect(page.getByRole("table", { name: "Partitions of curated.checkout-events" })).toContainText(
    "dt=2026-11-30",
  );
  await page.getByRole("tab", { name: "Snapshots" }).click();
  await expect(page.getByRole("table", { name: "Snapshots of curated.checkout-events" })).toContainText(
    "Append",
  );
  await page.getByRole("tab", { name: "Preview" }).click();
  await expect(page.getByRole("table", { name: "Preview of curated.checkout-events" })).toContainText("ck-2");

  // The registry refuses an incompatible change, naming the field: amount narrowed to integer.
  await page.goto("/sources/checkout-events");
  await page
    .getByRole("region", { name: "Schema", exact: true })
    .getByRole("link", { name: "Schema registry" })
    .click();
  await expect(page.getByRole("heading", { name: "Schema registry" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Schema versions" })).toContainText("Active");
  await page.getByRole("button", { name: "New version" }).click();
  const current =
    (await page.getByRole("textbox", { name: "New schema version (JSON Schema)" }).textContent()) ?? "";
  const schema = JSON.parse(current) as { properties: Record<string, Record<string, unknown>> };
  const narrowed = structuredClone(schema);
  narrowed.properties.amount = { type: "integer" };
  await replaceEditorText(page, "New schema version (JSON Schema)", JSON.stringify(narrowed, null, 2));
  await page.getByRole("button", { name: "Check" }).click();
  const result = page.getByRole("region", { name: "Check result" });
  await expect(result.getByRole("alert")).toContainText("Not compatible under BACKWARD");
  await expect(result.getByRole("list", { name: "Compatibility problems" })).toContainText("amount");
  await expect(page.getByRole("button", { name: "Register version" })).toBeDisabled();

  // A new optional field is compatible: registered as version 2.
  const widened = structuredClone(schema);
  widened.properties.coupon = { type: "string" };
  await replaceEditorText(page, "New schema version (JSON Schema)", JSON.stringify(widened, null, 2));
  await page.getByRole("button", { name: "Check" }).click();
  await expect(result.getByRole("status").first()).toContainText("Compatible under BACKWARD");
  await page.getByRole("button", { name: "Register version" }).click();
  await expect(page.getByText(/Version 2 is registered and active/)).toBeVisible();

  // New events carry the new column; the old rows read NULL there, in one table.
  const withCoupon = await request.post(`${E2E.apiUrl}/v1/sources/checkout-events/events`, {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    data: JSON.stringify({
      event_id: "ck-4",
      amount: 7,
      status: "paid",
      occurred_at: "2026-12-02T08:00:00Z",
      coupon: "WINTER",
    }),
  });
  expect(withCoupon.status()).toBe(202);
  const token = await sessionToken(page);
  await expect(async () => {
    const res = await request.get(
      `${E2E.apiUrl}/trpc/tables.preview?input=${encodeURIComponent(JSON.stringify({ json: { table: "curated.checkout-events" } }))}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const preview = (await res.json()).result.data.json as { rows: Record<string, unknown>[] };
    const byId = new Map(preview.rows.map((r) => [r.event_id, r.coupon]));
    expect(byId.get("ck-4")).toBe("WINTER");
    expect(byId.get("ck-1")).toBeNull();
  }).toPass({ timeout: 60_000 });
  await page.goto("/tables/curated.checkout-events?tab=preview");
  const preview = page.getByRole("table", { name: "Preview of curated.checkout-events" });
  await expect(preview.getByRole("columnheader", { name: "coupon" })).toBeVisible();
  await expect(preview).toContainText("WINTER");
});
