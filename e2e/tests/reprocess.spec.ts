// Journey: reprocess from raw. Events land under a schema that dead-letters some (a `plan` the
// producer left out); the engineer relaxes the schema; on-call opens the source's page, dry-runs a
// reprocess of the last day (it says how many rows would change), starts it and watches it finish;
// curated then holds each event exactly once, the previously dead-lettered ones included, and no
// letter is left open.
import { expect, test } from "@playwright/test";
import { E2E } from "../env";
import { signedIn, trpc } from "./fixtures";

const SLUG = "web-signups";
const GOOD = 4;
const BAD = 3;

const schema = (required: string[]) => ({
  type: "object",
  required,
  properties: {
    id: { type: "string" },
    at: { type: "string", format: "date-time" },
    email: { type: "string" },
    plan: { type: "string" },
  },
});

test("after a schema is relaxed, on-call reprocesses the day from raw and each event is in curated exactly once", async ({
  browser,
  request,
}) => {
  test.setTimeout(240_000);

  const engineer = await signedIn(browser, "engineer");
  const created = (await trpc(request, engineer, "sources.create", {
    name: "Web signups",
    slug: SLUG,
    idField: "id",
    timeField: "at",
    schema: schema(["id", "at", "email", "plan"]),
  })) as { apiKey: { key: string } };

  const at = new Date(Date.now() - 5 * 60_000).toISOString();
  const good = Array.from({ length: GOOD }, (_, i) => ({
    id: `g${i}`,
    at,
    email: `g${i}@x.test`,
    plan: "pro",
  }));
  const bad = Array.from({ length: BAD }, (_, i) => ({ id: `b${i}`, at, email: `b${i}@x.test` }));
  const sent = await request.post(`${E2E.apiUrl}/v1/sources/${SLUG}/events`, {
    headers: { authorization: `Bearer ${created.apiKey.key}`, "content-type": "application/x-ndjson" },
    data: [...good, ...bad].map((e) => JSON.stringify(e)).join("\n"),
  });
  expect(sent.status()).toBe(202);

  const oncall = await signedIn(browser, "oncall");
  const openLetters = async () =>
    (
      (await trpc(request, oncall, "deadLetters.list", { source: SLUG, status: "open" }, "query")) as {
        items: unknown[];
      }
    ).items.length;
  await expect(async () => expect(await openLetters()).toBe(BAD)).toPass({ timeout: 60_000 });

  // The engineer relaxes the schema: plan is no longer required.
  await trpc(request, engineer, "schemas.register", { slug: SLUG, schema: schema(["id", "at", "email"]) });

  // On-call reprocesses the last day (the form's default range) from the source's page.
  await oncall.goto(`/sources/${SLUG}`);
  const card = oncall.getByTestId("reprocess-card");
  await expect(card).toBeVisible();
  await card.getByTestId("reprocess-rate").fill("50");
  await card.getByTestId("reprocess-dry-run").click();
  const dry = card.getByTestId("reprocess-dry-job");
  await expect(dry).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(dry.getByTestId("reprocess-rows-changed")).toHaveText(String(BAD));
  await expect(dry.getByTestId("reprocess-dead-lettered")).toHaveText("0");
  // A dry run changes nothing.
  expect(await openLetters()).toBe(BAD);

  await card.getByTestId("reprocess-start").click();
  const run = card.getByTestId("reprocess-run-job");
  await expect(run.getByTestId("reprocess-status")).toBeVisible();
  await expect(run).toHaveAttribute("data-status", "succeeded", { timeout: 90_000 });
  await expect(run.getByTestId("reprocess-rows-changed")).toHaveText(String(BAD));

  // The letters are resolved, and curated holds every event exactly once.
  expect(await openLetters()).toBe(0);
  const preview = (await trpc(
    request,
    engineer,
    "tables.preview",
    { table: `curated.${SLUG}` },
    "query",
  )) as {
    rows: { _event_id: string }[];
  };
  const ids = preview.rows.map((r) => r._event_id).sort();
  expect(ids).toEqual([...good, ...bad].map((e) => e.id).sort());

  // The job is listed where on-call follows replays too.
  await oncall.goto("/dead-letters?view=jobs");
  await expect(oncall.getByTestId("reprocess-jobs")).toContainText(`Reprocess of ${SLUG}`);
});
