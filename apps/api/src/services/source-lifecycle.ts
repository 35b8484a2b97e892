// A source's lifecycle settings (curated retention, raw retention, raw archive age), and deleting it:
// confirmed by typing its slug; its keys stop at once (the key rows go with the
// source, and this process forgets its cached lookups); its data is kept (the curated table stays,
// detached and queryable) or purged (table, dead letters, and every object under its prefixes).
import type { Db } from "@inlet/db";
import { type Catalog, InletError, type ObjectStore, type SourceDeletion } from "@inlet/lake-core";
import type { Logger } from "pino";
import type { Actor } from "../auth/session";
import type { SourceChanges } from "../source-changes";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";

const DELETE_CHUNK = 1000;

export interface PurgeOutcome {
  objects: number;
  bytes: number;
  /** Set when deleting objects failed part-way: what is left, to delete by hand or retry. */
  error?: string;
}

export class SourceLifecycleService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly changes: SourceChanges,
    private readonly logger?: Logger,
  ) {}

  /**
   * Sets how long the source's data is kept and its dedupe window (unchanged when not given); audited
   * with the values before and after.
   */
  async updateLifecycle(
    actor: Actor,
    input: {
      slug: string;
      retentionDays: number;
      rawRetentionDays: number;
      rawArchiveDays: number | null;
      dedupeWindowHours?: number | undefined;
    },
    requestId?: string,
  ) {
    const source = await this.catalog.findSourceBySlug(input.slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${input.slug}'`);
    const next = {
      retentionDays: input.retentionDays,
      rawRetentionDays: input.rawRetentionDays,
      rawArchiveDays: input.rawArchiveDays ?? undefined,
      dedupeWindowHours: input.dedupeWindowHours ?? source.dedupeWindowHours,
    };
    return withCatalogTransaction(this.db, async (tx) => {
      const before = await tx.catalog.updateSourceLifecycle(source.id, next);
      if (!before) throw new InletError("NOT_FOUND", `No source with slug '${input.slug}'`);
      await this.audit.record(
        actor,
        {
          action: "source.lifecycle",
          targetType: "source",
          targetId: source.id,
          details: {
            source: input.slug,
            before: { ...before, rawArchiveDays: before.rawArchiveDays ?? null },
            after: { ...next, rawArchiveDays: input.rawArchiveDays },
          },
        },
        requestId,
        tx.prisma,
      );
      return { slug: input.slug, ...next, rawArchiveDays: input.rawArchiveDays };
    });
  }

  async delete(
    actor: Actor,
    input: { slug: string; confirm: string; data: SourceDeletion },
    requestId?: string,
  ) {
    if (input.confirm !== input.slug) {
      throw new InletError("BAD_REQUEST", `Type the source's slug '${input.slug}' to confirm`, {
        field: "confirm",
      });
    }
    const source = await this.catalog.findSourceBySlug(input.slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${input.slug}'`);
    const deleted = await withCatalogTransaction(this.db, async (tx) => {
      const keys = await tx.prisma.apiKey.count({ where: { sourceId: source.id, revokedAt: null } });
      const gone = await tx.catalog.deleteSource(source.id, input.data);
      if (!gone) throw new InletError("NOT_FOUND", `No source with slug '${input.slug}'`);
      await this.audit.record(
        actor,
        {
          action: "source.delete",
          targetType: "source",
          targetId: source.id,
          details: {
            source: gone.slug,
            data: gone.mode,
            keptTable: gone.table ?? null,
            keysStopped: keys,
            files: gone.files,
            bytes: gone.bytes,
            batches: gone.batches,
            deadLetters: gone.deadLetters,
          },
        },
        requestId,
        tx.prisma,
      );
      return { ...gone, keysStopped: keys };
    });
    this.changes.changed(source.id);
    const purge = input.data === "purge" ? await this.purgeObjects(deleted.purgePrefixes) : undefined;
    if (purge?.error) {
      this.logger?.error(
        { source: deleted.slug, err: purge.error },
        "purging a deleted source's objects failed",
      );
    }
    return {
      slug: deleted.slug,
      data: deleted.mode,
      keptTable: deleted.table ?? null,
      keysStopped: deleted.keysStopped,
      files: deleted.files,
      bytes: deleted.bytes,
      purged: purge ?? null,
    };
  }

  /** Deletes every object under the prefixes, a chunk at a time; reports how far it got. */
  private async purgeObjects(prefixes: string[]): Promise<PurgeOutcome> {
    const outcome: PurgeOutcome = { objects: 0, bytes: 0 };
    try {
      for (const prefix of prefixes) {
        let chunk: { key: string; size: number }[] = [];
        const flush = async () => {
          await this.store.delete(chunk.map((o) => o.key));
          outcome.objects += chunk.length;
          outcome.bytes += chunk.reduce((n, o) => n + o.size, 0);
          chunk = [];
        };
        for await (const object of this.store.list(prefix)) {
          chunk.push(object);
          if (chunk.length >= DELETE_CHUNK) await flush();
        }
        if (chunk.length > 0) await flush();
      }
    } catch (err) {
      outcome.error = `stopped after ${outcome.objects} objects: ${(err as Error).message}`;
    }
    return outcome;
  }
}
