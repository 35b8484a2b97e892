// Records dead letters in bulk (one statement per call), inside a commit transaction or on their own.
import { randomUUID } from "node:crypto";
import type { Db } from "@inlet/db";
import type { Queryable } from "./transaction";
import { NOW_UTC } from "./transaction";

export interface NewDeadLetter {
  sourceId: string | undefined;
  batchId: string | undefined;
  eventId: string | undefined;
  /** Stable code, e.g. SCHEMA_VIOLATION, POISON_BATCH. */
  reasonCode: string;
  reason: string;
  /** JSON pointer into the event where validation failed, when there is one. */
  path: string | undefined;
  /** The rejected bytes as text. */
  payload: string;
  attempts: number;
}

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

export async function recordDeadLetters(db: Db | Queryable, rows: NewDeadLetter[]): Promise<void> {
  if (rows.length === 0) return;
  const q: Queryable = "pool" in db ? db.pool : db;
  await q.query(INSERT_SQL, [
    rows.map(() => randomUUID()),
    rows.map((r) => r.sourceId ?? null),
    rows.map((r) => r.batchId ?? null),
    rows.map((r) => (r.eventId === undefined ? null : pgText(r.eventId))),
    rows.map((r) => r.reasonCode),
    rows.map((r) => pgText(r.reason)),
    rows.map((r) => (r.path === undefined ? null : pgText(r.path))),
    rows.map((r) => pgText(r.payload)),
    rows.map((r) => r.attempts),
  ]);
}
