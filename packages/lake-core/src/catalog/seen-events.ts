// The PostgreSQL dedupe index: claims of (source, event id) pairs, each counting for its source's dedupe
// window, in tables partitioned by the UTC day of the claim so that expired days are dropped whole.
// Claims are set-based inside the commit transaction; concurrent claims of the same id serialize on
// the (key, day) primary key, so exactly one wins.
import type { DedupePartitionChanges } from "../ports/catalog";
import type { Queryable } from "./transaction";

/** The longest window a source may set (90 days): a partition older than every window is dropped. */
export const MAX_DEDUPE_WINDOW_HOURS = 90 * 24;
/** Partitions kept ready ahead of today, so a claim never waits for one to be created. */
const DAYS_AHEAD = 7;
/**
 * For this long after UTC midnight a claim is also written into the previous day's partition: two
 * transactions on either side of midnight claiming the same id then still meet on one primary key
 * (a claim's transaction runs for well under an hour).
 */
const MIDNIGHT_GRACE = "1 hour";

// The source's window, as an InitPlan parameter (so partitions before the window are pruned at run time).
const WINDOW_HOURS = "coalesce((SELECT dedupe_window_hours FROM sources WHERE id = $1), 168)";
const SINCE = `((now() AT TIME ZONE 'UTC') - make_interval(hours => ${WINDOW_HOURS}))`;
/**
 * The keys among `keys` (an array expression) holding a claim within the window: one index scan per
 * day of the window with the whole array (a sorted walk of each day's primary key), rather than a
 * join that would read whole partitions or a subquery per key that restarts every day's scan per key.
 */
const CLAIMED_WITHIN_WINDOW = (keys: string) =>
  `SELECT s.key FROM seen_events s
   WHERE s.key = ANY (${keys}) AND s.day BETWEEN ${SINCE}::date AND (now() AT TIME ZONE 'UTC')::date
     AND s.seen_at > ${SINCE}`;

// The key is md5(source id ':' event id) as a uuid (see the SeenEvent model). A claim within the window
// (in any partition) wins over a new one; an older claim in today's partition is taken over in place.
// Earlier claims are looked up with the whole key array per day (see CLAIMED_WITHIN_WINDOW). Rows are
// inserted in (key, day) order so two transactions claiming overlapping ids lock them in the same
// order and cannot deadlock; an id is new when every row written for it was written.
const claimSql = (probeEarlierDays: boolean) => `
WITH ids AS (
  SELECT e.event_id, md5($1 || ':' || e.event_id)::uuid AS key FROM unnest($2::text[]) AS e(event_id)
), days AS (
  SELECT (now() AT TIME ZONE 'UTC')::date AS day
  UNION ALL
  SELECT (now() AT TIME ZONE 'UTC')::date - 1
  WHERE (now() AT TIME ZONE 'UTC') - (now() AT TIME ZONE 'UTC')::date < interval '${MIDNIGHT_GRACE}'
), unclaimed AS (
  SELECT ids.key FROM ids${
    probeEarlierDays ? ` WHERE ids.key NOT IN (${CLAIMED_WITHIN_WINDOW("ARRAY(SELECT key FROM ids)")})` : ""
  }
), claimed AS (
  INSERT INTO seen_events AS s (key, day, source_id, seen_at)
  SELECT unclaimed.key, days.day, $1, now() AT TIME ZONE 'UTC' FROM unclaimed CROSS JOIN days
  ORDER BY unclaimed.key, days.day
  ON CONFLICT (key, day) DO UPDATE SET seen_at = EXCLUDED.seen_at, source_id = EXCLUDED.source_id
    WHERE s.seen_at <= ${SINCE}
  RETURNING key
)
SELECT ids.event_id FROM ids
JOIN (SELECT key FROM claimed GROUP BY key HAVING count(*) = (SELECT count(*) FROM days)) c USING (key)`;
const CLAIM_SQL = claimSql(true);
// New claims go to today (and yesterday in the hour after midnight) only, where the insert meets them:
// ids a reservation found free on the earlier days need no second look there.
const CLAIM_CHECKED_SQL = claimSql(false);

/** Inserts the ids (unique within the call) and returns those that were new for this source within its window. */
export async function claimEventIds(
  tx: Queryable,
  sourceId: string,
  ids: string[],
  earlierDaysChecked = false,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await tx.query<{ event_id: string }>(earlierDaysChecked ? CLAIM_CHECKED_SQL : CLAIM_SQL, [
    sourceId,
    ids,
  ]);
  return new Set(res.rows.map((r) => r.event_id));
}

/** Which of the ids hold a committed claim within the source's window (read only). */
export async function claimedEventIds(q: Queryable, sourceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await q.query<{ event_id: string }>(
    `WITH ids AS (
       SELECT e.event_id, md5($1 || ':' || e.event_id)::uuid AS key FROM unnest($2::text[]) AS e(event_id)
     )
     SELECT ids.event_id FROM ids WHERE ids.key IN (${CLAIMED_WITHIN_WINDOW("ARRAY(SELECT key FROM ids)")})`,
    [sourceId, ids],
  );
  return new Set(res.rows.map((r) => r.event_id));
}

/** Gives claims back (a reprocessed row that now fails), whichever day holds them. */
export async function releaseEventIds(tx: Queryable, sourceId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(
    `DELETE FROM seen_events WHERE key IN (SELECT md5($1 || ':' || e)::uuid FROM unnest($2::text[]) AS e)`,
    [sourceId, ids],
  );
}

function partitionName(day: Date): string {
  return `seen_events_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

function dayOfPartition(name: string): Date | undefined {
  const m = /^seen_events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) : undefined;
}

/**
 * Creates the day partitions from yesterday to a week ahead that are missing, and drops those whose
 * whole day lies before the longest dedupe window of any source (plus the midnight grace day): a
 * bulk drop, never a per-row delete. Runs in the caller's transaction, serialized by an advisory lock.
 */
export async function maintainSeenEventPartitions(tx: Queryable): Promise<DedupePartitionChanges> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('inlet.seen_events.partitions'))");
  const clock = await tx.query<{ today: string; longest: number }>(
    `SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS today,
            coalesce((SELECT max(dedupe_window_hours) FROM sources), 168)::int AS longest`,
  );
  const today = new Date(`${clock.rows[0]!.today}T00:00:00Z`);
  const longestDays = Math.ceil(Math.min(clock.rows[0]!.longest, MAX_DEDUPE_WINDOW_HOURS) / 24);
  const existing = await tx.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'seen_events'::regclass`,
  );
  const have = new Set(existing.rows.map((r) => r.name));
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000);
  const created: string[] = [];
  for (let offset = -1; offset <= DAYS_AHEAD; offset++) {
    const name = partitionName(day(offset));
    if (have.has(name)) continue;
    const from = day(offset).toISOString().slice(0, 10);
    const to = day(offset + 1)
      .toISOString()
      .slice(0, 10);
    await tx.query(
      `CREATE TABLE "${name}" PARTITION OF seen_events FOR VALUES FROM ('${from}') TO ('${to}')`,
    );
    created.push(name);
  }
  const oldestKept = day(-longestDays - 1).getTime();
  const dropped: string[] = [];
  for (const name of [...have].sort()) {
    const d = dayOfPartition(name);
    if (d === undefined || d.getTime() >= oldestKept) continue;
    await tx.query(`DROP TABLE "${name}"`);
    dropped.push(name);
  }
  return { created, dropped };
}
