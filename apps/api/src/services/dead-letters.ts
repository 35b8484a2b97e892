// Dead letters as on-call staff read them: newest first, filtered by source, reason and status, one at
// a time with its payload. Read-only: fixing and replaying them builds on this.
import type { Db } from "@inlet/db";
import { InletError } from "@inlet/lake-core";

/** A payload above this many characters is cut in a detail answer (the whole row stays in the catalog). */
export const DEAD_LETTER_PAYLOAD_MAX_CHARS = 1_000_000;

export type DeadLetterStatus = "open" | "replayed" | "discarded";

export interface DeadLetterListInput {
  source?: string;
  reasonCode?: string;
  status: DeadLetterStatus;
  cursor?: string;
  limit: number;
}

interface DeadLetterRow {
  id: string;
  source: { slug: string } | null;
  batchId: string | null;
  eventId: string | null;
  reasonCode: string;
  reason: string;
  path: string | null;
  attempts: number;
  status: DeadLetterStatus;
  createdAt: Date;
}

/** A letter as lists show it (no payload). */
function summaryOf(d: DeadLetterRow) {
  return {
    id: d.id,
    source: d.source?.slug ?? null,
    batchId: d.batchId,
    eventId: d.eventId,
    reasonCode: d.reasonCode,
    reason: d.reason,
    path: d.path,
    attempts: d.attempts,
    status: d.status,
    createdAt: d.createdAt,
  };
}

export class DeadLettersService {
  constructor(private readonly db: Db) {}

  private async sourceFilter(slug: string | undefined): Promise<{ sourceId?: string }> {
    if (slug === undefined) return {};
    const source = await this.db.prisma.source.findUnique({ where: { slug } });
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
    return { sourceId: source.id };
  }

  async list(input: DeadLetterListInput) {
    const where = {
      ...(await this.sourceFilter(input.source)),
      ...(input.reasonCode ? { reasonCode: input.reasonCode } : {}),
      status: input.status,
    };
    const [rows, byReason] = await Promise.all([
      this.db.prisma.deadLetter.findMany({
        where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
        take: input.limit + 1,
        omit: { payload: true },
        include: { source: { select: { slug: true } } },
      }),
      this.db.prisma.deadLetter.groupBy({
        by: ["reasonCode"],
        where: { ...(await this.sourceFilter(input.source)), status: input.status },
        _count: { _all: true },
        orderBy: { reasonCode: "asc" },
      }),
    ]);
    const page = rows.slice(0, input.limit);
    return {
      items: page.map(summaryOf),
      nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
      /** Letters of this source and status per reason code, for the filter. */
      reasons: byReason.map((r) => ({ reasonCode: r.reasonCode, count: r._count._all })),
    };
  }

  async get(id: string) {
    const d = await this.db.prisma.deadLetter.findUnique({
      where: { id },
      include: { source: { select: { slug: true } } },
    });
    if (!d) throw new InletError("NOT_FOUND", `No dead letter with id '${id}'`);
    const truncated = d.payload.length > DEAD_LETTER_PAYLOAD_MAX_CHARS;
    return {
      ...summaryOf(d),
      resolvedAt: d.resolvedAt,
      payload: truncated ? d.payload.slice(0, DEAD_LETTER_PAYLOAD_MAX_CHARS) : d.payload,
      payloadChars: d.payload.length,
      payloadTruncated: truncated,
    };
  }
}
