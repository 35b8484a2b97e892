// "Send a test event" from a source's page: the event goes through the real ingest API of this process
// with a real key, exactly as a producer's would, and the answer says what became of it — accepted
// (with the row as it landed in curated), dead-lettered (and why), refused by ingest, or still being
// processed when the wait ran out.
//
// The key is made for the one request and revoked right after it. Its creation is recorded as one
// audit row, `source.test_event`, naming the key (id and prefix) and the event: that row is the whole
// story of a key nobody ever saw (it never leaves this process), so it gets no api_key.create /
// api_key.revoke rows of its own, and the audit log shows one entry per test a person sent.
import { type Db, generateApiKey } from "@inlet/db";
import {
  type Catalog,
  curatedTableName,
  type DeadLetterSummary,
  exampleEvent,
  InletError,
  iterateEvents,
  type LakeReader,
  type QueryColumn,
  readableSchemaOrder,
  type SourceRecord,
} from "@inlet/lake-core";
import { z } from "zod";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { readerOf } from "./source-activity";

/** How long one test waits in all, from the key's creation to the batch's outcome. */
export const TEST_EVENT_WAIT_MS = 20_000;
const POLL_MS = 250;

export type TestEventOutcome =
  | {
      outcome: "accepted";
      eventId: string;
      batchId: string;
      /** The row as it landed in curated, read through the LakeReader; null when it was not found. */
      row: Record<string, unknown> | null;
      columns: QueryColumn[];
    }
  | {
      outcome: "dead_lettered";
      /** "ingest": refused with a 4xx and kept as a dead letter; "processing": failed its schema (or the batch failed). */
      stage: "ingest" | "processing";
      eventId: string | null;
      batchId: string | null;
      deadLetterId: string | null;
      reasonCode: string;
      reason: string;
      path: string | null;
    }
  | { outcome: "duplicate"; eventId: string; batchId: string }
  | { outcome: "processing"; eventId: string; batchId: string; waitedMs: number }
  | {
      /** Ingest answered with an error and kept nothing (a paused source's 409, for one). */
      outcome: "refused";
      status: number;
      code: string;
      message: string;
    };

const acceptedAnswer = z.object({ batchId: z.string().min(1), accepted: z.number() });
const errorAnswer = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    deadLetterId: z.string().optional(),
  }),
});

export interface TestEventDeps {
  db: Db;
  catalog: Catalog;
  lake: LakeReader;
  audit: AuditService;
  /** This process's own base URL (where its ingest API answers), undefined while it is not listening. */
  ownUrl: () => string | undefined;
  waitMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TestEventService {
  private readonly waitMs: number;

  constructor(private readonly deps: TestEventDeps) {
    this.waitMs = deps.waitMs ?? TEST_EVENT_WAIT_MS;
  }

  /** An event the source's active schema accepts, with a fresh id and the current time, to start from. */
  async example(slug: string): Promise<{ event: Record<string, unknown> }> {
    const source = await this.sourceBySlug(slug);
    const options = { idField: source.idField, timeField: source.timeField };
    // The stored schema's properties come back sorted by length (jsonb): the example lists them in the
    // table's column order, as the source was registered.
    const schema = readableSchemaOrder(source.jsonSchema, source.columnOrder ?? []);
    return { event: exampleEvent(schema, options) };
  }

  private async sourceBySlug(slug: string): Promise<SourceRecord> {
    const source = await this.deps.catalog.findSourceBySlug(slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
    return source;
  }

  async send(
    actor: Actor,
    slug: string,
    event: Record<string, unknown>,
    requestId?: string,
  ): Promise<TestEventOutcome> {
    const started = Date.now();
    const source = await this.sourceBySlug(slug);
    const base = this.deps.ownUrl();
    if (!base) throw new InletError("UNAVAILABLE", "The ingest API of this process is not listening yet");
    const body = `${JSON.stringify(event)}\n`;
    const given = identityOf(source, body, "");
    const sentId = given && !given.assigned ? given.id : undefined;

    const key = generateApiKey();
    const keyId = await this.deps.db.prisma.$transaction(async (tx) => {
      const created = await tx.apiKey.create({
        data: {
          sourceId: source.id,
          name: `test event · ${actor.email}`,
          prefix: key.prefix,
          keyHash: key.hash,
        },
      });
      await this.deps.audit.record(
        actor,
        {
          action: "source.test_event",
          targetType: "source",
          targetId: source.id,
          details: {
            source: slug,
            apiKeyId: created.id,
            apiKeyPrefix: key.prefix,
            eventId: sentId ?? null,
            note: "key made for this one request and revoked right after it",
          },
        },
        requestId,
        tx,
      );
      return created.id;
    });

    let answer: Response;
    let text: string;
    try {
      answer = await fetch(`${base}/v1/sources/${encodeURIComponent(slug)}/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.key}`, "content-type": "application/x-ndjson" },
        body,
        signal: AbortSignal.timeout(Math.max(1000, this.waitMs / 2)),
      });
      text = await answer.text();
    } catch (err) {
      throw new InletError(
        "UNAVAILABLE",
        `The ingest API did not answer the test event: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      await this.deps.db.prisma.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
    }

    const json = parseJson(text);
    if (answer.status !== 202) {
      const refused = errorAnswer.safeParse(json);
      const error = refused.success ? refused.data.error : undefined;
      const message = error?.message ?? `Ingest answered ${answer.status}`;
      if (answer.status >= 500) throw new InletError("UNAVAILABLE", message);
      if (error?.deadLetterId) {
        return {
          outcome: "dead_lettered",
          stage: "ingest",
          eventId: sentId ?? null,
          batchId: null,
          deadLetterId: error.deadLetterId,
          reasonCode: error.code,
          reason: message,
          path: error.field ? `/${error.field}` : null,
        };
      }
      return { outcome: "refused", status: answer.status, code: error?.code ?? "REFUSED", message };
    }
    const accepted = acceptedAnswer.safeParse(json);
    if (!accepted.success) throw new InletError("INTERNAL", "Ingest answered 202 without a batch id");
    const { batchId } = accepted.data;
    const eventId = sentId ?? identityOf(source, body, batchId)?.id ?? `${batchId}:0`;
    return this.outcomeOf(actor, source, batchId, eventId, started);
  }

  /** Waits (bounded) for the batch to be committed, then reads what became of the event. */
  private async outcomeOf(
    actor: Actor,
    source: SourceRecord,
    batchId: string,
    eventId: string,
    started: number,
  ): Promise<TestEventOutcome> {
    const reader = readerOf(actor);
    for (;;) {
      const progress = await this.deps.catalog.batchProgress(batchId);
      if (progress && progress.status !== "received") {
        if (progress.status === "committed" && progress.accepted > 0) {
          const found = await this.deps.lake.recentEvent(reader, curatedTableName(source.slug), eventId);
          return {
            outcome: "accepted",
            eventId,
            batchId,
            row: found.row ?? null,
            columns: found.columns,
          };
        }
        if (progress.status === "committed" && progress.duplicates > 0) {
          return { outcome: "duplicate", eventId, batchId };
        }
        const letter = await this.letterOf(reader, source, batchId, eventId);
        return {
          outcome: "dead_lettered",
          stage: "processing",
          eventId,
          batchId,
          deadLetterId: letter?.id ?? null,
          reasonCode: letter?.reasonCode ?? (progress.status === "failed" ? "BATCH_FAILED" : "REJECTED"),
          reason: letter?.reason ?? "The event was not accepted; its dead letter is no longer open",
          path: letter?.path ?? null,
        };
      }
      const waited = Date.now() - started;
      if (waited >= this.waitMs) return { outcome: "processing", eventId, batchId, waitedMs: waited };
      await sleep(Math.min(POLL_MS, this.waitMs - waited));
    }
  }

  /**
   * The open letter the batch's event went to: the batch's own, or, when the same event already had an
   * open letter for the same cause (sent before, as a test or by its producer), that letter, which
   * counted this one as a copy and received it last.
   */
  private async letterOf(
    reader: ReturnType<typeof readerOf>,
    source: SourceRecord,
    batchId: string,
    eventId: string,
  ): Promise<DeadLetterSummary | undefined> {
    const own = await this.deps.lake.listDeadLetters(
      reader,
      { sourceId: source.id, batchId, status: "open" },
      { limit: 1 },
    );
    if (own.items[0]) return own.items[0];
    const ofEvent = await this.deps.lake.listDeadLetters(
      reader,
      { sourceId: source.id, eventId, status: "open" },
      { limit: 20 },
    );
    return ofEvent.items.reduce<DeadLetterSummary | undefined>(
      (latest, l) => (latest === undefined || l.lastReceivedAt > latest.lastReceivedAt ? l : latest),
      undefined,
    );
  }
}

/** The id the pipeline gives the body's one event, and whether it was assigned (from the batch id). */
function identityOf(
  source: SourceRecord,
  body: string,
  batchId: string,
): { id: string; assigned: boolean } | undefined {
  for (const e of iterateEvents({
    body: new TextEncoder().encode(body),
    format: "ndjson",
    source: { idField: source.idField, timeField: source.timeField },
    batchId,
    receivedAt: new Date(),
    onInvalid: () => {},
  })) {
    return { id: e.id, assigned: e.idAssigned };
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
