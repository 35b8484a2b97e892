// The DedupeIndex port: which event ids a flush may store, within each source's dedupe window.
import type { CatalogTransaction } from "./catalog";

/** An event's dedupe id as claimed by the batch it came in (its owner). */
export interface DedupeClaim {
  id: string;
  /** The batch id: a redelivered batch recognises its own claims. */
  owner: string;
}

/** What a reservation found for each id of the call. */
export interface DedupeReservation {
  /** New within the window, or already claimed by an owner of this call: the flush stores them. */
  fresh: Set<string>;
  /** Claimed by another owner that committed: duplicates, dropped. */
  duplicates: Set<string>;
  /**
   * Claimed by another owner that has not committed yet (nor failed): neither stored nor dropped by
   * this flush; the batch carrying one is retried once the owner has committed or failed.
   */
  held: Set<string>;
  /** When it was made (ms since the epoch): PostgreSQL's commit relies on its look at earlier days for a while. */
  madeAt: number;
}

/** Where an owner (a batch) stands: only a committed owner's claim makes a copy a duplicate. */
export type DedupeOwnerState = "pending" | "committed" | "failed";

export interface DedupeIndex {
  readonly kind: "postgres" | "redis";
  /**
   * Before a flush writes its files, outside any catalog transaction: which ids it may store. An
   * adapter that claims here (Redis) holds them for the owner until the window ends.
   */
  reserve(sourceId: string, windowHours: number, claims: DedupeClaim[]): Promise<DedupeReservation>;
  /**
   * In the transaction that commits the flush's snapshot: makes the claims durable with it and returns
   * the ids this commit holds; a reserved id missing from the result was claimed by another commit
   * meanwhile, and the flush must not commit it.
   */
  commit(
    tx: CatalogTransaction,
    sourceId: string,
    claims: DedupeClaim[],
    reservation?: DedupeReservation,
  ): Promise<Set<string>>;
  /** Which of the ids hold a committed claim within the window (read only: a dry run's question). */
  claimed(sourceId: string, ids: string[]): Promise<Set<string>>;
  /**
   * Gives claims back: those of a failed (dead-lettered) batch, or of reprocessed rows that no longer
   * land. PostgreSQL's claims live in catalog transactions, so it acts only when given one (as part of
   * it), and a claim of a flush that never committed died with it; Redis acts only without one (at
   * once). A caller giving back committed claims calls both: in its transaction, and after it commits.
   * A claim with an owner is given back only while that owner still holds it.
   */
  release(sourceId: string, claims: { id: string; owner?: string }[], tx?: CatalogTransaction): Promise<void>;
  close(): Promise<void>;
}
