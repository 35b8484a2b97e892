// The contract every Queue adapter passes: delivery, visibility, retries, dead letters, stats, load.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Queue, ReceivedMessage } from "../ports/queue";

export interface QueueUnderTest {
  queue: Queue;
  cleanup(): Promise<void>;
}

export interface QueueUnderTestOptions {
  maxReceives: number;
  /**
   * For an adapter that also polls while a receive waits: poll no more often than this. The wake-up
   * test sets it far above its latency bound, so that only the adapter's wake-up on send can pass.
   */
  pollIntervalMs?: number;
}

/** The suite creates its queues with this many receives before a message is dead. */
export const CONTRACT_MAX_RECEIVES = 3;

const LONG_WAIT_MS = 20_000;
const SHORT_VISIBILITY_MS = 1_000;
// Lease tests renew five times per lease, so a renewal a few hundred milliseconds late still lands.
const LEASE_MS = 2_000;
const RENEW_EVERY_MS = 400;
const WAKE_TEST_POLL_INTERVAL_MS = 10_000;
// Generous for a loaded machine, yet well under that poll interval: a receive woken by its next poll
// instead of by the send misses it by seconds.
const WAKE_BOUND_MS = 3_000;

export function queueContract(
  name: string,
  makeQueue: (opts: QueueUnderTestOptions) => Promise<QueueUnderTest>,
): void {
  describe(`Queue contract: ${name}`, () => {
    let q: Queue;
    let cleanup: () => Promise<void>;
    let queueName: string;

    beforeEach(async () => {
      ({ queue: q, cleanup } = await makeQueue({ maxReceives: CONTRACT_MAX_RECEIVES }));
      queueName = `t_${randomBytes(6).toString("hex")}`;
    });

    afterEach(async () => {
      await cleanup();
    });

    async function receiveOne(visibilityTimeoutMs?: number): Promise<ReceivedMessage> {
      const got = await q.receive(queueName, { max: 1, waitMs: LONG_WAIT_MS, visibilityTimeoutMs });
      expect(got).toHaveLength(1);
      return got[0]!;
    }

    it("delivers a sent message and never again once it is acked", async () => {
      await q.send(queueName, { batchId: "b1", sourceId: "s1", rawKey: "raw/s1/b1.ndjson" });
      const m = await receiveOne();
      expect(m.body).toEqual({ batchId: "b1", sourceId: "s1", rawKey: "raw/s1/b1.ndjson" });
      expect(m.receiveCount).toBe(1);
      expect(m.enqueuedAt).toBeInstanceOf(Date);
      expect(typeof m.id).toBe("string");
      await q.ack(queueName, m);
      expect(await q.receive(queueName, { max: 10, waitMs: 0 })).toEqual([]);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("keeps JSON bodies intact", async () => {
      const body = {
        text: 'naïve café ✓ 日本語 "quoted" \\ back\nslash',
        empty: "",
        int: 9_007_199_254_740_991,
        negative: -42,
        float: 0.1 + 0.2,
        yes: true,
        no: false,
        nothing: null,
        list: [1, "two", { three: [3] }, []],
        nested: { a: { b: { c: { d: "deep" } } } },
        long: "x".repeat(10_000),
      };
      await q.send(queueName, body);
      const m = await receiveOne();
      expect(m.body).toEqual(body);
      await q.ack(queueName, m);
    });

    it("hides a received message until its visibility timeout, then redelivers it", async () => {
      // Consumers of one queue share one visibility timeout (NATS keeps it per consumer).
      const visibilityMs = SHORT_VISIBILITY_MS;
      await q.send(queueName, { n: 1 });
      const first = await receiveOne(visibilityMs);
      expect(await q.receive(queueName, { max: 10, waitMs: 0, visibilityTimeoutMs: visibilityMs })).toEqual(
        [],
      );
      const second = await receiveOne(visibilityMs);
      expect(second.id).toBe(first.id);
      expect(second.receiveCount).toBe(2);
      expect(second.body).toEqual({ n: 1 });
      // A late ack from the first consumer must not remove the message: it is delivered once more.
      await q.ack(queueName, first);
      const third = await receiveOne(visibilityMs);
      expect(third.id).toBe(first.id);
      expect(third.receiveCount).toBe(3);
      await q.ack(queueName, second);
      await q.ack(queueName, third);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("keeps a message whose lease is renewed from every other receiver, past several lease lengths", async () => {
      await q.send(queueName, { n: 1 });
      const held = await receiveOne(LEASE_MS);
      const holdMs = 3 * LEASE_MS;
      // Another receiver long-polls the queue for the whole time the holder renews.
      const other = q.receive(queueName, { max: 10, waitMs: holdMs, visibilityTimeoutMs: LEASE_MS });
      const renewals: boolean[] = [];
      for (const until = Date.now() + holdMs; Date.now() < until; ) {
        await sleep(RENEW_EVERY_MS);
        renewals.push(...(await q.extend(queueName, [held], LEASE_MS)));
      }
      expect(await other).toEqual([]);
      expect(renewals.length).toBeGreaterThan(3);
      expect(renewals.every(Boolean)).toBe(true);
      expect(await q.stats(queueName)).toMatchObject({ depth: 0, inFlight: 1 });
      await q.ack(queueName, held);
      expect(await q.extend(queueName, [held], LEASE_MS)).toEqual([false]);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("redelivers a message one lease after its holder stops renewing it", async () => {
      await q.send(queueName, { n: 1 });
      await q.send(queueName, { n: 2 });
      const got = await q.receive(queueName, { max: 2, waitMs: LONG_WAIT_MS, visibilityTimeoutMs: LEASE_MS });
      const all = got.length === 2 ? got : [...got, await receiveOne(LEASE_MS)];
      const [done, dropped] = all;
      await q.ack(queueName, done!);
      // One call renews several messages and says which it still held.
      expect(await q.extend(queueName, [done!, dropped!], LEASE_MS)).toEqual([false, true]);
      // The holder stops renewing (it died): the message comes back after its lease, to the next receiver.
      const again = await receiveOne(LEASE_MS);
      expect(again.id).toBe(dropped!.id);
      expect(again.body).toEqual(dropped!.body);
      expect(again.receiveCount).toBe(2);
      await q.ack(queueName, again);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("refuses to renew a lease that ran out, and never takes a message back from its new receiver", async () => {
      await q.send(queueName, { n: 1 });
      const first = await receiveOne(SHORT_VISIBILITY_MS);
      // Its lease runs out before anyone else receives it: the late renewal is refused all the same.
      await sleep(SHORT_VISIBILITY_MS + 500);
      expect(await q.extend(queueName, [first], SHORT_VISIBILITY_MS)).toEqual([false]);
      const second = await receiveOne(LEASE_MS);
      expect(second.id).toBe(first.id);
      expect(second.receiveCount).toBe(2);
      // The first holder wakes up and renews: refused, and the new receiver's lease is untouched.
      expect(await q.extend(queueName, [first], LEASE_MS)).toEqual([false]);
      expect(await q.extend(queueName, [second], LEASE_MS)).toEqual([true]);
      expect(await q.receive(queueName, { max: 10, waitMs: 0, visibilityTimeoutMs: LEASE_MS })).toEqual([]);
      // The new receiver stops renewing: it comes back once more, so the first holder did not keep it.
      const third = await receiveOne(LEASE_MS);
      expect(third.id).toBe(first.id);
      expect(third.receiveCount).toBe(3);
      expect(await q.extend(queueName, [second], LEASE_MS)).toEqual([false]);
      await q.ack(queueName, third);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("redelivers a nacked message, after its delay when one is given", async () => {
      await q.send(queueName, { n: 1 });
      const first = await receiveOne();
      await q.nack(queueName, first, { error: "transient" });
      const second = await receiveOne();
      expect(second.id).toBe(first.id);
      expect(second.receiveCount).toBe(2);
      await q.nack(queueName, second, { delayMs: 500 });
      const third = await receiveOne();
      expect(third.receiveCount).toBe(3);
      expect(third.body).toEqual({ n: 1 });
      await q.ack(queueName, third);
      expect((await q.stats(queueName)).dead).toBe(0);
    });

    it("moves a message to the dead store after maxReceives failures, with the last error", async () => {
      await q.send(queueName, { batchId: "bad" });
      for (let i = 1; i <= CONTRACT_MAX_RECEIVES; i++) {
        const m = await receiveOne();
        expect(m.receiveCount).toBe(i);
        await q.nack(queueName, m, { error: `boom ${i}` });
      }
      expect(await q.receive(queueName, { max: 10, waitMs: 0 })).toEqual([]);
      expect(await q.stats(queueName)).toMatchObject({ depth: 0, inFlight: 0, dead: 1 });
      const dead = await q.takeDead(queueName, 10);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        body: { batchId: "bad" },
        receiveCount: CONTRACT_MAX_RECEIVES,
        lastError: `boom ${CONTRACT_MAX_RECEIVES}`,
      });
      expect(dead[0]!.enqueuedAt).toBeInstanceOf(Date);
      expect(await q.takeDead(queueName, 10)).toEqual([]);
      expect(await q.receive(queueName, { max: 10, waitMs: 0 })).toEqual([]);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("moves a message whose consumers never finish to the dead store", async () => {
      await q.send(queueName, { batchId: "stuck" });
      for (let i = 1; i <= CONTRACT_MAX_RECEIVES; i++) {
        expect((await receiveOne(SHORT_VISIBILITY_MS)).receiveCount).toBe(i);
      }
      // Its last visibility timeout runs out with nobody acking: it is not delivered a fourth time.
      let dead = await q.takeDead(queueName, 10);
      while (dead.length === 0) {
        const again = await q.receive(queueName, {
          max: 10,
          waitMs: SHORT_VISIBILITY_MS,
          visibilityTimeoutMs: SHORT_VISIBILITY_MS,
        });
        expect(again).toEqual([]);
        dead = await q.takeDead(queueName, 10);
      }
      expect(dead).toHaveLength(1);
      expect(dead[0]!.body).toEqual({ batchId: "stuck" });
      expect(dead[0]!.lastError).toMatch(/visibility timeout/);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("stores a message once per dedupeKey", async () => {
      await q.send(queueName, { v: "first" }, { dedupeKey: "batch-1" });
      await q.send(queueName, { v: "second" }, { dedupeKey: "batch-1" });
      await q.send(queueName, { v: "other" }, { dedupeKey: "batch-2" });
      const got = await q.receive(queueName, { max: 10, waitMs: 0 });
      expect(got.map((m) => m.body).sort((a, b) => String(a.v).localeCompare(String(b.v)))).toEqual([
        { v: "first" },
        { v: "other" },
      ]);
      for (const m of got) await q.ack(queueName, m);
    });

    it("delivers a message sent with delayMs only after the delay", async () => {
      await q.send(queueName, { late: true }, { delayMs: 2_000 });
      expect(await q.receive(queueName, { max: 10, waitMs: 0 })).toEqual([]);
      expect((await q.stats(queueName)).dead).toBe(0);
      const m = await receiveOne();
      expect(m.body).toEqual({ late: true });
      expect(m.receiveCount).toBe(1);
      await q.ack(queueName, m);
    });

    it("returns at most max messages per receive", async () => {
      for (let i = 0; i < 5; i++) await q.send(queueName, { i });
      const first = await q.receive(queueName, { max: 2, waitMs: 0 });
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(2);
      const all = [...first];
      while (all.length < 5) {
        const more = await q.receive(queueName, { max: 2, waitMs: LONG_WAIT_MS });
        expect(more.length).toBeGreaterThan(0);
        expect(more.length).toBeLessThanOrEqual(2);
        all.push(...more);
      }
      expect(new Set(all.map((m) => m.body.i))).toEqual(new Set([0, 1, 2, 3, 4]));
      for (const m of all) await q.ack(queueName, m);
    });

    it("reports depth, in-flight, dead and the age of the oldest message", async () => {
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
      await q.send(queueName, { n: "dead" });
      for (let i = 1; i <= CONTRACT_MAX_RECEIVES; i++) {
        await q.nack(queueName, await receiveOne(), { error: "bad" });
      }
      await q.send(queueName, { n: 1 });
      await q.send(queueName, { n: 2 });
      const s1 = await q.stats(queueName);
      expect(s1).toMatchObject({ depth: 2, inFlight: 0, dead: 1 });
      expect(s1.oldestAgeMs).toBeGreaterThanOrEqual(0);
      const held = await receiveOne();
      const s2 = await q.stats(queueName);
      expect(s2).toMatchObject({ depth: 1, inFlight: 1, dead: 1 });
      expect(s2.oldestAgeMs).toBeGreaterThanOrEqual(0);
      await q.ack(queueName, held);
      await q.ack(queueName, await receiveOne());
      expect(await q.takeDead(queueName, 10)).toHaveLength(1);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });

    it("returns a message sent while a receive is waiting as soon as it is sent, not at a later poll", async () => {
      const slowPoll = await makeQueue({
        maxReceives: CONTRACT_MAX_RECEIVES,
        pollIntervalMs: WAKE_TEST_POLL_INTERVAL_MS,
      });
      try {
        const sq = slowPoll.queue;
        // Sets up what the adapter waits with (a LISTEN connection, a consumer), so that the long
        // receive below finds the queue empty at once and is waiting when the message is sent.
        expect(await sq.receive(queueName, { max: 1, waitMs: 10 })).toEqual([]);
        const waiting = sq.receive(queueName, { max: 5, waitMs: LONG_WAIT_MS });
        // The behaviour under test: the send comes while the receive waits. Nothing outside the
        // adapter shows that moment, so this pause stands for it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const sentAt = Date.now();
        await sq.send(queueName, { woke: true });
        const got = await waiting;
        const latencyMs = Date.now() - sentAt;
        expect(got.map((m) => m.body)).toEqual([{ woke: true }]);
        expect(latencyMs).toBeLessThan(WAKE_BOUND_MS);
        await sq.ack(queueName, got[0]!);
      } finally {
        await slowPoll.cleanup();
      }
    });

    it("acks each of 500 messages exactly once across 4 concurrent consumers", async () => {
      const total = 500;
      const sending = (async () => {
        for (let start = 0; start < total; start += 50) {
          await Promise.all(
            Array.from({ length: Math.min(50, total - start) }, (_, k) =>
              q.send(queueName, { n: start + k }),
            ),
          );
        }
      })();
      const acked: number[] = [];
      let sent = false;
      const consume = async () => {
        let idle = 0;
        while (acked.length < total && idle < 3) {
          const got = await q.receive(queueName, { max: 10, waitMs: 1_000, visibilityTimeoutMs: 120_000 });
          idle = got.length === 0 && sent ? idle + 1 : 0;
          for (const m of got) {
            await q.ack(queueName, m);
            acked.push(m.body.n as number);
          }
        }
      };
      const consumers = Array.from({ length: 4 }, consume);
      await sending;
      sent = true;
      await Promise.all(consumers);
      expect(acked).toHaveLength(total);
      expect(new Set(acked).size).toBe(total);
      expect(await q.stats(queueName)).toEqual({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
