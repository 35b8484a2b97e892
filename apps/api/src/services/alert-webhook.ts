// The alert webhook: its settings (a URL and a signing secret), the JSON body posted when an alert fires
// or resolves, its signature, and delivery with bounded retries and exponential backoff. Each posting
// is a row in alert_deliveries, so a restarted API carries on where the last one stopped.
//
// The secret: the receiver verifies an HMAC with it, so Inlet must be able to sign with it later; a hash
// would not do. It is shown once when generated and kept encrypted (AES-256-GCM) under a key derived
// from NEXTAUTH_SECRET, which every API process of a deployment already shares and which is not in the
// database: a copy of the database alone does not reveal it.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import type { AlertEvent, Db, Prisma } from "@inlet/db";
import { type Catalog, InletError } from "@inlet/lake-core";
import type { Logger } from "pino";
import { z } from "zod";
import type { Actor } from "../auth/session";
import type { AlertTransition } from "./alert-evaluator";
import { ALERT_KIND_INFO, type AlertKind } from "./alert-rules";
import type { AuditService } from "./audit";

const WEBHOOK_ID = "default";
export const SIGNATURE_HEADER = "x-inlet-signature";
export const TIMESTAMP_HEADER = "x-inlet-timestamp";
export const DELIVERY_HEADER = "x-inlet-delivery";
export const EVENT_HEADER = "x-inlet-event";

export const webhookUrlSchema = z
  .url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" })
  .max(2000, "must be at most 2000 characters")
  .refine((u) => {
    const parsed = new URL(u);
    return parsed.username === "" && parsed.password === "";
  }, "must not carry a user name or password: the receiver checks each posting's signature instead");

/**
 * The URL as the audit log keeps it: its origin, with the path and query (where hooks often carry a
 * token, as Slack's do) left out.
 */
export function auditedWebhookUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.pathname === "/" && parsed.search === "" ? parsed.origin : `${parsed.origin}/…`;
  } catch {
    return "(not a URL)";
  }
}

export interface WebhookDeliveryOptions {
  /** Attempts before a posting is given up (default 8). */
  maxAttempts: number;
  /** The wait after the first failure; doubled after each further one (default 5 s). */
  baseDelayMs: number;
  /** The longest wait between attempts (default 10 min). */
  maxDelayMs: number;
  /** A receiver that has not answered in this long has failed the attempt (default 10 s). */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_DELIVERY: WebhookDeliveryOptions = {
  maxAttempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 10 * 60_000,
  timeoutMs: 10_000,
};

/** The wait before attempt `attempts + 1`, after `attempts` failures. */
export function backoffMs(
  attempts: number,
  o: Pick<WebhookDeliveryOptions, "baseDelayMs" | "maxDelayMs">,
): number {
  return Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

/** The signature of a body sent at `timestamp` (unix seconds): HMAC-SHA-256 over `${timestamp}.${body}`, hex. */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

function secretKey(serverSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", serverSecret, "inlet", "alert webhook secret", 32));
}

export function encryptSecret(serverSecret: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretKey(serverSecret), iv);
  const data = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), data.toString("base64")].join(
    ".",
  );
}

export function decryptSecret(serverSecret: string, stored: string): string {
  const [v, iv, tag, data] = stored.split(".");
  if (v !== "v1" || !iv || !tag || !data) throw new Error("unknown format of the stored webhook secret");
  const decipher = createDecipheriv("aes-256-gcm", secretKey(serverSecret), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
}

/** What the webhook receives (the README documents it field by field). */
export interface AlertWebhookBody {
  type: "alert.fired" | "alert.resolved";
  alert: {
    id: string;
    kind: string;
    label: string;
    subject: { type: string; id: string; name: string };
    message: string;
    unit: string;
    threshold: number;
    value: number;
    lastValue: number;
    firedAt: string;
    resolvedAt: string | null;
    resolvedValue: number | null;
    acknowledgedBy: string | null;
    acknowledgedAt: string | null;
  };
}

export function webhookBody(transition: AlertTransition["transition"], e: AlertEvent): AlertWebhookBody {
  const info = ALERT_KIND_INFO[e.kind as AlertKind];
  return {
    type: transition === "fired" ? "alert.fired" : "alert.resolved",
    alert: {
      id: e.id,
      kind: e.kind,
      label: info?.label ?? e.kind,
      subject: { type: e.subjectType, id: e.subjectId, name: e.subjectName },
      message: e.message,
      unit: info?.unit ?? "",
      threshold: e.threshold,
      value: e.value,
      lastValue: e.lastValue,
      firedAt: e.firedAt.toISOString(),
      resolvedAt: e.resolvedAt?.toISOString() ?? null,
      resolvedValue: e.resolvedValue,
      acknowledgedBy: e.acknowledgedByEmail,
      acknowledgedAt: e.acknowledgedAt?.toISOString() ?? null,
    },
  };
}

/**
 * Queues the posting of a fire or resolve, in the transaction that records it, when a webhook URL is
 * set (the evaluator's onTransition).
 */
export async function queueWebhookDelivery(tx: Prisma.TransactionClient, t: AlertTransition): Promise<void> {
  const hook = await tx.alertWebhook.findUnique({ where: { id: WEBHOOK_ID } });
  if (!hook?.url) return;
  const event = await tx.alertEvent.findUniqueOrThrow({ where: { id: t.eventId } });
  await tx.alertDelivery.upsert({
    where: { eventId_transition: { eventId: t.eventId, transition: t.transition } },
    create: {
      eventId: t.eventId,
      transition: t.transition,
      body: JSON.stringify(webhookBody(t.transition, event)),
    },
    update: {},
  });
}

export interface DeliveryDeps {
  db: Db;
  serverSecret: string;
  catalog: Pick<Catalog, "tryLease">;
  logger?: Logger;
  options?: Partial<WebhookDeliveryOptions>;
  now?: () => Date;
}

export const WEBHOOK_LEASE = "inlet.alert-webhook";

/**
 * A posting due this soon is sent in the round at hand: rounds come every few seconds, and one due a
 * moment after a round starts (its retry counted from that round's attempt) would wait a whole round more.
 */
export const WEBHOOK_DUE_SLACK_MS = 1_000;

/** Posts every due delivery once (under the lease: one API process at a time); returns how many were tried. */
export async function deliverDueWebhooks(deps: DeliveryDeps): Promise<number> {
  const clock = deps.now ?? (() => new Date());
  const dueBy = () => new Date(clock().getTime() + WEBHOOK_DUE_SLACK_MS);
  // Most rounds have nothing due: look before taking the lease.
  const anyDue = await deps.db.prisma.alertDelivery.findFirst({
    where: { deliveredAt: null, failedAt: null, nextAttemptAt: { lte: dueBy() } },
    select: { id: true },
  });
  if (!anyDue) return 0;
  const lease = await deps.catalog.tryLease(WEBHOOK_LEASE);
  if (!lease) return 0;
  try {
    const o = { ...DEFAULT_WEBHOOK_DELIVERY, ...deps.options };
    const { prisma } = deps.db;
    const due = await prisma.alertDelivery.findMany({
      where: { deliveredAt: null, failedAt: null, nextAttemptAt: { lte: dueBy() } },
      orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }],
      take: 50,
    });
    if (due.length === 0) return 0;
    const hook = await prisma.alertWebhook.findUnique({ where: { id: WEBHOOK_ID } });
    for (const d of due) {
      const attempts = d.attempts + 1;
      // The next attempt is counted from this one's start, not from when the receiver answered.
      const attemptAt = clock();
      let error: string | undefined;
      if (!hook?.url || !hook.secretEncrypted) error = "no webhook URL or secret is set";
      else {
        try {
          const secret = decryptSecret(deps.serverSecret, hook.secretEncrypted);
          const ts = Math.floor(Date.now() / 1000);
          const res = await fetch(hook.url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "user-agent": "Inlet-Alerts/1",
              [SIGNATURE_HEADER]: signBody(secret, ts, d.body),
              [TIMESTAMP_HEADER]: String(ts),
              [DELIVERY_HEADER]: d.id,
              [EVENT_HEADER]: d.transition === "fired" ? "alert.fired" : "alert.resolved",
            },
            body: d.body,
            redirect: "manual",
            signal: AbortSignal.timeout(o.timeoutMs),
          });
          await res.body?.cancel();
          if (res.status < 200 || res.status >= 300) error = `the receiver answered ${res.status}`;
        } catch (err) {
          error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        }
      }
      const now = new Date();
      if (error === undefined) {
        await prisma.alertDelivery.update({
          where: { id: d.id },
          data: { attempts, deliveredAt: now, lastError: null },
        });
      } else {
        const giveUp = attempts >= o.maxAttempts;
        await prisma.alertDelivery.update({
          where: { id: d.id },
          data: {
            attempts,
            lastError: error.slice(0, 500),
            ...(giveUp
              ? { failedAt: now }
              : { nextAttemptAt: new Date(attemptAt.getTime() + backoffMs(attempts, o)) }),
          },
        });
        deps.logger?.warn(
          { delivery: d.id, attempts, error, gaveUp: giveUp },
          "alert webhook delivery failed",
        );
      }
    }
    return due.length;
  } finally {
    await lease.release();
  }
}

/** Delivers due postings every interval; the returned function stops it and waits for a round in progress. */
export function startWebhookDelivery(deps: DeliveryDeps & { intervalMs: number }): () => Promise<void> {
  let current: Promise<void> | undefined;
  const tick = () => {
    if (current) return;
    current = deliverDueWebhooks(deps)
      .then(() => undefined)
      .catch((err: unknown) => deps.logger?.warn({ err }, "alert webhook round failed"))
      .finally(() => {
        current = undefined;
      });
  };
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
  };
}

/** The webhook's settings as admins see them: never the secret itself. */
export interface WebhookSettings {
  url: string | null;
  hasSecret: boolean;
  updatedByEmail: string | null;
  updatedAt: Date | null;
  /** The latest postings, newest first. */
  recent: {
    id: string;
    eventId: string;
    transition: string;
    attempts: number;
    deliveredAt: Date | null;
    failedAt: Date | null;
    nextAttemptAt: Date;
    lastError: string | null;
  }[];
}

export class AlertWebhookService {
  constructor(
    private readonly db: Db,
    private readonly serverSecret: string,
    private readonly audit: AuditService,
  ) {}

  async settings(): Promise<WebhookSettings> {
    const hook = await this.db.prisma.alertWebhook.findUnique({ where: { id: WEBHOOK_ID } });
    const recent = await this.db.prisma.alertDelivery.findMany({
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 20,
      select: {
        id: true,
        eventId: true,
        transition: true,
        attempts: true,
        deliveredAt: true,
        failedAt: true,
        nextAttemptAt: true,
        lastError: true,
      },
    });
    return {
      url: hook?.url ?? null,
      hasSecret: Boolean(hook?.secretEncrypted),
      updatedByEmail: hook?.updatedByEmail || null,
      updatedAt: hook?.updatedAt ?? null,
      recent,
    };
  }

  /**
   * Sets the URL (null turns posting off). A secret is generated the first time, or when asked to
   * rotate; it is returned only then.
   */
  async set(
    actor: Actor,
    input: { url: string | null; rotateSecret: boolean },
    requestId?: string,
  ): Promise<{ settings: WebhookSettings; secret: string | null }> {
    const checked = input.url === null ? undefined : webhookUrlSchema.safeParse(input.url);
    if (checked && !checked.success)
      throw new InletError("BAD_REQUEST", `The webhook URL ${checked.error.issues[0]?.message}`, {
        field: "url",
      });
    let secret: string | null = null;
    await this.db.prisma.$transaction(async (tx) => {
      const before = await tx.alertWebhook.findUnique({ where: { id: WEBHOOK_ID } });
      const needSecret = input.rotateSecret || (!before?.secretEncrypted && input.url !== null);
      if (needSecret) secret = `whsec_${randomBytes(32).toString("base64url")}`;
      const data = {
        url: input.url,
        updatedByEmail: actor.email,
        updatedAt: new Date(),
        ...(secret ? { secretEncrypted: encryptSecret(this.serverSecret, secret) } : {}),
      };
      await tx.alertWebhook.upsert({
        where: { id: WEBHOOK_ID },
        create: { id: WEBHOOK_ID, ...data },
        update: data,
      });
      await this.audit.record(
        actor,
        {
          action: "alert_webhook.set",
          targetType: "alert_webhook",
          targetId: WEBHOOK_ID,
          details: {
            before: { url: auditedWebhookUrl(before?.url) },
            after: { url: auditedWebhookUrl(input.url) },
            secretRotated: secret !== null,
          },
        },
        requestId,
        tx,
      );
    });
    return { settings: await this.settings(), secret };
  }
}
