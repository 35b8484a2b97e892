// Processes a group of received `batches` messages: read raw objects, validate, dedupe (in the group
// and durably via seen_events), write ZSTD Parquet, commit to the catalog in one transaction, then ack.
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Db } from "@inlet/db";
import type { Logger } from "pino";
import { z } from "zod";
import {
  type BatchState,
  batchStates,
  lockBatchStates,
  lockPendingBatches,
  markBatchesFailed,
  strandedBatches,
} from "../catalog/batch-catalog";
import { type NewDeadLetter, recordDeadLetters } from "../catalog/dead-letters";
import { claimEventIds } from "../catalog/seen-events";
import { type LoadedSource, loadSource, type SchemaLayout } from "../catalog/source-catalog";
import {
  type BatchOutcome,
  type CuratedTable,
  commitAppend,
  ensureCuratedTable,
  type NewDataFile,
} from "../catalog/table-catalog";
import { withTransaction } from "../catalog/transaction";
import { errorMessage } from "../errors";
import {
  type BatchFormat,
  type EnvelopeEvent,
  type EventProblem,
  isRecord,
  iterateEvents,
  pointerOfPath,
} from "../ingest/event-envelope";
import { BATCHES_QUEUE, newBatchId, type RawBatchMessage } from "../ingest/raw-batch";
import { escapePointerToken } from "../json/json-pointer";
import { memberText } from "../json/json-spans";
import {
  bytesMayHoldSurrogateEscape,
  hasLoneSurrogate,
  loneSurrogatePath,
  mayHoldSurrogateEscape,
} from "../json/lone-surrogates";
import type { ObjectStore } from "../ports/object-store";
import type { DeadMessage, Queue, ReceivedMessage } from "../ports/queue";
import { formatViolation, unstorableValue } from "../schema/schema-validator";
import {
  BYTES_ONLY,
  type CandidateRows,
  curatedLinesChunk,
  holdsMetaKey,
  isPayloadKey,
  type LineContext,
  memberTail,
  type PreparedPayload,
  payloadTail,
  rawBytesTail,
} from "./curated-lines";
import { type WrittenFile, writeCuratedParquet } from "./parquet-writer";

export interface ProcessDeps {
  db: Db;
  store: ObjectStore;
  queue: Queue;
  /** A connection used by this call alone, prepared with prepareConnection(). */
  duck: DuckDBConnection;
  /** Scratch directory for NDJSON and Parquet files before they go to the store. */
  tmpDir: string;
  logger?: Logger;
  /** Queue the messages came from (default "batches"). */
  queueName?: string;
}

export interface ProcessOutcome {
  messages: number;
  /** Batches committed by this call. */
  committed: number;
  /** Messages whose batch was already committed or failed: acked without work. */
  alreadyDone: number;
  /** Messages handed back to the queue (nack) because they could not be processed. */
  retried: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  filesWritten: number;
  /** Per committed batch: milliseconds from receipt at the API to commit. */
  freshnessMs: number[];
  /** Where the time went, summed over the call (for logs and tuning). */
  phaseMs: PhaseTimings;
}

export interface PhaseTimings {
  /** Reading raw objects. */
  read: number;
  /** Envelope parsing, validation and in-group dedupe (JavaScript). */
  parse: number;
  /** Locking batches and claiming ids in seen_events. */
  claim: number;
  /** Building the NDJSON lines and writing the temp file. */
  lines: number;
  /** DuckDB read_json → Parquet. */
  parquet: number;
  /** Putting Parquet files into the object store. */
  upload: number;
  /** Catalog writes and COMMIT. */
  commit: number;
}

// Only the batch id is taken from a message: the raw key, format, source and receipt time come from
// the batch's catalog row, so whoever can publish to the queue cannot point a batch at another
// source's raw object. The message's other fields (see RawBatchMessage) are informational.
const messageSchema = z.object({ batchId: z.string().min(1) });

interface PendingBatch {
  msg: ReceivedMessage;
  batchId: string;
  sourceId: string;
  rawKey: string;
  receivedAt: Date;
}

/**
 * The format of a raw batch object, from its key (written by rawBatchKey) and, for `.json`, its
 * first byte: a CloudEvents batch is an array, a structured CloudEvent an object.
 */
export function rawBatchFormat(rawKey: string, body: Uint8Array): BatchFormat | undefined {
  if (rawKey.endsWith(".ndjson")) return "ndjson";
  if (!rawKey.endsWith(".json")) return undefined;
  let i = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d))
    i += 1;
  return body[i] === 0x5b ? "cloudevents-batch" : "cloudevents";
}

/** A batch read and split: its candidate events are held in the group's column arrays. */
interface ParsedBatch {
  batch: PendingBatch;
  body: Uint8Array;
  deadLetters: NewDeadLetter[];
  outcome: BatchOutcome;
}

// Postgres and DuckDB both accept years 1..9999; an event time outside that cannot be stored.
const MIN_TIME_MS = -62_135_596_800_000;
const MAX_TIME_MS = 253_402_300_799_999;

function emptyOutcome(messages: number): ProcessOutcome {
  return {
    messages,
    committed: 0,
    alreadyDone: 0,
    retried: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    filesWritten: 0,
    freshnessMs: [],
    phaseMs: { read: 0, parse: 0, claim: 0, lines: 0, parquet: 0, upload: 0, commit: 0 },
  };
}

async function readRaw(store: ObjectStore, key: string): Promise<Uint8Array> {
  let path: string;
  try {
    path = await store.localPath(key);
  } catch (err) {
    throw new Error(`raw object ${key} is not readable: ${errorMessage(err)}`);
  }
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(`raw object ${key} is not readable: ${errorMessage(err)}`);
  }
}

/** What judging one event decided: the dead letter it becomes, or what its curated row is built from. */
type EventVerdict =
  | { rejected: { code: string; reason: string; path?: string | undefined }; payload?: undefined }
  | { rejected?: undefined; payload: PreparedPayload };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const ID_CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Whether an event can be stored, and what its row is built from: its bytes in the body, or the
 * payload text prepared here. Anything an event makes fail (a payload nested too deeply to
 * serialize, a schema whose validation recurses too far) rejects that event alone.
 */
function judgeEvent(ev: EnvelopeEvent, source: LoadedSource, body: Uint8Array): EventVerdict {
  const { schema } = source;
  try {
    const t = ev.time.getTime();
    if (!(t >= MIN_TIME_MS && t <= MAX_TIME_MS)) {
      return { rejected: { code: "INVALID_EVENT_TIME", reason: "event time is outside years 1..9999" } };
    }
    // Ids hold no control characters: a dedupe key separates a CloudEvent's source from its id by one.
    const control = ID_CONTROL_CHARACTER.exec(ev.id)?.[0];
    if (control !== undefined || hasLoneSurrogate(ev.id)) {
      // An NDJSON event's id is a field of its payload; a CloudEvent's is an attribute beside it.
      const inPayload = ev.line !== undefined;
      const what =
        control === undefined
          ? "an unpaired UTF-16 surrogate"
          : control === "\0"
            ? "a NUL character"
            : `a control character (U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")})`;
      return {
        rejected: {
          code: "INVALID_EVENT_ID",
          reason: `${inPayload ? `line ${ev.line}: ` : ""}event id contains ${what}`,
          path: inPayload ? pointerOfPath(source.idField, ev.payload) : undefined,
        },
      };
    }
    // The schema's verdict first, then values the schema accepts but a column cannot hold.
    const schemaViolation = schema.validate?.(ev.payload);
    const violation =
      schemaViolation ??
      unstorableValue(ev.payload, schema.rawPayload ? [] : schema.payloadColumns, (name) => {
        if (ev.start !== undefined) return memberText(body, ev.start, name);
        return ev.text === undefined ? undefined : memberText(Buffer.from(ev.text), 0, name);
      });
    if (violation) {
      const code = schemaViolation ? "SCHEMA_VIOLATION" : "UNSTORABLE_VALUE";
      return { rejected: { code, reason: formatViolation(violation), path: violation.path } };
    }
    const surrogate = unpairedSurrogate(ev, body, schema);
    if (surrogate?.stored) {
      return {
        rejected: {
          code: "UNSTORABLE_VALUE",
          reason: `${surrogate.path || "/"}: holds an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which stored text cannot hold`,
          path: surrogate.path,
        },
      };
    }
    // Only in properties the table does not store (they stay in raw): the row is built without them.
    if (surrogate) return { payload: storedPropertiesTail(ev, body, schema) };
    // Kept whole: its text, in a string for the JSON column; from the batch's bytes unless it may hold
    // a surrogate escape in a repeated key's dropped member (then rebuilt, see rawBytesTail).
    if (schema.rawPayload) {
      if (
        ev.start !== undefined &&
        ev.end !== undefined &&
        !bytesMayHoldSurrogateEscape(body, ev.start, ev.end)
      ) {
        return { payload: BYTES_ONLY };
      }
      const sent = sentPayload(ev, body);
      return {
        payload: sent
          ? rawBytesTail(sent.bytes, sent.start, sent.end)
          : payloadTail(ev.payload, true, schema.jsonColumns),
      };
    }
    // Only scalar columns and no meta column's name: the row is built from the event's bytes, and
    // keeps neither the parsed payload nor its text meanwhile.
    const plain = schema.jsonColumns.size === 0 && isRecord(ev.payload) && !holdsMetaKey(ev.payload);
    if (plain && ev.start !== undefined) return { payload: BYTES_ONLY };
    // Its text as sent, member by member: a meta column's name dropped, each key once, JSON columns'
    // values as text.
    const sent = sentPayload(ev, body);
    if (sent && isRecord(ev.payload)) {
      return { payload: memberTail(sent.bytes, sent.start, isPayloadKey, schema.jsonColumns) };
    }
    return { payload: payloadTail(ev.payload, false, schema.jsonColumns) };
  } catch (err) {
    return {
      rejected: {
        code: "UNPROCESSABLE_EVENT",
        reason: `the event cannot be processed: ${errorMessage(err)}`,
      },
    };
  }
}

/**
 * Where an event's payload holds an unpaired surrogate, and whether that part would be stored (the
 * whole payload for a schemaless table, else a payload column); undefined when it holds none.
 */
function unpairedSurrogate(
  ev: EnvelopeEvent,
  body: Uint8Array,
  schema: SchemaLayout,
): { path: string; stored: boolean } | undefined {
  const suspect =
    ev.start !== undefined && ev.end !== undefined
      ? bytesMayHoldSurrogateEscape(body, ev.start, ev.end)
      : ev.text !== undefined
        ? mayHoldSurrogateEscape(ev.text)
        : true;
  if (!suspect) return undefined;
  const anywhere = loneSurrogatePath(ev.payload);
  if (anywhere === undefined) return undefined;
  if (schema.rawPayload || !isRecord(ev.payload)) return { path: anywhere, stored: true };
  const payload = ev.payload;
  for (const c of schema.payloadColumns) {
    if (!Object.hasOwn(payload, c.name)) continue;
    const at = loneSurrogatePath(payload[c.name], `/${escapePointerToken(c.name)}`);
    if (at !== undefined) return { path: at, stored: true };
  }
  return { path: anywhere, stored: false };
}

/** The payload's text as sent: its span in the batch's body, or its decoded text (data_base64). */
function sentPayload(
  ev: EnvelopeEvent,
  body: Uint8Array,
): { bytes: Uint8Array; start: number; end: number } | undefined {
  if (ev.start !== undefined && ev.end !== undefined) return { bytes: body, start: ev.start, end: ev.end };
  if (ev.text !== undefined) {
    const bytes = Buffer.from(ev.text);
    return { bytes, start: 0, end: bytes.length };
  }
  return undefined;
}

/** The line's tail holding only the payload's properties that are columns of the table. */
function storedPropertiesTail(ev: EnvelopeEvent, body: Uint8Array, schema: SchemaLayout): string {
  const payload = ev.payload;
  if (!isRecord(payload)) return "}";
  const columns = new Set(schema.payloadColumns.map((c) => c.name));
  const sent = sentPayload(ev, body);
  if (sent) return memberTail(sent.bytes, sent.start, (key) => columns.has(key), schema.jsonColumns);
  const out: Record<string, unknown> = {};
  for (const name of columns) if (Object.hasOwn(payload, name)) out[name] = payload[name];
  return payloadTail(out, false, schema.jsonColumns);
}

/**
 * An event as its dead letter keeps it: a CloudEvent's whole text, an NDJSON line, else serialized.
 */
function eventText(ev: EnvelopeEvent, body: Uint8Array): string {
  // A CloudEvent is kept whole, attributes included, so that it can be sent again as it was.
  if (ev.eventSpan) {
    const [start, end] = ev.eventSpan;
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8", start, end);
  }
  if (ev.text !== undefined) return ev.text;
  if (ev.start !== undefined && ev.end !== undefined) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8", ev.start, ev.end);
  }
  try {
    return JSON.stringify(ev.payload) ?? "null";
  } catch (err) {
    return `(cannot be serialized: ${errorMessage(err)}; the event is in the batch's raw object)`;
  }
}

function problemPayload(problem: EventProblem): string {
  if (problem.text !== undefined) return problem.text;
  if (problem.value !== undefined) return JSON.stringify(problem.value) ?? "";
  return "";
}

/**
 * Handles one group of messages end to end. Never throws for a bad batch: such messages are nacked
 * with the error (the queue dead-letters them after maxReceives). Messages are acked only after the
 * commit that covers them.
 */
export async function processBatches(
  deps: ProcessDeps,
  messages: ReceivedMessage[],
): Promise<ProcessOutcome> {
  const queueName = deps.queueName ?? BATCHES_QUEUE;
  const out = emptyOutcome(messages.length);
  const nack = async (msg: ReceivedMessage, error: string) => {
    out.retried += 1;
    deps.logger?.warn(
      { messageId: msg.id, receiveCount: msg.receiveCount, error },
      "batch handed back to the queue",
    );
    await deps.queue.nack(queueName, msg, { error }).catch((err: unknown) => {
      deps.logger?.error(
        { err, messageId: msg.id },
        "nack failed; the message reappears after its visibility timeout",
      );
    });
  };

  const pending: PendingBatch[] = [];
  for (const msg of messages) {
    const parsed = messageSchema.safeParse(msg.body);
    if (!parsed.success) {
      await nack(msg, `malformed batches message: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      continue;
    }
    pending.push({ msg, batchId: parsed.data.batchId, sourceId: "", rawKey: "", receivedAt: new Date(0) });
  }

  const states = await batchStates(
    deps.db,
    pending.map((p) => p.batchId),
  );
  const bySource = new Map<string, PendingBatch[]>();
  const seenBatch = new Set<string>();
  for (const p of pending) {
    const state = states.get(p.batchId);
    if (!state) {
      await nack(p.msg, `batch ${p.batchId} has no batches row`);
      continue;
    }
    // A redelivered message for a batch already committed (or dead-lettered) changes nothing.
    if (state.status !== "received" || seenBatch.has(p.batchId)) {
      out.alreadyDone += 1;
      await deps.queue.ack(queueName, p.msg).catch((err: unknown) => {
        deps.logger?.warn({ err: errorMessage(err), batchId: p.batchId }, "ack of a finished batch failed");
      });
      continue;
    }
    seenBatch.add(p.batchId);
    const list = bySource.get(state.sourceId) ?? [];
    list.push({ ...p, sourceId: state.sourceId, rawKey: state.rawKey, receivedAt: state.receivedAt });
    bySource.set(state.sourceId, list);
  }

  for (const [sourceId, group] of bySource) {
    await processSourceGroup(deps, queueName, sourceId, group, out, nack);
  }
  return out;
}

async function processSourceGroup(
  deps: ProcessDeps,
  queueName: string,
  sourceId: string,
  group: PendingBatch[],
  out: ProcessOutcome,
  nack: (msg: ReceivedMessage, error: string) => Promise<void>,
): Promise<void> {
  let source: LoadedSource;
  let table: CuratedTable;
  try {
    source = await loadSource(deps.db, sourceId);
    table = await ensureCuratedTable(deps.db, source, source.schema.columns);
  } catch (err) {
    for (const b of group) await nack(b.msg, `source ${sourceId}: ${errorMessage(err)}`);
    return;
  }

  const phase = out.phaseMs;
  let mark = performance.now();
  const lap = (key: keyof PhaseTimings) => {
    const now = performance.now();
    phase[key] += now - mark;
    mark = now;
  };
  const bodies = await Promise.all(
    group.map((b) =>
      readRaw(deps.store, b.rawKey).then(
        (body) => ({ b, body, error: undefined }),
        (err: unknown) => ({ b, body: undefined, error: errorMessage(err) }),
      ),
    ),
  );

  // Candidate events as parallel columns: cheaper than one object per event.
  const cols: CandidateRows = {
    ids: [],
    times: [],
    micros: [],
    payloads: [],
    starts: [],
    ends: [],
    owner: [],
    bodies: [],
  };
  const { ids, times, micros, payloads, starts, ends, owner } = cols;
  /** The key each candidate is deduplicated by (see EnvelopeEvent.dedupeId). */
  const dedupeIds: string[] = [];
  const inGroup = new Set<string>();
  const parsed: ParsedBatch[] = [];

  lap("read");
  for (const { b, body, error } of bodies) {
    if (!body) {
      await nack(b.msg, error ?? "raw object missing");
      continue;
    }
    const deadLetters: NewDeadLetter[] = [];
    const outcome: BatchOutcome = { accepted: 0, rejected: 0, duplicates: 0 };
    const reject = (
      eventId: string | undefined,
      reasonCode: string,
      reason: string,
      path: string | undefined,
      payload: string,
    ) => {
      outcome.rejected += 1;
      deadLetters.push({
        sourceId,
        batchId: b.batchId,
        eventId,
        reasonCode,
        reason,
        path,
        payload,
        attempts: b.msg.receiveCount,
      });
    };
    const batchIndex = parsed.length;
    const firstCandidate = ids.length;
    let unparseable: string | undefined;
    const format = rawBatchFormat(b.rawKey, body);
    if (format === undefined) {
      await nack(b.msg, `raw object ${b.rawKey} has no known batch format (expected .ndjson or .json)`);
      continue;
    }
    try {
      for (const ev of iterateEvents({
        body,
        format,
        source,
        batchId: b.batchId,
        receivedAt: b.receivedAt,
        onInvalid: (problem) => {
          // A body that is not JSON at all has no events to dead-letter one by one: the batch is poison.
          if (
            problem.index === undefined &&
            (problem.code === "MALFORMED_JSON" || format === "cloudevents-batch")
          ) {
            unparseable = problem.message;
            return;
          }
          const path =
            problem.code === "INVALID_EVENT_ID" && problem.field !== undefined
              ? pointerOfPath(problem.field)
              : undefined;
          reject(undefined, problem.code, problem.message, path, problemPayload(problem));
        },
      })) {
        const verdict = judgeEvent(ev, source, body);
        if (verdict.rejected) {
          const { code, reason, path } = verdict.rejected;
          reject(ev.id, code, reason, path, eventText(ev, body));
          continue;
        }
        if (inGroup.has(ev.dedupeId)) {
          outcome.duplicates += 1;
          continue;
        }
        inGroup.add(ev.dedupeId);
        ids.push(ev.id);
        dedupeIds.push(ev.dedupeId);
        times.push(ev.time);
        micros.push(ev.timeMicros);
        payloads.push(verdict.payload);
        starts.push(ev.start ?? -1);
        ends.push(ev.end ?? -1);
        owner.push(batchIndex);
      }
    } catch (err) {
      unparseable = errorMessage(err);
    }
    if (unparseable !== undefined) {
      // Roll this batch's candidates back out of the group so its ids can be taken by no one.
      for (let i = firstCandidate; i < ids.length; i++) inGroup.delete(dedupeIds[i]!);
      ids.length = dedupeIds.length = firstCandidate;
      times.length = micros.length = payloads.length = firstCandidate;
      starts.length = ends.length = owner.length = firstCandidate;
      await nack(b.msg, `raw object ${b.rawKey} is unparseable: ${unparseable}`);
      continue;
    }
    parsed.push({ batch: b, body, deadLetters, outcome });
    cols.bodies.push(body);
  }
  if (parsed.length === 0) return;

  lap("parse");
  const flushId = newBatchId();
  const scratch = join(deps.tmpDir, flushId);
  try {
    const liveBatches = await withTransaction(deps.db.pool, async (tx) => {
      const stillPending = await lockPendingBatches(
        tx,
        parsed.map((p) => p.batch.batchId),
      );
      // Batches another worker committed meanwhile: their ids are theirs, their counts stay as recorded.
      const live = parsed.map((p) => stillPending.has(p.batch.batchId));
      const candidates: number[] = [];
      for (let i = 0; i < ids.length; i++) if (live[owner[i]!]) candidates.push(i);

      // Postgres claims the ids while this process writes the NDJSON lines of every candidate; the
      // Parquet conversion then leaves out the ids that turned out to be duplicates.
      const claimStarted = performance.now();
      const claim = claimEventIds(
        tx,
        sourceId,
        candidates.map((i) => dedupeIds[i]!),
      ).then((fresh) => {
        phase.claim += performance.now() - claimStarted;
        return fresh;
      });
      const lines =
        candidates.length > 0
          ? writeCandidateLines(source, scratch, parsed, candidates, cols, phase, false)
          : Promise.resolve(undefined);
      const [claimed, written] = await Promise.allSettled([claim, lines]);
      if (claimed.status === "rejected") throw claimed.reason;
      if (written.status === "rejected") throw written.reason;
      const fresh = claimed.value;

      let duplicateIds: string[] = [];
      const freshRows: number[] = [];
      for (const i of candidates) {
        const outcome = parsed[owner[i]!]!.outcome;
        if (fresh.has(dedupeIds[i]!)) {
          outcome.accepted += 1;
          freshRows.push(i);
        } else {
          outcome.duplicates += 1;
          duplicateIds.push(ids[i]!);
        }
      }
      let rows = candidates;
      if (duplicateIds.length > 0 && duplicateIds.length < candidates.length) {
        // Parquet leaves duplicates out by _event_id. CloudEvents from different `source` attributes
        // may share an id, so when a duplicate's id is also a fresh event's, the lines are rewritten
        // with the fresh events only instead (rare: the fast path stays for everything else).
        const dup = new Set(duplicateIds);
        if (freshRows.some((i) => dup.has(ids[i]!))) {
          await writeCandidateLines(source, scratch, parsed, freshRows, cols, phase, false);
          rows = freshRows;
          duplicateIds = [];
        }
      }
      const local =
        freshRows.length === 0
          ? []
          : await toParquet(deps, source, scratch, flushId, parsed, rows, cols, phase, duplicateIds);
      const uploadStarted = performance.now();
      const files = await uploadFiles(deps.store, source.slug, local);
      phase.upload += performance.now() - uploadStarted;

      const liveBatches = parsed.filter((_, i) => live[i]);
      if (liveBatches.length === 1) {
        for (const f of files) f.batchId = liveBatches[0]!.batch.batchId;
      }
      mark = performance.now();
      await commitAppend(tx, {
        tableId: table.id,
        files,
        batchIds: liveBatches.map((p) => p.batch.batchId),
        counts: new Map(liveBatches.map((p) => [p.batch.batchId, p.outcome])),
      });
      await recordDeadLetters(
        tx,
        liveBatches.flatMap((p) => p.deadLetters),
      );
      out.filesWritten += files.length;
      return liveBatches;
    });
    lap("commit");
    const now = Date.now();
    for (const p of liveBatches) {
      out.committed += 1;
      out.accepted += p.outcome.accepted;
      out.rejected += p.outcome.rejected;
      out.duplicates += p.outcome.duplicates;
      out.freshnessMs.push(now - p.batch.receivedAt.getTime());
    }
    out.alreadyDone += parsed.length - liveBatches.length;
  } catch (err) {
    if (parsed.length > 1) {
      // One bad batch must not hold the others back: retry them one by one, so only it is retried.
      deps.logger?.warn(
        { err: errorMessage(err), batches: parsed.length },
        "group commit failed; retrying batch by batch",
      );
      for (const p of parsed) await processSourceGroup(deps, queueName, sourceId, [p.batch], out, nack);
    } else {
      for (const p of parsed) await nack(p.batch.msg, `commit failed: ${errorMessage(err)}`);
    }
    return;
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  await Promise.all(
    parsed.map((p) =>
      deps.queue.ack(queueName, p.batch.msg).catch((err: unknown) => {
        // Committed already: a redelivery finds the batch committed and is acked without work.
        deps.logger?.warn({ err: errorMessage(err), batchId: p.batch.batchId }, "ack after commit failed");
      }),
    ),
  );
}

const WRITE_CHUNK_LINES = 8192;

/** Writes the NDJSON temp file of the given candidate rows; returns its path. */
async function writeCandidateLines(
  source: LoadedSource,
  scratch: string,
  parsed: ParsedBatch[],
  rows: number[],
  cols: CandidateRows,
  phase: PhaseTimings,
  rebuild: boolean,
): Promise<string> {
  const started = performance.now();
  await mkdir(scratch, { recursive: true });
  const columns = new Set(source.schema.payloadColumns.map((c) => c.name));
  const contexts: LineContext[] = parsed.map((p) => ({
    batchIdJson: JSON.stringify(p.batch.batchId),
    ingestedAtIso: p.batch.receivedAt.toISOString(),
    rawPayload: source.schema.rawPayload,
    columns,
    jsonColumns: source.schema.jsonColumns,
  }));
  const path = join(scratch, "events.ndjson");
  const handle = await open(path, "w");
  try {
    for (let from = 0; from < rows.length; from += WRITE_CHUNK_LINES) {
      const to = Math.min(rows.length, from + WRITE_CHUNK_LINES);
      await handle.writeFile(curatedLinesChunk(cols, rows, from, to, contexts, rebuild));
    }
  } finally {
    await handle.close();
  }
  phase.lines += performance.now() - started;
  return path;
}

/** NDJSON temp file → Parquet files (one per dt partition) in the scratch directory, without duplicates. */
async function toParquet(
  deps: ProcessDeps,
  source: LoadedSource,
  scratch: string,
  flushId: string,
  parsed: ParsedBatch[],
  rows: number[],
  cols: CandidateRows,
  phase: PhaseTimings,
  duplicateIds: string[],
): Promise<WrittenFile[]> {
  let excludeIdsPath: string | undefined;
  if (duplicateIds.length > 0) {
    excludeIdsPath = join(scratch, "duplicates.ndjson");
    await writeFile(excludeIdsPath, duplicateIds.map((id) => `{"id":${JSON.stringify(id)}}\n`).join(""));
  }
  const write = (attempt: number) =>
    writeCuratedParquet(deps.duck, {
      ndjsonPath: join(scratch, "events.ndjson"),
      outDir: join(scratch, `out-${attempt}`),
      filePrefix: flushId,
      payloadColumns: source.schema.payloadColumns,
      excludeIdsPath,
    });
  const started = performance.now();
  try {
    return await write(0);
  } catch (err) {
    deps.logger?.warn(
      { err: errorMessage(err) },
      "DuckDB refused the fast NDJSON; rewriting its objects member by member",
    );
    await writeCandidateLines(source, scratch, parsed, rows, cols, phase, true);
    return await write(1);
  } finally {
    phase.parquet += performance.now() - started;
  }
}

/** Puts the Parquet files at curated/{slug}/dt=…/{flushId}-{n}.parquet; returns them for the catalog. */
function uploadFiles(store: ObjectStore, slug: string, files: WrittenFile[]): Promise<NewDataFile[]> {
  const prefix = `curated/${slug}/`;
  return Promise.all(
    files.map(async (f) => {
      const key = prefix + f.relPath;
      await store.put(key, await readFile(f.localPath), { contentType: "application/vnd.apache.parquet" });
      return {
        path: key,
        partition: f.partition,
        rowCount: f.rowCount,
        bytes: f.bytes,
        minEventTime: f.minEventTime,
        maxEventTime: f.maxEventTime,
      };
    }),
  );
}

/** The most raw bytes a POISON_BATCH dead letter keeps (the whole object stays at its rawKey). */
export const POISON_RAW_PREFIX_BYTES = 1024 * 1024;

interface RawPrefix {
  /** The first POISON_RAW_PREFIX_BYTES bytes as text (invalid UTF-8 replaced), null when unreadable. */
  raw: string | null;
  rawBytes?: number;
  rawTruncated?: boolean;
}

async function readRawPrefix(store: ObjectStore, key: string): Promise<RawPrefix> {
  try {
    const path = await store.localPath(key);
    const handle = await open(path, "r");
    try {
      const size = (await handle.stat()).size;
      const buf = Buffer.alloc(Math.min(size, POISON_RAW_PREFIX_BYTES));
      let read = 0;
      while (read < buf.length) {
        const { bytesRead } = await handle.read(buf, read, buf.length - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      const raw = new TextDecoder("utf-8", { fatal: false }).decode(buf.subarray(0, read));
      return { raw, rawBytes: size, rawTruncated: size > read };
    } finally {
      await handle.close();
    }
  } catch {
    return { raw: null };
  }
}

/**
 * Records batches the queue gave up on (maxReceives exhausted): one POISON_BATCH dead letter with the
 * message, the batch's rawKey and a prefix (at most 1 MiB) of its raw bytes, and the batch marked
 * failed, in one transaction. The batch rows are locked (FOR UPDATE, id order) and their status read
 * under the lock, so a batch a slow worker committed meanwhile is never also recorded as poison, and
 * a batch already failed is not recorded twice.
 */
export async function recordPoisonBatches(
  deps: { db: Db; store: ObjectStore; logger?: Logger },
  dead: DeadMessage[],
): Promise<number> {
  if (dead.length === 0) return 0;
  const ids = dead.map((d) => (typeof d.body.batchId === "string" ? d.body.batchId : undefined));
  const batchIds = [...new Set(ids.filter((x): x is string => x !== undefined))];
  // Raw objects are read before the transaction (no object-store I/O while rows are locked), and only
  // at the key of the batch row: a message's own rawKey is never followed.
  const before = await batchStates(deps.db, batchIds);
  const raws = new Map<string, RawPrefix>();
  for (const state of before.values()) {
    if (state.status === "received") raws.set(state.id, await readRawPrefix(deps.store, state.rawKey));
  }
  const count = await withTransaction(deps.db.pool, async (tx) => {
    const states = await lockBatchStates(tx, batchIds);
    const letters: NewDeadLetter[] = [];
    const failed: string[] = [];
    const recorded = new Set<string>();
    for (const [i, d] of dead.entries()) {
      const batchId = ids[i];
      const state: BatchState | undefined = batchId === undefined ? undefined : states.get(batchId);
      // Committed after all (a slow worker, or the last ack got lost), or recorded already: nothing to do.
      if (state && state.status !== "received") continue;
      if (batchId !== undefined && state) {
        if (recorded.has(batchId)) continue;
        recorded.add(batchId);
      }
      const raw: RawPrefix =
        state === undefined
          ? { raw: null }
          : (raws.get(state.id) ?? (await readRawPrefix(deps.store, state.rawKey)));
      const sourceId = state?.sourceId ?? (typeof d.body.sourceId === "string" ? d.body.sourceId : undefined);
      letters.push({
        sourceId,
        batchId,
        eventId: undefined,
        reasonCode: "POISON_BATCH",
        reason: d.lastError ?? `gave up after ${d.receiveCount} receives`,
        path: undefined,
        payload: JSON.stringify({ message: d.body, rawKey: state?.rawKey ?? null, ...raw }),
        attempts: d.receiveCount,
      });
      if (batchId && state) failed.push(batchId);
    }
    // A dead letter may name a source that was deleted since; the column is nullable for that.
    const known = new Set(
      (
        await tx.query<{ id: string }>("SELECT id FROM sources WHERE id = ANY($1::text[])", [
          letters.map((l) => l.sourceId).filter((s): s is string => s !== undefined),
        ])
      ).rows.map((r) => r.id),
    );
    for (const l of letters) if (l.sourceId !== undefined && !known.has(l.sourceId)) l.sourceId = undefined;
    await recordDeadLetters(tx, letters);
    await markBatchesFailed(tx, failed);
    return letters.length;
  });
  if (count > 0) deps.logger?.warn({ count }, "poison batches recorded as dead letters");
  return count;
}

export interface RequeueStrandedOptions {
  /** Only batches received at least this long ago (default 15 minutes). */
  olderThanMs?: number;
  /** At most this many per call (default 500). */
  limit?: number;
  queueName?: string;
}

/**
 * Sends a fresh message (dedupeKey = batchId) for every batch still `received` well after receipt
 * and without a POISON_BATCH dead letter. Closes the window between a queue's takeDead (which removes
 * the dead message) and recordPoisonBatches (which writes the dead letter): if the process dies or the
 * transaction fails in between, the batch is processed again rather than stranded. A batch whose
 * message is still queued is not duplicated by PgQueue (dedupe key); on NATS a duplicate is possible
 * once the duplicate window has passed, and the worker acks it without work.
 */
export async function requeueStrandedBatches(
  deps: { db: Db; queue: Queue; logger?: Logger },
  opts: RequeueStrandedOptions = {},
): Promise<number> {
  const stranded = await strandedBatches(deps.db, opts.olderThanMs ?? 15 * 60_000, opts.limit ?? 500);
  for (const b of stranded) {
    const message: RawBatchMessage = {
      batchId: b.id,
      sourceId: b.sourceId,
      slug: b.slug,
      rawKey: b.rawKey,
      format: b.rawKey.endsWith(".ndjson") ? "ndjson" : "cloudevents-batch",
      receivedAt: b.receivedAt.toISOString(),
      eventCount: b.eventCount,
      requeued: true,
    };
    await deps.queue.send(opts.queueName ?? BATCHES_QUEUE, message, { dedupeKey: b.id });
  }
  if (stranded.length > 0) {
    deps.logger?.warn({ count: stranded.length }, "re-enqueued batches still received long after receipt");
  }
  return stranded.length;
}
