// Routes that need the data plane: the public ingest API behind admission control, and /metrics (ingest
// counters, queue and backlog gauges measured at scrape time, and whatever the worker processes report).
import { createHash, timingSafeEqual } from "node:crypto";
import { enqueueLandingAnnouncements, landingAnnouncements } from "@inlet/lake-core";
import type { FastifyInstance } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { AdmissionControl, type AdmissionControlOptions, admissionBounds } from "./ingest/admission-control";
import { registerIngestRoutes } from "./ingest/routes";
import { apiRegistry, renderMetrics } from "./metrics";
import type { Runtime } from "./server";

export interface DataPlaneRouteOptions {
  /** The workers' metrics (aggregated), when this process runs them. */
  workerMetrics?: () => Registry;
  /** Admission control's clock, refresh intervals and statfs, for tests. */
  admission?: Pick<AdmissionControlOptions, "statfs" | "refreshMs" | "staleMs" | "now">;
}

const QUEUES = ["batches"] as const;

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The secret of a Bearer token, or the password of Basic credentials (SNS can send only those). */
function presentedSecret(authorization: string | undefined): string {
  if (!authorization) return "";
  const [scheme = "", value = ""] = authorization.split(" ", 2);
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() !== "basic") return "";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}

/** A notification body as an object: SNS posts JSON as text/plain, which arrives as a string. */
function parseNotificationBody(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function queueGauge(name: string, help: string): Gauge<"queue"> {
  return new Gauge({ name, help, labelNames: ["queue"], registers: [apiRegistry] });
}

const queueMetrics = {
  depth: queueGauge("inlet_queue_depth", "Messages waiting to be delivered, by queue."),
  inFlight: queueGauge("inlet_queue_in_flight", "Messages received and not yet acknowledged, by queue."),
  dead: queueGauge(
    "inlet_queue_dead",
    "Messages that exhausted their receives and wait to be recorded, by queue.",
  ),
  oldestAge: queueGauge(
    "inlet_queue_oldest_age_seconds",
    "Age of the oldest waiting or in-flight message, by queue.",
  ),
  up: queueGauge("inlet_queue_up", "1 when the queue answered the last scrape, by queue."),
};

export function dataPlaneRoutes(opts: DataPlaneRouteOptions = {}) {
  return async (app: FastifyInstance, runtime: Runtime): Promise<void> => {
    const admission = new AdmissionControl({
      catalog: runtime.catalog,
      bounds: admissionBounds(runtime.config),
      lakeUrl: runtime.store.url,
      logger: runtime.logger,
      ...opts.admission,
    });
    await registerIngestRoutes(app, { ...runtime, admission });

    // S3 event notifications (a MinIO webhook, an SNS HTTPS subscription, or anything that posts the
    // notification JSON) for objects dropped under landing/{source}/: each ObjectCreated record is
    // queued for the workers to ingest.
    const token = runtime.config.INLET_S3_EVENTS_TOKEN;
    app.post("/v1/landing/s3-events", async (req, reply) => {
      if (!token) {
        return reply.status(404).send({
          error: { code: "NOT_FOUND", message: "S3 event notifications are off; set INLET_S3_EVENTS_TOKEN" },
        });
      }
      if (!sameSecret(presentedSecret(req.headers.authorization), token)) {
        return reply.status(401).send({
          error: {
            code: "UNAUTHORIZED",
            message:
              "A valid token is required: Authorization: Bearer <token>, or Basic with the token as password",
          },
        });
      }
      if (!runtime.store.url.startsWith("s3://")) {
        return reply.status(409).send({
          error: {
            code: "CONFLICT",
            message: `The lake is ${runtime.store.url}; S3 notifications need an s3:// INLET_LAKE_URL`,
          },
        });
      }
      const body = parseNotificationBody(req.body);
      // SNS wraps the notification in an envelope, and first asks the endpoint to confirm.
      if (body?.Type === "SubscriptionConfirmation" && typeof body.SubscribeURL === "string") {
        req.log.warn(
          { topic: body.TopicArn, subscribeUrl: body.SubscribeURL },
          "SNS subscription awaits confirmation: open subscribeUrl once to confirm it",
        );
        return reply.status(200).send({ confirmed: false, subscribeUrl: body.SubscribeURL });
      }
      const notification =
        body?.Type === "Notification" && typeof body.Message === "string"
          ? parseNotificationBody(body.Message)
          : body;
      // S3's test event, sent when notifications are configured, carries no records.
      if (notification?.Event === "s3:TestEvent") return reply.status(202).send({ queued: 0 });
      if (!Array.isArray(notification?.Records)) {
        return reply.status(400).send({
          error: {
            code: "BAD_REQUEST",
            message: "body must be an S3 event notification with Records[] (or an SNS envelope holding one)",
            field: "Records",
          },
        });
      }
      const announced = landingAnnouncements(runtime.store, notification);
      // Never refused over a backlog bound: a refused announcement is lost unless its sender retries it
      // (SNS takes any 4xx as delivered; a MinIO webhook without queue_dir drops it). Queued, its file
      // is held by the worker in landing/ while the source or the server is over a bound
      // (landing/landing-ingest.ts), as a dropped file is.
      const queued = await enqueueLandingAnnouncements(runtime.queue, announced);
      return reply.status(202).send({ queued });
    });

    app.get("/metrics", async (_req, reply) => {
      for (const queue of QUEUES) {
        try {
          const s = await runtime.queue.stats(queue);
          queueMetrics.depth.set({ queue }, s.depth);
          queueMetrics.inFlight.set({ queue }, s.inFlight);
          queueMetrics.dead.set({ queue }, s.dead);
          queueMetrics.oldestAge.set({ queue }, s.oldestAgeMs / 1000);
          queueMetrics.up.set({ queue }, 1);
        } catch {
          queueMetrics.up.set({ queue }, 0);
        }
      }
      // Backlog and disk gauges: the figures admission control judges by, read afresh (one statement).
      await admission.refresh();
      return reply.type(apiRegistry.contentType).send(await renderMetrics(opts.workerMetrics?.()));
    });
  };
}
