// Journey: on-call staff. Bad events arrive (a required `channel` the producer forgot) and a
// dead-letter inflow alert fires; on-call sees the banner and acknowledges the alert, sees the inflow
// on the operations dashboard, opens the cause on the Dead letters page, fixes one payload in the
// editor (checked against the active schema as it is typed) and replays it; the engineer relaxes the
// schema; on-call dry-runs the rest, replays them all at a limited rate,
// watches the job finish and the dead letters drain, and every event is in curated exactly once; the
// alert resolves, and the Alerts page says when the rules were last evaluated.
import { expect, test } from "@playwright/test";
import { E2E } from "../env";
import { signedIn, signIn, trpc } from "./fixtures";

const SLUG = "shop-returns";
const GOOD = 3;
const BAD = 12;

const schema = (required: string[]) => ({
  type: "object",
  required,
  properties: {
    id: { type: "string" },
    at: { type: "string", format: "date-time" },
    amount: { type: "number" },
    channel: { type: "string" },
  },
});

test("on-call is alerted, fixes and replays one letter, bulk-replays the rest after a schema fix, and each event lands once", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(480_000);

  const engineer = await signedIn(browser, "engineer");
  const created = (await trpc(request, engineer, "sources.create", {
    name: "Shop returns",
    slug: SLUG,
    idField: "id",
    timeField: "at",
    schema: schema(["id", "at", "amount", "channel"]),
  })) as { id: string; apiKey: { key: string } };

  // On-call watches dead-letter inflow over three minutes for this source (the default is five). The
  // window counts whole minutes, the current one included, so the alert keeps firing for at least two
  // minutes after the letters arrive: long enough to be seen and acknowledged, short enough to resolve
  // within the journey.
  const oncall = await signedIn(browser, "oncall");
  await trpc(request, oncall, "alerts.setRule", {
    kind: "dead_letter_inflow",
    subject: created.id,
    threshold: 10,
    windowMinutes: 3,
    enabled: true,
  });

  const now = Date.now();
  const at = (i: number) => new Date(now - (i + 1) * 1000).toISOString();
  const good = Array.from({ length: GOOD }, (_, i) => ({
    id: `g${i}`,
    at: at(i),
    amount: i + 1,
    channel: "web",
  }));
  const bad = Array.from({ length: BAD }, (_, i) => ({ id: `b${i}`, at: at(i), amount: 10 + i }));
  const sent = await request.post(`${E2E.apiUrl}/v1/sources/${SLUG}/events`, {
    headers: { authorization: `Bearer ${created.apiKey.key}`, "content-type": "application/x-ndjson" },
    data: [...good, ...bad].map((e) => JSON.stringify(e)).join("\n"),
  });
  expect(sent.status()).toBe(202);

  // The alert fires: a banner for on-call, who acknowledges it on the Alerts page.
  await signIn(page, "oncall");
  await expect(page.getByTestId("alert-banner")).toBeVisible({ timeout: 90_000 });
  await page.goto("/alerts");
  const firing = page.getByTestId("active-alert").filter({ hasText: SLUG });
  await firing.getByTestId("alert-acknowledge").click();
  await expect(firing.getByTestId("alert-acknowledged-by")).toContainText("oncall@inlet.local");

  // The operations dashboard shows the source's dead-letter inflow (sampled every 2 s here; the page
  // itself takes a few seconds to draw its charts on a busy machine, so each look waits for it).
  await page.goto("/operations");
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(`${SLUG} · SCHEMA_VIOLATION`).first()).toBeVisible({ timeout: 20_000 });
  }).toPass({ timeout: 120_000, intervals: [2_000] });

  // The cause: the missing channel, twelve letters.
  await page.goto(`/dead-letters?source=${SLUG}`);
  const causes = page.getByRole("table", { name: "Dead letters by cause" });
  await expect(causes).toContainText("channel");
  await expect(causes).toContainText(String(BAD));

  // One payload fixed in the editor, checked against the active schema as it is typed, and replayed.
  const letters = (await trpc(
    request,
    oncall,
    "deadLetters.list",
    { source: SLUG, status: "open" },
    "query",
  )) as {
    items: { id: string; eventId: string | null }[];
  };
  const first = letters.items.find((l) => l.eventId === "b0");
  expect(first).toBeDefined();
  await page.goto(`/dead-letters?id=${encodeURIComponent(first!.id)}`);
  await page.getByTestId("letter-edit").click();
  const editor = page.getByRole("textbox", { name: "Edited payload" });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(JSON.stringify({ ...bad[0], channel: "phone" }));
  await expect(page.getByTestId("letter-edit-ok")).toBeVisible();
  await page.getByTestId("letter-replay").click();
  await expect(page.getByTestId("letter-history")).toContainText("Landed", { timeout: 60_000 });

  // The engineer relaxes the schema: channel is no longer required.
  await trpc(request, engineer, "schemas.register", { slug: SLUG, schema: schema(["id", "at", "amount"]) });

  // On-call dry-runs the rest, then replays them all at 5 events/s and watches the job finish.
  await page.goto(`/dead-letters?source=${SLUG}&view=letters`);
  await page.getByTestId("select-all-matching").click();
  await page.getByTestId("dry-run").click();
  const dry = page.getByTestId("replay-dry-run");
  await expect(dry.getByTestId("dry-run-would-pass")).toContainText(String(BAD - 1));
  await dry.getByTestId("replay-rate").fill("5");
  await dry.getByTestId("replay-start").click();
  const job = page.getByTestId("replay-job").first();
  await expect(job.getByTestId("replay-job-progress")).toBeVisible();
  await expect(job).toHaveAttribute("data-status", "succeeded", { timeout: 90_000 });

  // The dead letters drained, and every event is in curated exactly once.
  await expect(async () => {
    const open = (await trpc(
      request,
      oncall,
      "deadLetters.list",
      { source: SLUG, status: "open" },
      "query",
    )) as {
      items: unknown[];
    };
    expect(open.items).toHaveLength(0);
  }).toPass({ timeout: 60_000 });
  await expect(async () => {
    const table = await trpc(request, engineer, "tables.get", { name: `curated.${SLUG}` }, "query");
    expect(JSON.stringify(table)).toContain(`"rows":${GOOD + BAD}`);
  }).toPass({ timeout: 60_000 });

  // The alert resolves once the inflow is back under its threshold: three minutes after the minute the
  // letters arrived in, at the next round. Should it not, the evaluator's own status says why.
  await expect(async () => {
    const history = (await trpc(
      request,
      oncall,
      "alerts.history",
      { kind: "dead_letter_inflow", subject: created.id },
      "query",
    )) as { items: { resolvedAt: string | null }[] };
    const evaluation = await trpc(request, oncall, "alerts.evaluation", undefined, "query");
    expect(history.items[0]?.resolvedAt ?? null, `evaluator: ${JSON.stringify(evaluation)}`).not.toBeNull();
  }).toPass({ timeout: 240_000, intervals: [5_000] });
  await page.goto("/alerts");
  await expect(page.getByTestId("active-alert").filter({ hasText: SLUG })).toHaveCount(0);
  await expect(page.getByTestId("alert-evaluation")).toContainText("Last evaluated");
});
