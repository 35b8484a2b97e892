// A table's version alone (its current snapshot and when its row last changed): the cheap check
// that a cached snapshot of it is still current.
import type { TableVersion } from "../ports/catalog";
import type { Queryable } from "./transaction";

export async function tableVersion(q: Queryable, name: string): Promise<TableVersion | undefined> {
  const res = await q.query<{ current_seq: number; changed_ms: number }>(
    `SELECT current_seq, (extract(epoch FROM updated_at) * 1000)::float8 AS changed_ms
     FROM lake_tables WHERE name = $1`,
    [name],
  );
  const row = res.rows[0];
  return row ? { seq: row.current_seq, changedAt: new Date(row.changed_ms) } : undefined;
}
