// Runs catalog statements in one Postgres transaction on a pooled connection.
import type pg from "pg";

/**
 * Anything that runs SQL: the pool (autocommit), a client inside a transaction, or a caller's own
 * transaction on the same database (so a control-plane row can commit with a catalog change).
 */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Timestamps are stored as UTC wall-clock time (Prisma's convention for these columns). */
export const NOW_UTC = "(now() AT TIME ZONE 'UTC')";

/**
 * A pooled connection held for a while (a transaction spanning an upload, a lease): the pool stops
 * listening for its errors once it is checked out, and a server restart meanwhile would otherwise be
 * an uncaught error that ends the process. The failure surfaces on the next query instead.
 */
export async function holdConnection(
  pool: pg.Pool,
): Promise<{ client: pg.PoolClient; release(err?: Error): void }> {
  const client = await pool.connect();
  const ignore = () => {};
  client.on("error", ignore);
  return {
    client,
    release(err?: Error) {
      client.off("error", ignore);
      client.release(err);
    },
  };
}

export async function withTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const held = await holdConnection(pool);
  const { client } = held;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    held.release();
    return result;
  } catch (err) {
    // A failed ROLLBACK means the connection is broken: destroy it rather than return it to the pool.
    const broken = await client.query("ROLLBACK").then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    held.release(broken);
    throw err;
  }
}
