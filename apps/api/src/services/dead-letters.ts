// Dead letters as on-call staff read them: grouped by cause (source × reason × JSON pointer × schema
// version), or newest first, filtered by source, reason, status, pointer, version, batch, time and
// payload text; one at a time with its payload, or the whole payload as a file. Every read goes
// through the LakeReader with the person reading. Read-only: fixing and replaying them builds on this.
import {
  type Catalog,
  type DeadLetterFilter,
  type DeadLetterStatus,
  InletError,
  type LakeReader,
  MAX_TREND_HOURS,
  type Reader,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";

/** A payload above this many characters is cut in a detail answer (the whole row stays in the catalog). */
export const DEAD_LETTER_PAYLOAD_MAX_CHARS = 1_000_000;

/** Which letters: each given field must hold. */
export interface DeadLetterFilterInput {
  /** A source's slug; null: letters without a source. */
  source?: string | null | undefined;
  reasonCode?: string | undefined;
  status: DeadLetterStatus;
  batchId?: string | undefined;
  /** A JSON pointer; null: letters without one. */
  path?: string | null | undefined;
  /** A schema version; null: letters no schema judged. */
  schemaVersion?: number | null | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Text the payload holds (see DeadLetterFilter.search). */
  search?: string | undefined;
}

export interface DeadLetterListInput extends DeadLetterFilterInput {
  cursor?: string;
  limit: number;
}

export interface DeadLetterGroupsInput extends DeadLetterFilterInput {
  sort: "count" | "lastSeen";
  limit: number;
}

/** A group's trend spans the filter's time range, or this long before its end when it has no start. */
export const DEFAULT_TREND_MS = 7 * 24 * 3_600_000;

const HOUR_MS = 3_600_000;

/** The hours a group's trend counts: whole hours over the range, at most MAX_TREND_HOURS of the latest. */
export function trendWindow(range: { from?: Date | undefined; to?: Date | undefined }, now: Date) {
  const end = range.to ?? now;
  const start = range.from ?? new Date(end.getTime() - DEFAULT_TREND_MS);
  const endHour = Math.ceil(end.getTime() / HOUR_MS);
  const startHour = Math.max(Math.floor(start.getTime() / HOUR_MS), endHour - MAX_TREND_HOURS);
  return { trendFrom: new Date(startHour * HOUR_MS), trendHours: Math.max(1, endHour - startHour) };
}

function readerOf(actor: Actor): Reader {
  return { userId: actor.id, roles: actor.roles };
}

export class DeadLettersService {
  constructor(
    private readonly lake: LakeReader,
    private readonly catalog: Catalog,
  ) {}

  private async sourceId(slug: string | undefined): Promise<string | undefined> {
    if (slug === undefined) return undefined;
    const source = await this.catalog.findSourceBySlug(slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
    return source.id;
  }

  /** The catalog's filter for the input: a slug read as its source's id (NOT_FOUND when none). */
  private async filterOf(input: DeadLetterFilterInput): Promise<DeadLetterFilter> {
    return {
      sourceId: input.source === null ? null : await this.sourceId(input.source),
      reasonCode: input.reasonCode,
      status: input.status,
      batchId: input.batchId,
      path: input.path,
      schemaVersion: input.schemaVersion,
      from: input.from,
      to: input.to,
      search: input.search,
    };
  }

  async list(actor: Actor, input: DeadLetterListInput) {
    const reader = readerOf(actor);
    const filter = await this.filterOf(input);
    const { reasonCode: _, ...anyReason } = filter;
    const [page, reasons] = await Promise.all([
      this.lake.listDeadLetters(reader, filter, { cursor: input.cursor, limit: input.limit }),
      this.lake.countDeadLettersByReason(reader, anyReason),
    ]);
    return {
      items: page.items,
      nextCursor: page.nextCursor ?? null,
      /** Letters matching the filter but its reason, per reason code, for the filter. */
      reasons,
      /** Sources a payload search left out: the reader's column rules restrict their tables. */
      searchExcluded: page.searchExcluded ?? [],
    };
  }

  /** The letters grouped by cause, largest (or most recent) first, each with its trend and a sample. */
  async groups(actor: Actor, input: DeadLetterGroupsInput, now = new Date()) {
    const reader = readerOf(actor);
    const filter = await this.filterOf(input);
    const { reasonCode: _, ...anyReason } = filter;
    const [page, reasons] = await Promise.all([
      this.lake.deadLetterGroups(reader, filter, {
        sort: input.sort,
        limit: input.limit,
        ...trendWindow(input, now),
      }),
      this.lake.countDeadLettersByReason(reader, anyReason),
    ]);
    /** `reasons`: letters matching the filter but its reason, per reason code, for the filter. */
    return { ...page, reasons, limit: input.limit };
  }

  async get(actor: Actor, id: string) {
    return this.lake.deadLetter(readerOf(actor), id, { maxPayloadChars: DEAD_LETTER_PAYLOAD_MAX_CHARS });
  }

  /** The whole payload, for a download. */
  async payload(actor: Actor, id: string): Promise<{ id: string; payload: string }> {
    const d = await this.lake.deadLetter(readerOf(actor), id);
    return { id: d.id, payload: d.payload };
  }
}
