// Dead letters as on-call staff read them: newest first, filtered by source, reason and status, one at
// a time with its payload, or the whole payload as a file. Every read goes through the LakeReader with
// the person reading. Read-only: fixing and replaying them builds on this.
import {
  type Catalog,
  type DeadLetterStatus,
  InletError,
  type LakeReader,
  type Reader,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";

/** A payload above this many characters is cut in a detail answer (the whole row stays in the catalog). */
export const DEAD_LETTER_PAYLOAD_MAX_CHARS = 1_000_000;

export interface DeadLetterListInput {
  source?: string;
  reasonCode?: string;
  status: DeadLetterStatus;
  cursor?: string;
  limit: number;
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

  async list(actor: Actor, input: DeadLetterListInput) {
    const reader = readerOf(actor);
    const sourceId = await this.sourceId(input.source);
    const [page, reasons] = await Promise.all([
      this.lake.listDeadLetters(
        reader,
        { sourceId, reasonCode: input.reasonCode, status: input.status },
        { cursor: input.cursor, limit: input.limit },
      ),
      this.lake.countDeadLettersByReason(reader, { sourceId, status: input.status }),
    ]);
    return {
      items: page.items,
      nextCursor: page.nextCursor ?? null,
      /** Letters of this source and status per reason code, for the filter. */
      reasons,
    };
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
