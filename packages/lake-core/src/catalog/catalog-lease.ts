// Leases among the processes sharing the catalog: a session-level PostgreSQL advisory lock held on its
// own connection for as long as the lease is.
import type pg from "pg";
import type { CatalogLease } from "../ports/catalog";

/** The lease on `key`, or undefined when another session holds it. */
export async function tryLease(pool: pg.Pool, key: string): Promise<CatalogLease | undefined> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtextextended($1, 7100)) AS ok",
      [key],
    );
    if (!rows[0]?.ok) {
      client.release();
      return undefined;
    }
  } catch (err) {
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 7100))", [key]);
        client.release();
      } catch (err) {
        // A connection that cannot unlock is dropped: ending the session releases the lock.
        client.release(err instanceof Error ? err : true);
      }
    },
  };
}
