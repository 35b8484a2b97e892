// Routes that need the data plane: the public ingest API and /metrics (ingest counters, queue
// gauges measured at scrape time, and whatever the worker processes report).
import { createHash, timingSafeEqual } from "node:crypto";
import { handleObjectCreatedEvent } from "@inlet/lake-core";
import type { FastifyInstance } from "fastify";
import { renderIngestMetrics } from "./ingest/ingest-metrics";
import { registerIngestRoutes } from "./ingest/routes";
import { Gauge, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "./metrics";
import type { Runtime } from "./server";

export interface DataPlaneRouteOptions {
  /** Prometheus text of the workers (aggregated), when this process runs them. */
  workerMetrics?: () => string;
}

const QUEUES = ["batches"] as const;

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

const queueMetrics = {
  depth: new Gauge("inlet_queue_depth", "Messages waiting to be delivered, by queue."),
  inFlight: new Gauge("inlet_queue_in_flight", "Messages received and not yet acknowledged, by queue."),
  dead: new Gauge(
    "inlet_queue_dead",
    "Messages that exhausted their receives and wait to be recorded, by queue.",
  ),
  oldestAge: new Gauge(
    "inlet_queue_oldest_age_seconds",
    "Age of the oldest waiting or in-flight message, by queue.",
  ),
  up: new Gauge("inlet_queue_up", "1 when the queue answered the last scrape, by queue."),
};

export function dataPlaneRoutes(opts: DataPlaneRouteOptions = {}) {
  return async (app: FastifyInstance, runtime: Runtime): Promise<void> => {
    await registerIngestRoutes(app, runtime);

    // S3 event notifications (e.g. a MinIO webhook or an SNS HTTPS subscription) for objects dropped
    // under landing/{source}/: each ObjectCreated record is queued for the workers to ingest.
    const token = runtime.config.INLET_S3_EVENTS_TOKEN;
    app.post("/v1/landing/s3-events", async (req, reply) => {
      if (!token) {
        return reply.status(404).send({
          error: { code: "NOT_FOUND", message: "S3 event notifications are off; set INLET_S3_EVENTS_TOKEN" },
        });
      }
      if (!sameSecret(req.headers.authorization?.replace(/^Bearer /, "") ?? "", token)) {
        return reply
          .status(401)
          .send({ error: { code: "UNAUTHORIZED", message: "A valid Bearer token is required" } });
      }
      if (!runtime.store.url.startsWith("s3://")) {
        return reply.status(409).send({
          error: {
            code: "CONFLICT",
            message: `The lake is ${runtime.store.url}; S3 notifications need an s3:// INLET_LAKE_URL`,
          },
        });
      }
      const records = (req.body as { Records?: unknown } | null)?.Records;
      if (!Array.isArray(records)) {
        return reply.status(400).send({
          error: {
            code: "BAD_REQUEST",
            message: "body must be an S3 event notification with Records[]",
            field: "Records",
          },
        });
      }
      const queued = await handleObjectCreatedEvent(runtime, req.body);
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
      const body =
        renderIngestMetrics() +
        renderPrometheus(Object.values(queueMetrics)) +
        (opts.workerMetrics?.() ?? "");
      return reply.type(PROMETHEUS_CONTENT_TYPE).send(body);
    });
  };
}
