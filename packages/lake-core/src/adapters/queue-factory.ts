// Builds the configured Queue adapter: Postgres (the default) or NATS JetStream.
import type pg from "pg";
import type { Queue } from "../ports/queue";
import { NatsQueue } from "./nats-queue";
import { PgQueue } from "./pg-queue";

export type QueueConfig =
  | { kind: "postgres"; pool: pg.Pool; maxReceives?: number }
  | { kind: "nats"; servers: string; streamName?: string; maxReceives?: number };

/** Async because the NATS adapter connects (and reports an unreachable server) before it is used. */
export async function createQueue(config: QueueConfig): Promise<Queue> {
  switch (config.kind) {
    case "postgres":
      return new PgQueue({ pool: config.pool, maxReceives: config.maxReceives });
    case "nats":
      // One stream and subject prefix per deployment: two deployments on one NATS server must not
      // take each other's messages.
      return NatsQueue.connect({
        servers: config.servers,
        streamName: config.streamName,
        subjectPrefix: config.streamName?.toLowerCase(),
        maxReceives: config.maxReceives,
      });
  }
}
