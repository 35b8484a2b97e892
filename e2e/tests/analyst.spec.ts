// Journey: an analyst. Orders over three days are in the lake; the analyst sees the estimate change as
// a date filter is typed, runs a query within budget (rows, a chart, bytes scanned and cost), saves it
// with a {{day}} parameter and its chart, reopens it from the saved list (it runs and shows its chart)
// and runs it for another day; once an admin sets a small daily budget, a query over it is refused
// with the limit named; the runs are in history.
import { expect, type Page, test } from "@playwright/test";
import { E2E } from "../env";
import { sessionToken, signedIn, signIn } from "./fixtures";

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of `days` days before today (UTC). */
function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
}

const DAYS = [daysAgo(3), daysAgo(2), daysAgo(1)];

/** Replaces the SQL editor's text as a person typing it would. */
async function typeSql(page: Page, sql: string): Promise<void> {
  const editor = page.getByRole("textbox", { name: "SQL", exact: true });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(sql);
}

test("an analyst estimates, runs, charts, saves with a parameter, reruns, hits the daily budget and finds the runs in history", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(180_000);

  // A source of its own, with orders on three days, registered and fed as an engineer would.
  const engineer = await signedIn(browser, "engineer");
  const token = await sessionToken(engineer);
  const created = await request.post(`${E2E.apiUrl}/trpc/sources.create`, {
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    data: {
      json: {
        name: "Shop orders",
        slug: "shop-orders",
        idField: "id",
        timeField: "at",
        schema: {
          type: "object",
          required: ["id", "at", "status", "amount"],
          properties: {
            id: { type: "string" },
            at: { type: "string", format: "date-time" },
            status: { type: "string", enum: ["paid", "refunded"] },
            amount: { type: "number" },
          },
        },
      },
    },
  });
  expect(created.status()).toBe(200);
  const key = (await created.json()).result.data.json.apiKey.key as string;
  const events = DAYS.flatMap((day, d) =>
    Array.from({ length: 4 + d * 2 }, (_, i) => ({
      id: `${day}-${i}`,
      at: `${day}T${String(8 + i).padStart(2, "0")}:00:00Z`,
      status: i % 3 === 0 ? "refunded" : "paid",
      amount: 10 + i,
    })),
  );
  const sent = await request.post(`${E2E.apiUrl}/v1/sources/shop-orders/events`, {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    data: events.map((e) => JSON.stringify(e)).join("\n"),
  });
  expect(sent.status()).toBe(202);
  await expect(async () => {
    const res = await request.get(
      `${E2E.apiUrl}/trpc/tables.get?input=${encodeURIComponent(JSON.stringify({ json: { name: "curated.shop-orders" } }))}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(JSON.stringify(await res.json())).toContain(`"rows":${events.length}`);
  }).toPass({ timeout: 60_000 });

  // The estimate changes as a date filter is typed: fewer partitions, fewer bytes.
  await signIn(page, "analyst");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Queries" }).click();
  const estimate = page.getByRole("region", { name: "Estimate" });
  await typeSql(
    page,
    'SELECT status, count(*) AS orders, sum(amount) AS revenue FROM curated."shop-orders" GROUP BY status',
  );
  await expect(estimate.getByTestId("estimate-bytes")).toHaveText(/\d/);
  const whole = await estimate.getByTestId("estimate-bytes").textContent();
  await typeSql(
    page,
    `SELECT status, count(*) AS orders, sum(amount) AS revenue FROM curated."shop-orders" WHERE dt >= DATE '${DAYS[2]}' GROUP BY status`,
  );
  await expect(estimate.getByTestId("estimate-bytes")).not.toHaveText(whole ?? "");

  // Run within budget: rows, a chart, bytes scanned and cost.
  await page.keyboard.press("ControlOrMeta+Enter");
  const summary = page.getByRole("region", { name: "Run summary" });
  await expect(summary.getByTestId("run-rows")).toContainText("2");
  await expect(summary.getByTestId("run-bytes-scanned")).toHaveText(/\d/);
  await expect(summary.getByTestId("run-cost")).toContainText("$");
  const grid = page.getByRole("grid", { name: "Query results" });
  await expect(grid).toContainText("paid");
  await expect(page.getByRole("img", { name: /chart/i })).toBeVisible();

  // Saved with a {{day}} parameter, reopened from the saved list, run for another day.
  await typeSql(
    page,
    `SELECT status, count(*) AS orders FROM curated."shop-orders" WHERE dt = {{day}} GROUP BY status ORDER BY status`,
  );
  await page.getByRole("combobox", { name: "Type of day" }).selectOption("date");
  await page.getByLabel("Value of day").fill(DAYS[0] ?? "");
  await page.getByRole("toolbar", { name: "Query actions" }).getByRole("button", { name: "Run" }).click();
  await expect(grid).toContainText("refunded");
  await page
    .getByRole("toolbar", { name: "Query actions" })
    .getByRole("button", { name: "Save", exact: true })
    .click();
  const dialog = page.getByRole("dialog", { name: "Save as a new query" });
  await dialog.getByRole("textbox", { name: "Name" }).fill("Orders by status for a day");
  await dialog.getByRole("button", { name: "Save query" }).click();
  await expect(dialog).toBeHidden();

  await page.goto("/queries");
  await page
    .getByRole("navigation", { name: "Saved queries" })
    .getByRole("link", { name: "Orders by status for a day" })
    .click();
  await expect(page.getByRole("textbox", { name: "SQL", exact: true })).toContainText("{{day}}");
  // Opened, a saved query with a chart runs once with its saved day and shows the chart.
  await expect(page.getByRole("img", { name: /chart/i })).toBeVisible();
  await expect(page.getByRole("region", { name: "Run summary" }).getByTestId("run-rows")).toContainText("2");
  await expect(
    page.getByRole("toolbar", { name: "Query actions" }).getByRole("button", { name: "Run" }),
  ).toBeEnabled();
  await page.getByLabel("Value of day").fill(DAYS[2] ?? "");
  await page.getByRole("toolbar", { name: "Query actions" }).getByRole("button", { name: "Run" }).click();
  // The last day has 8 orders: 3 refunded (i = 0, 3, 6) and 5 paid.
  await expect(grid).toContainText("5");
  await expect(grid).toContainText("3");

  // An admin sets a small daily budget for analysts; the next query over it is refused, naming it.
  const admin = await signedIn(browser, "admin");
  await admin.goto("/queries/budgets");
  const form = admin.getByRole("form", { name: "Analyst budget" });
  await form.getByRole("textbox", { name: "Per day (Analyst)" }).fill("1 KB");
  await form.getByRole("button", { name: "Save Analyst budget" }).click();
  await expect(form).toContainText("Saved");

  await page.goto("/queries");
  await typeSql(page, `SELECT * FROM curated."shop-orders"`);
  await page.keyboard.press("ControlOrMeta+Enter");
  const refusal = page.getByRole("alert").filter({ hasText: "budget" });
  await expect(refusal).toContainText("Refused: over your bytes-scanned budget");
  await expect(refusal).toContainText(/daily limit of 1 KB for the role analyst/);

  // Every run is in the history, the saved query's included.
  await page
    .getByRole("navigation", { name: "Queries pages" })
    .getByRole("link", { name: "History" })
    .click();
  const runs = page.getByRole("table", { name: "Query runs" });
  await expect(runs).toContainText("shop-orders");
  await expect(runs).toContainText("succeeded");
});
