// Opens the catalog database: a Prisma client for the model and a pg pool for set-based SQL.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";

export interface Db {
  readonly url: string;
  readonly prisma: PrismaClient;
  /** The catalog (through lake-core's Catalog port) and the PostgreSQL queue: set-based SQL on node-pg. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /**
   * Connections for the pg pool, which carries the catalog (ingest, the worker) and the queue; Prisma's
   * own pool, for the control plane's tables, gets a third as many (at least 2). Default 15 (and 5).
   */
  poolSize?: number;
}

export function createDb(url: string, opts: CreateDbOptions = {}): Db {
  const poolSize = opts.poolSize ?? 15;
  const controlPlane = Math.max(2, Math.ceil(poolSize / 3));
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: controlPlane }) });
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  let closed = false;
  return {
    url,
    prisma,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([prisma.$disconnect(), pool.end()]);
    },
  };
}
