// RedisDedupeIndex against redis-server on 127.0.0.1:6379 (started here, without persistence, if
// nothing listens), with the PostgreSQL catalog for the commit transactions; one key prefix per file.
import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { PgCatalog } from "../catalog/pg-catalog";
import type { DedupeOwnerState } from "../ports/dedupe-index";
import { dedupeContract } from "../testing/dedupe-contract";
import { ensureTestRedis, TEST_REDIS_URL as URL } from "../testing/redis-server";
import { RedisDedupeIndex } from "./redis-dedupe-index";

const keyPrefix = `inlet_test_${randomBytes(4).toString("hex")}:`;

let redis: { stop(): Promise<void> } | undefined;
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  redis = await ensureTestRedis();
});

afterAll(async () => {
  await t?.drop();
  await redis?.stop();
});

dedupeContract("Redis", async () => {
  const owners = new Map<string, DedupeOwnerState>();
  const ownerStates = async (ids: string[]) =>
    new Map(ids.flatMap((id) => (owners.has(id) ? [[id, owners.get(id)!] as const] : [])));
  const workers = await Promise.all([
    RedisDedupeIndex.connect({ url: URL, keyPrefix, ownerStates }),
    RedisDedupeIndex.connect({ url: URL, keyPrefix, ownerStates }),
  ]);
  const admin = new Redis(URL);
  return {
    workers: [workers[0], workers[1]],
    catalog: new PgCatalog(t.db),
    owners,
    async createSource() {
      return `src_${randomBytes(4).toString("hex")}`;
    },
    async expire(sourceId) {
      const keys = await admin.keys(`${keyPrefix}dedupe:${sourceId}:*`);
      for (const k of keys) await admin.pexpire(k, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    async cleanup() {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
});
