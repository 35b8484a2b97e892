// The contract every DedupeIndex adapter passes: within the window a copy lands once, after it again;
// concurrent claimants store an id once; a crashed batch keeps its claims for its redelivery; a failed
// batch's claims are given back, and a copy held back by it still lands.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Catalog } from "../ports/catalog";
import type { DedupeIndex, DedupeOwnerState } from "../ports/dedupe-index";

export interface DedupeUnderTest {
  /** Two instances on separate connections, as two workers would have. */
  workers: [DedupeIndex, DedupeIndex];
  catalog: Catalog;
  /** A new source whose window is `windowHours`. */
  createSource(windowHours: number): Promise<string>;
  /** Where each owner (batch) stands, as the catalog would say. */
  owners: Map<string, DedupeOwnerState>;
  /** Makes every claim of the source older than its window. */
  expire(sourceId: string): Promise<void>;
  cleanup(): Promise<void>;
}

type Ending = "commit" | "crash" | "dead-letter";

interface Flushed {
  stored: string[];
  duplicates: string[];
  held: string[];
}

const WINDOW_HOURS = 168;

export function dedupeContract(name: string, make: () => Promise<DedupeUnderTest>): void {
  describe(`DedupeIndex contract: ${name}`, () => {
    let h: DedupeUnderTest;
    beforeAll(async () => {
      h = await make();
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    const batch = () => `b-${randomBytes(5).toString("hex")}`;

    /**
     * One flush of one batch: reserve, then claim in the commit transaction; "crash" rolls back and
     * leaves the batch pending (it is redelivered), "dead-letter" rolls back and fails it for good.
     */
    async function flush(
      worker: DedupeIndex,
      sourceId: string,
      owner: string,
      ids: string[],
      ending: Ending = "commit",
      beforeEnd?: () => Promise<void>,
    ): Promise<Flushed> {
      if (!h.owners.has(owner)) h.owners.set(owner, "pending");
      const claims = ids.map((id) => ({ id, owner }));
      const r = await worker.reserve(sourceId, WINDOW_HOURS, claims);
      const reserved = claims.filter((c) => r.fresh.has(c.id));
      let stored: string[] = [];
      try {
        await h.catalog.transaction(async (tx) => {
          const holds = await worker.commit(tx, sourceId, reserved, r);
          stored = reserved.filter((c) => holds.has(c.id)).map((c) => c.id);
          await beforeEnd?.();
          if (ending !== "commit") throw new Error(`flush ${ending}`);
        });
        h.owners.set(owner, "committed");
      } catch (err) {
        if (ending === "commit") throw err;
        stored = [];
        if (ending === "dead-letter") {
          h.owners.set(owner, "failed");
          await worker.release(sourceId, claims);
        }
      }
      return { stored, duplicates: [...r.duplicates], held: [...r.held] };
    }

    it("stores a copy resent within the window once", async () => {
      const src = await h.createSource(WINDOW_HOURS);
      const first = await flush(h.workers[0], src, batch(), ["e1", "e2"]);
      expect(first.stored.sort()).toEqual(["e1", "e2"]);
      const again = await flush(h.workers[1], src, batch(), ["e1", "e3"]);
      expect(again.stored).toEqual(["e3"]);
      expect(again.duplicates).toEqual(["e1"]);
    });

    it("stores a copy resent after the window again", async () => {
      const src = await h.createSource(WINDOW_HOURS);
      expect((await flush(h.workers[0], src, batch(), ["e1"])).stored).toEqual(["e1"]);
      await h.expire(src);
      expect((await flush(h.workers[0], src, batch(), ["e1"])).stored).toEqual(["e1"]);
      expect((await flush(h.workers[1], src, batch(), ["e1"])).stored).toEqual([]);
    });

    it("keeps ids apart per source", async () => {
      const a = await h.createSource(WINDOW_HOURS);
      const b = await h.createSource(WINDOW_HOURS);
      expect((await flush(h.workers[0], a, batch(), ["e1"])).stored).toEqual(["e1"]);
      expect((await flush(h.workers[0], b, batch(), ["e1"])).stored).toEqual(["e1"]);
    });

    it("stores an id claimed by two workers at once once", async () => {
      const src = await h.createSource(WINDOW_HOURS);
      const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
      const [x, y] = await Promise.all([
        flush(h.workers[0], src, batch(), ids),
        flush(h.workers[1], src, batch(), [...ids].reverse()),
      ]);
      // Whatever one held back, it retries after the other committed: then a duplicate.
      const retried =
        x.held.length + y.held.length > 0 ? await flush(h.workers[0], src, batch(), ids) : undefined;
      const stored = [...x.stored, ...y.stored, ...(retried?.stored ?? [])];
      expect(stored.sort()).toEqual([...ids].sort());
    });

    it("lets a batch redelivered after a crash between claim and commit store its events", async () => {
      const src = await h.createSource(WINDOW_HOURS);
      const owner = batch();
      expect((await flush(h.workers[0], src, owner, ["e1", "e2"], "crash")).stored).toEqual([]);
      // Another batch carrying e1 meanwhile neither drops it against the uncommitted claim nor loses it.
      const other = batch();
      const meanwhile = await flush(h.workers[1], src, other, ["e1"]);
      const redelivered = await flush(h.workers[1], src, owner, ["e1", "e2"]);
      const otherRetry =
        meanwhile.held.length > 0 ? await flush(h.workers[0], src, batch(), ["e1"]) : undefined;
      const stored = [...meanwhile.stored, ...redelivered.stored, ...(otherRetry?.stored ?? [])];
      expect(stored.sort()).toEqual(["e1", "e2"]);
      expect(redelivered.stored).toContain("e2");
    });

    it("gives a dead-lettered batch's claims back", async () => {
      const src = await h.createSource(WINDOW_HOURS);
      expect((await flush(h.workers[0], src, batch(), ["e1", "e2"], "dead-letter")).stored).toEqual([]);
      expect((await flush(h.workers[1], src, batch(), ["e1", "e2"])).stored.sort()).toEqual(["e1", "e2"]);
    });

    it("lands the copy of an event whose first claimant failed while the copy waited", async () => {
      const src = await h.createSource(WINDOW_HOURS);
      const first = batch();
      let copy: Promise<Flushed> | undefined;
      await flush(h.workers[0], src, first, ["e1"], "crash", async () => {
        // The copy arrives while the first claim is taken and not committed, then the first batch
        // fails for good (no release: the catalog says it failed).
        copy = flush(h.workers[1], src, batch(), ["e1"]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        h.owners.set(first, "failed");
      });
      const landed = await copy!;
      expect(landed.stored).toEqual(["e1"]);
      expect(landed.duplicates).toEqual([]);
    });
  });
}
