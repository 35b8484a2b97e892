// The catalog's side of access policies: which tables exist by id, with their name, zone and whether
// they deny columns no rule covers (lake_tables.deny_unruled_columns); that setting locked and changed
// in the transaction that saves a table's policy.
import type { TableAccessSettings } from "../ports/catalog";
import type { Queryable } from "./transaction";

interface Row {
  id: string;
  name: string;
  zone: string;
  deny_unruled_columns: boolean;
}

const settingsOf = (r: Row): TableAccessSettings => ({
  tableId: r.id,
  name: r.name,
  zone: r.zone,
  denyUnruledColumns: r.deny_unruled_columns,
});

export async function tableAccessSettings(
  q: Queryable,
  tableIds: readonly string[],
): Promise<Map<string, TableAccessSettings>> {
  if (tableIds.length === 0) return new Map();
  const { rows } = await q.query<Row>(
    `SELECT id, name, zone::text AS zone, deny_unruled_columns FROM lake_tables WHERE id = ANY($1::text[])`,
    [[...tableIds]],
  );
  return new Map(rows.map((r) => [r.id, settingsOf(r)]));
}

/** The table's settings with its row locked until the transaction ends; undefined when there is none. */
export async function lockTableAccess(
  tx: Queryable,
  tableId: string,
): Promise<TableAccessSettings | undefined> {
  const { rows } = await tx.query<Row>(
    `SELECT id, name, zone::text AS zone, deny_unruled_columns FROM lake_tables WHERE id = $1 FOR UPDATE`,
    [tableId],
  );
  return rows[0] ? settingsOf(rows[0]) : undefined;
}

export async function setDenyUnruledColumns(tx: Queryable, tableId: string, deny: boolean): Promise<void> {
  await tx.query(`UPDATE lake_tables SET deny_unruled_columns = $2, updated_at = now() WHERE id = $1`, [
    tableId,
    deny,
  ]);
}
