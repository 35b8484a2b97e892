// Reprocess from raw, part one: what the range holds now (the rows of the re-read batches, by file)
// and what the raw batches make of it under the active schema (rows written to scratch Parquet, new
// dead letters, claims to give back). Nothing here changes the catalog; see reprocess-replace.ts.
import { join } from "node:path";
import type { DuckDbWork } from "../adapters/duckdb-sql";
import { sqlString } from "../adapters/duckdb-sql";
import { iterateEvents } from "../ingest/batch-events";
import type { NewDeadLetter, VisibleFile } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { ReprocessBatch } from "../ports/reprocess-catalog";
import type { CandidateRows } from "../process/curated-lines";
import { type LineBatch, toParquet, writeCandidateLines } from "../process/flush-files";
import { eventText, judgeEvent } from "../process/judge-event";
import type { PhaseTimings } from "../process/process-outcome";
import { rawBatchFormat, readRaw } from "../process/read-raw-batch";
import type { LoadedSource } from "../schema/source-schema";

/** An event-time range [from, to). */
export interface ReprocessRange {
  from: Date;
  to: Date;
}

/** A row's identity within a source's curated table: its batch and its event id. */
export function rowKey(batchId: string, eventId: string): string {
  return `${batchId}\n${eventId}`;
}

export function splitRowKey(key: string): { batchId: string; eventId: string } {
  const at = key.indexOf("\n");
  return { batchId: key.slice(0, at), eventId: key.slice(at + 1) };
}

/** A timestamp literal DuckDB compares `_event_time` with. */
export function duckTime(d: Date): string {
  return `${sqlString(d.toISOString())}::TIMESTAMPTZ`;
}

/** The files whose event times may fall in the range (a file without times is taken to). */
export function filesOverlapping(files: readonly VisibleFile[], range: ReprocessRange): VisibleFile[] {
  return files.filter(
    (f) =>
      f.minEventTime === undefined ||
      f.maxEventTime === undefined ||
      (f.minEventTime < range.to && f.maxEventTime >= range.from),
  );
}

/** The range's rows now: which came from the re-read batches (by key, with their file), how many in all. */
export interface CurrentRows {
  /** Rows of the range from the re-read batches: row key → the data file holding it. */
  fromBatches: Map<string, VisibleFile>;
  /** Every row of the range, whichever batch it came from. */
  rowsInRange: number;
}

export async function readCurrentRows(
  deps: DuckDbWork & { store: ObjectStore },
  files: readonly VisibleFile[],
  range: ReprocessRange,
  batchIds: ReadonlySet<string>,
): Promise<CurrentRows> {
  const fromBatches = new Map<string, VisibleFile>();
  if (files.length === 0) return { fromBatches, rowsInRange: 0 };
  const byPath = new Map<string, VisibleFile>();
  for (const f of files) byPath.set(await deps.store.localPath(f.path), f);
  const list = [...byPath.keys()].map(sqlString).join(", ");
  const reader = await deps.duck.runAndReadAll(
    `SELECT filename, _batch_id, _event_id FROM read_parquet([${list}], filename = true,
       union_by_name = true, hive_partitioning = false)
     WHERE _event_time >= ${duckTime(range.from)} AND _event_time < ${duckTime(range.to)}`,
  );
  const rows = reader.getRows();
  for (const [filename, batchId, eventId] of rows) {
    if (typeof batchId !== "string" || typeof eventId !== "string") continue;
    if (!batchIds.has(batchId)) continue;
    const file = byPath.get(String(filename));
    if (file) fromBatches.set(rowKey(batchId, eventId), file);
  }
  return { fromBatches, rowsInRange: rows.length };
}

/** A re-derived row that was not in curated: it lands only if its dedupe id can be claimed. */
export interface NewRow {
  batchId: string;
  eventId: string;
  dedupeId: string;
}

/** What the raw batches make of the range under the active schema. */
export interface DerivedRows {
  /** Local Parquet files (scratch) of every passing row in the range, deduplicated by dedupe id. */
  files: string[];
  /** Keys of current rows the batches re-derived (passing or now failing): removed from their files. */
  replaced: Set<string>;
  /** Keys of those that pass again (their rows are written anew). */
  replacedPassing: Set<string>;
  /** Passing rows that were not in curated, by key. */
  newRows: Map<string, NewRow>;
  /** Keys written to `files` that must be left out (a duplicate found after its chunk was written). */
  excluded: Set<string>;
  /** Rows in curated whose events fail now. */
  deadLetters: NewDeadLetter[];
  /** Their dedupe ids: the claims to give back. */
  releaseIds: string[];
  events: number;
  outsideRange: number;
  stillFailing: number;
  duplicates: number;
}

export interface DeriveHooks {
  /** Called after each batch is read (rate pacing, progress, cancel: it may throw to stop). */
  batchDone(batchesDone: number, eventsRead: number): Promise<void>;
}

export interface DeriveDeps extends DuckDbWork {
  store: ObjectStore;
}

/** Raw events per chunk of batches written to one scratch Parquet set. */
const CHUNK_EVENTS = 20_000;

function emptyCols(): CandidateRows {
  return { ids: [], times: [], micros: [], payloads: [], starts: [], ends: [], owner: [], bodies: [] };
}

function emptyPhase(): PhaseTimings {
  return { read: 0, parse: 0, claim: 0, lines: 0, parquet: 0, upload: 0, commit: 0 };
}

/**
 * Reads the batches in order (receipt order decides which of two copies of an event is the one kept,
 * as it did when they were first processed) and judges each event in the range again. Events outside
 * the range are not touched. A row in curated keeps precedence over a copy that was not: its claim is
 * already held.
 */
export async function deriveRows(
  deps: DeriveDeps,
  source: LoadedSource,
  batches: readonly ReprocessBatch[],
  range: ReprocessRange,
  current: CurrentRows,
  scratch: string,
  hooks: DeriveHooks,
): Promise<DerivedRows> {
  const out: DerivedRows = {
    files: [],
    replaced: new Set(),
    replacedPassing: new Set(),
    newRows: new Map(),
    excluded: new Set(),
    deadLetters: [],
    releaseIds: [],
    events: 0,
    outsideRange: 0,
    stillFailing: 0,
    duplicates: 0,
  };
  /** Passing rows by dedupe id: the key that holds it. */
  const byDedupe = new Map<string, string>();
  const phase = emptyPhase();
  let chunk = 0;
  let batchesDone = 0;
  for (let start = 0; start < batches.length; ) {
    let end = start;
    let chunkEvents = 0;
    while (end < batches.length && (end === start || chunkEvents < CHUNK_EVENTS)) {
      chunkEvents += batches[end]!.eventCount;
      end += 1;
    }
    const group = batches.slice(start, end);
    const cols = emptyCols();
    const lineBatches: LineBatch[] = [];
    let read = 0;
    for (const b of group) {
      const body = await readRaw(deps.store, b.rawKey);
      const format = rawBatchFormat(b.rawKey, body);
      if (format === undefined) throw new Error(`raw object ${b.rawKey} has no known batch format`);
      const owner = lineBatches.length;
      lineBatches.push({ batch: { batchId: b.id, receivedAt: b.receivedAt } });
      cols.bodies.push(body);
      for (const ev of iterateEvents({
        body,
        format,
        source,
        batchId: b.id,
        receivedAt: b.receivedAt,
        // An event that cannot be read never had a row: its letter was recorded when it first came.
        onInvalid: () => {
          read += 1;
          out.stillFailing += 1;
        },
      })) {
        read += 1;
        const t = ev.time.getTime();
        if (!(t >= range.from.getTime() && t < range.to.getTime())) {
          out.outsideRange += 1;
          continue;
        }
        const key = rowKey(b.id, ev.id);
        const wasStored = current.fromBatches.has(key);
        const verdict = judgeEvent(ev, source, body);
        if (verdict.rejected) {
          if (!wasStored) {
            out.stillFailing += 1;
            continue;
          }
          out.replaced.add(key);
          out.releaseIds.push(ev.dedupeId);
          const { code, reason, path } = verdict.rejected;
          out.deadLetters.push({
            sourceId: source.id,
            batchId: b.id,
            eventId: ev.id,
            reasonCode: code,
            reason,
            path,
            payload: eventText(ev, body),
            attempts: 1,
            schemaVersion: source.schemaVersion,
          });
          continue;
        }
        const holder = byDedupe.get(ev.dedupeId);
        if (holder !== undefined) {
          // The first copy is kept, unless it was not in curated and this one is (it holds the claim).
          if (!wasStored || !out.newRows.has(holder)) {
            out.duplicates += 1;
            if (wasStored) out.replaced.add(key);
            continue;
          }
          out.newRows.delete(holder);
          out.excluded.add(holder);
          out.duplicates += 1;
        }
        byDedupe.set(ev.dedupeId, key);
        if (wasStored) {
          out.replaced.add(key);
          out.replacedPassing.add(key);
        } else {
          out.newRows.set(key, { batchId: b.id, eventId: ev.id, dedupeId: ev.dedupeId });
        }
        cols.ids.push(ev.id);
        cols.times.push(ev.time);
        cols.micros.push(ev.timeMicros);
        cols.payloads.push(verdict.payload);
        cols.starts.push(ev.start ?? -1);
        cols.ends.push(ev.end ?? -1);
        cols.owner.push(owner);
      }
      batchesDone += 1;
      await hooks.batchDone(batchesDone, out.events + read);
    }
    if (cols.ids.length > 0) {
      const dir = join(scratch, `chunk-${chunk}`);
      const rows = cols.ids.map((_, i) => i);
      await writeCandidateLines(source, dir, lineBatches, rows, cols, phase, false);
      const written = await toParquet(
        deps,
        source,
        dir,
        `chunk-${chunk}`,
        lineBatches,
        rows,
        cols,
        phase,
        [],
      );
      out.files.push(...written.map((f) => f.localPath));
      chunk += 1;
    }
    out.events += read;
    start = end;
  }
  return out;
}
