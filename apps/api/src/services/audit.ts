// The audit log: every mutation records who did what to which object, with the request id.
import type { Db, Prisma } from "@inlet/db";

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Prisma.InputJsonValue;
}

export interface AuditListInput {
  cursor?: string | undefined;
  limit: number;
  action?: string | undefined;
}

/** Who did it; id is null when no account stands behind the email (a failed sign-in, a deleted user). */
export interface AuditActor {
  id: string | null;
  email: string;
}

type Tx = Pick<Db["prisma"], "auditLog">;

export class AuditService {
  constructor(private readonly db: Db) {}

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

  async list(input: AuditListInput) {
    const rows = await this.db.prisma.auditLog.findMany({
      where: {
        // LIKE's wildcards and escape character are matched as typed.
        ...(input.action
          ? { action: { contains: input.action.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" as const } }
          : {}),
        ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}),
      },
      orderBy: { id: "desc" },
      take: input.limit + 1,
    });
    const page = rows.slice(0, input.limit);
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
      nextCursor: rows.length > input.limit ? page[page.length - 1]!.id.toString() : null,
    };
  }
}
