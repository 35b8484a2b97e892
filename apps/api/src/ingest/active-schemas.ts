// The source and active schema each ingest request's events are judged against: read from the catalog
// at most every 5 s per source, at once after a change this process makes (a new schema version, see
// SourceChanges); validators are compiled once per schema version (schemaLayoutFor). A batch judged
// against a version that is no longer active when the worker reaches it is judged again there.
import { type Catalog, type LoadedSource, loadSource } from "@inlet/lake-core";

/** How long a source's active schema is used before it is read again. */
export const ACTIVE_SCHEMA_TTL_MS = 5_000;

export class ActiveSchemas {
  private readonly cache = new Map<string, { until: number; loaded: Promise<LoadedSource> }>();

  constructor(
    private readonly catalog: Catalog,
    private readonly ttlMs = ACTIVE_SCHEMA_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The source with its active schema; rejects when the catalog does not answer. */
  get(sourceId: string): Promise<LoadedSource> {
    const at = this.now();
    const hit = this.cache.get(sourceId);
    if (hit && hit.until > at) return hit.loaded;
    const loaded = loadSource(this.catalog, sourceId);
    const entry = { until: at + this.ttlMs, loaded };
    this.cache.set(sourceId, entry);
    loaded.catch(() => {
      if (this.cache.get(sourceId) === entry) this.cache.delete(sourceId);
    });
    return loaded;
  }

  forget(sourceId: string): void {
    this.cache.delete(sourceId);
  }
}
