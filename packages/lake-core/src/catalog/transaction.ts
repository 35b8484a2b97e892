// Runs catalog statements in one Postgres transaction on a pooled connection.
import type pg from "pg";

/**
 * Anything that runs SQL: the pool (autocommit), a client inside a transaction, or a caller's own
 * transaction on the same database (so a control-plane row can commit with a catalog change).
 */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** A client with an open transaction; only valid inside withTransaction's callback. */
export type CatalogTx = pg.PoolClient;

/** Timestamps are stored as UTC wall-clock time (Prisma's convention for these columns). */
export const NOW_UTC = "(now() AT TIME ZONE 'UTC')";

export async function withTransaction<T>(pool: pg.Pool, fn: (tx: CatalogTx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (err) {
    // A failed ROLLBACK means the connection is broken: destroy it rather than return it to the pool.
    const broken = await client.query("ROLLBACK").then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    client.release(broken ?? undefined);
    throw err;
  }
}
