// The lake tables a query names, found in the catalog at their current snapshot; a name that is not a
// readable table is refused by name, with where it stands in the SQL.
import type { TableReference } from "../adapters/duckdb-sql-guard";
import { InletError } from "../errors";
import type { Catalog, TableSnapshotView } from "../ports/catalog";
import { lineAndColumn } from "./sql-tree";

/** The zones whose tables SQL reads (raw objects are not a table). */
export const QUERYABLE_ZONES = ["curated", "analytics"] as const;

function refuse(sql: string, ref: TableReference, message: string, table: string): InletError {
  const at = ref.offset === undefined ? undefined : lineAndColumn(sql, ref.offset);
  return new InletError("BAD_REQUEST", at ? `${message} (line ${at.line}, column ${at.column})` : message, {
    field: "sql",
    table,
    ...at,
  });
}

function quoted(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`;
}

/** Each table the query names once, at its current snapshot, in the order first named. */
export async function resolveTables(
  catalog: Pick<Catalog, "tableSnapshot">,
  sql: string,
  refs: readonly TableReference[],
): Promise<TableSnapshotView[]> {
  const names = new Map<string, TableReference>();
  for (const ref of refs) {
    const schema = ref.schema.toLowerCase();
    const table = ref.table.toLowerCase();
    const written = ref.schema ? `${ref.schema}.${ref.table}` : ref.table;
    if (ref.catalog !== "") {
      throw refuse(
        sql,
        ref,
        `Unknown table ${ref.catalog}.${written}: name a table as zone.table, e.g. curated.orders`,
        written,
      );
    }
    if (schema === "") {
      const suggestions = (
        await Promise.all(
          QUERYABLE_ZONES.map(async (z) =>
            (await catalog.tableSnapshot(`${z}.${table}`)) ? `${z}.${quoted(table)}` : undefined,
          ),
        )
      ).filter((s): s is string => s !== undefined);
      const hint =
        suggestions.length > 0
          ? `; did you mean ${suggestions.join(" or ")}?`
          : "; name a table as zone.table, e.g. curated.orders";
      throw refuse(sql, ref, `Unknown table ${written}${hint}`, written);
    }
    if (schema === "raw") {
      throw refuse(
        sql,
        ref,
        `${written} is a source's raw zone, which SQL does not read (raw objects are kept as they arrived); query curated.${quoted(table)}`,
        written,
      );
    }
    if (!names.has(`${schema}.${table}`)) names.set(`${schema}.${table}`, ref);
  }
  return Promise.all(
    [...names].map(async ([name, ref]) => {
      const view = (QUERYABLE_ZONES as readonly string[]).includes(name.split(".")[0]!)
        ? await catalog.tableSnapshot(name)
        : undefined;
      if (!view) throw refuse(sql, ref, `Unknown table ${name}`, name);
      return view;
    }),
  );
}
