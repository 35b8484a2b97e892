// Fixing and replaying dead letters, as on-call staff do it: a dry run of what a replay would do, an
// edit checked against the active schema as it is typed and then saved, a discard with a reason, and
// replay jobs (one letter, a selection, or every open letter matching a filter) with a rate, paused,
// resumed and cancelled. Every change is audited in the transaction that makes it. Payloads shown to
// a person are read through the LakeReader (the letter) and under the same column rules (an edit).
import type { Db } from "@inlet/db";
import {
  type Catalog,
  checkEditedPayload,
  curatedTableName,
  type DeadLetterHistoryEntry,
  type DeadLetterRecord,
  type DedupeIndex,
  dryRunReplay,
  type EditedPayloadCheck,
  type IngestLimits,
  InletError,
  type LakeReader,
  letterFormat,
  maskPayload,
  type Reader,
  type ReplayCandidate,
  type ReplayJobRecord,
  type ReplayJobStatus,
  type ReplayLetterFilter,
  type ReplaySelection,
  readableReason,
  type TableAccess,
  withSchema,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";
import { restoreHiddenFields } from "./edit-hidden-fields";

/** Events per second a replay sends at unless told otherwise. */
export const DEFAULT_REPLAY_RATE = 5000;

/** The highest rate a replay may be given unless INLET_REPLAY_MAX_RATE says otherwise. */
export const DEFAULT_REPLAY_MAX_RATE = 50_000;

/** A replay job's creation may lock and list many letters: more time than a control-plane write. */
const CREATE_TIMEOUT_MS = 60_000;

/** A filter as the console sends it: a source by slug. */
export interface ReplayFilterInput {
  source?: string | undefined;
  reasonCode?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  batchId?: string | undefined;
  path?: string | undefined;
  schemaVersion?: number | undefined;
}

export type ReplaySelectionInput = { letterIds: string[] } | { filter: ReplayFilterInput };

export interface ReplayServiceOptions {
  /** The highest rate a job may be given (INLET_REPLAY_MAX_RATE). */
  maxRate: number;
  /** The ingest limits (an edited event is held to the event size limit). */
  limits: IngestLimits;
  /** The key hash rules use, so an edit is shown masked as the letter is. */
  policyHashKey?: Uint8Array | undefined;
  /** The dedupe index a dry run asks which events would land (default: the catalog's PostgreSQL one). */
  dedupe?: DedupeIndex | undefined;
}

function readerOf(actor: Actor): Reader {
  return { userId: actor.id, roles: actor.roles };
}

function auditActor(actor: Actor) {
  return { id: actor.id, email: actor.email };
}

/** The selection as audited: ids counted, the filter as given. */
function selectionDetails(selection: ReplaySelectionInput) {
  if ("letterIds" in selection) {
    return { letters: selection.letterIds.length, letterIds: selection.letterIds.slice(0, 20) };
  }
  const f = selection.filter;
  return {
    filter: {
      ...f,
      ...(f.from ? { from: f.from.toISOString() } : {}),
      ...(f.to ? { to: f.to.toISOString() } : {}),
    },
  };
}

export class ReplayService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly lake: LakeReader,
    private readonly audit: AuditService,
    private readonly opts: ReplayServiceOptions,
  ) {}

  /** The selection with the filter's source slug resolved to its id (NOT_FOUND naming it). */
  private async selection(input: ReplaySelectionInput): Promise<ReplaySelection> {
    if ("letterIds" in input) return { letterIds: [...new Set(input.letterIds)] };
    const { source, ...rest } = input.filter;
    const filter: ReplayLetterFilter = { ...rest };
    if (source !== undefined) {
      const found = await this.catalog.findSourceBySlug(source);
      if (!found)
        throw new InletError("NOT_FOUND", `No source with slug '${source}'`, { field: "filter.source" });
      filter.sourceId = found.id;
    }
    return { filter };
  }

  private checkRate(rate: number): void {
    if (!Number.isInteger(rate) || rate < 1) {
      throw new InletError(
        "BAD_REQUEST",
        "ratePerSecond must be a whole number of events per second, at least 1",
        {
          field: "ratePerSecond",
        },
      );
    }
    if (rate > this.opts.maxRate) {
      throw new InletError(
        "BAD_REQUEST",
        `ratePerSecond ${rate.toLocaleString("en-US")} is above the ingest limit of ${this.opts.maxRate.toLocaleString("en-US")} events/s (INLET_REPLAY_MAX_RATE)`,
        { field: "ratePerSecond" },
      );
    }
  }

  /** What the reader may see of the letter's source table (undefined: nothing restricted). */
  private async accessFor(reader: Reader, source: string | null): Promise<TableAccess | undefined> {
    return source ? this.lake.accessToTable(reader, curatedTableName(source)) : undefined;
  }

  /** A payload as the reader may see it, under the same rules as the letter's own payload. */
  private shown(payload: string, access: TableAccess | undefined): string {
    return access ? maskPayload(payload, access, this.opts.policyHashKey) : payload;
  }

  /** One letter as the replay sees it (its current payload), for the data plane's checks; never shown. */
  private async candidate(id: string): Promise<ReplayCandidate> {
    const [letter] = (await this.catalog.replayCandidates({ letterIds: [id] }, { limit: 1 })).items;
    if (!letter) throw new InletError("NOT_FOUND", `No dead letter with id '${id}'`);
    return letter;
  }

  async dryRun(actor: Actor, input: { selection: ReplaySelectionInput; previews?: number | undefined }) {
    const reader = readerOf(actor);
    const result = await dryRunReplay(
      { catalog: this.catalog, dedupe: this.opts.dedupe },
      await this.selection(input.selection),
      {
        previews: input.previews ?? 20,
        limits: this.opts.limits,
      },
    );
    // Previews are event data: each letter is read through the LakeReader (recorded, as the reader),
    // and its edit shown under the same column rules as its payload.
    const previews = [];
    for (const p of result.previews) {
      const letter = await this.lake.deadLetter(reader, p.letterId, { maxPayloadChars: 1 });
      const access = await this.accessFor(reader, letter.source);
      previews.push({ ...p, payload: this.shown(p.payload, access), payloadMasked: access !== undefined });
    }
    return { ...result, previews };
  }

  /**
   * Checks an edit against the letter's source's active schema (parse errors with their position,
   * problems at their JSON pointer). Fields hidden from the editor keep the letter's values.
   */
  async checkEdit(
    actor: Actor,
    input: { id: string; payload: string },
  ): Promise<EditedPayloadCheck & { restoredHiddenFields: boolean }> {
    const reader = readerOf(actor);
    // Read as the person (recorded, and refused when they may not read the letter).
    const shown = await this.lake.deadLetter(reader, input.id, { maxPayloadChars: 1 });
    const letter = await this.candidate(input.id);
    if (letter.sourceId === null) {
      throw new InletError(
        "BAD_REQUEST",
        `Dead letter ${input.id} belongs to a deleted source: it cannot be replayed`,
        {
          field: "id",
        },
      );
    }
    const source = await this.catalog.getSource(letter.sourceId);
    if (!source) throw new InletError("NOT_FOUND", `The source of dead letter ${input.id} no longer exists`);
    const access = await this.accessFor(reader, shown.source);
    const restored = restoreHiddenFields(input.payload, letter.payload, access);
    const check = checkEditedPayload(withSchema(source), letter, restored.payload, this.opts.limits);
    // The stored form is what the person typed (with hidden fields kept): shown back under their rules.
    return { ...check, payload: this.shown(check.payload, access), restoredHiddenFields: restored.restored };
  }

  /** Saves an edit (refused when it is not JSON, saying where); audited without the payload. */
  async saveEdit(actor: Actor, input: { id: string; payload: string }, requestId?: string) {
    const reader = readerOf(actor);
    await this.lake.deadLetter(reader, input.id, { maxPayloadChars: 1 });
    const letter = await this.candidate(input.id);
    const prepared = await this.prepareEdit(reader, letter, input.payload);
    return withCatalogTransaction(this.db, async (tx) => {
      const saved = await tx.catalog.recordDeadLetterEdit(input.id, prepared.payload, auditActor(actor));
      await this.audit.record(
        actor,
        {
          action: "deadLetters.edit",
          targetType: "dead_letter",
          targetId: input.id,
          details: {
            source: letter.source,
            eventId: letter.eventId,
            chars: prepared.payload.length,
            passesSchema: prepared.check.ok,
            problems: prepared.check.problems.length,
            restoredHiddenFields: prepared.restored,
          },
        },
        requestId,
        tx.prisma,
      );
      return {
        id: input.id,
        editedAt: saved.at,
        passesSchema: prepared.check.ok,
        problems: prepared.check.problems,
        restoredHiddenFields: prepared.restored,
      };
    });
  }

  /** An edit as it will be stored: hidden fields restored, JSON required, one line per NDJSON event. */
  private async prepareEdit(reader: Reader, letter: ReplayCandidate, payload: string) {
    if (letter.sourceId === null) {
      throw new InletError(
        "BAD_REQUEST",
        `Dead letter ${letter.id} belongs to a deleted source: it cannot be replayed`,
        {
          field: "id",
        },
      );
    }
    const source = await this.catalog.getSource(letter.sourceId);
    if (!source) throw new InletError("NOT_FOUND", `The source of dead letter ${letter.id} no longer exists`);
    const access = await this.accessFor(reader, letter.source);
    const restored = restoreHiddenFields(payload, letter.payload, access);
    const check = checkEditedPayload(withSchema(source), letter, restored.payload, this.opts.limits);
    if (check.parseError) {
      const e = check.parseError;
      throw new InletError(
        "BAD_REQUEST",
        `The payload is not valid JSON at line ${e.line}, column ${e.column} (position ${e.position}): ${e.message}`,
        { field: "payload", line: e.line, column: e.column, position: e.position },
      );
    }
    const idChange = check.problems.find((p) => p.code === "EVENT_ID_CHANGED");
    if (idChange) {
      throw new InletError("BAD_REQUEST", `${idChange.path}: ${idChange.message}`, { field: "payload" });
    }
    return { payload: check.payload, check, restored: restored.restored, format: letterFormat(letter) };
  }

  async discard(actor: Actor, input: { ids: string[]; reason: string }, requestId?: string) {
    return withCatalogTransaction(this.db, async (tx) => {
      const discarded = await tx.catalog.discardDeadLetters(input.ids, input.reason, auditActor(actor));
      await this.audit.record(
        actor,
        {
          action: "deadLetters.discard",
          targetType: "dead_letter",
          targetId: discarded.length === 1 ? discarded[0]!.id : null,
          details: {
            letters: discarded.length,
            letterIds: discarded.slice(0, 100).map((d) => d.id),
            reason: input.reason,
          },
        },
        requestId,
        tx.prisma,
      );
      return { discarded: discarded.length };
    });
  }

  /** A letter with its current (edited) payload, both as the reader may see them, and its history. */
  async letter(actor: Actor, id: string) {
    const reader = readerOf(actor);
    const letter: DeadLetterRecord = await this.lake.deadLetter(reader, id, { maxPayloadChars: 1_000_000 });
    const [current, history] = await Promise.all([this.candidate(id), this.catalog.deadLetterHistory(id)]);
    const access = await this.accessFor(reader, letter.source);
    return {
      letter,
      edited: current.edited ? { payload: this.shown(current.payload, access) } : null,
      heldBy: current.heldBy,
      history: readableHistory(history ?? [], letter.path, access),
    };
  }

  async history(actor: Actor, id: string) {
    const history = await this.catalog.deadLetterHistory(id);
    if (!history) throw new InletError("NOT_FOUND", `No dead letter with id '${id}'`);
    // The letter's source and path, read as any read of a letter is (its payload is not needed).
    const reader = readerOf(actor);
    const letter = await this.lake.deadLetter(reader, id, { maxPayloadChars: 0 });
    return readableHistory(history, letter.path, await this.accessFor(reader, letter.source));
  }

  /** Starts a replay job (queued; a worker runs it at the rate). Audited with what it took. */
  async create(
    actor: Actor,
    input: { selection: ReplaySelectionInput; ratePerSecond?: number | undefined },
    requestId?: string,
  ) {
    const rate = input.ratePerSecond ?? DEFAULT_REPLAY_RATE;
    this.checkRate(rate);
    const selection = await this.selection(input.selection);
    return withCatalogTransaction(
      this.db,
      async (tx) => {
        const created = await tx.catalog.createReplayJob({
          selection,
          ratePerSecond: rate,
          requestedById: actor.id,
          requestedByEmail: actor.email,
        });
        await this.audit.record(
          actor,
          {
            action: "deadLetters.replay",
            targetType: "replay_job",
            targetId: created.job.id,
            details: {
              ...selectionDetails(input.selection),
              total: created.job.progress.total,
              ratePerSecond: rate,
              source: created.job.source,
              excluded: created.excluded,
            },
          },
          requestId,
          tx.prisma,
        );
        return created;
      },
      { timeoutMs: CREATE_TIMEOUT_MS },
    );
  }

  /** One letter replayed, with an edit saved first when given (both audited, in one transaction). */
  async replayLetter(
    actor: Actor,
    input: { id: string; payload?: string | undefined; ratePerSecond?: number | undefined },
    requestId?: string,
  ) {
    const rate = input.ratePerSecond ?? DEFAULT_REPLAY_RATE;
    this.checkRate(rate);
    const reader = readerOf(actor);
    await this.lake.deadLetter(reader, input.id, { maxPayloadChars: 1 });
    const letter = await this.candidate(input.id);
    const prepared =
      input.payload === undefined ? undefined : await this.prepareEdit(reader, letter, input.payload);
    return withCatalogTransaction(this.db, async (tx) => {
      if (prepared) {
        await tx.catalog.recordDeadLetterEdit(input.id, prepared.payload, auditActor(actor));
        await this.audit.record(
          actor,
          {
            action: "deadLetters.edit",
            targetType: "dead_letter",
            targetId: input.id,
            details: {
              source: letter.source,
              eventId: letter.eventId,
              chars: prepared.payload.length,
              passesSchema: prepared.check.ok,
              problems: prepared.check.problems.length,
              restoredHiddenFields: prepared.restored,
            },
          },
          requestId,
          tx.prisma,
        );
      }
      const created = await tx.catalog.createReplayJob({
        selection: { letterIds: [input.id] },
        ratePerSecond: rate,
        requestedById: actor.id,
        requestedByEmail: actor.email,
      });
      await this.audit.record(
        actor,
        {
          action: "deadLetters.replay",
          targetType: "replay_job",
          targetId: created.job.id,
          details: {
            letters: 1,
            letterIds: [input.id],
            total: 1,
            ratePerSecond: rate,
            source: created.job.source,
            edited: prepared !== undefined,
          },
        },
        requestId,
        tx.prisma,
      );
      return { ...created, passesSchema: prepared?.check.ok };
    });
  }

  async get(id: string): Promise<ReplayJobRecord> {
    const job = await this.catalog.getReplayJob(id);
    if (!job) throw new InletError("NOT_FOUND", `No replay job with id '${id}'`);
    return job;
  }

  async list(input: { status?: ReplayJobStatus | undefined; cursor?: string | undefined; limit: number }) {
    const page = await this.catalog.listReplayJobs(input);
    return { items: page.items, nextCursor: page.nextCursor ?? null };
  }

  /** Pauses, resumes or cancels a job; audited with the status before and after. */
  async control(
    actor: Actor,
    input: { id: string; action: "pause" | "resume" | "cancel" },
    requestId?: string,
  ) {
    const moves: Record<typeof input.action, { to: ReplayJobStatus; from: ReplayJobStatus[] }> = {
      pause: { to: "paused", from: ["queued", "running"] },
      resume: { to: "queued", from: ["paused"] },
      cancel: { to: "cancelled", from: ["queued", "running", "paused"] },
    };
    const move = moves[input.action];
    return withCatalogTransaction(this.db, async (tx) => {
      const changed = await tx.catalog.setReplayJobStatus(input.id, move.to, move.from);
      if (!changed) throw new InletError("NOT_FOUND", `No replay job with id '${input.id}'`);
      await this.audit.record(
        actor,
        {
          action: `deadLetters.replay.${input.action}`,
          targetType: "replay_job",
          targetId: input.id,
          details: {
            before: changed.before,
            after: changed.after.status,
            progress: { ...changed.after.progress },
          },
        },
        requestId,
        tx.prisma,
      );
      return changed.after;
    });
  }
}

/**
 * A letter's history as the reader may see it: the reasons it was received and refused again for
 * quote the value at their path, left out where the reader's column rules hide that column.
 */
function readableHistory(
  history: DeadLetterHistoryEntry[],
  letterPath: string | null,
  access: TableAccess | undefined,
): DeadLetterHistoryEntry[] {
  if (!access) return history;
  return history.map((e) => {
    if (e.kind === "received") return { ...e, reason: readableReason(e.reason, letterPath, access) };
    if (e.kind === "failed_again" && e.reason !== null)
      return { ...e, reason: readableReason(e.reason, e.path ?? letterPath, access) };
    return e;
  });
}
