import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import pino from "pino";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { PgQueue } from "../adapters/pg-queue";
import type { ReceivedMessage } from "../ports/queue";
import { BatchLeases } from "./batch-leases";

const LEASE_MS = 1_500;
const logger = pino({ level: "silent" });
let t: TestDatabase;
let queue: PgQueue;
let leases: BatchLeases | undefined;
let lost = 0;
let n = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  queue = new PgQueue({ pool: t.db.pool });
});
afterEach(() => {
  leases?.stop();
  lost = 0;
});
afterAll(async () => {
  await queue.close();
  await t?.drop();
});

function start(maxHoldMs: number): { name: string; leases: BatchLeases } {
  const name = `leases_${++n}`;
  leases = new BatchLeases(queue, name, { leaseMs: LEASE_MS, maxHoldMs }, logger, (count) => {
    lost += count;
  });
  return { name, leases };
}

async function receiveHeld(name: string, l: BatchLeases): Promise<ReceivedMessage> {
  const [msg] = await queue.receive(name, { max: 1, waitMs: 5_000, visibilityTimeoutMs: LEASE_MS });
  expect(msg).toBeDefined();
  l.hold([msg!]);
  return msg!;
}

it("keeps a held batch from other receivers past several leases, and stops renewing once it is acked", async () => {
  const { name, leases } = start(60_000);
  await queue.send(name, { batchId: "b1" });
  const msg = await receiveHeld(name, leases);
  expect(await queue.receive(name, { max: 1, waitMs: 4 * LEASE_MS, visibilityTimeoutMs: LEASE_MS })).toEqual(
    [],
  );
  await leases.queue.ack(name, msg);
  expect(leases.size).toBe(0);
  expect(lost).toBe(0);
  expect(await queue.stats(name)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
});

it("hands a nacked batch back without renewing it again", async () => {
  const { name, leases } = start(60_000);
  await queue.send(name, { batchId: "b2" });
  const msg = await receiveHeld(name, leases);
  await leases.queue.nack(name, msg, { delayMs: 200, error: "try again" });
  expect(leases.size).toBe(0);
  const [again] = await queue.receive(name, { max: 1, waitMs: 5_000, visibilityTimeoutMs: LEASE_MS });
  expect(again?.receiveCount).toBe(2);
  await queue.ack(name, again!);
  expect(lost).toBe(0);
});

it("stops renewing after the longest hold, so another worker gets the batch of a flush that hangs", async () => {
  const { name, leases } = start(2 * LEASE_MS);
  await queue.send(name, { batchId: "b3" });
  const msg = await receiveHeld(name, leases);
  const [again] = await queue.receive(name, { max: 1, waitMs: 20_000, visibilityTimeoutMs: LEASE_MS });
  expect(again?.id).toBe(msg.id);
  expect(again?.receiveCount).toBe(2);
  expect(leases.size).toBe(0);
  await queue.ack(name, again!);
});

it("counts a lease that ran out before its renewal as lost, and does not take the batch back", async () => {
  const { name, leases } = start(60_000);
  await queue.send(name, { batchId: "b4" });
  const [msg] = await queue.receive(name, { max: 1, waitMs: 5_000, visibilityTimeoutMs: LEASE_MS });
  // Held too late: the lease ran out first (a worker stalled longer than a lease).
  const [again] = await queue.receive(name, { max: 1, waitMs: 20_000, visibilityTimeoutMs: 60_000 });
  expect(again?.receiveCount).toBe(2);
  leases.hold([msg!]);
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
  expect(lost).toBe(1);
  expect(leases.size).toBe(0);
  expect(await queue.extend(name, [again!], 60_000)).toEqual([true]);
  await queue.ack(name, again!);
});
