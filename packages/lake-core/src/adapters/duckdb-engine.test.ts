import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ObjectStore } from "../ports/object-store";
import {
  createQueryFixtures,
  type QueryFixtures,
  queryEngineContract,
} from "../testing/query-engine-contract";
import { bindTablesAndLock, createDuckDbEngine } from "./duckdb-engine";
import { LocalFsObjectStore } from "./local-fs-store";

queryEngineContract("duckdb", async (fx) => {
  const engine = createDuckDbEngine({ store: fx.store, threads: 2 });
  return { engine, cleanup: () => engine.close() };
});

// The engine's SQL guard refuses file readers before DuckDB runs them; these tests show the
// DuckDB lockdown underneath holds on its own.
describe("bindTablesAndLock", () => {
  let dir: string | undefined;
  let fx: QueryFixtures;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "inlet-duckdb-lock-"));
    fx = await createQueryFixtures(dir);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function lockedConnection() {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await bindTablesAndLock(connection, [fx.orders, fx.refunds, fx.events], fx.store);
    return {
      connection,
      close: () => {
        connection.closeSync();
        instance.closeSync();
      },
    };
  }

  it("still reads the bound tables after locking", async () => {
    const { connection, close } = await lockedConnection();
    try {
      const reader = await connection.runAndReadAll("SELECT count(*) AS n FROM curated.orders");
      expect(reader.getRowObjectsJson()).toEqual([{ n: "1000" }]);
    } finally {
      close();
    }
  });

  it("denies DuckDB itself any other file and any configuration change", async () => {
    const { connection, close } = await lockedConnection();
    try {
      await expect(connection.run("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(
        /Permission Error/,
      );
      await expect(connection.run("COPY (SELECT 1) TO '/tmp/inlet-lock-test.csv'")).rejects.toThrow(
        /Permission Error/,
      );
      await expect(connection.run("SET enable_external_access = true")).rejects.toThrow(/locked/);
    } finally {
      close();
    }
  });
});

describe("DuckDbQueryEngine", () => {
  let dir: string | undefined;
  let fx: QueryFixtures;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "inlet-duckdb-kept-"));
    fx = await createQueryFixtures(dir);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps a locked instance only for queries over exactly the same bound files", async () => {
    const engine = createDuckDbEngine({ store: fx.store, threads: 1, idleInstances: 1 });
    try {
      const count = "SELECT count(*) AS n FROM curated.orders";
      const first = await engine.query({ sql: count, tables: [fx.orders] });
      // A mistake of the query's own leaves the kept instance usable.
      await expect(engine.query({ sql: "SELEC 1", tables: [fx.orders] })).rejects.toThrow();
      const again = await engine.query({ sql: count, tables: [fx.orders] });
      expect(again.rows).toEqual(first.rows);
      expect(again.bytesScanned).toBe(first.bytesScanned);
      // Still locked: the configuration cannot be changed, nor other files read.
      await expect(
        engine.query({ sql: "SET enable_external_access = true", tables: [fx.orders] }),
      ).rejects.toThrow();
      // Other bindings never reach the instance kept for orders' files.
      await expect(engine.query({ sql: count, tables: [fx.refunds] })).rejects.toThrow(/orders/);
      const refunds = await engine.query({
        sql: "SELECT count(*) AS n FROM curated.refunds",
        tables: [fx.refunds],
      });
      expect(refunds.rows).toHaveLength(1);
      const fewer = { ...fx.orders, files: fx.orders.files.slice(0, 1) };
      const partial = await engine.query({ sql: count, tables: [fewer] });
      if (fx.orders.files.length > 1) expect(partial.rows).not.toEqual(first.rows);
    } finally {
      await engine.close();
    }
  });

  it("asks the store for a kept instance's local paths again once they are 30 s old, and closes it when they moved", async () => {
    const asked: string[] = [];
    const moved = new Map<string, string>();
    const store = new Proxy(fx.store, {
      get(target, prop, receiver) {
        if (prop === "localPath") {
          return async (key: string) => {
            asked.push(key);
            return moved.get(key) ?? (await target.localPath(key));
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as ObjectStore;
    const engine = createDuckDbEngine({ store, threads: 1, idleInstances: 1 });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const count = "SELECT count(*) AS n FROM curated.orders";
      const files = fx.orders.files.length;
      const first = await engine.query({ sql: count, tables: [fx.orders] });
      await engine.query({ sql: count, tables: [fx.orders] });
      expect(asked).toHaveLength(files);
      vi.setSystemTime(Date.now() + 30_000);
      await engine.query({ sql: count, tables: [fx.orders] });
      expect(asked).toHaveLength(2 * files);
      // A file now handed out at another path (its old one gone): the kept instance, whose views and
      // allowed paths name the old one, is closed and a new one reads the file where it is now.
      const key = fx.orders.files[0]!.key;
      const old = await fx.store.localPath(key);
      const elsewhere = join(fx.dir, "moved.parquet");
      await copyFile(old, elsewhere);
      moved.set(key, elsewhere);
      const original = `${old}.kept`;
      await copyFile(old, original);
      await rm(old);
      try {
        vi.setSystemTime(Date.now() + 30_000);
        const after = await engine.query({ sql: count, tables: [fx.orders] });
        expect(after.rows).toEqual(first.rows);
        expect(asked).toHaveLength(3 * files);
      } finally {
        await copyFile(original, old);
        await rm(original);
        await rm(elsewhere);
      }
    } finally {
      vi.useRealTimers();
      await engine.close();
    }
  });

  it("refuses queries after close", async () => {
    const engine = createDuckDbEngine({ store: new LocalFsObjectStore(tmpdir()) });
    await engine.close();
    await expect(engine.query({ sql: "SELECT 1", tables: [] })).rejects.toThrow(/closed/);
  });
});
