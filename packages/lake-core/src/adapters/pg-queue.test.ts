// PgQueue against a fresh migrated database per test.
import { createTestDatabase } from "@inlet/db/testing";
import { queueContract } from "../testing/queue-contract";
import { PgQueue } from "./pg-queue";

queueContract("PgQueue", async ({ maxReceives, pollIntervalMs }) => {
  const database = await createTestDatabase();
  const queue = new PgQueue({ pool: database.db.pool, maxReceives, pollIntervalMs });
  return {
    queue,
    async cleanup() {
      await queue.close();
      await database.drop();
    },
  };
});
