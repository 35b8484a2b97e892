// The schema registry of a source: its versions (who registered each, when, under which mode), any two
// compared by meaning, a candidate version checked before it is registered (validity, the compatibility
// verdict under the source's mode, the change against the active version, the columns it adds with the
// rule each role would get on them, and what reads the columns it changes), registering it (with the
// tags its properties give their columns, x-inlet-tags), and the source's compatibility mode.
import { isDeepStrictEqual } from "node:util";
import type { Db } from "@inlet/db";
import {
  type AccessPolicySource,
  type Catalog,
  type ColumnImpact,
  type ColumnSpec,
  type CompatibilityMode,
  type CompatibilityProblem,
  checkCompatibility,
  checkNewSchema,
  curatedColumns,
  curatedTableName,
  diffSchemas,
  downstreamImpact,
  evolveColumns,
  InletError,
  isInletError,
  type JsonSchema,
  problemMessage,
  readableSchemaOrder,
  type SchemaChange,
  type SchemaCompatibility,
  type SchemaVersionRecord,
  type SourceRecord,
  schemaColumnTags,
  type TablePolicies,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { SourceChanges } from "../source-changes";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";
import { addedColumnAccess, type ColumnAccessEntry, recordSchemaTags, tagState } from "./schema-tags";

const MODES: Record<SchemaCompatibility, CompatibilityMode> = {
  backward: "BACKWARD",
  backward_transitive: "BACKWARD_TRANSITIVE",
  forward: "FORWARD",
  forward_transitive: "FORWARD_TRANSITIVE",
  full: "FULL",
  full_transitive: "FULL_TRANSITIVE",
  none: "NONE",
};

/** A compatibility problem as the console shows it: the field, the change, the rule, and one sentence. */
export interface SchemaProblem extends CompatibilityProblem {
  message: string;
}

/** A curated column a version adds, with the tags its schema gives it and the rule each role would get. */
export interface AddedColumn extends ColumnSpec {
  tags: string[];
  /** Per role (roles with the same rule from the same place together), the rule that would hold. */
  access: ColumnAccessEntry[];
}

/** What registering a schema as the source's next version would do. */
export interface SchemaCheck {
  slug: string;
  /** The mode it is judged under (the source's), in the API's lower case. */
  compatibility: SchemaCompatibility;
  /** The version it would become, and the active version it is compared with. */
  nextVersion: number;
  activeVersion: number;
  /** Identical to the active version: registering it changes nothing. */
  identical: boolean;
  compatible: boolean;
  problems: SchemaProblem[];
  /** The meaning-level changes from the active version. */
  changes: SchemaChange[];
  /** Curated columns the version adds (old rows read NULL there) and those whose type it changes. */
  columnsAdded: AddedColumn[];
  columnsRetyped: { name: string; from: string; to: string }[];
  /** Per changed or removed column, the saved queries, analytics tables and policies reading it. */
  impact: ColumnImpact[];
}

/** The candidate judged against the source's versions, without looking downstream. */
interface Judgement {
  versions: SchemaVersionRecord[];
  latest: SchemaVersionRecord;
  mode: CompatibilityMode;
  columns: ColumnSpec[];
  identical: boolean;
  problems: SchemaProblem[];
  changes: SchemaChange[];
}

export class SchemaRegistryService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly audit: AuditService,
    /** The stored access policies, for the rules a new column would be read under. */
    private readonly policies: AccessPolicySource,
    /** Told of each new version, so that ingest here judges events against it at once. */
    private readonly changes?: SourceChanges,
  ) {}

  /** Every version, newest first, with who registered it, when and under which mode. */
  async list(slug: string) {
    const source = await this.sourceBySlug(slug);
    const versions = await this.catalog.listSchemaVersions(source.id);
    const emails = await this.emailsOf(versions);
    return {
      slug: source.slug,
      compatibility: source.compatibility,
      activeVersion: source.schemaVersion ?? null,
      versions: versions.map((v) => summary(v, emails)).reverse(),
    };
  }

  async get(slug: string, version: number) {
    const source = await this.sourceBySlug(slug);
    const found = await this.versionOf(source, version, "version");
    const emails = await this.emailsOf([found]);
    const order = source.columnOrder ?? [];
    return { ...summary(found, emails), jsonSchema: readableSchemaOrder(found.jsonSchema, order) };
  }

  /** Two versions side by side and what changed from the first to the second, in meaning. */
  async diff(slug: string, from: number, to: number) {
    const source = await this.sourceBySlug(slug);
    const [a, b] = [await this.versionOf(source, from, "from"), await this.versionOf(source, to, "to")];
    const emails = await this.emailsOf([a, b]);
    const order = source.columnOrder ?? [];
    return {
      slug: source.slug,
      from: { ...summary(a, emails), jsonSchema: readableSchemaOrder(a.jsonSchema, order) },
      to: { ...summary(b, emails), jsonSchema: readableSchemaOrder(b.jsonSchema, order) },
      changes: diffSchemas(schemaOf(a), schemaOf(b)),
    };
  }

  /** Everything registering `schema` would do, without doing it. BAD_REQUEST (field "schema") when it is not a valid schema for the source. */
  async check(slug: string, schema: Record<string, unknown>): Promise<SchemaCheck> {
    const source = await this.sourceBySlug(slug);
    const judged = await this.judge(source, schema);
    const tableName = curatedTableName(source.slug);
    const [table, dependents, savedQueries] = await Promise.all([
      this.catalog.getTableSummary(tableName),
      this.catalog.tableDependents(tableName),
      this.savedQueriesNaming(source.slug),
    ]);
    const existing = table?.columns ?? curatedColumns(schemaOf(judged.latest));
    const known = new Map(existing.map((c) => [c.name.toLowerCase(), c]));
    const evolved = evolveColumns(judged.columns)(existing);
    const added = evolved.filter((c) => !known.has(c.name.toLowerCase()));
    const tags = schemaColumnTags(schema);
    const access = addedColumnAccess(
      (table ? (await this.policies.tablePolicies([table.id])).get(table.id) : undefined) ??
        noPolicies(tableName),
      tags,
      await tagState(this.db.prisma, [...new Set(tags.flatMap((t) => t.tags))]),
      added.map((c) => c.name),
    );
    return {
      slug: source.slug,
      compatibility: source.compatibility,
      nextVersion: judged.latest.version + 1,
      activeVersion: judged.latest.version,
      identical: judged.identical,
      compatible: judged.problems.length === 0,
      problems: judged.problems,
      changes: judged.changes,
      columnsAdded: added.map((c) => ({
        ...c,
        tags: tags.find((t) => t.column === c.name)?.tags ?? [],
        access: access.get(c.name) ?? [],
      })),
      columnsRetyped: evolved.flatMap((c) => {
        const before = known.get(c.name.toLowerCase());
        return before && before.type !== c.type ? [{ name: c.name, from: before.type, to: c.type }] : [];
      }),
      impact: downstreamImpact({
        tableName,
        changes: judged.changes,
        columns: existing,
        savedQueries,
        dependents,
      }),
    };
  }

  /**
   * Registers `schema` as the source's next version, active at once, and evolves the curated table's
   * columns. SCHEMA_INCOMPATIBLE (field "schema") naming each field, change and rule when the mode
   * forbids it; the same schema as the active version is not registered twice.
   */
  async register(actor: Actor, slug: string, schema: Record<string, unknown>, requestId?: string) {
    const source = await this.sourceBySlug(slug);
    const judged = await this.judge(source, schema);
    if (judged.identical) {
      return {
        slug: source.slug,
        version: judged.latest.version,
        created: false,
        columnsAdded: [],
        columnTags: [],
      };
    }
    if (judged.problems.length > 0) {
      const next = judged.latest.version + 1;
      throw new InletError(
        "SCHEMA_INCOMPATIBLE",
        `Version ${next} of '${source.slug}' is refused under ${judged.mode}: ${judged.problems.map((p) => p.message).join(" ")}`,
        { field: "schema", mode: judged.mode, problems: judged.problems },
      );
    }
    const tableName = curatedTableName(source.slug);
    const table = await this.catalog.getTableSummary(tableName);
    const before = new Set((table?.columns ?? curatedColumns(schemaOf(judged.latest))).map((c) => c.name));
    const registered = await withCatalogTransaction(this.db, async (tx) => {
      const version = await tx.catalog.registerSchemaVersion({
        sourceId: source.id,
        jsonSchema: schema,
        checkedAgainst: judged.latest.version,
        compatibility: source.compatibility,
        evolveColumns: evolveColumns(judged.columns),
        createdById: actor.id,
      });
      const tagged = await recordSchemaTags(tx, tableName, schema);
      await this.audit.record(
        actor,
        {
          action: "schema.register",
          targetType: "source",
          targetId: source.id,
          details: {
            source: source.slug,
            version: version.version,
            previousVersion: judged.latest.version,
            compatibility: source.compatibility,
            changes: judged.changes.map((c) => `${c.field || "(event)"}: ${c.description}`),
            ...(tagged.added.length > 0 ? { columnTags: tagged.added, tagsCreated: tagged.createdTags } : {}),
          },
        },
        requestId,
        tx.prisma,
      );
      return { version, tagged };
    });
    this.changes?.changed(source.id);
    return {
      slug: source.slug,
      version: registered.version.version,
      created: true,
      columnsAdded: judged.columns.filter((c) => !before.has(c.name)),
      // The column tags the schema's x-inlet-tags added to the curated table.
      columnTags: registered.tagged.added,
    };
  }

  /** Sets the mode the source's next versions are checked under; a no-op when it is already so. */
  async setCompatibility(actor: Actor, slug: string, mode: SchemaCompatibility, requestId?: string) {
    const source = await this.sourceBySlug(slug);
    return withCatalogTransaction(this.db, async (tx) => {
      const before = await tx.catalog.setSourceCompatibility(source.id, mode);
      if (before === undefined) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
      if (before !== mode) {
        await this.audit.record(
          actor,
          {
            action: "schema.compatibility",
            targetType: "source",
            targetId: source.id,
            details: { source: source.slug, from: before, to: mode },
          },
          requestId,
          tx.prisma,
        );
      }
      return { slug: source.slug, compatibility: mode, previous: before };
    });
  }

  private async judge(source: SourceRecord, schema: Record<string, unknown>): Promise<Judgement> {
    if (source.schemaVersion === undefined) {
      throw new InletError(
        "BAD_REQUEST",
        `Source '${source.slug}' is schemaless: its payloads are kept whole in the _payload column, so it has no schema versions`,
        { field: "schema" },
      );
    }
    const columns = validColumns(source, schema);
    const versions = await this.catalog.listSchemaVersions(source.id);
    const latest = versions.at(-1);
    if (!latest) throw new InletError("NOT_FOUND", `Source '${source.slug}' has no schema versions`);
    const mode = MODES[source.compatibility];
    const result = checkCompatibility(versions.map(schemaOf), schema, mode);
    const problems = result.compatible
      ? []
      : result.problems.map((p) => ({ ...p, message: problemMessage(p) }));
    return {
      versions,
      latest,
      mode,
      columns,
      identical: isDeepStrictEqual(latest.jsonSchema, schema),
      problems,
      changes: diffSchemas(schemaOf(latest), schema),
    };
  }

  private async sourceBySlug(slug: string): Promise<SourceRecord> {
    const source = await this.catalog.findSourceBySlug(slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`, { field: "slug" });
    return source;
  }

  private async versionOf(source: SourceRecord, version: number, field: string) {
    const found = await this.catalog.getSchemaVersion(source.id, version);
    if (!found) {
      throw new InletError("NOT_FOUND", `Source '${source.slug}' has no schema version ${version}`, {
        field,
      });
    }
    return found;
  }

  /** The creators' emails by user id (a deleted user's versions show no one). */
  private async emailsOf(versions: SchemaVersionRecord[]): Promise<Map<string, string>> {
    const ids = [...new Set(versions.flatMap((v) => (v.createdById ? [v.createdById] : [])))];
    if (ids.length === 0) return new Map();
    const users = await this.db.prisma.user.findMany({
      where: { id: { in: ids } },
      select: { id: true, email: true },
    });
    return new Map(users.map((u) => [u.id, u.email]));
  }

  /** Saved queries whose SQL mentions the source's slug (the impact check then matches precisely). */
  private async savedQueriesNaming(slug: string) {
    const rows = await this.db.prisma.savedQuery.findMany({
      where: { sql: { contains: slug, mode: "insensitive" } },
      select: { id: true, name: true, sql: true, owner: { select: { email: true } } },
      orderBy: { name: "asc" },
    });
    return rows.map((r) => ({ id: r.id, name: r.name, sql: r.sql, owner: r.owner.email }));
  }
}

/** The policies of a table that has none (a source whose curated table does not exist yet). */
function noPolicies(table: string): TablePolicies {
  return {
    tableId: "",
    table,
    denyUnruledColumns: false,
    columnRules: [],
    columnTags: [],
    tagRules: [],
    defaultDenyTags: [],
    rowFilters: [],
  };
}

function isJsonSchema(v: unknown): v is JsonSchema {
  return typeof v === "boolean" || (typeof v === "object" && v !== null && !Array.isArray(v));
}

/** A stored version's JSON Schema (the registry only ever stores objects). */
function schemaOf(v: SchemaVersionRecord): JsonSchema {
  if (!isJsonSchema(v.jsonSchema)) throw new Error(`schema version ${v.version} does not hold a JSON Schema`);
  return v.jsonSchema;
}

function summary(v: SchemaVersionRecord, emails: Map<string, string>) {
  return {
    version: v.version,
    createdBy: v.createdById ? (emails.get(v.createdById) ?? null) : null,
    createdAt: v.createdAt,
    compatibility: v.compatibility,
    active: v.active,
  };
}

/** The schema's curated columns, or BAD_REQUEST naming the field "schema" and why it cannot be used. */
function validColumns(source: SourceRecord, schema: Record<string, unknown>): ColumnSpec[] {
  try {
    return checkNewSchema(schema, {
      idField: source.idField,
      timeField: source.timeField,
      partitionProperty: source.partitionProperty,
    });
  } catch (err) {
    if (isInletError(err) && err.code === "BAD_REQUEST") {
      throw new InletError("BAD_REQUEST", err.message, { field: "schema" });
    }
    throw err;
  }
}
