// Dead letters in the catalog: recorded in bulk (one statement per call, inside a commit transaction or
// on their own), listed newest first, read one at a time.
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import type {
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStatus,
  DeadLetterSummary,
  NewDeadLetter,
} from "../ports/catalog";
import { NOW_UTC, type Queryable } from "./transaction";

// A copy of an event already dead-lettered for the same cause, while that letter is open, counts on it
// (see the dead_letters_open_event_cause_key index, whose predicate the conflict target repeats): the
// letter keeps the first copy's payload and batch. Rows come grouped by that key, one per key.
const INSERT_SQL = `
INSERT INTO dead_letters (id, source_id, batch_id, event_id, reason_code, reason, path, payload, attempts,
                          schema_version, copies, status, created_at, last_received_at)
SELECT d.id, d.source_id, d.batch_id, d.event_id, d.reason_code, d.reason, d.path, d.payload, d.attempts,
       d.schema_version, d.copies, 'open', ${NOW_UTC}, ${NOW_UTC}
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::int[], $10::int[], $11::int[])
  AS d(id, source_id, batch_id, event_id, reason_code, reason, path, payload, attempts, schema_version, copies)
ON CONFLICT (source_id, event_id, reason_code, path, schema_version)
  WHERE status = 'open' AND event_id IS NOT NULL AND received_reason_code IS NULL
DO UPDATE SET copies = dead_letters.copies + EXCLUDED.copies, last_received_at = EXCLUDED.last_received_at
RETURNING id, source_id, event_id, reason_code, path, schema_version`;

/** Postgres text cannot hold NUL; the payload keeps every other byte as received. */
export function pgText(s: string): string {
  return s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as the database stores it: without NUL (pgText), and a lone UTF-16 surrogate as U+FFFD, which is
 * what it becomes in UTF-8 on its way there; two ids that differ only there are one id in the catalog.
 */
function storedText(s: string): string {
  const t = pgText(s);
  return /[\uD800-\uDFFF]/.test(t) ? t.replace(LONE_SURROGATE, "\uFFFD") : t;
}

/** What makes two letters copies of one: the event (by id, in its source) and the cause it failed for. */
function copyKey(
  sourceId: string | null,
  eventId: string,
  reasonCode: string,
  path: string | null,
  schemaVersion: number | null,
): string {
  return JSON.stringify([sourceId, eventId, reasonCode, path, schemaVersion]);
}

/**
 * Records the letters; returns, for each row in order, the id of the letter it is in. A row with an
 * event id that an open letter (or an earlier row) already holds for the same cause is counted as one
 * more copy of that letter instead (its id is returned again); rows without an event id are always
 * new letters.
 */
export async function recordDeadLetters(q: Queryable, rows: NewDeadLetter[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const letters: { row: NewDeadLetter; id: string; key: string | undefined; copies: number }[] = [];
  const byKey = new Map<string, (typeof letters)[number]>();
  const rowLetters = rows.map((row) => {
    const key =
      row.eventId === undefined
        ? undefined
        : copyKey(
            row.sourceId ?? null,
            storedText(row.eventId),
            storedText(row.reasonCode),
            row.path === undefined ? null : storedText(row.path),
            row.schemaVersion ?? null,
          );
    const same = key === undefined ? undefined : byKey.get(key);
    if (same) {
      same.copies += 1;
      return same;
    }
    const letter = { row, id: randomUUID(), key, copies: 1 };
    letters.push(letter);
    if (key !== undefined) byKey.set(key, letter);
    return letter;
  });
  // In key order, so that two writers taking copies of the same letters wait for each other, not deadlock.
  letters.sort((a, b) => ((a.key ?? "") < (b.key ?? "") ? -1 : (a.key ?? "") > (b.key ?? "") ? 1 : 0));
  const res = await q.query<{
    id: string;
    source_id: string | null;
    event_id: string | null;
    reason_code: string;
    path: string | null;
    schema_version: number | null;
  }>(INSERT_SQL, [
    letters.map((l) => l.id),
    letters.map((l) => l.row.sourceId ?? null),
    letters.map((l) => l.row.batchId ?? null),
    letters.map((l) => (l.row.eventId === undefined ? null : pgText(l.row.eventId))),
    letters.map((l) => l.row.reasonCode),
    letters.map((l) => pgText(l.row.reason)),
    letters.map((l) => (l.row.path === undefined ? null : pgText(l.row.path))),
    letters.map((l) => pgText(l.row.payload)),
    letters.map((l) => l.row.attempts),
    letters.map((l) => l.row.schemaVersion ?? null),
    letters.map((l) => l.copies),
  ]);
  // A copy's letter is an earlier one: found by its key.
  for (const r of res.rows) {
    if (r.event_id === null) continue;
    const letter = byKey.get(copyKey(r.source_id, r.event_id, r.reason_code, r.path, r.schema_version));
    if (letter) letter.id = r.id;
  }
  return rowLetters.map((l) => l.id);
}

// Named as the read model's fields; zone-less UTC timestamps become timestamptz, which node-pg reads right.
const SUMMARY_COLUMNS = `d.id, d.source_id AS "sourceId", s.slug AS source, d.batch_id AS "batchId",
  d.event_id AS "eventId", d.reason_code AS "reasonCode", d.reason, d.path, d.schema_version AS "schemaVersion",
  d.attempts, d.copies, d.status::text AS status,
  d.created_at AT TIME ZONE 'UTC' AS "createdAt", d.last_received_at AT TIME ZONE 'UTC' AS "lastReceivedAt", d.resolved_at AT TIME ZONE 'UTC' AS "resolvedAt"`;

/** Payload search looks at this many first characters of each payload (see dead-letter-groups.ts). */
export const DEAD_LETTER_SEARCH_CHARS = 65_536;
/** The shortest search text: one or two characters would match nearly every payload. */
export const DEAD_LETTER_SEARCH_MIN_CHARS = 3;
export const DEAD_LETTER_SEARCH_MAX_CHARS = 200;

/** `text` as an ILIKE pattern matching it anywhere, its wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The filter as SQL conditions over `d`, with its parameters numbered from `from`. */
export function deadLetterWhere(filter: DeadLetterFilter, from = 1): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${from + params.length - 1}`;
  };
  const conditions = [`d.status = ${p(filter.status)}::"DeadLetterStatus"`];
  if (filter.sourceId === null) conditions.push("d.source_id IS NULL");
  else if (filter.sourceId !== undefined) conditions.push(`d.source_id = ${p(filter.sourceId)}`);
  if (filter.reasonCode !== undefined) conditions.push(`d.reason_code = ${p(filter.reasonCode)}`);
  if (filter.batchId !== undefined) conditions.push(`d.batch_id = ${p(filter.batchId)}`);
  if (filter.eventId !== undefined) conditions.push(`d.event_id = ${p(storedText(filter.eventId))}`);
  if (filter.path === null) conditions.push("d.path IS NULL");
  else if (filter.path !== undefined) conditions.push(`d.path = ${p(filter.path)}`);
  if (filter.schemaVersion === null) conditions.push("d.schema_version IS NULL");
  else if (filter.schemaVersion !== undefined)
    conditions.push(`d.schema_version = ${p(filter.schemaVersion)}`);
  if (filter.from !== undefined)
    conditions.push(`d.created_at >= (${p(filter.from.toISOString())}::timestamptz AT TIME ZONE 'UTC')`);
  if (filter.to !== undefined)
    conditions.push(`d.created_at < (${p(filter.to.toISOString())}::timestamptz AT TIME ZONE 'UTC')`);
  if (filter.excludeSourceIds !== undefined && filter.excludeSourceIds.length > 0) {
    conditions.push(`(d.source_id IS NULL OR d.source_id <> ALL(${p(filter.excludeSourceIds)}::text[]))`);
  }
  if (filter.search !== undefined) {
    const chars = Array.from(filter.search).length;
    if (chars < DEAD_LETTER_SEARCH_MIN_CHARS || chars > DEAD_LETTER_SEARCH_MAX_CHARS) {
      throw new InletError(
        "BAD_REQUEST",
        `Search payloads for ${DEAD_LETTER_SEARCH_MIN_CHARS} to ${DEAD_LETTER_SEARCH_MAX_CHARS} characters`,
        { field: "search" },
      );
    }
    conditions.push(
      `left(d.payload, ${DEAD_LETTER_SEARCH_CHARS}) ILIKE ${p(containsPattern(filter.search))}`,
    );
  }
  return { sql: conditions.join(" AND "), params };
}

export async function listDeadLetters(
  q: Queryable,
  filter: DeadLetterFilter,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ items: DeadLetterSummary[]; nextCursor: string | undefined }> {
  const w = deadLetterWhere(filter);
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
  const w = deadLetterWhere({ ...filter, reasonCode: undefined });
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
