import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InletError } from "../errors";
import { objectStoreContract } from "../testing/object-store-contract";
import { isDiskFull, LocalFsObjectStore } from "./local-fs-store";
import { createObjectStore } from "./object-store-factory";

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "inlet-fs-store-"));
}

objectStoreContract("local filesystem", async () => {
  const dir = await tempDir();
  return {
    store: new LocalFsObjectStore(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe("LocalFsObjectStore", () => {
  it("keeps objects as plain files under the root and leaves no temp files behind", async () => {
    const dir = await tempDir();
    try {
      const store = new LocalFsObjectStore(dir);
      await store.put("raw/src/dt=2026-01-01/b.ndjson", new TextEncoder().encode("{}\n"));
      await store.put("raw/src/dt=2026-01-01/c.ndjson", new TextEncoder().encode("{}\n"), { ifAbsent: true });
      expect(await store.localPath("raw/src/dt=2026-01-01/b.ndjson")).toBe(
        join(dir, "raw/src/dt=2026-01-01/b.ndjson"),
      );
      expect((await readFile(join(dir, "raw/src/dt=2026-01-01/b.ndjson"))).toString()).toBe("{}\n");
      expect((await readdir(join(dir, "raw/src/dt=2026-01-01"))).sort()).toEqual(["b.ndjson", "c.ndjson"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fsyncs every directory a put created, and its pre-existing parent, only when it created some", async () => {
    const dir = await tempDir();
    try {
      const synced: string[] = [];
      class Recording extends LocalFsObjectStore {
        protected override syncDirectory(d: string): Promise<void> {
          synced.push(d);
          return super.syncDirectory(d);
        }
      }
      const store = new Recording(dir);
      const body = new TextEncoder().encode("{}\n");
      await store.put("raw/src/dt=2026-01-01/a.ndjson", body);
      expect(synced).toEqual([
        join(dir, "raw/src/dt=2026-01-01"),
        join(dir, "raw/src"),
        join(dir, "raw"),
        dir,
      ]);
      synced.length = 0;
      await store.put("raw/src/dt=2026-01-01/b.ndjson", body);
      expect(synced).toEqual([join(dir, "raw/src/dt=2026-01-01")]);
      synced.length = 0;
      await store.put("raw/src/dt=2026-01-02/c.ndjson", body);
      expect(synced).toEqual([join(dir, "raw/src/dt=2026-01-02"), join(dir, "raw/src")]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("removes directories emptied by delete", async () => {
    const dir = await tempDir();
    try {
      const store = new LocalFsObjectStore(dir);
      await store.put("curated/t/dt=2026-01-01/x.parquet", new Uint8Array([1]));
      await store.put("curated/t/dt=2026-01-02/y.parquet", new Uint8Array([1]));
      await store.delete(["curated/t/dt=2026-01-01/x.parquet"]);
      expect(await readdir(join(dir, "curated/t"))).toEqual(["dt=2026-01-02"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a conflict when a key would sit under an existing object", async () => {
    const dir = await tempDir();
    try {
      const store = new LocalFsObjectStore(dir);
      await store.put("a/b", new Uint8Array([1]));
      const err = await store.put("a/b/c", new Uint8Array([1])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InletError);
      expect((err as InletError).code).toBe("CONFLICT");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a write the disk has no room for as UNAVAILABLE disk_full, naming the key", async () => {
    const dir = await tempDir();
    try {
      // The file system answers ENOSPC (as a full disk does to a write, or NFS to an fsync).
      class FullDisk extends LocalFsObjectStore {
        protected override syncDirectory(): Promise<void> {
          return Promise.reject(
            Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }),
          );
        }
      }
      const store = new FullDisk(dir);
      for (const write of [
        () => store.put("curated/orders/a.parquet", new Uint8Array([1])),
        () => store.putFile("curated/orders/b.parquet", join(dir, "curated/orders/a.parquet")),
        () => store.copy("curated/orders/a.parquet", "curated/orders/c.parquet"),
      ]) {
        const err = await write().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InletError);
        expect((err as InletError).code).toBe("UNAVAILABLE");
        expect((err as InletError).details).toMatchObject({ reason: "disk_full", errno: "ENOSPC" });
        expect((err as InletError).message).toMatch(
          /^the lake's disk has no room left to write curated\/orders\/[abc]\.parquet \(ENOSPC\)$/,
        );
        expect(isDiskFull(err)).toBe(true);
      }
      // Other failures keep their own code.
      await store.put("x", new Uint8Array([1])).catch(() => undefined);
      const conflict = await store.put("x/y", new Uint8Array([1])).catch((e: unknown) => e);
      expect(isDiskFull(conflict)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("createObjectStore", () => {
  it("resolves file://./relative against baseDir and file:///abs as given", () => {
    const rel = createObjectStore("file://./.inlet/lake", { baseDir: "/srv/app" });
    expect(rel).toBeInstanceOf(LocalFsObjectStore);
    expect((rel as LocalFsObjectStore).rootDir).toBe("/srv/app/.inlet/lake");
    const abs = createObjectStore("file:///var/lib/inlet%20lake");
    expect((abs as LocalFsObjectStore).rootDir).toBe("/var/lib/inlet lake");
    expect(abs.url).toBe("file:///var/lib/inlet%20lake");
  });

  it("builds an S3 store for s3://bucket/prefix", () => {
    const store = createObjectStore("s3://my-bucket/lake/prod/", {
      s3Endpoint: "http://127.0.0.1:9000",
      s3ForcePathStyle: true,
    });
    expect(store.url).toBe("s3://my-bucket/lake/prod");
  });

  it("rejects other URLs with INVALID_CONFIG naming INLET_LAKE_URL and the accepted forms", () => {
    for (const url of [
      "http://example.com/lake",
      "/plain/path",
      "file://host/share",
      "s3://",
      "s3://Bad_Bucket/x",
      "gs://b/p",
    ]) {
      let caught: unknown;
      try {
        createObjectStore(url);
      } catch (err) {
        caught = err;
      }
      expect(caught, url).toBeInstanceOf(InletError);
      expect((caught as InletError).code).toBe("INVALID_CONFIG");
      expect((caught as InletError).message).toContain("INLET_LAKE_URL");
      expect((caught as InletError).message).toContain("s3://bucket");
      expect((caught as InletError).message).toContain("file://./");
    }
  });
});
