// The queue a test shares with a worker it forks (testing/worker-process.ts): the test's own handle,
// the environment the child needs to open the same queue, and how to clean up after.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { NatsQueue } from "../adapters/nats-queue";
import { PgQueue } from "../adapters/pg-queue";
import type { Queue } from "../ports/queue";
import { deleteNatsStream, TEST_NATS_URL } from "./pipeline-fixtures";

export interface QueueForChild {
  queue: Queue;
  /** What the child needs to open the same queue. */
  childEnv: Record<string, string>;
  cleanup(): Promise<void>;
}

/** The PostgreSQL queue on the test's database (the child opens it from WORKER_DATABASE_URL). */
export function pgQueueForChild(pool: pg.Pool): QueueForChild {
  const queue = new PgQueue({ pool });
  return { queue, childEnv: {}, cleanup: () => queue.close() };
}

/** A JetStream stream of its own on the test NATS server, deleted at cleanup. */
export async function natsQueueForChild(prefix: string): Promise<QueueForChild> {
  const stream = `${prefix}_${randomBytes(4).toString("hex")}`;
  const queue = await NatsQueue.connect({
    servers: TEST_NATS_URL,
    streamName: stream,
    subjectPrefix: stream.toLowerCase(),
  });
  return {
    queue,
    childEnv: { WORKER_NATS_URL: TEST_NATS_URL, WORKER_NATS_STREAM: stream },
    async cleanup() {
      await queue.close();
      await deleteNatsStream(stream);
    },
  };
}
