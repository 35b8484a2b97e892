// Tells this process's ingest key cache that a source or its keys changed (deleted, key revoked,
// paused), so the change holds at once here; other API processes follow within the cache's 5 s, and a
// deleted source's batches are refused by the catalog itself.
export class SourceChanges {
  private readonly listeners = new Set<(sourceId: string) => void>();

  onChange(listener: (sourceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(sourceId: string): void {
    for (const listener of this.listeners) listener(sourceId);
  }
}
