// The alert webhook against a real local HTTP server: a receiver that fails twice and then succeeds gets
// the posting delivered once, with a signature it can verify; a receiver that keeps failing is given up
// after the bounded attempts; only admins set the URL, and the secret is shown once.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type MinuteActivity, PgCatalog, type QueueStats, type SourceRecord } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TEST_SECRET, type TestServer } from "../testing/test-server";
import { call } from "../testing/trpc-client";
import { evaluateAlerts } from "./alert-evaluator";
import {
  backoffMs,
  decryptSecret,
  deliverDueWebhooks,
  encryptSecret,
  queueWebhookDelivery,
} from "./alert-webhook";

let s: TestServer;
let receiver: Server;
let receiverUrl: string;
/** What the receiver answers, in order; once used up it answers 200. */
let answers: number[] = [];
const received: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];

beforeAll(async () => {
  s = await startTestServer({ INLET_ALERT_INTERVAL_MS: "0" });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = answers.shift() ?? 200;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/inlet`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await s?.close();
});

/** Verifies a posting as a receiver would: the HMAC over `${timestamp}.${body}` with the secret. */
function verifies(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const ts = String(headers["x-inlet-timestamp"]);
  const expected = Buffer.from(
    `sha256=${createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex")}`,
  );
  const given = Buffer.from(String(headers["x-inlet-signature"]));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function fireOne(deadLetters: number) {
  const now = new Date();
  return evaluateAlerts({
    db: s.database.db,
    catalog: {
      listSources: async () => [{ id: "src-orders", slug: "orders", status: "active" }] as SourceRecord[],
      sourceActivityByMinute: async (): Promise<MinuteActivity[]> => [
        {
          minute: new Date(Math.floor(now.getTime() / 60_000) * 60_000),
          accepted: 1,
          deadLettered: deadLetters,
        },
      ],
      commitLatency: async () => ({ batches: 0, p50Ms: undefined, p99Ms: undefined }),
      tryLease: async () => ({ release: async () => {} }),
    },
    queue: { stats: async (): Promise<QueueStats> => ({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 }) },
    onTransition: queueWebhookDelivery,
    now: () => now,
  });
}

const deps = (options: { maxAttempts?: number } = {}) => ({
  db: s.database.db,
  serverSecret: TEST_SECRET,
  catalog: new PgCatalog(s.database.db),
  options: { baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 2_000, ...options },
});

async function deliverUntilSettled(id: string, options: { maxAttempts?: number } = {}) {
  for (let i = 0; i < 100; i++) {
    await deliverDueWebhooks(deps(options));
    const d = await s.database.db.prisma.alertDelivery.findUniqueOrThrow({ where: { id } });
    if (d.deliveredAt || d.failedAt) return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the delivery never settled");
}

describe("alert webhook", () => {
  it("backs off exponentially up to a ceiling", () => {
    const o = { baseDelayMs: 5_000, maxDelayMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, o))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
  });

  it("keeps the secret encrypted under the server secret", () => {
    const stored = encryptSecret(TEST_SECRET, "whsec_abc");
    expect(stored).not.toContain("whsec_abc");
    expect(decryptSecret(TEST_SECRET, stored)).toBe("whsec_abc");
    expect(() => decryptSecret(`${TEST_SECRET}-other`, stored)).toThrow();
  });

  it("lets only admins set a valid URL, and shows the secret once", async () => {
    expect((await call(s, "mutation", "alerts.setWebhook", { url: receiverUrl }, "oncall")).status).toBe(403);
    const bad = await call(s, "mutation", "alerts.setWebhook", { url: "ftp://example.com/x" }, "admin");
    expect(bad.status).toBe(400);
    // Credentials do not go in the URL (stored and audited as it is): the postings are signed instead.
    const withPassword = await call(
      s,
      "mutation",
      "alerts.setWebhook",
      { url: "https://bob:hunter2@example.invalid/hook" },
      "admin",
    );
    expect([withPassword.status, withPassword.issues[0]?.path]).toEqual([400, "url"]);
    expect(withPassword.issues[0]?.message).toMatch(/must not carry a user name or password/);
    const set = await call(s, "mutation", "alerts.setWebhook", { url: receiverUrl }, "admin");
    expect(set.status).toBe(200);
    expect(set.data.secret).toMatch(/^whsec_/);
    expect(set.data.settings).toMatchObject({ url: receiverUrl, hasSecret: true });
    const read = await call(s, "query", "alerts.webhook", undefined, "admin");
    expect(JSON.stringify(read.data)).not.toContain(set.data.secret);
    // Changing the URL alone keeps the secret (and does not show it again).
    const again = await call(s, "mutation", "alerts.setWebhook", { url: receiverUrl }, "admin");
    expect(again.data.secret).toBeNull();
    const audited = await s.database.db.prisma.auditLog.findMany({ where: { action: "alert_webhook.set" } });
    expect(audited).toHaveLength(2);
    // The audit log keeps the receiver's origin, not the path and query a hook's token often sits in.
    expect(audited[0]!.details).toMatchObject({ after: { url: `${new URL(receiverUrl).origin}/…` } });
  });

  it("delivers a fire once after two failures, signed so the receiver can verify it", async () => {
    const set = await call(
      s,
      "mutation",
      "alerts.setWebhook",
      { url: receiverUrl, rotateSecret: true },
      "admin",
    );
    const secret: string = set.data.secret;
    received.length = 0;
    answers = [500, 503];
    const [fired] = await fireOne(40);
    expect(fired?.transition).toBe("fired");
    const delivery = await s.database.db.prisma.alertDelivery.findFirstOrThrow({
      where: { eventId: fired?.eventId },
    });

    const settled = await deliverUntilSettled(delivery.id);
    expect(settled.deliveredAt).not.toBeNull();
    expect(settled.attempts).toBe(3);
    expect(received.map((r) => r.status)).toEqual([500, 503, 200]);
    const ok = received[2];
    if (!ok) throw new Error("no successful posting");
    expect(verifies(secret, ok.headers, ok.body)).toBe(true);
    expect(verifies("whsec_wrong", ok.headers, ok.body)).toBe(false);
    expect(ok.headers["x-inlet-event"]).toBe("alert.fired");
    expect(ok.headers["x-inlet-delivery"]).toBe(delivery.id);
    expect(Math.abs(Number(ok.headers["x-inlet-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    const body = JSON.parse(ok.body);
    expect(body).toMatchObject({
      type: "alert.fired",
      alert: {
        id: fired?.eventId,
        kind: "dead_letter_inflow",
        subject: { type: "source", id: "src-orders", name: "orders" },
        value: 40,
        threshold: 10,
        resolvedAt: null,
      },
    });

    // Delivered once: later rounds post nothing more.
    await deliverDueWebhooks(deps());
    expect(received).toHaveLength(3);

    // The resolve is posted too.
    const [resolved] = await fireOne(0);
    expect(resolved?.transition).toBe("resolved");
    const r = await s.database.db.prisma.alertDelivery.findFirstOrThrow({
      where: { eventId: fired?.eventId, transition: "resolved" },
    });
    await deliverUntilSettled(r.id);
    expect(JSON.parse(received.at(-1)?.body ?? "{}")).toMatchObject({
      type: "alert.resolved",
      alert: { resolvedValue: 0 },
    });
  });

  it("posts a retry on the round its backoff falls due in, counted from the failed attempt", async () => {
    answers = [500];
    const [fired] = await fireOne(41);
    const d = await s.database.db.prisma.alertDelivery.findFirstOrThrow({
      where: { eventId: fired?.eventId },
    });
    // Rounds every 5 s, as the API runs them; the first attempt fails at t, the retry is due at t + 5 s.
    let clock = new Date(Date.now() + 1_000);
    const round = () =>
      deliverDueWebhooks({
        ...deps(),
        options: { baseDelayMs: 5_000, maxDelayMs: 60_000, timeoutMs: 2_000 },
        now: () => clock,
      });
    const attemptAt = clock.getTime();
    await round();
    const failed = await s.database.db.prisma.alertDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(failed.attempts).toBe(1);
    expect(failed.nextAttemptAt.getTime()).toBe(attemptAt + 5_000);
    // The next round starts a moment before that (its timer, the time the attempt took): it posts.
    clock = new Date(attemptAt + 5_000 - 20);
    await round();
    const settled = await s.database.db.prisma.alertDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(settled.attempts).toBe(2);
    expect(settled.deliveredAt).not.toBeNull();
    // Resolved again, for the tests after this one.
    const [resolved] = await fireOne(0);
    const r = await s.database.db.prisma.alertDelivery.findFirstOrThrow({
      where: { eventId: resolved?.eventId, transition: "resolved" },
    });
    await deliverUntilSettled(r.id);
  });

  it("gives up after the bounded attempts, keeping the last error", async () => {
    answers = [500, 500, 500, 500];
    const [fired] = await fireOne(99);
    const d = await s.database.db.prisma.alertDelivery.findFirstOrThrow({
      where: { eventId: fired?.eventId },
    });
    const settled = await deliverUntilSettled(d.id, { maxAttempts: 3 });
    expect(settled).toMatchObject({ attempts: 3, deliveredAt: null, lastError: "the receiver answered 500" });
    expect(settled.failedAt).not.toBeNull();
    answers = [];
  });
});
