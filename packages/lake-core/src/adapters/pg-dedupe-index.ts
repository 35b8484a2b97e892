// The PostgreSQL DedupeIndex: claims live in the catalog's day-partitioned seen_events table and are
// written in the same transaction as the snapshot that stores their events, so an uncommitted claim
// is never seen by anyone and a failed flush leaves none behind.
import type { Catalog, CatalogTransaction } from "../ports/catalog";
import type { DedupeClaim, DedupeIndex, DedupeReservation } from "../ports/dedupe-index";

/**
 * How long a reservation's look at the earlier days stays good for its commit: claims are only ever
 * written to today and, for the hour after midnight, yesterday, so within this the commit's insert
 * alone meets every claim made since.
 */
const RESERVATION_TRUSTED_MS = 30 * 60_000;

export class PgDedupeIndex implements DedupeIndex {
  readonly kind = "postgres" as const;
  /** The UTC day whose partitions this process has seen to (so a claim never lacks one). */
  private maintainedDay: string | undefined;
  private maintaining: Promise<void> | undefined;

  constructor(private readonly catalog: Pick<Catalog, "claimedEventIds" | "maintainDedupeIndex">) {}

  async reserve(sourceId: string, _windowHours: number, claims: DedupeClaim[]): Promise<DedupeReservation> {
    await this.ensurePartitions();
    const ids = claims.map((c) => c.id);
    // Committed claims only: one being committed by another flush meets this one on the primary key
    // in commit(), which then leaves the id out.
    const madeAt = Date.now();
    const claimed = await this.catalog.claimedEventIds(sourceId, ids);
    const fresh = new Set<string>();
    for (const id of ids) if (!claimed.has(id)) fresh.add(id);
    return { fresh, duplicates: claimed, held: new Set(), madeAt };
  }

  commit(
    tx: CatalogTransaction,
    sourceId: string,
    claims: DedupeClaim[],
    reservation?: DedupeReservation,
  ): Promise<Set<string>> {
    const earlierDaysChecked =
      reservation !== undefined && Date.now() - reservation.madeAt < RESERVATION_TRUSTED_MS;
    return tx.claimEventIds(
      sourceId,
      claims.map((c) => c.id),
      { earlierDaysChecked },
    );
  }

  claimed(sourceId: string, ids: string[]): Promise<Set<string>> {
    return this.catalog.claimedEventIds(sourceId, ids);
  }

  async release(sourceId: string, claims: { id: string }[], tx?: CatalogTransaction): Promise<void> {
    // Without a transaction there is nothing to give back: an uncommitted flush's claims rolled back
    // with it, and committed ones go in the caller's transaction.
    if (tx) {
      await tx.releaseEventIds(
        sourceId,
        claims.map((c) => c.id),
      );
    }
  }

  async close(): Promise<void> {}

  private ensurePartitions(): Promise<void> {
    const today = new Date().toISOString().slice(0, 10);
    if (this.maintainedDay === today) return Promise.resolve();
    this.maintaining ??= this.catalog.maintainDedupeIndex().then(
      () => {
        this.maintainedDay = today;
        this.maintaining = undefined;
      },
      (err: unknown) => {
        this.maintaining = undefined;
        throw err;
      },
    );
    return this.maintaining;
  }
}
