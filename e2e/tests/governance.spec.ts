// Journey: governance staff. A source of contacts (with emails and card numbers) is in the lake, an
// analyst has a saved query over it and one contact was dead-lettered. Governance staff give the pii
// tag a mask rule for analysts and on-call staff, tag `email` as pii and deny `card_number` to
// analysts — previewing the table as an analyst before saving — and save with a reason. The analyst's
// saved query then shows masked emails and a query naming card_number is refused with a clear message;
// on-call staff see the email masked inside the dead letter's payload; the audit log shows the change
// with its reason and both queries.
import { expect, type Page, test } from "@playwright/test";
import { E2E } from "../env";
import { signedIn, signIn, trpc } from "./fixtures";

const SLUG = "crm-contacts";
const TABLE = `curated.${SLUG}`;
const REASON = "Analysts work on aggregates; card data stays with finance (GOV-7)";
const EMAILS = ["ada@example.com", "bo@example.com", "cy@example.com"];
const BAD_EMAIL = "dora@example.com";

/** Replaces the SQL editor's text as a person typing it would. */
async function typeSql(page: Page, sql: string): Promise<void> {
  const editor = page.getByRole("textbox", { name: "SQL", exact: true });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(sql);
}

test("governance staff mask a pii tag and deny a column, previewing as an analyst; it holds in the analyst's queries, on-call's dead letters and the audit log", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(240_000);

  // A contacts source, fed three contacts and one that breaks its schema (a dead letter).
  const engineer = await signedIn(browser, "engineer");
  const created = (await trpc(request, engineer, "sources.create", {
    name: "CRM contacts",
    slug: SLUG,
    idField: "id",
    timeField: "at",
    schema: {
      type: "object",
      required: ["id", "at", "email", "card_number", "spend"],
      properties: {
        id: { type: "string" },
        at: { type: "string", format: "date-time" },
        email: { type: "string" },
        card_number: { type: "string" },
        spend: { type: "number" },
      },
    },
  })) as { apiKey: { key: string } };
  const contacts = EMAILS.map((email, i) => ({
    id: `c${i}`,
    at: `2026-11-0${i + 1}T10:00:00Z`,
    email,
    card_number: `4111 0000 0000 00${i}${i}`,
    spend: 10 * (i + 1),
  }));
  const bad = { id: "c9", at: "2026-11-09T10:00:00Z", email: BAD_EMAIL, card_number: "4111", spend: "lots" };
  const sent = await request.post(`${E2E.apiUrl}/v1/sources/${SLUG}/events`, {
    headers: { authorization: `Bearer ${created.apiKey.key}`, "content-type": "application/x-ndjson" },
    data: [...contacts, bad].map((e) => JSON.stringify(e)).join("\n"),
  });
  expect(sent.status()).toBe(202);
  await expect(async () => {
    const table = await trpc(request, engineer, "tables.get", { name: TABLE }, "query");
    expect(JSON.stringify(table)).toContain(`"rows":${contacts.length}`);
  }).toPass({ timeout: 60_000 });

  // No budget from another journey stands in the analyst's way.
  const admin = await signedIn(browser, "admin");
  await trpc(request, admin, "budgets.set", { role: "analyst", perQueryBytes: null, perDayBytes: null });

  // The analyst's saved query over the contacts, before any policy: emails as they are.
  const analyst = await signedIn(browser, "analyst");
  const saved = (await trpc(request, analyst, "savedQueries.create", {
    name: "Contacts by spend",
    sql: `SELECT id, email, spend FROM curated."${SLUG}" ORDER BY spend DESC`,
  })) as { id: string };

  // Governance staff: the pii tag masks values for analysts and on-call staff.
  await signIn(page, "governance");
  await page.goto(`/policies?table=${encodeURIComponent(TABLE)}&tab=tags`);
  const pii = page.getByTestId("policy-tag-pii");
  await pii.getByRole("combobox", { name: "Analyst's rule for tag pii" }).selectOption("mask");
  await pii.getByRole("combobox", { name: "On-call's rule for tag pii" }).selectOption("mask");
  await pii.getByLabel("Reason (required)").fill("Personal data is masked outside governance (GOV-7)");
  await pii.getByRole("button", { name: "Save tag" }).click();
  await expect(pii.getByRole("button", { name: "Save tag" })).toBeHidden();

  // The table's rules: email tagged pii, card_number denied to analysts — a draft, marked unsaved.
  await page.getByRole("tab", { name: "Rules" }).click();
  const addTag = page.getByRole("combobox", { name: "Add a tag to email" });
  await addTag.fill("pii");
  await addTag.press("Enter");
  await page.getByRole("combobox", { name: "Analyst's rule for card_number" }).selectOption("deny");
  await expect(page.getByTestId("policy-unsaved-count")).toContainText("2");
  await expect(page.getByTestId("policy-cell-email-analyst")).toHaveAttribute("data-effective", "mask");

  // Previewed as an analyst before saving: masked emails, no card numbers.
  await page.getByRole("tab", { name: "Preview as a role" }).click();
  await page.getByTestId("policy-preview-role").selectOption("analyst");
  await page.getByTestId("policy-preview-run").click();
  const preview = page.getByRole("table", { name: /as Analyst/ }).first();
  await expect(preview).toContainText("****");
  await expect(preview).not.toContainText(EMAILS[0]!);
  await expect(preview).not.toContainText("card_number");
  await expect(preview).not.toContainText("4111");

  // Saved: the change as a diff, with a reason.
  await page.getByTestId("policy-save").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("policy-diff")).toContainText("card_number");
  await expect(dialog.getByTestId("policy-diff")).toContainText("pii");
  await dialog.getByTestId("policy-reason").fill(REASON);
  await dialog.getByTestId("policy-save-confirm").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("policy-unsaved-count")).toHaveText("No unsaved changes");

  // The analyst's saved query now shows masked emails.
  await analyst.goto(`/queries/${saved.id}`);
  await analyst.getByRole("toolbar", { name: "Query actions" }).getByRole("button", { name: "Run" }).click();
  const grid = analyst.getByRole("grid", { name: "Query results" });
  await expect(grid).toContainText("****");
  await expect(grid).toContainText("30");
  for (const email of EMAILS) await expect(grid).not.toContainText(email);

  // A query naming card_number is refused, saying a policy hides it.
  await analyst.goto("/queries");
  await typeSql(analyst, `SELECT id, card_number FROM curated."${SLUG}"`);
  await analyst.keyboard.press("ControlOrMeta+Enter");
  await expect(analyst.getByRole("alert").filter({ hasText: "card_number" })).toContainText(
    "hidden from you by an access policy",
  );

  // On-call staff see the email masked inside the dead letter's payload.
  const oncall = await signedIn(browser, "oncall");
  let letterId = "";
  await expect(async () => {
    const letters = (await trpc(
      request,
      oncall,
      "deadLetters.list",
      { source: SLUG, status: "open" },
      "query",
    )) as {
      items: { id: string }[];
    };
    expect(letters.items.length).toBeGreaterThan(0);
    letterId = letters.items[0]!.id;
  }).toPass({ timeout: 60_000 });
  await oncall.goto(`/dead-letters?id=${encodeURIComponent(letterId)}`);
  const payload = oncall.getByTestId("dead-letter-payload");
  await expect(payload).toContainText("****");
  await expect(payload).toContainText("lots");
  await expect(payload).not.toContainText(BAD_EMAIL);
  await expect(oncall.getByText("Payload with your roles' column rules applied")).toBeVisible();

  // The audit log: the change with its reason, and both of the analyst's queries.
  await page.goto(`/audit?table=${encodeURIComponent(TABLE)}`);
  const entries = page.getByRole("table", { name: /audit/i });
  await expect(entries).toContainText("policy.change");
  await expect(entries).toContainText(REASON);
  await page.goto(`/audit?actor=${encodeURIComponent("analyst@")}&action=query`);
  await expect(entries).toContainText("query.run");
  await expect(entries).toContainText("query.failed");
});
