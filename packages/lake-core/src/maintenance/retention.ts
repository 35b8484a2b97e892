// Retention: curated partitions older than a source's retention leave the table in a `retention`
// snapshot (their files then go through the vacuum), and raw batches older than the source's raw
// retention lose their raw objects and rows. Only committed batches expire: a batch still waiting or
// failed keeps its raw object for processing and replay.

import type { Logger } from "pino";
import { errorMessage } from "../errors";
import { judgedEventsKey } from "../ingest/accept-judgement";
import type { Catalog, RetentionCommit } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";

export interface RetentionDeps {
  catalog: Catalog;
  store: ObjectStore;
  logger?: Logger;
}

/** One table's partitions dropped by retention. */
export interface RetentionApplied extends RetentionCommit {
  sourceId: string;
  source: string;
  table: string;
  retentionDays: number;
  /** Partitions dated before this day (YYYY-MM-DD, UTC) were dropped. */
  before: string;
}

export interface RetentionResult {
  tables: RetentionApplied[];
  rawBatches: number;
  rawBytes: number;
}

export interface RetentionOptions {
  now?: Date;
  /** Called after each retention snapshot commits (e.g. to write the audit log); its failure is logged. */
  onApplied?: (applied: RetentionApplied) => Promise<void> | void;
  /** Raw batches expired per round trip (default 500). */
  rawBatchChunk?: number;
  shouldStop?: () => boolean;
}

const DAY_MS = 86_400_000;

/**
 * Makes the store's archive rules those of the sources with a raw archive age (raw/{slug}/ moves to
 * a colder storage class after that many days); undefined on a store without storage classes.
 */
export async function syncRawArchiveRules(deps: RetentionDeps): Promise<{ changed: boolean } | undefined> {
  if (!deps.store.setArchiveRules) return undefined;
  const rules = (await deps.catalog.listSources()).flatMap((s) =>
    s.rawArchiveDays === undefined
      ? []
      : [{ name: `raw/${s.slug}`, prefix: `raw/${s.slug}/`, days: s.rawArchiveDays }],
  );
  const result = await deps.store.setArchiveRules(rules);
  if (result.changed) deps.logger?.info({ rules: rules.length }, "raw archive rules written to the bucket");
  return result;
}

/** The first day kept: today (UTC) minus `days`, as YYYY-MM-DD. */
export function retentionCutoff(now: Date, days: number): string {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - days * DAY_MS).toISOString().slice(0, 10);
}

export async function applyRetention(
  deps: RetentionDeps,
  opts: RetentionOptions = {},
): Promise<RetentionResult> {
  const now = opts.now ?? new Date();
  const result: RetentionResult = { tables: [], rawBatches: 0, rawBytes: 0 };
  for (const source of await deps.catalog.listSources()) {
    if (opts.shouldStop?.()) return result;
    const name = `curated.${source.slug}`;
    const table = await deps.catalog.describeTable(name);
    if (table?.sourceId !== source.id) continue;
    const before = retentionCutoff(now, source.retentionDays);
    const commit = await deps.catalog.transaction((tx) => tx.commitRetention(table.id, before));
    if (!commit) continue;
    const applied: RetentionApplied = {
      ...commit,
      sourceId: source.id,
      source: source.slug,
      table: name,
      retentionDays: source.retentionDays,
      before,
    };
    result.tables.push(applied);
    deps.logger?.info(
      { table: name, before, partitions: commit.partitions.length, files: commit.files, rows: commit.rows },
      "retention dropped old partitions",
    );
    try {
      await opts.onApplied?.(applied);
    } catch (err) {
      deps.logger?.error({ err: errorMessage(err), table: name }, "could not record a retention snapshot");
    }
  }
  const chunk = Math.max(1, opts.rawBatchChunk ?? 500);
  for (;;) {
    if (opts.shouldStop?.()) break;
    const expired = await deps.catalog.expiredRawBatches(now, chunk);
    if (expired.length === 0) break;
    // Objects first: a crash in between leaves rows whose objects are gone, deleted again next time.
    // With each NDJSON batch goes the record of its events ingest judged, if it has one.
    await deps.store.delete(
      expired.flatMap((b) =>
        b.rawKey.endsWith(".ndjson") ? [b.rawKey, judgedEventsKey(b.rawKey)] : [b.rawKey],
      ),
    );
    await deps.catalog.deleteBatches(expired.map((b) => b.id));
    result.rawBatches += expired.length;
    result.rawBytes += expired.reduce((n, b) => n + b.bytes, 0);
    if (expired.length < chunk) break;
  }
  if (result.rawBatches > 0) {
    deps.logger?.info(
      { batches: result.rawBatches, bytes: result.rawBytes },
      "raw retention deleted old batches",
    );
  }
  return result;
}
