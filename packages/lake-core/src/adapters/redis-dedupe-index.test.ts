// RedisDedupeIndex against redis-server on 127.0.0.1:6379 (started here, without persistence, if
// nothing listens), with the PostgreSQL catalog for the commit transactions; one key prefix per file.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect as netConnect } from "node:net";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { PgCatalog } from "../catalog/pg-catalog";
import type { DedupeOwnerState } from "../ports/dedupe-index";
import { dedupeContract } from "../testing/dedupe-contract";
import { RedisDedupeIndex } from "./redis-dedupe-index";

const HOST = "127.0.0.1";
const PORT = 6379;
const URL = `redis://${HOST}:${PORT}`;
const keyPrefix = `inlet_test_${randomBytes(4).toString("hex")}:`;

let server: ChildProcess | undefined;
let t: TestDatabase;

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: HOST, port: PORT });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  if (await reachable()) return;
  const child = spawn("redis-server", ["--bind", HOST, "--port", String(PORT), "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  server = child;
  let failure: Error | undefined;
  child.once("error", (err) => {
    failure = err;
  });
  while (!(await reachable())) {
    if (failure) throw failure;
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await t?.drop();
  if (server) {
    server.kill("SIGTERM");
    await new Promise((resolve) => server?.once("exit", resolve));
  }
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
