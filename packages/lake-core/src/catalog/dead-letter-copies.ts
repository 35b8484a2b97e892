// Taking back copies of dead letters recorded with a batch that was not accepted after all: the letters
// other copies also count on stay, one copy fewer each; those that hold only these copies are discarded.
import { discardDeadLetters } from "./replay-jobs";
import type { Queryable } from "./transaction";

/** `ids` as recordDeadLetters returned them: a letter's id once per copy to take back. */
export async function withdrawDeadLetterCopies(
  tx: Queryable,
  ids: string[],
  reason: string,
  actor: { id: string | undefined; email: string },
): Promise<void> {
  if (ids.length === 0) return;
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const letters = [...counts.keys()].sort();
  const kept = await tx.query<{ id: string }>(
    `UPDATE dead_letters d SET copies = d.copies - w.n
     FROM unnest($1::text[], $2::int[]) AS w(id, n)
     WHERE d.id = ANY($1::text[]) AND d.id = w.id AND d.copies > w.n
     RETURNING d.id`,
    [letters, letters.map((id) => counts.get(id) ?? 0)],
  );
  const stay = new Set(kept.rows.map((r) => r.id));
  const only = letters.filter((id) => !stay.has(id));
  if (only.length > 0) await discardDeadLetters(tx, only, reason, actor);
}
