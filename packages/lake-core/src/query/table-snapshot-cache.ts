// Tables at their current snapshot for estimates, kept between calls: re-read from the catalog only
// when the table's version (snapshot, columns) changed, so an estimate as one types costs one small
// catalog read per table instead of every file's statistics.
import type { Catalog, TableSnapshotView } from "../ports/catalog";

const MAX_TABLES = 256;

interface Entry {
  view: TableSnapshotView;
  changedAt: number;
}

const cache = new Map<string, Entry>();

function remember(key: string, entry: Entry): void {
  cache.delete(key);
  cache.set(key, entry);
  // Oldest used first: a Map iterates in insertion order.
  while (cache.size > MAX_TABLES) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

/** The table at its current committed snapshot (from the cache when still current), or undefined. */
export async function currentSnapshot(
  catalog: Pick<Catalog, "url" | "tableVersion" | "tableSnapshot">,
  name: string,
): Promise<TableSnapshotView | undefined> {
  const key = `${catalog.url}\0${name}`;
  const version = await catalog.tableVersion(name);
  if (!version) {
    cache.delete(key);
    return undefined;
  }
  const cached = cache.get(key);
  if (cached && cached.view.seq === version.seq && cached.changedAt === version.changedAt.getTime()) {
    remember(key, cached);
    return cached.view;
  }
  const view = await catalog.tableSnapshot(name);
  if (!view) {
    cache.delete(key);
    return undefined;
  }
  // Stored under the version read before it: a change in between makes the next call read it again.
  remember(key, { view, changedAt: view.seq === version.seq ? version.changedAt.getTime() : Number.NaN });
  return view;
}
