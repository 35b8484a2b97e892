// Saved queries: name, description, folder and owner; private or shared with roles; declared `{{name}}`
// parameters that must match the SQL; a chart; every save kept as a version (listed, compared, restored).
// Its owner or an admin changes it; the roles it is shared with open and run it. Changes are audited.
import { isDeepStrictEqual } from "node:util";
import { type Db, Prisma, type Role } from "@inlet/db";
import { InletError } from "@inlet/lake-core";
import { z } from "zod";
import { auditedRefusal } from "../auth/role-check";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { diffLines } from "./line-diff";
import { checkParameters, type DeclaredParameter, PARAMETER_TYPES } from "./saved-query-parameters";

export const CHART_TYPES = ["line", "bar", "area", "scatter", "pie"] as const;

export interface ChartSettings {
  type: (typeof CHART_TYPES)[number];
  /** The result column along the x axis (a pie's labels). */
  x: string;
  /** The result columns plotted (a pie's values: the first). */
  y: string[];
}

export interface SavedQueryInput {
  name: string;
  description: string;
  folder: string;
  sql: string;
  parameters: DeclaredParameter[];
  chart?: ChartSettings | null | undefined;
  sharedWithRoles: Role[];
}

export interface SavedQueryFilter {
  folder?: string | undefined;
  text?: string | undefined;
}

// Stored JSON is read back leniently: a value this version cannot read shows as none, never a 500.
const storedParameters = z.array(
  z.object({
    name: z.string(),
    type: z.enum(PARAMETER_TYPES),
    default: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
  }),
);
const storedChart = z.object({ type: z.enum(CHART_TYPES), x: z.string(), y: z.array(z.string()) });

function parametersOf(value: unknown): DeclaredParameter[] {
  const parsed = storedParameters.safeParse(value);
  return parsed.success ? parsed.data : [];
}

function chartOf(value: unknown): ChartSettings | null {
  const parsed = storedChart.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** At most this many saved queries in one listing; the listing says when there were more. */
const LIST_LIMIT = 500;

const VISIBLE_FIELDS = {
  id: true,
  name: true,
  description: true,
  folder: true,
  parameters: true,
  chart: true,
  sharedWithRoles: true,
  version: true,
  ownerId: true,
  createdAt: true,
  updatedAt: true,
  owner: { select: { id: true, email: true, name: true } },
} as const;

type Tx = Prisma.TransactionClient;

export class SavedQueriesService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  /** Every saved query the caller may open (their own and those shared with one of their roles; admins all). */
  async list(actor: Actor, filter: SavedQueryFilter) {
    const folder = filter.folder === undefined ? undefined : normalizeFolder(filter.folder);
    const text = filter.text?.trim();
    const where: Prisma.SavedQueryWhereInput = {
      AND: [
        visibleTo(actor),
        folder ? { OR: [{ folder }, { folder: { startsWith: `${folder}/` } }] } : {},
        text
          ? {
              OR: (["name", "description", "sql"] as const).map((field) => ({
                [field]: { contains: text, mode: "insensitive" as const },
              })),
            }
          : {},
      ],
    };
    const rows = await this.db.prisma.savedQuery.findMany({
      where,
      select: VISIBLE_FIELDS,
      orderBy: [{ folder: "asc" }, { name: "asc" }, { id: "asc" }],
      take: LIST_LIMIT + 1,
    });
    return {
      items: rows.slice(0, LIST_LIMIT).map((r) => ({
        id: r.id,
        name: r.name,
        description: r.description,
        folder: r.folder,
        owner: r.owner,
        mine: r.ownerId === actor.id,
        canEdit: mayEdit(actor, r.ownerId),
        sharedWithRoles: r.sharedWithRoles,
        parameters: parametersOf(r.parameters),
        hasChart: r.chart !== null,
        version: r.version,
        updatedAt: r.updatedAt,
      })),
      truncated: rows.length > LIST_LIMIT,
    };
  }

  /** One saved query the caller may open, with its versions. */
  async get(actor: Actor, id: string) {
    const row = await this.openable(actor, id);
    return { ...this.detail(actor, row), versions: await this.versionList(id) };
  }

  async versions(actor: Actor, id: string) {
    await this.openable(actor, id);
    return { id, versions: await this.versionList(id) };
  }

  /** Two versions compared: the fields that changed, and the SQL line by line. */
  async diff(actor: Actor, id: string, from: number, to: number) {
    await this.openable(actor, id);
    const [a, b] = await Promise.all([this.version(id, from, "from"), this.version(id, to, "to")]);
    const fields = (["name", "description", "folder", "parameters", "chart"] as const).flatMap((field) =>
      isDeepStrictEqual(a[field], b[field]) ? [] : [{ field, from: a[field], to: b[field] }],
    );
    return { id, from: a, to: b, fields, sql: diffLines(a.sql, b.sql), sqlChanged: a.sql !== b.sql };
  }

  async create(actor: Actor, input: SavedQueryInput, requestId?: string) {
    const doc = prepare(input);
    return this.write(async (tx) => {
      await this.refuseNameClash(tx, actor.id, doc.folder, doc.name);
      const row = await tx.savedQuery.create({
        data: { ...docData(doc), sharedWithRoles: doc.sharedWithRoles, ownerId: actor.id, version: 1 },
        select: VISIBLE_FIELDS,
      });
      await tx.savedQueryVersion.create({ data: versionData(row.id, 1, doc, actor.id) });
      await this.audit.record(
        actor,
        {
          action: "saved_query.create",
          targetType: "saved_query",
          targetId: row.id,
          details: { name: doc.name, folder: doc.folder, version: 1, sharedWithRoles: doc.sharedWithRoles },
        },
        requestId,
        tx,
      );
      return row;
    }, actor);
  }

  async update(actor: Actor, id: string, input: SavedQueryInput, requestId?: string) {
    const doc = prepare(input);
    return this.write(async (tx) => {
      const current = await this.editable(tx, actor, id, requestId);
      if (current.folder !== doc.folder || current.name !== doc.name) {
        await this.refuseNameClash(tx, current.ownerId, doc.folder, doc.name, id);
      }
      const version = current.version + 1;
      const row = await tx.savedQuery.update({
        where: { id },
        data: { ...docData(doc), sharedWithRoles: doc.sharedWithRoles, version },
        select: VISIBLE_FIELDS,
      });
      await tx.savedQueryVersion.create({ data: versionData(id, version, doc, actor.id) });
      await this.audit.record(
        actor,
        {
          action: "saved_query.update",
          targetType: "saved_query",
          targetId: id,
          details: {
            name: doc.name,
            folder: doc.folder,
            version,
            sqlChanged: current.sql !== doc.sql,
            sharedWithRoles: { before: current.sharedWithRoles, after: doc.sharedWithRoles },
          },
        },
        requestId,
        tx,
      );
      return row;
    }, actor);
  }

  /** A new version equal to an older one (its sharing stays as it is now). */
  async restore(actor: Actor, id: string, restored: number, requestId?: string) {
    return this.write(async (tx) => {
      const current = await this.editable(tx, actor, id, requestId);
      const old = await tx.savedQueryVersion.findUnique({
        where: { savedQueryId_version: { savedQueryId: id, version: restored } },
      });
      if (!old) {
        throw new InletError("NOT_FOUND", `This saved query has no version ${restored}`, {
          field: "version",
        });
      }
      const doc = {
        name: old.name,
        description: old.description,
        folder: old.folder,
        sql: old.sql,
        parameters: parametersOf(old.parameters),
        chart: chartOf(old.chart),
      };
      if (current.folder !== doc.folder || current.name !== doc.name) {
        await this.refuseNameClash(tx, current.ownerId, doc.folder, doc.name, id);
      }
      const version = current.version + 1;
      const row = await tx.savedQuery.update({
        where: { id },
        data: { ...docData(doc), version },
        select: VISIBLE_FIELDS,
      });
      await tx.savedQueryVersion.create({ data: versionData(id, version, doc, actor.id) });
      await this.audit.record(
        actor,
        {
          action: "saved_query.restore",
          targetType: "saved_query",
          targetId: id,
          details: { name: doc.name, folder: doc.folder, restored, version },
        },
        requestId,
        tx,
      );
      return row;
    }, actor);
  }

  async delete(actor: Actor, id: string, requestId?: string) {
    await this.db.prisma.$transaction(async (tx) => {
      const current = await this.editable(tx, actor, id, requestId);
      await tx.savedQuery.delete({ where: { id } });
      await this.audit.record(
        actor,
        {
          action: "saved_query.delete",
          targetType: "saved_query",
          targetId: id,
          details: { name: current.name, folder: current.folder, version: current.version },
        },
        requestId,
        tx,
      );
    });
    return { id, deleted: true };
  }

  /**
   * The saved query if the caller may open it (and so run it): otherwise NOT_FOUND, so that a query
   * shared with no role of theirs does not reveal that it exists.
   */
  async openable(actor: Actor, id: string) {
    const row = await this.db.prisma.savedQuery.findFirst({
      where: { AND: [{ id }, visibleTo(actor)] },
      select: { ...VISIBLE_FIELDS, sql: true },
    });
    if (!row) throw new InletError("NOT_FOUND", `No saved query '${id}' that you may open`);
    return row;
  }

  private async editable(tx: Tx, actor: Actor, id: string, requestId: string | undefined) {
    const row = await tx.savedQuery.findFirst({
      where: { AND: [{ id }, visibleTo(actor)] },
      include: { owner: { select: { email: true } } },
    });
    if (!row) throw new InletError("NOT_FOUND", `No saved query '${id}' that you may open`);
    if (!mayEdit(actor, row.ownerId)) {
      throw await auditedRefusal(
        this.audit,
        actor,
        { targetType: "saved_query", targetId: id, details: { name: row.name } },
        `Only its owner (${row.owner.email}) or an admin may change '${row.name}'; it is shared with you to open and run`,
        requestId,
      );
    }
    return row;
  }

  private async refuseNameClash(tx: Tx, ownerId: string, folder: string, name: string, exceptId?: string) {
    const clash = await tx.savedQuery.findFirst({
      where: { ownerId, folder, name, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { id: true },
    });
    if (clash) throw nameClash(folder, name);
  }

  /** Runs a save; a unique violation from a concurrent save of the same name is the same clash. */
  private async write(fn: (tx: Tx) => Promise<{ id: string }>, actor: Actor) {
    try {
      const row = await this.db.prisma.$transaction(fn);
      return this.get(actor, row.id);
    } catch (err) {
      if ((err as { code?: unknown }).code === "P2002") throw nameClash();
      throw err;
    }
  }

  private detail(actor: Actor, r: Awaited<ReturnType<SavedQueriesService["openable"]>>) {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      folder: r.folder,
      sql: r.sql,
      parameters: parametersOf(r.parameters),
      chart: chartOf(r.chart),
      sharedWithRoles: r.sharedWithRoles,
      version: r.version,
      owner: r.owner,
      mine: r.ownerId === actor.id,
      canEdit: mayEdit(actor, r.ownerId),
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }

  private async versionList(id: string) {
    const rows = await this.db.prisma.savedQueryVersion.findMany({
      where: { savedQueryId: id },
      orderBy: { version: "desc" },
      select: { version: true, name: true, folder: true, createdById: true, createdAt: true },
    });
    const emails = await this.emailsOf(rows.map((r) => r.createdById));
    return rows.map((r) => ({
      version: r.version,
      name: r.name,
      folder: r.folder,
      createdBy: r.createdById ? (emails.get(r.createdById) ?? null) : null,
      createdAt: r.createdAt,
    }));
  }

  private async version(id: string, version: number, field: "from" | "to") {
    const row = await this.db.prisma.savedQueryVersion.findUnique({
      where: { savedQueryId_version: { savedQueryId: id, version } },
    });
    if (!row) throw new InletError("NOT_FOUND", `This saved query has no version ${version}`, { field });
    const emails = await this.emailsOf([row.createdById]);
    return {
      version: row.version,
      name: row.name,
      description: row.description,
      folder: row.folder,
      sql: row.sql,
      parameters: parametersOf(row.parameters),
      chart: chartOf(row.chart),
      createdBy: row.createdById ? (emails.get(row.createdById) ?? null) : null,
      createdAt: row.createdAt,
    };
  }

  private async emailsOf(ids: (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    if (wanted.length === 0) return new Map();
    const users = await this.db.prisma.user.findMany({
      where: { id: { in: wanted } },
      select: { id: true, email: true },
    });
    return new Map(users.map((u) => [u.id, u.email]));
  }
}

function visibleTo(actor: Actor): Prisma.SavedQueryWhereInput {
  if (actor.roles.includes("admin")) return {};
  return { OR: [{ ownerId: actor.id }, { sharedWithRoles: { hasSome: actor.roles } }] };
}

function mayEdit(actor: Actor, ownerId: string): boolean {
  return ownerId === actor.id || actor.roles.includes("admin");
}

function nameClash(folder?: string, name?: string): InletError {
  const where = folder === undefined ? "that folder" : folder === "" ? "the top level" : `folder '${folder}'`;
  return new InletError(
    "CONFLICT",
    name === undefined
      ? `The owner already has a saved query of that name in ${where}`
      : `The owner already has a saved query named '${name}' in ${where}`,
    { field: "name" },
  );
}

/** "finance / daily/" → "finance/daily": segments trimmed, empty ones dropped. */
export function normalizeFolder(folder: string): string {
  return folder
    .split("/")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .join("/");
}

interface SavedQueryDoc {
  name: string;
  description: string;
  folder: string;
  sql: string;
  parameters: DeclaredParameter[];
  chart: ChartSettings | null;
}

function prepare(input: SavedQueryInput): SavedQueryDoc & { sharedWithRoles: Role[] } {
  const name = input.name.trim();
  if (name === "") throw new InletError("BAD_REQUEST", "A saved query needs a name", { field: "name" });
  const doc = {
    name,
    description: input.description.trim(),
    folder: normalizeFolder(input.folder),
    sql: input.sql,
    parameters: input.parameters.map((p) => ({
      name: p.name,
      type: p.type,
      ...(p.default === undefined ? {} : { default: p.default }),
    })),
    chart: input.chart ?? null,
    sharedWithRoles: [...new Set(input.sharedWithRoles)],
  };
  if (doc.sql.trim() === "") throw new InletError("BAD_REQUEST", "A saved query needs SQL", { field: "sql" });
  checkParameters(doc.sql, doc.parameters);
  return doc;
}

function docData(doc: SavedQueryDoc) {
  return {
    name: doc.name,
    description: doc.description,
    folder: doc.folder,
    sql: doc.sql,
    parameters: doc.parameters as unknown as Prisma.InputJsonValue,
    chart: doc.chart === null ? Prisma.DbNull : (doc.chart as unknown as Prisma.InputJsonValue),
  };
}

function versionData(savedQueryId: string, version: number, doc: SavedQueryDoc, createdById: string) {
  return { savedQueryId, version, ...docData(doc), createdById };
}
