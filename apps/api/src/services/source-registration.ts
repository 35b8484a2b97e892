// Registering a source: a schema inferred from a sample, then the source with its first schema
// version, curated table (with the tags its schema gives columns, x-inlet-tags) and first API key,
// created in one transaction with the audit row, and the copy-paste examples that send it an event;
// bad input is refused naming the field, and nothing is half-created.
import { type Db, generateApiKey } from "@inlet/db";
import {
  type Catalog,
  checkNewSchema,
  curatedTableName,
  exampleEvent,
  type InferredSchema,
  InletError,
  inferSchema,
  ingestExamples,
  isInletError,
  MAX_SAMPLE_BYTES,
  type SampleKind,
  type SchemaCompatibility,
  type SourceKind,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";
import { recordSchemaTags } from "./schema-tags";

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
    /** Called once the source exists: on a local lake, its landing folder is made. */
    private readonly registered: (slug: string) => Promise<void> = async () => {},
  ) {}

  /** Whether a slug is free, for the form to say so as it is typed. */
  async slugAvailable(slug: string): Promise<{ slug: string; available: boolean }> {
    // A source deleted with its data kept leaves its curated table, which keeps the slug taken.
    const taken =
      (await this.catalog.findSourceBySlug(slug)) !== undefined ||
      (await this.catalog.describeTable(curatedTableName(slug))) !== undefined;
    return { slug, available: !taken };
  }

  /**
   * A JSON Schema for a pasted or uploaded sample, with the detected format, the rows read and the
   * fields that look like the event id and time. Refusals name the field `sample`; a sample over the
   * size limit is PAYLOAD_TOO_LARGE.
   */
  inferSchema(sample: string, kind?: SampleKind): InferredSchema {
    try {
      return inferSchema(sample, kind);
    } catch (err) {
      if (!isInletError(err) || err.code !== "BAD_REQUEST") throw err;
      const tooLarge = err.details?.limit === MAX_SAMPLE_BYTES;
      throw new InletError(tooLarge ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", err.message, {
        ...err.details,
        field: "sample",
      });
    }
  }

  /**
   * The source, its ingest URL, its first API key (shown here once: only its hash is kept) and
   * copy-paste examples that send it an event its schema accepts with that key.
   */
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
      const tagged = await recordSchemaTags(tx, curatedTableName(created.slug), jsonSchema);
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
            ...(tagged.added.length > 0 ? { columnTags: tagged.added, tagsCreated: tagged.createdTags } : {}),
          },
        },
        requestId,
        tx.prisma,
      );
      return created;
    });
    await this.registered(source.slug);
    const ingestUrl = this.ingestUrl(source.slug);
    const event = exampleEvent(jsonSchema, { idField: input.idField, timeField: input.timeField });
    return {
      id: source.id,
      slug: source.slug,
      name: source.name,
      schemaVersion: source.schemaVersion ?? null,
      table: `curated.${source.slug}`,
      ingestUrl,
      apiKey: { key: key.key, prefix: key.prefix },
      exampleEvent: event,
      examples: ingestExamples({ url: ingestUrl, apiKey: key.key, event }),
    };
  }
}
