// Registering a source: its first schema version, curated table and first API key, created in one
// transaction with the audit row; bad input is refused naming the field, and nothing is half-created.
import { type Db, generateApiKey } from "@inlet/db";
import { type Catalog, checkNewSchema, type SchemaCompatibility, type SourceKind } from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";

export interface SourceRegistration {
  name: string;
  slug: string;
  description: string;
  kind: SourceKind;
  /** A JSON Schema, or null for a schemaless source (each event's payload kept whole). */
  schema: Record<string, unknown> | null;
  idField: string;
  timeField: string;
  retentionDays: number;
  partitionProperty: string | null;
  rawRetentionDays: number;
  rawArchiveDays: number | null;
  compatibility: SchemaCompatibility;
}

export class SourceRegistrationService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly audit: AuditService,
    private readonly ingestUrl: (slug: string) => string,
  ) {}

  /** Whether a slug is free, for the form to say so as it is typed. */
  async slugAvailable(slug: string): Promise<{ slug: string; available: boolean }> {
    return { slug, available: (await this.catalog.findSourceBySlug(slug)) === undefined };
  }

  /** The source, its ingest URL and its first API key, which is shown here once (only its hash is kept). */
  async register(actor: Actor, input: SourceRegistration, requestId?: string) {
    const jsonSchema = input.schema ?? undefined;
    const columns = checkNewSchema(jsonSchema, {
      idField: input.idField,
      timeField: input.timeField,
      partitionProperty: input.partitionProperty ?? undefined,
    });
    const key = generateApiKey();
    const source = await withCatalogTransaction(this.db, async (tx) => {
      const created = await tx.catalog.createSource({
        slug: input.slug,
        name: input.name,
        description: input.description,
        kind: input.kind,
        idField: input.idField,
        timeField: input.timeField,
        retentionDays: input.retentionDays,
        partitionProperty: input.partitionProperty ?? undefined,
        rawRetentionDays: input.rawRetentionDays,
        rawArchiveDays: input.rawArchiveDays ?? undefined,
        compatibility: input.compatibility,
        jsonSchema,
        columns,
        createdById: actor.id,
      });
      await tx.prisma.apiKey.create({
        data: { sourceId: created.id, name: "first key", prefix: key.prefix, keyHash: key.hash },
      });
      await this.audit.record(
        actor,
        {
          action: "source.create",
          targetType: "source",
          targetId: created.id,
          details: {
            source: created.slug,
            kind: input.kind,
            schemaVersion: created.schemaVersion ?? null,
            retentionDays: input.retentionDays,
          },
        },
        requestId,
        tx.prisma,
      );
      return created;
    });
    return {
      id: source.id,
      slug: source.slug,
      name: source.name,
      schemaVersion: source.schemaVersion ?? null,
      table: `curated.${source.slug}`,
      ingestUrl: this.ingestUrl(source.slug),
      apiKey: { key: key.key, prefix: key.prefix },
    };
  }
}
