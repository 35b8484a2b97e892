// Reprocess from raw, part two: the figures of a replacement (what a dry run shows) and its commit —
// the files holding replaced rows rewritten without them, the re-derived rows added, in one
// `reprocess` snapshot with the new dead letters, the claims given back and the letters resolved.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDbWork } from "../adapters/duckdb-sql";
import { sqlIdent, sqlString } from "../adapters/duckdb-sql";
import type { Catalog, CuratedTable, NewDataFile, VisibleFile } from "../ports/catalog";
import type { DedupeIndex } from "../ports/dedupe-index";
import type { ObjectStore } from "../ports/object-store";
import type { ReprocessFigures } from "../ports/reprocess-catalog";
import { dedupeIndexOf } from "../process/commit-group";
import { copyPartitioned, dataFileOf, type WrittenFile } from "../process/parquet-writer";
import type { LoadedSource } from "../schema/source-schema";
import type { CurrentRows, DerivedRows, ReprocessRange } from "./reprocess-derive";
import { splitRowKey } from "./reprocess-derive";

export interface ReplaceDeps extends DuckDbWork {
  catalog: Catalog;
  store: ObjectStore;
  /** Which new rows' ids are free (default: the catalog's PostgreSQL index). */
  dedupe?: DedupeIndex | undefined;
}

/** The files holding rows the reprocess replaces: rewritten without those rows. */
export function touchedFiles(current: CurrentRows, derived: DerivedRows): VisibleFile[] {
  const files = new Map<string, VisibleFile>();
  for (const key of derived.replaced) {
    const f = current.fromBatches.get(key);
    if (f) files.set(f.id, f);
  }
  return [...files.values()];
}

/** Writes row keys as NDJSON ({"b": batch, "e": event id}) for DuckDB to join with; undefined when none. */
async function keysFile(path: string, keys: Iterable<string>): Promise<string | undefined> {
  const lines: string[] = [];
  for (const key of keys) {
    const { batchId, eventId } = splitRowKey(key);
    lines.push(`${JSON.stringify({ b: batchId, e: eventId })}\n`);
  }
  if (lines.length === 0) return undefined;
  await writeFile(path, lines.join(""));
  return path;
}

function readKeys(path: string): string {
  return `read_json(${sqlString(path)}, format = 'newline_delimited', columns = {'b': 'VARCHAR', 'e': 'VARCHAR'})`;
}

function parquetList(paths: readonly string[]): string {
  return `read_parquet([${paths.map(sqlString).join(", ")}], union_by_name = true, hive_partitioning = false)`;
}

async function columnsOf(duck: DuckDbWork["duck"], relation: string): Promise<string[]> {
  const reader = await duck.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return reader.getRows().map((r) => String(r[0]));
}

/**
 * How many replaced rows that pass again differ from the row they replace: the re-derived rows not
 * matched by an equal old row (columns compared as text; a column the old row lacks counts as NULL).
 */
export async function countChanged(
  deps: DuckDbWork & { store: ObjectStore },
  current: CurrentRows,
  derived: DerivedRows,
  scratch: string,
): Promise<number> {
  if (derived.replacedPassing.size === 0 || derived.files.length === 0) return 0;
  await mkdir(scratch, { recursive: true });
  const keys = await keysFile(join(scratch, "compare-keys.ndjson"), derived.replacedPassing);
  if (!keys) return 0;
  const oldPaths = await Promise.all(touchedFiles(current, derived).map((f) => deps.store.localPath(f.path)));
  const fresh = parquetList(derived.files);
  const old = parquetList(oldPaths);
  const newCols = await columnsOf(deps.duck, fresh);
  const oldCols = new Set(await columnsOf(deps.duck, old));
  const pick = (have: (c: string) => boolean) =>
    newCols.map((c) => (have(c) ? `CAST(t.${sqlIdent(c)} AS VARCHAR)` : "NULL::VARCHAR")).join(", ");
  const reader = await deps.duck.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM (
       SELECT ${pick(() => true)} FROM ${fresh} t SEMI JOIN ${readKeys(keys)} k ON t._batch_id = k.b AND t._event_id = k.e
       EXCEPT ALL
       SELECT ${pick((c) => oldCols.has(c))} FROM ${old} t SEMI JOIN ${readKeys(keys)} k ON t._batch_id = k.b AND t._event_id = k.e
     )`,
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** The figures of a replacement; `added` and `duplicates` count the new rows as the claims decide. */
export function reprocessFigures(
  batches: number,
  current: CurrentRows,
  derived: DerivedRows,
  changed: number,
  outcome: { added: number; claimedElsewhere: number; lettersResolved: number; filesAdded: number },
  filesRemoved: number,
): ReprocessFigures {
  const deadLettered = derived.deadLetters.length;
  const replacedPassing = derived.replacedPassing.size;
  const rowsReplaced = derived.replaced.size;
  const rowsKept = current.rowsInRange - rowsReplaced;
  return {
    batches,
    events: derived.events,
    outsideRange: derived.outsideRange,
    rowsReplaced,
    rowsKept,
    rowsAfter: rowsKept + replacedPassing + outcome.added,
    unchanged: replacedPassing - changed,
    changed,
    added: outcome.added,
    deadLettered,
    stillFailing: derived.stillFailing,
    duplicates: derived.duplicates + outcome.claimedElsewhere,
    lettersResolved: outcome.lettersResolved,
    rowsChanged: changed + outcome.added + deadLettered + (rowsReplaced - replacedPassing - deadLettered),
    filesRemoved,
    filesAdded: outcome.filesAdded,
  };
}

/** The new rows whose dedupe ids are claimed already: in curated by other means (read-only check). */
export async function newRowsClaimed(
  dedupe: Pick<DedupeIndex, "claimed">,
  sourceId: string,
  derived: DerivedRows,
): Promise<number> {
  const ids = [...derived.newRows.values()].map((r) => r.dedupeId);
  let claimed = 0;
  for (let i = 0; i < ids.length; i += 10_000) {
    claimed += (await dedupe.claimed(sourceId, ids.slice(i, i + 10_000))).size;
  }
  return claimed;
}

/** Thrown inside the commit transaction when a replaced file was replaced meanwhile: plan again. */
export class ReprocessConflict extends Error {
  constructor() {
    super("a file of the range was replaced meanwhile (compaction or retention); planning again");
  }
}

/** Thrown inside the commit transaction when the job was cancelled meanwhile: nothing is committed. */
export class ReprocessCancelled extends Error {
  constructor() {
    super("the job was cancelled");
  }
}

export interface ReplaceInput {
  jobId: string;
  source: LoadedSource;
  table: CuratedTable;
  range: ReprocessRange;
  batches: number;
  current: CurrentRows;
  derived: DerivedRows;
  changed: number;
  scratch: string;
  /** Distinguishes the object keys of one attempt from another's. */
  attempt: number;
}

/**
 * Commits the replacement in one transaction: claims the new rows' ids (a row whose id another
 * commit holds is left out), writes and uploads the rewritten and re-derived files, swaps them in,
 * records the dead letters, gives the failing rows' claims back, marks the landed letters replayed
 * and ends the job. Throws ReprocessConflict or ReprocessCancelled (nothing committed, the uploaded
 * objects deleted), or the error that failed it.
 */
export async function commitReplacement(deps: ReplaceDeps, input: ReplaceInput): Promise<ReprocessFigures> {
  const { source, table, derived, current } = input;
  const touched = touchedFiles(current, derived);
  const uploaded: string[] = [];
  const dedupe = dedupeIndexOf(deps);
  const releases = derived.releaseIds.map((id) => ({ id }));
  try {
    const figures = await deps.catalog.transaction(async (tx) => {
      const newRows = [...derived.newRows.entries()];
      // A new row lands when its id is free, or claimed by its own batch (a run started over); an id
      // another batch holds without having committed stays out, its letter open.
      const claims = newRows.map(([, r]) => ({ id: r.dedupeId, owner: r.batchId }));
      const reserved = await dedupe.reserve(source.id, source.dedupeWindowHours, claims);
      const holds = await dedupe.commit(
        tx,
        source.id,
        claims.filter((c) => reserved.fresh.has(c.id)),
        reserved,
      );
      const fresh = new Set([...reserved.fresh].filter((id) => holds.has(id)));
      const excluded = new Set(derived.excluded);
      const landed: { batchId: string; eventId: string }[] = [];
      for (const [key, r] of newRows) {
        if (fresh.has(r.dedupeId)) landed.push({ batchId: r.batchId, eventId: r.eventId });
        else excluded.add(key);
      }
      // Nothing would differ (every replaced row re-derived equal, nothing added or removed): no snapshot.
      const same =
        input.changed === 0 && landed.length === 0 && derived.replaced.size === derived.replacedPassing.size;
      const removed = same ? [] : touched;
      const written = same ? [] : await writeReplacement(deps, input, removed, excluded);
      const files: NewDataFile[] = [];
      for (const f of written) {
        const key = `curated/${source.slug}/${f.relPath}`;
        await deps.store.put(key, await readFile(f.localPath), {
          contentType: "application/vnd.apache.parquet",
        });
        uploaded.push(key);
        files.push(dataFileOf(key, f));
      }
      let seq: number | undefined;
      if (removed.length > 0 || files.length > 0) {
        seq = await tx.commitReprocess({
          tableId: table.id,
          jobId: input.jobId,
          removedFileIds: removed.map((f) => f.id),
          added: files,
          range: input.range,
        });
        if (seq === undefined) throw new ReprocessConflict();
      }
      await tx.recordDeadLetters(derived.deadLetters);
      await dedupe.release(source.id, releases, tx);
      const lettersResolved = await tx.resolveReprocessedLetters(input.jobId, source.id, landed);
      const figures = reprocessFigures(
        input.batches,
        current,
        derived,
        input.changed,
        {
          added: landed.length,
          claimedElsewhere: newRows.length - landed.length,
          lettersResolved,
          filesAdded: files.length,
        },
        removed.length,
      );
      if (!(await tx.completeReprocessJob(input.jobId, figures, seq))) throw new ReprocessCancelled();
      return figures;
    });
    await dedupe.release(source.id, releases);
    return figures;
  } catch (err) {
    if (uploaded.length > 0) await deps.store.delete(uploaded).catch(() => undefined);
    throw err;
  }
}

/**
 * The rows the replacement adds, partitioned as the table is: the touched files' rows without the
 * replaced ones, and the re-derived rows without those left out.
 */
async function writeReplacement(
  deps: ReplaceDeps,
  input: ReplaceInput,
  touched: readonly VisibleFile[],
  excluded: ReadonlySet<string>,
): Promise<WrittenFile[]> {
  const { scratch, derived, source } = input;
  await mkdir(scratch, { recursive: true });
  const parts: string[] = [];
  if (touched.length > 0) {
    const paths = await Promise.all(touched.map((f) => deps.store.localPath(f.path)));
    const replaced = await keysFile(join(scratch, `replaced-${input.attempt}.ndjson`), derived.replaced);
    parts.push(
      replaced
        ? `SELECT t.* FROM ${parquetList(paths)} t ANTI JOIN ${readKeys(replaced)} k ON t._batch_id = k.b AND t._event_id = k.e`
        : `SELECT * FROM ${parquetList(paths)}`,
    );
  }
  if (derived.files.length > 0) {
    const left = await keysFile(join(scratch, `excluded-${input.attempt}.ndjson`), excluded);
    parts.push(
      left
        ? `SELECT t.* FROM ${parquetList(derived.files)} t ANTI JOIN ${readKeys(left)} k ON t._batch_id = k.b AND t._event_id = k.e`
        : `SELECT * FROM ${parquetList(derived.files)}`,
    );
  }
  if (parts.length === 0) return [];
  const partitionProperty = source.schema.payloadColumns.some((c) => c.name === source.partitionProperty)
    ? source.partitionProperty
    : undefined;
  const written = await copyPartitioned(
    deps.duck,
    parts.map((p) => `(${p})`).join(" UNION ALL BY NAME "),
    join(scratch, `out-${input.attempt}`),
    `reprocess-${input.jobId.slice(0, 8)}-${input.attempt}-${Date.now().toString(36)}`,
    partitionProperty,
  );
  return written.filter((f) => f.rowCount > 0);
}
