// Dead letters in the catalog: recorded in bulk (one statement per call, inside a commit transaction or
// on their own), listed newest first, read one at a time.
import { randomUUID } from "node:crypto";
import type {
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStatus,
  DeadLetterSummary,
  NewDeadLetter,
} from "../ports/catalog";
import { NOW_UTC, type Queryable } from "./transaction";

const INSERT_SQL = `
INSERT INTO dead_letters (id, source_id, batch_id, event_id, reason_code, reason, path, payload, attempts,
                          status, created_at)
SELECT d.id, d.source_id, d.batch_id, d.event_id, d.reason_code, d.reason, d.path, d.payload, d.attempts,
       'open', ${NOW_UTC}
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::int[]) AS d(id, source_id, batch_id, event_id, reason_code, reason, path, payload, attempts)`;

/** Postgres text cannot hold NUL; the payload keeps every other byte as received. */
export function pgText(s: string): string {
  return s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s;
}

/** Inserts the letters; returns their new ids, in order. */
export async function recordDeadLetters(q: Queryable, rows: NewDeadLetter[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const ids = rows.map(() => randomUUID());
  await q.query(INSERT_SQL, [
    ids,
    rows.map((r) => r.sourceId ?? null),
    rows.map((r) => r.batchId ?? null),
    rows.map((r) => (r.eventId === undefined ? null : pgText(r.eventId))),
    rows.map((r) => r.reasonCode),
    rows.map((r) => pgText(r.reason)),
    rows.map((r) => (r.path === undefined ? null : pgText(r.path))),
    rows.map((r) => pgText(r.payload)),
    rows.map((r) => r.attempts),
  ]);
  return ids;
}

// Named as the read model's fields; zone-less UTC timestamps become timestamptz, which node-pg reads right.
const SUMMARY_COLUMNS = `d.id, d.source_id AS "sourceId", s.slug AS source, d.batch_id AS "batchId",
  d.event_id AS "eventId", d.reason_code AS "reasonCode", d.reason, d.path, d.attempts, d.status::text AS status,
  d.created_at AT TIME ZONE 'UTC' AS "createdAt", d.resolved_at AT TIME ZONE 'UTC' AS "resolvedAt"`;

/** The filter as SQL conditions over `d`, with its parameters numbered from `from`. */
function where(filter: Omit<DeadLetterFilter, "reasonCode"> & { reasonCode?: string | undefined }, from = 1) {
  const conditions = [`d.status = $${from}::"DeadLetterStatus"`];
  const params: unknown[] = [filter.status];
  if (filter.sourceId !== undefined) {
    params.push(filter.sourceId);
    conditions.push(`d.source_id = $${from + params.length - 1}`);
  }
  if (filter.reasonCode !== undefined) {
    params.push(filter.reasonCode);
    conditions.push(`d.reason_code = $${from + params.length - 1}`);
  }
  if (filter.batchId !== undefined) {
    params.push(filter.batchId);
    conditions.push(`d.batch_id = $${from + params.length - 1}`);
  }
  return { sql: conditions.join(" AND "), params };
}

export async function listDeadLetters(
  q: Queryable,
  filter: DeadLetterFilter,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ items: DeadLetterSummary[]; nextCursor: string | undefined }> {
  const w = where(filter);
  const params = [...w.params, page.limit + 1];
  let after = "";
  if (page.cursor !== undefined) {
    params.push(page.cursor);
    // Keyset paging on (created_at, id), the list's order: stable while letters keep arriving.
    after = ` AND (d.created_at, d.id) < (SELECT c.created_at, c.id FROM dead_letters c WHERE c.id = $${params.length})`;
  }
  const res = await q.query<DeadLetterSummary>(
    `SELECT ${SUMMARY_COLUMNS} FROM dead_letters d LEFT JOIN sources s ON s.id = d.source_id
     WHERE ${w.sql}${after} ORDER BY d.created_at DESC, d.id DESC LIMIT $${w.params.length + 1}`,
    params,
  );
  const items = res.rows.slice(0, page.limit);
  return { items, nextCursor: res.rows.length > page.limit ? items.at(-1)?.id : undefined };
}

export async function countDeadLettersByReason(
  q: Queryable,
  filter: Omit<DeadLetterFilter, "reasonCode">,
): Promise<{ reasonCode: string; count: number }[]> {
  const w = where({ status: filter.status, sourceId: filter.sourceId, batchId: filter.batchId });
  const res = await q.query<{ reason_code: string; n: number }>(
    `SELECT d.reason_code, count(*)::int AS n FROM dead_letters d WHERE ${w.sql}
     GROUP BY d.reason_code ORDER BY d.reason_code`,
    w.params,
  );
  return res.rows.map((r) => ({ reasonCode: r.reason_code, count: r.n }));
}

export async function getDeadLetter(
  q: Queryable,
  id: string,
  opts: { maxPayloadChars?: number } = {},
): Promise<DeadLetterRecord | undefined> {
  const res = await q.query<DeadLetterRecord>(
    `SELECT ${SUMMARY_COLUMNS}, left(d.payload, $2) AS payload, length(d.payload) AS "payloadChars",
            length(d.payload) > $2 AS "payloadTruncated"
     FROM dead_letters d LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = $1`,
    [id, opts.maxPayloadChars ?? 2_147_483_647],
  );
  return res.rows[0];
}

export async function countDeadLetters(q: Queryable, status: DeadLetterStatus): Promise<number> {
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::float8 AS n FROM dead_letters WHERE status = $1::"DeadLetterStatus"`,
    [status],
  );
  return res.rows[0]?.n ?? 0;
}
