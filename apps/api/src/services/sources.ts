// Sources and their API keys (several per source, revocable; only a hash is stored). Sources are the
// catalog's; keys are the control plane's.
import { type Db, generateApiKey } from "@inlet/db";
import { type Catalog, InletError, readableSchemaOrder } from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { SourceChanges } from "../source-changes";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";

export class SourcesService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly audit: AuditService,
    private readonly publicApiUrl: string,
    private readonly changes?: SourceChanges,
  ) {}

  ingestUrl(slug: string): string {
    return `${this.publicApiUrl}/v1/sources/${slug}/events`;
  }

  async list(now = new Date()) {
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const [sources, acceptedToday] = await Promise.all([
      this.catalog.listSources(),
      this.catalog.acceptedEventsBySource(today),
    ]);
    return {
      items: sources.map((s) => ({
        id: s.id,
        slug: s.slug,
        name: s.name,
        kind: s.kind,
        status: s.status,
        createdAt: s.createdAt,
        eventsToday: acceptedToday.get(s.id) ?? 0,
        activeSchemaVersion: s.schemaVersion ?? null,
        ingestUrl: this.ingestUrl(s.slug),
      })),
    };
  }

  /** One source as its page shows it: what producers need to send to it, and its state. */
  async get(slug: string) {
    const source = await this.sourceBySlug(slug);
    // The stored schema's keys come back sorted (jsonb): shown in the table's column order.
    const order = source.columnOrder ?? [];
    return {
      id: source.id,
      slug: source.slug,
      name: source.name,
      description: source.description,
      kind: source.kind,
      status: source.status,
      idField: source.idField,
      timeField: source.timeField,
      partitionProperty: source.partitionProperty ?? null,
      retentionDays: source.retentionDays,
      rawRetentionDays: source.rawRetentionDays,
      rawArchiveDays: source.rawArchiveDays ?? null,
      dedupeWindowHours: source.dedupeWindowHours,
      compatibility: source.compatibility,
      createdAt: source.createdAt,
      activeSchemaVersion: source.schemaVersion ?? null,
      /** The active schema version and its JSON Schema; null for a schemaless source. */
      schema:
        source.schemaVersion === undefined
          ? null
          : { version: source.schemaVersion, jsonSchema: readableSchemaOrder(source.jsonSchema, order) },
      ingestUrl: this.ingestUrl(source.slug),
      landingPrefix: `landing/${source.slug}/`,
    };
  }

  /** Pauses a source (ingest answers 409 and stores nothing) or resumes it; a no-op when already so. */
  async setStatus(actor: Actor, slug: string, status: "active" | "paused", requestId?: string) {
    const source = await this.sourceBySlug(slug);
    const result = await withCatalogTransaction(this.db, async (tx) => {
      const before = await tx.catalog.setSourceStatus(source.id, status);
      if (before === undefined) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
      if (before === status) return { slug, status };
      await this.audit.record(
        actor,
        {
          action: status === "paused" ? "source.pause" : "source.resume",
          targetType: "source",
          targetId: source.id,
          details: { source: slug },
        },
        requestId,
        tx.prisma,
      );
      return { slug, status };
    });
    this.changes?.changed(source.id);
    return result;
  }

  private async sourceBySlug(slug: string) {
    const source = await this.catalog.findSourceBySlug(slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
    return source;
  }

  async listKeys(slug: string) {
    const source = await this.sourceBySlug(slug);
    const keys = await this.db.prisma.apiKey.findMany({
      where: { sourceId: source.id },
      orderBy: { createdAt: "desc" },
    });
    return keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
      revokedAt: k.revokedAt,
    }));
  }

  /** The key is returned once, here; only its hash is kept. */
  async createKey(actor: Actor, slug: string, name: string, requestId?: string) {
    const source = await this.sourceBySlug(slug);
    const key = generateApiKey();
    const row = await this.db.prisma.$transaction(async (tx) => {
      const created = await tx.apiKey.create({
        data: { sourceId: source.id, name, prefix: key.prefix, keyHash: key.hash },
      });
      await this.audit.record(
        actor,
        {
          action: "api_key.create",
          targetType: "api_key",
          targetId: created.id,
          details: { source: slug, name },
        },
        requestId,
        tx,
      );
      return created;
    });
    return { id: row.id, name: row.name, prefix: row.prefix, key: key.key, ingestUrl: this.ingestUrl(slug) };
  }

  async revokeKey(actor: Actor, keyId: string, requestId?: string) {
    const revoked = await this.db.prisma.$transaction(async (tx) => {
      const key = await tx.apiKey.findUnique({ where: { id: keyId } });
      if (!key) throw new InletError("NOT_FOUND", `No API key with id '${keyId}'`);
      const source = await this.catalog.getSource(key.sourceId);
      if (key.revokedAt) return { id: key.id, revokedAt: key.revokedAt, sourceId: key.sourceId };
      const updated = await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
      await this.audit.record(
        actor,
        {
          action: "api_key.revoke",
          targetType: "api_key",
          targetId: key.id,
          details: { source: source?.slug ?? null, name: key.name, prefix: key.prefix },
        },
        requestId,
        tx,
      );
      return { id: updated.id, revokedAt: updated.revokedAt, sourceId: key.sourceId };
    });
    this.changes?.changed(revoked.sourceId);
    return { id: revoked.id, revokedAt: revoked.revokedAt };
  }
}
