// The catalog's figures the operations dashboard samples and prices: events received and committed,
// dead letters recorded and open, freshness (accept → commit), bytes stored per zone and source, and
// per day the raw batches written and read and the data files written.

import type { QueryResultRow } from "pg";
import type { OpsCostCounts, OpsSampleFigures } from "../ports/catalog";
import type { Queryable } from "./transaction";

/** The figures of the interval (from, now], and the totals standing now. */
export async function opsSampleFigures(q: Queryable, from: Date, now: Date): Promise<OpsSampleFigures> {
  const rows = async <R extends QueryResultRow>(text: string, values: unknown[] = []) =>
    (await q.query<R>(text, values)).rows;
  const [sources, accepted, refused, openLetters, committed, freshness, files, raw] = await Promise.all([
    rows<{ id: string; slug: string }>("SELECT id, slug FROM sources"),
    rows<{ source_id: string; n: number }>(
      // Accepted as the 202 says: the batch's events less those dead-lettered against the schema there.
      `SELECT source_id,
              COALESCE(SUM(event_count - COALESCE(cardinality(rejected_at_accept), 0)), 0)::float8 AS n
       FROM batches WHERE received_at > $1 AND received_at <= $2 GROUP BY source_id`,
      [from, now],
    ),
    rows<{ source_id: string | null; reason: string; n: number }>(
      `SELECT source_id, reason_code AS reason, COUNT(*)::float8 AS n FROM dead_letters
       WHERE created_at > $1 AND created_at <= $2 GROUP BY source_id, reason_code`,
      [from, now],
    ),
    rows<{ source_id: string | null; reason: string; n: number }>(
      `SELECT source_id, reason_code AS reason, COUNT(*)::float8 AS n FROM dead_letters
       WHERE status = 'open' GROUP BY source_id, reason_code`,
    ),
    rows<{ batches: number; events: number }>(
      `SELECT COUNT(*)::float8 AS batches, COALESCE(SUM(accepted), 0)::float8 AS events FROM batches
       WHERE committed_at > $1 AND committed_at <= $2`,
      [from, now],
    ),
    rows<{ source_id: string; p50: number; p99: number }>(
      `SELECT source_id,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM committed_at - received_at))::float8 AS p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM committed_at - received_at))::float8 AS p99
       FROM batches WHERE committed_at > $1 AND committed_at <= $2 GROUP BY source_id`,
      [from, now],
    ),
    rows<{ zone: string; source_id: string | null; bytes: number }>(
      // An analytics table has no source: it is named by its own name (analytics.daily_orders).
      `SELECT t.zone::text AS zone, COALESCE(t.source_id, t.name) AS source_id, COALESCE(SUM(f.bytes), 0)::float8 AS bytes
       FROM data_files f JOIN lake_tables t ON t.id = f.table_id
       WHERE f.removed_seq IS NULL GROUP BY 1, 2`,
    ),
    rows<{ source_id: string; bytes: number }>(
      "SELECT source_id, COALESCE(SUM(bytes), 0)::float8 AS bytes FROM batches GROUP BY source_id",
    ),
  ]);
  return { sources, accepted, refused, openLetters, committed, freshness, files, raw };
}

/** Per UTC day since `from`: raw batches written (PUT) and read to commit (GET), data files written (PUT). */
export async function opsCostCounts(q: Queryable, from: Date): Promise<OpsCostCounts> {
  const rows = async <R extends QueryResultRow>(text: string) => (await q.query<R>(text, [from])).rows;
  const [rawPuts, filePuts, rawGets] = await Promise.all([
    rows<{ day: Date; source: string; n: number }>(
      `SELECT date_trunc('day', b.received_at) AS day, s.slug AS source, COUNT(*)::float8 AS n
       FROM batches b JOIN sources s ON s.id = b.source_id WHERE b.received_at >= $1 GROUP BY 1, 2`,
    ),
    rows<{ day: Date; zone: string; source: string | null; n: number }>(
      `SELECT date_trunc('day', f.created_at) AS day, t.zone::text AS zone, COALESCE(s.slug, t.name) AS source, COUNT(*)::float8 AS n
       FROM data_files f JOIN lake_tables t ON t.id = f.table_id LEFT JOIN sources s ON s.id = t.source_id
       WHERE f.created_at >= $1 GROUP BY 1, 2, 3`,
    ),
    rows<{ day: Date; source: string; n: number }>(
      `SELECT date_trunc('day', b.committed_at) AS day, s.slug AS source, COUNT(*)::float8 AS n
       FROM batches b JOIN sources s ON s.id = b.source_id WHERE b.committed_at >= $1 GROUP BY 1, 2`,
    ),
  ]);
  return { rawPuts, filePuts, rawGets };
}
