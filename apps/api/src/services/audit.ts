// The audit log: every mutation records who did what to which object, with the request id.
import type { Db, Prisma } from "@inlet/db";
import type { Catalog } from "@inlet/lake-core";

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Prisma.InputJsonValue;
}

/** What to look for in the log; every filter given must hold. */
export interface AuditFilters {
  /** Part of the actor's email, any case. */
  actor?: string | undefined;
  /** Part of the action, any case. */
  action?: string | undefined;
  /**
   * A table by name (curated.orders): entries whose target is that table (by its id or its name) and
   * entries whose details name it as `table`.
   */
  table?: string | undefined;
  /** At or after this instant. */
  from?: Date | undefined;
  /** Before this instant. */
  to?: Date | undefined;
}

export interface AuditListInput extends AuditFilters {
  cursor?: string | undefined;
  limit: number;
}

/** Who did it; id is null when no account stands behind the email (a failed sign-in, a deleted user). */
export interface AuditActor {
  id: string | null;
  email: string;
}

type Tx = Pick<Db["prisma"], "auditLog">;

export class AuditService {
  constructor(
    private readonly db: Db,
    /** Finds a table filter's table id; without it (the worker only records) a table is matched by name. */
    private readonly tables?: Pick<Catalog, "describeTable">,
  ) {}

  async record(
    actor: AuditActor,
    entry: AuditEntry,
    requestId?: string,
    tx: Tx = this.db.prisma,
  ): Promise<void> {
    await this.insert(actor, entry, requestId, tx);
  }

  /** The entry's insert, not yet sent: for a batch `$transaction([...])` beside the writes it records. */
  insert(actor: AuditActor, entry: AuditEntry, requestId?: string, tx: Tx = this.db.prisma) {
    return tx.auditLog.create({
      data: {
        actorId: actor.id,
        actorEmail: actor.email,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId ?? null,
        details: entry.details ?? {},
        requestId: requestId ?? null,
      },
    });
  }

  /** Entries newest first, a page at a time (keyset on the id: `nextCursor` is the last id shown). */
  async list(input: AuditListInput) {
    return this.page(await this.where(input), input.cursor, input.limit);
  }

  /** Every entry matching the filters, newest first, in pages of `pageSize`: never the whole log at once. */
  async *pages(filters: AuditFilters, pageSize = 500) {
    const where = await this.where(filters);
    let cursor: string | undefined;
    do {
      const page = await this.page(where, cursor, pageSize);
      if (page.items.length > 0) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  private async page(where: Prisma.AuditLogWhereInput[], cursor: string | undefined, limit: number) {
    const rows = await this.db.prisma.auditLog.findMany({
      where: { AND: [...where, ...(cursor ? [{ id: { lt: BigInt(cursor) } }] : [])] },
      orderBy: { id: "desc" },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        id: r.id.toString(),
        at: r.at,
        actorEmail: r.actorEmail,
        action: r.action,
        targetType: r.targetType,
        targetId: r.targetId,
        details: r.details,
        requestId: r.requestId,
      })),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id.toString() : null,
    };
  }

  private async where(filters: AuditFilters): Promise<Prisma.AuditLogWhereInput[]> {
    const where: Prisma.AuditLogWhereInput[] = [];
    if (filters.actor)
      where.push({ actorEmail: { contains: escapeLike(filters.actor), mode: "insensitive" } });
    if (filters.action) where.push({ action: { contains: escapeLike(filters.action), mode: "insensitive" } });
    if (filters.table) where.push(await this.aboutTable(filters.table));
    if (filters.from) where.push({ at: { gte: filters.from } });
    if (filters.to) where.push({ at: { lt: filters.to } });
    return where;
  }

  /**
   * Entries about a table: its own rows name it by id (analytics.create, .update, .delete) or by name
   * (analytics.refresh, table.retention), a dropped one by `details.name`; policy changes name it in
   * `details.table`; queries list it among `details.tables` (each `{ name, … }`).
   */
  private async aboutTable(name: string): Promise<Prisma.AuditLogWhereInput> {
    const table = await this.tables?.describeTable(name);
    return {
      OR: [
        { targetType: "table", targetId: { in: table ? [table.id, name] : [name] } },
        { targetType: "table", details: { path: ["name"], equals: name } },
        { details: { path: ["table"], equals: name } },
        { targetType: "query_run", details: { path: ["tables"], array_contains: [{ name }] } },
      ],
    };
  }
}

/** LIKE's wildcards and escape character are matched as typed. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}
