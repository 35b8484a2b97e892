import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectStoreContract } from "../testing/object-store-contract";
import { type S3EventNotification, type S3rverHandle, startS3rver } from "../testing/s3rver";
import { createObjectStore } from "./object-store-factory";
import { S3ObjectStore } from "./s3-store";

let s3: S3rverHandle;
let cacheRoot: string;

beforeAll(async () => {
  s3 = await startS3rver();
  cacheRoot = await mkdtemp(join(tmpdir(), "inlet-s3-cache-test-"));
});

afterAll(async () => {
  await s3?.stop();
  if (cacheRoot) await rm(cacheRoot, { recursive: true, force: true });
});

// Each test gets its own prefix in the shared bucket, so tests never see each other's objects.
objectStoreContract(
  "s3 (s3rver)",
  async () => {
    const prefix = `t-${randomBytes(5).toString("hex")}`;
    const store = new S3ObjectStore(
      s3.storeUrl(prefix),
      s3.storeOptions({ cacheDir: join(cacheRoot, prefix) }),
    );
    return {
      store,
      cleanup: async () => {
        const keys: string[] = [];
        for await (const o of store.list("")) keys.push(o.key);
        await store.delete(keys);
      },
    };
  },
  { listManyCount: 1050, atomicIfAbsent: false },
);

describe("S3ObjectStore", () => {
  it("stores bodies byte-for-byte on the server (no aws-chunked framing)", async () => {
    const store = new S3ObjectStore(s3.storeUrl("raw-bytes"), s3.storeOptions());
    const body = new TextEncoder().encode('{"id":"e1"}\n');
    await store.put("b.ndjson", body);
    const res = await fetch(`${s3.endpoint}/${s3.bucket}/raw-bytes/b.ndjson`);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('{"id":"e1"}\n');
  });

  it("reuses the cached download while the object is unchanged", async () => {
    const cacheDir = join(cacheRoot, "reuse");
    const store = new S3ObjectStore(s3.storeUrl("cache"), s3.storeOptions({ cacheDir }));
    await store.put("dt=2026-01-01/f.parquet", new Uint8Array([1, 2, 3]));
    const first = await store.localPath("dt=2026-01-01/f.parquet");
    const second = await store.localPath("dt=2026-01-01/f.parquet");
    expect(second).toBe(first);
    expect(await readdir(cacheDir)).toHaveLength(1);
  });

  it("keeps the download cache under its byte cap, least recently used out first", async () => {
    const cacheDir = join(cacheRoot, "bounded");
    const opts = { cacheDir, cacheMaxBytes: 10_000, cacheGraceMs: 0 };
    const store = new S3ObjectStore(s3.storeUrl("bounded"), s3.storeOptions(opts));
    const cacheSize = async () => {
      const names = await readdir(cacheDir);
      const sizes = await Promise.all(names.map((n) => stat(join(cacheDir, n)).then((s) => s.size)));
      return sizes.reduce((a, b) => a + b, 0);
    };
    for (let i = 0; i < 10; i++) await store.put(`f${i}.bin`, randomBytes(3000));
    const first = await store.localPath("f0.bin");
    for (let i = 1; i < 10; i++) {
      await store.localPath(`f${i}.bin`);
      // f0 is used again each time, so it stays while the others rotate out.
      expect(await store.localPath("f0.bin")).toBe(first);
      expect(await cacheSize()).toBeLessThanOrEqual(10_000);
    }
    expect(await readdir(cacheDir)).toHaveLength(3);
    expect((await readFile(first)).byteLength).toBe(3000);

    // A new store on the same directory counts the files already there.
    const again = new S3ObjectStore(
      s3.storeUrl("bounded"),
      s3.storeOptions({ ...opts, cacheMaxBytes: 6000 }),
    );
    await again.localPath("f5.bin");
    expect(await cacheSize()).toBeLessThanOrEqual(6000);
  });

  it("never evicts a cached file handed out within the grace period", async () => {
    const cacheDir = join(cacheRoot, "grace");
    const store = new S3ObjectStore(
      s3.storeUrl("grace"),
      s3.storeOptions({ cacheDir, cacheMaxBytes: 1000, cacheGraceMs: 60_000 }),
    );
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      await store.put(`g${i}.bin`, randomBytes(800));
      paths.push(await store.localPath(`g${i}.bin`));
    }
    for (const p of paths) expect((await stat(p)).size).toBe(800);
  });

  it("delivers s3rver event notifications for puts through startS3rver", async () => {
    const store = new S3ObjectStore(s3.storeUrl("landing"), s3.storeOptions());
    const seen: S3EventNotification[] = [];
    const received = new Promise<void>((resolve) => {
      const off = s3.onEvent((event) => {
        seen.push(event);
        if (event.Records[0]?.s3.object.key === "landing/drop/file.csv") {
          off();
          resolve();
        }
      });
    });
    await store.put("drop/file.csv", new TextEncoder().encode("a,b\n1,2\n"));
    await received;
    const record = seen.at(-1)?.Records[0];
    expect(record?.eventName).toBe("ObjectCreated:Put");
    expect(record?.s3.bucket.name).toBe(s3.bucket);
    expect(record?.s3.object.size).toBe(8);
  });

  it("is built by createObjectStore from an s3:// URL and options", async () => {
    const store = createObjectStore(s3.storeUrl("factory"), {
      s3Endpoint: s3.endpoint,
      s3ForcePathStyle: true,
      s3Region: "us-east-1",
      s3Credentials: s3.credentials,
      cacheDir: join(cacheRoot, "factory"),
    });
    await store.put("x/y.txt", new TextEncoder().encode("hello"));
    expect(Buffer.from((await store.get("x/y.txt"))!).toString()).toBe("hello");
  });
});
