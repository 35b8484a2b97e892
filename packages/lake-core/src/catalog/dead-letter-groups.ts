// Dead letters grouped by cause — source × reason code × JSON pointer × schema version — with each
// group's count, first and last letter, letters per hour over the trend's hours, and its newest letter
// as a sample. One statement: the matching letters are counted per group and hour (no payloads read),
// the page's groups chosen, and only their samples' payloads read (cut at maxSampleChars).
//
// How a payload search stays bounded (it has no index: see migration 20261210090000_dead_letter_groups
// for why): the text must be 3 to 200 characters; it is looked for only in each payload's first
// DEAD_LETTER_SEARCH_CHARS characters, so a 1 MiB poison batch costs no more than a 64 KiB one; only
// the letters the other filters leave are read (status, source and time narrow through their
// indexes); a list stops at its page; and every statement holding a search runs under
// SEARCH_TIMEOUT_MS (SET LOCAL statement_timeout), after which it is stopped and refused, asking for
// narrower filters, rather than holding a connection while it reads every payload. Measured on the
// 2-core development machine: about 1 s for 300,000 letters.
import { InletError } from "../errors";
import type {
  DeadLetterFilter,
  DeadLetterGroup,
  DeadLetterGroupOptions,
  DeadLetterGroupPage,
} from "../ports/catalog";
import { deadLetterWhere } from "./dead-letters";
import { type Queryable, withTransaction } from "./transaction";

/** How long a statement searching payloads may run. */
export const SEARCH_TIMEOUT_MS = 10_000;

/** At most this many hours of trend per group (31 days). */
export const MAX_TREND_HOURS = 744;

const HOUR_MS = 3_600_000;

interface GroupRow {
  source_id: string | null;
  reason_code: string;
  path: string | null;
  schema_version: number | null;
  source: string | null;
  n: number;
  copies: number;
  first_seen: Date;
  last_seen: Date;
  /** [hour index, letters] pairs within the trend. */
  trend: [number, number][] | null;
  sample_id: string;
  sample_event_id: string | null;
  sample_reason: string;
  sample_payload: string;
  sample_chars: number;
  total_groups: number;
  total_letters: number;
}

/** The groups' order (ties broken by their key, so a page is stable). */
function order(sort: DeadLetterGroupOptions["sort"]): string {
  const key = "source_id, reason_code, path NULLS FIRST, schema_version NULLS FIRST";
  return sort === "count" ? `n DESC, last_seen DESC, ${key}` : `last_seen DESC, n DESC, ${key}`;
}

/** The hour `at` falls in (UTC). */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * Runs a read of dead letters: one that searches payloads in a transaction of its own under the
 * search timeout, and with `workMem` (for the grouped view's hash aggregate, which the planner would
 * otherwise sort on disk, unable to know how few groups there are) when given.
 */
export async function boundedRead<T>(
  pool: Parameters<typeof withTransaction>[0],
  filter: DeadLetterFilter,
  run: (q: Queryable) => Promise<T>,
  opts: { timeoutMs?: number; workMem?: "64MB" } = {},
): Promise<T> {
  const timeoutMs = filter.search === undefined ? undefined : (opts.timeoutMs ?? SEARCH_TIMEOUT_MS);
  if (timeoutMs === undefined && opts.workMem === undefined) return run(pool);
  try {
    return await withTransaction(pool, async (tx) => {
      if (timeoutMs !== undefined) {
        await tx.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      }
      if (opts.workMem !== undefined) await tx.query(`SET LOCAL work_mem = '${opts.workMem}'`);
      return run(tx);
    });
  } catch (err) {
    if ((err as { code?: unknown }).code === "57014" && timeoutMs !== undefined) {
      throw new InletError(
        "BAD_REQUEST",
        `The payload search took longer than ${timeoutMs / 1000} s and was stopped: narrow it with a source, reason, batch or time range, or search for a longer text`,
        { field: "search", timeoutMs },
      );
    }
    throw err;
  }
}

export async function deadLetterGroups(
  q: Queryable,
  filter: DeadLetterFilter,
  opts: DeadLetterGroupOptions,
): Promise<DeadLetterGroupPage> {
  const trendFrom = hourOf(opts.trendFrom);
  const trendHours = Math.max(1, Math.min(MAX_TREND_HOURS, Math.ceil(opts.trendHours)));
  const w = deadLetterWhere(filter);
  const n = w.params.length;
  const params = [...w.params, opts.limit, trendFrom.toISOString(), trendHours, opts.maxSampleChars];
  const trendStart = `($${n + 2}::timestamptz AT TIME ZONE 'UTC')`;
  // Counted per group and hour in one pass over the matching letters (no payloads read), then per
  // group; the totals are window sums over every group before the page is cut. Each group's sample is
  // its newest letter, found again by its key and last time (the status-and-time index finds it).
  const res = await q.query<GroupRow>(
    `WITH h AS (
       SELECT d.source_id, d.reason_code, d.path, d.schema_version, date_trunc('hour', d.created_at) AS hour,
              count(*)::int AS n, sum(d.copies)::int AS copies, min(d.created_at) AS first_seen, max(d.created_at) AS last_seen
       FROM dead_letters d WHERE ${w.sql}
       GROUP BY 1, 2, 3, 4, 5
     ),
     g AS (
       SELECT source_id, reason_code, path, schema_version,
              sum(n)::int AS n, sum(copies)::int AS copies, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
              json_agg(json_build_array(floor(extract(epoch FROM hour - ${trendStart}) / 3600)::int, n))
                FILTER (WHERE hour >= ${trendStart}
                          AND hour < ${trendStart} + make_interval(hours => $${n + 3}::int)) AS trend,
              (count(*) OVER ())::int AS total_groups, (sum(sum(n)) OVER ())::int AS total_letters
       FROM h GROUP BY 1, 2, 3, 4
       ORDER BY ${order(opts.sort)} LIMIT $${n + 1}
     )
     SELECT g.source_id, g.reason_code, g.path, g.schema_version, s.slug AS source, g.n, g.copies,
            g.first_seen AT TIME ZONE 'UTC' AS first_seen, g.last_seen AT TIME ZONE 'UTC' AS last_seen,
            g.trend, g.total_groups, g.total_letters,
            x.id AS sample_id, x.event_id AS sample_event_id, x.reason AS sample_reason,
            x.payload AS sample_payload, x.chars AS sample_chars
     FROM g
     LEFT JOIN sources s ON s.id = g.source_id
     CROSS JOIN LATERAL (
       SELECT d.id, d.event_id, d.reason, left(d.payload, $${n + 4}) AS payload, length(d.payload) AS chars
       FROM dead_letters d
       WHERE ${w.sql} AND d.created_at = g.last_seen
         AND d.source_id IS NOT DISTINCT FROM g.source_id AND d.reason_code = g.reason_code
         AND d.path IS NOT DISTINCT FROM g.path AND d.schema_version IS NOT DISTINCT FROM g.schema_version
       ORDER BY d.id DESC LIMIT 1
     ) x
     ORDER BY ${order(opts.sort)}`,
    params,
  );
  const groups = res.rows.map((r): DeadLetterGroup => {
    const trend = new Array<number>(trendHours).fill(0);
    for (const [hour, letters] of r.trend ?? []) if (hour >= 0 && hour < trendHours) trend[hour] = letters;
    return {
      sourceId: r.source_id,
      reasonCode: r.reason_code,
      path: r.path,
      schemaVersion: r.schema_version,
      source: r.source,
      count: r.n,
      copies: r.copies,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      trend,
      sample: {
        id: r.sample_id,
        eventId: r.sample_event_id,
        reason: r.sample_reason,
        payload: r.sample_payload,
        payloadChars: r.sample_chars,
        payloadTruncated: r.sample_chars > opts.maxSampleChars,
      },
    };
  });
  return {
    groups,
    // Read beside every row; no row: nothing matched (the page holds at least one group otherwise).
    totalGroups: res.rows[0]?.total_groups ?? 0,
    totalLetters: res.rows[0]?.total_letters ?? 0,
    trend: { from: trendFrom, hours: trendHours },
  };
}
