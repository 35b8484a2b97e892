// Tells this process's ingest caches that a source, its keys or its schema changed (deleted, key
// revoked, paused, a new schema version), so the change holds at once here; other API processes follow
// within the caches' 5 s, a deleted source's batches are refused by the catalog itself, and a batch
// judged against a version no longer active is judged again by the worker.
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
