// Opens the catalog database: a Prisma client for the model and a pg pool for set-based SQL.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";

export interface Db {
  readonly url: string;
  readonly prisma: PrismaClient;
  /** For set-based statements (queue, dedupe index) that the Prisma client cannot express well. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Connections for the pg pool and, separately, for Prisma's own pool. */
  poolSize?: number;
}

export function createDb(url: string, opts: CreateDbOptions = {}): Db {
  const poolSize = opts.poolSize ?? 10;
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
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
