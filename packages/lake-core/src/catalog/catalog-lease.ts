// Leases among the processes sharing the catalog: a session-level PostgreSQL advisory lock held on its
// own connection for as long as the lease is.
import type pg from "pg";
import type { CatalogLease } from "../ports/catalog";
import { holdConnection } from "./transaction";

/** The lease on `key`, or undefined when another session holds it. */
export async function tryLease(pool: pg.Pool, key: string): Promise<CatalogLease | undefined> {
  const held = await holdConnection(pool);
  try {
    const { rows } = await held.client.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtextextended($1, 7100)) AS ok",
      [key],
    );
    if (!rows[0]?.ok) {
      held.release();
      return undefined;
    }
  } catch (err) {
    held.release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await held.client.query("SELECT pg_advisory_unlock(hashtextextended($1, 7100))", [key]);
        held.release();
      } catch (err) {
        // A connection that cannot unlock is dropped: ending the session releases the lock.
        held.release(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}
