// The durable deduplication index: claims (source, event id) pairs set-based inside the commit
// transaction; concurrent claims of the same id serialize on the primary key, so exactly one wins.
import type { Queryable } from "./transaction";

// The key is md5(source id ':' event id) as a uuid (see the SeenEvent model). Rows are inserted
// in key order so two transactions claiming overlapping ids lock them in the same order and cannot
// deadlock; the join maps the inserted keys back to the ids the caller knows.
const CLAIM_SQL = `
WITH ids AS (
  SELECT e.event_id, md5($1 || ':' || e.event_id)::uuid AS key FROM unnest($2::text[]) AS e(event_id)
), claimed AS (
  INSERT INTO seen_events (key, source_id)
  SELECT key, $1 FROM ids ORDER BY key
  ON CONFLICT DO NOTHING
  RETURNING key
)
SELECT ids.event_id FROM ids JOIN claimed USING (key)`;

/** Inserts the ids (unique within the call) and returns those that were new for this source. */
export async function claimEventIds(tx: Queryable, sourceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await tx.query<{ event_id: string }>(CLAIM_SQL, [sourceId, ids]);
  return new Set(res.rows.map((r) => r.event_id));
}
