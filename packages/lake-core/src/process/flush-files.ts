// A group's flush files: the candidate rows as an NDJSON scratch file, converted by DuckDB to ZSTD
// Parquet per partition (duplicates left out), and put into the object store.
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "../errors";
import type { NewDataFile } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { LoadedSource } from "../schema/source-schema";
import { type CandidateRows, curatedLinesChunk, type LineContext } from "./curated-lines";
import { dataFileOf, type WrittenFile, writeCuratedParquet } from "./parquet-writer";
import type { PhaseTimings, ProcessDeps } from "./process-outcome";

const WRITE_CHUNK_LINES = 8192;

/** What a line needs of its batch: the id and receipt time its row carries. */
export interface LineBatch {
  batch: { batchId: string; receivedAt: Date };
}

/** Writes the NDJSON temp file of the given candidate rows; returns its path. */
export async function writeCandidateLines(
  source: LoadedSource,
  scratch: string,
  parsed: readonly LineBatch[],
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
export async function toParquet(
  deps: Pick<ProcessDeps, "duck" | "logger">,
  source: LoadedSource,
  scratch: string,
  flushId: string,
  parsed: readonly LineBatch[],
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
      // Only a property the active version still declares as a column (a later version may drop it).
      partitionProperty: source.schema.payloadColumns.some((c) => c.name === source.partitionProperty)
        ? source.partitionProperty
        : undefined,
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

/** Puts the Parquet files at curated/{slug}/dt=…[/{property}=…]/{flushId}-{n}.parquet; returns them for the catalog. */
export function uploadFiles(store: ObjectStore, slug: string, files: WrittenFile[]): Promise<NewDataFile[]> {
  const prefix = `curated/${slug}/`;
  return Promise.all(
    files.map(async (f) => {
      const key = prefix + f.relPath;
      await store.put(key, await readFile(f.localPath), { contentType: "application/vnd.apache.parquet" });
      return dataFileOf(key, f);
    }),
  );
}
