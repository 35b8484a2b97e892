// objectStoreContract: the Vitest suite every ObjectStore adapter must pass.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InletError } from "../errors";
import type { ObjectInfo, ObjectStore } from "../ports/object-store";

export interface ObjectStoreUnderTest {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

export interface ObjectStoreContractOptions {
  /** Objects written for the listing test; above 1,000 exercises S3 pagination. Default 40. */
  listManyCount?: number;
  /**
   * Whether concurrent ifAbsent puts of one key must have exactly one winner. True for stores with
   * atomic conditional writes; s3rver has none, so its adapter can only check sequential conflicts.
   */
  atomicIfAbsent?: boolean;
}

async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of iterable) out.push(info);
  return out;
}

function byteOrder(keys: string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function expectInletError(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InletError);
  expect((err as InletError).code).toBe(code);
}

const text = (s: string) => new TextEncoder().encode(s);

export function objectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStoreUnderTest>,
  opts: ObjectStoreContractOptions = {},
): void {
  const listManyCount = opts.listManyCount ?? 40;
  const atomicIfAbsent = opts.atomicIfAbsent ?? true;

  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ObjectStoreUnderTest;
    let store: ObjectStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    it("names itself with a file:// or s3:// URL", () => {
      expect(store.url).toMatch(/^(file|s3):\/\//);
    });

    it("round-trips binary bytes, including every byte value", async () => {
      const body = new Uint8Array(4096 + 256);
      for (let i = 0; i < 256; i++) body[i] = i;
      for (let i = 256; i < body.length; i++) body[i] = (i * 7919) % 251;
      await store.put("raw/orders/batch.bin", body, { contentType: "application/octet-stream" });
      const read = await store.get("raw/orders/batch.bin");
      expect(read).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(read!).equals(Buffer.from(body))).toBe(true);
    });

    it("stores an empty object", async () => {
      await store.put("empty/object", new Uint8Array());
      expect((await store.get("empty/object"))?.byteLength).toBe(0);
      expect((await store.head("empty/object"))?.size).toBe(0);
    });

    it("overwrites an existing object by default", async () => {
      await store.put("a/key.txt", text("first"));
      await store.put("a/key.txt", text("second, longer"));
      expect(Buffer.from((await store.get("a/key.txt"))!).toString()).toBe("second, longer");
    });

    it("refuses to overwrite with ifAbsent and keeps the first body", async () => {
      await store.put("raw/src/dt=2026-01-01/b1.ndjson", text("one"), { ifAbsent: true });
      await expectInletError(
        store.put("raw/src/dt=2026-01-01/b1.ndjson", text("two"), { ifAbsent: true }),
        "OBJECT_EXISTS",
      );
      expect(Buffer.from((await store.get("raw/src/dt=2026-01-01/b1.ndjson"))!).toString()).toBe("one");
    });

    if (atomicIfAbsent) {
      it("lets exactly one of many concurrent ifAbsent writers win", async () => {
        const writers = Array.from({ length: 12 }, (_, i) =>
          store.put("race/key", text(`writer-${i}`), { ifAbsent: true }).then(
            () => i,
            (err: unknown) => err,
          ),
        );
        const outcomes = await Promise.all(writers);
        const winners = outcomes.filter((o): o is number => typeof o === "number");
        expect(winners).toHaveLength(1);
        for (const o of outcomes) {
          if (typeof o !== "number") expect((o as InletError).code).toBe("OBJECT_EXISTS");
        }
        expect(Buffer.from((await store.get("race/key"))!).toString()).toBe(`writer-${winners[0]}`);
      });
    }

    it("puts a local file's bytes, refusing with ifAbsent like put", async () => {
      const dir = await mkdtemp(join(tmpdir(), "inlet-put-file-"));
      try {
        const path = join(dir, "body.bin");
        // Larger than one read chunk, every byte value.
        const bytes = new Uint8Array(3 * 2 ** 20 + 7).map((_, i) => (i * 31) % 256);
        await writeFile(path, bytes);
        await store.putFile("f/one.bin", path, { contentType: "application/octet-stream" });
        expect(Buffer.compare(Buffer.from((await store.get("f/one.bin"))!), Buffer.from(bytes))).toBe(0);
        expect((await store.head("f/one.bin"))?.size).toBe(bytes.byteLength);
        await expectInletError(store.putFile("f/one.bin", path, { ifAbsent: true }), "OBJECT_EXISTS");
        await writeFile(path, text("second"));
        await store.putFile("f/one.bin", path);
        expect(new TextDecoder().decode(await store.get("f/one.bin"))).toBe("second");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("returns undefined for a missing object on get and head", async () => {
      expect(await store.get("missing/nothing.bin")).toBeUndefined();
      expect(await store.head("missing/nothing.bin")).toBeUndefined();
    });

    it("heads an object with its size and modification time", async () => {
      await store.put("h/obj", text("12345"));
      const info = await store.head("h/obj");
      expect(info?.key).toBe("h/obj");
      expect(info?.size).toBe(5);
      expect(info?.lastModified).toBeInstanceOf(Date);
      expect(Number.isNaN(info?.lastModified.getTime())).toBe(false);
    });

    it("lists by prefix in byte order with sizes", async () => {
      // No key is another key's "directory": a file-backed store cannot hold both "a" and "a/b".
      const keys = ["a-b", "a.txt", "a/b", "a/c/d", "a0", "a/b-c", "b", "ab", "Z", "a/é", "a/z"];
      await Promise.all(keys.map((k) => store.put(k, text(k))));
      const all = await collect(store.list(""));
      expect(all.map((o) => o.key)).toEqual(byteOrder(keys));
      for (const o of all) expect(o.size).toBe(Buffer.byteLength(o.key));

      expect((await collect(store.list("a/"))).map((o) => o.key)).toEqual(
        byteOrder(["a/b", "a/b-c", "a/c/d", "a/é", "a/z"]),
      );
      expect((await collect(store.list("a/b"))).map((o) => o.key)).toEqual(byteOrder(["a/b", "a/b-c"]));
      expect((await collect(store.list("a"))).map((o) => o.key)).toEqual(
        byteOrder(keys.filter((k) => k.startsWith("a"))),
      );
      expect(await collect(store.list("nope/"))).toEqual([]);
    });

    it("lists partition keys containing '=' under a partial-segment prefix", async () => {
      const keys = [
        "curated/orders/dt=2026-01-01/x.parquet",
        "curated/orders/dt=2026-01-02/y.parquet",
        "curated/orders/dt=2026-02-01/z.parquet",
        "curated/ordersx/dt=2026-01-01/w.parquet",
      ];
      await Promise.all(keys.map((k) => store.put(k, text(k))));
      expect(Buffer.from((await store.get(keys[0]!))!).toString()).toBe(keys[0]);
      expect((await collect(store.list("curated/orders/dt=2026-01"))).map((o) => o.key)).toEqual(
        keys.slice(0, 2),
      );
      expect((await collect(store.list("curated/orders/"))).map((o) => o.key)).toEqual(keys.slice(0, 3));
    });

    it(`lists ${listManyCount} objects completely and in order`, async () => {
      const keys = Array.from(
        { length: listManyCount },
        (_, i) => `many/part-${String(i).padStart(5, "0")}.bin`,
      );
      await inBatches(keys, 25, (k) => store.put(k, new Uint8Array([1])));
      await store.put("many-other/outside.bin", new Uint8Array([2]));
      const listed = (await collect(store.list("many/"))).map((o) => o.key);
      expect(listed).toHaveLength(listManyCount);
      expect(listed).toEqual(keys);
    });

    it("deletes objects and ignores keys that do not exist", async () => {
      await store.put("d/one", text("1"));
      await store.put("d/two", text("2"));
      await store.put("d/sub/three", text("3"));
      await store.delete(["d/one", "d/sub/three", "d/never-existed"]);
      await store.delete([]);
      expect(await store.get("d/one")).toBeUndefined();
      expect(await store.head("d/sub/three")).toBeUndefined();
      expect((await collect(store.list("d/"))).map((o) => o.key)).toEqual(["d/two"]);
      await store.put("d/sub/three", text("again"));
      expect(Buffer.from((await store.get("d/sub/three"))!).toString()).toBe("again");
    });

    it("copies an object to another key, replacing what is there, and says when there is none", async () => {
      const body = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
      await store.put("landing/src/a file+x.ndjson", body);
      await store.put("landing-done/src/a file+x.ndjson", text("old"));
      expect(await store.copy("landing/src/a file+x.ndjson", "landing-done/src/a file+x.ndjson")).toBe(true);
      expect(
        Buffer.from((await store.get("landing-done/src/a file+x.ndjson"))!).equals(Buffer.from(body)),
      ).toBe(true);
      expect(await store.head("landing/src/a file+x.ndjson")).toMatchObject({ size: body.length });
      expect(await store.copy("landing/src/none.ndjson", "landing-done/src/none.ndjson")).toBe(false);
      expect(await store.head("landing-done/src/none.ndjson")).toBeUndefined();
      expect((await collect(store.list("landing-done/"))).map((o) => o.key)).toEqual([
        "landing-done/src/a file+x.ndjson",
      ]);
    });

    it("gives a local file path holding the object's bytes", async () => {
      const body = new Uint8Array(10_000).map((_, i) => (i * 31) % 256);
      await store.put("curated/orders/dt=2026-01-01/x.parquet", body);
      const path = await store.localPath("curated/orders/dt=2026-01-01/x.parquet");
      expect(path.endsWith(".parquet")).toBe(true);
      expect(Buffer.from(await readFile(path)).equals(Buffer.from(body))).toBe(true);
      await store.put("curated/orders/dt=2026-01-01/x.parquet", text("new version"));
      const again = await store.localPath("curated/orders/dt=2026-01-01/x.parquet");
      expect((await readFile(again)).toString()).toBe("new version");
      await expectInletError(store.localPath("curated/none.parquet"), "NOT_FOUND");
    });

    it("handles concurrent puts of distinct keys", async () => {
      const keys = Array.from({ length: 60 }, (_, i) => `concurrent/dt=2026-01-01/${i}.json`);
      await Promise.all(keys.map((k) => store.put(k, text(`{"k":"${k}"}`))));
      const bodies = await Promise.all(keys.map((k) => store.get(k)));
      bodies.forEach((b, i) => {
        expect(Buffer.from(b!).toString()).toBe(`{"k":"${keys[i]}"}`);
      });
      expect(await collect(store.list("concurrent/"))).toHaveLength(keys.length);
    });

    it("rejects keys that could escape or are malformed", async () => {
      for (const bad of ["", "/abs/key", "../up", "a/../b", "a//b", "a/./b", "trailing/", "back\\slash"]) {
        await expectInletError(store.put(bad, text("x")), "BAD_REQUEST");
        await expectInletError(store.get(bad), "BAD_REQUEST");
      }
      await expectInletError(collect(store.list("../")), "BAD_REQUEST");
    });
  });
}
