// Every source's curated table exists from its registration, so governance staff can set its rules
// before the first events land (and the Tables page shows it, empty). A source registered without one
// (the sample source the first start seeds, or one registered before tables were made with sources)
// gets it here, when the API starts.

import { curatedTableName } from "../catalog";
import type { Catalog } from "../ports/catalog";
import { evolveColumns } from "../schema/schema-columns";
import { withSchema } from "../schema/source-schema";

/** Creates the missing curated tables of the sources; returns their names. */
export async function ensureSourceTables(
  catalog: Pick<Catalog, "listSources" | "describeTable" | "ensureCuratedTable">,
): Promise<string[]> {
  const created: string[] = [];
  for (const record of await catalog.listSources()) {
    const name = curatedTableName(record.slug);
    if (await catalog.describeTable(name)) continue;
    const source = withSchema(record);
    await catalog.ensureCuratedTable(source, evolveColumns(source.schema.columns));
    created.push(name);
  }
  return created;
}
