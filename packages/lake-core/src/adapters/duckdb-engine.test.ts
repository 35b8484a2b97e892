import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("refuses queries after close", async () => {
    const engine = createDuckDbEngine({ store: new LocalFsObjectStore(tmpdir()) });
    await engine.close();
    await expect(engine.query({ sql: "SELECT 1", tables: [] })).rejects.toThrow(/closed/);
  });
});
