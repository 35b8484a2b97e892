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
  it("refuses queries after close", async () => {
    const engine = createDuckDbEngine({ store: new LocalFsObjectStore(tmpdir()) });
    await engine.close();
    await expect(engine.query({ sql: "SELECT 1", tables: [] })).rejects.toThrow(/closed/);
  });
});
