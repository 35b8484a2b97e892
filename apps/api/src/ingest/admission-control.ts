// Admission control's figures: each source's backlog and the whole one, read from the catalog in one
// statement at most about once a second (never once per request), the free space of a file:// lake's
// disk, and drain rates measured between readings. The ingest route asks admit() before it reads a body.
import { statfs as fsStatfs } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Catalog, SourceBacklog } from "@inlet/lake-core";
import type { Logger } from "pino";
import type { Config } from "../config";
import { type AdmissionBounds, judgeAdmission, type Refusal } from "./admission-judge";
import { admissionMetrics } from "./ingest-metrics";

/** The part of fs.statfs admission reads; tests pass their own. */
export type Statfs = (path: string) => Promise<{ bavail: number; bsize: number }>;

export interface AdmissionControlOptions {
  catalog: Pick<Catalog, "ingestBacklog">;
  bounds: AdmissionBounds;
  /** The lake's URL: on a file:// lake, the free space of its folder's disk is bounded too. */
  lakeUrl: string;
  statfs?: Statfs;
  /** Figures older than this are read again, in the background (default 1,000 ms). */
  refreshMs?: number;
  /** Figures older than this (after a quiet spell) are read again before a request is judged (default 5,000 ms). */
  staleMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** What the ingest route needs of admission control. */
export interface Admission {
  /** A refusal when a bound is passed, else undefined (admitted). */
  admit(source: { id: string; slug: string }): Promise<Refusal | undefined>;
  /** A batch of the source was accepted: its bytes count against the bounds until the next reading. */
  noteAccepted(sourceId: string, bytes: number): void;
}

interface Reading {
  /** When the reading started, by this process's clock. */
  at: number;
  sources: Map<string, SourceBacklog>;
  totalBytes: number;
  freeDiskBytes: number | undefined;
}

/** Drain rates are averaged over about this long (an exponential moving average). */
const DRAIN_SMOOTHING_MS = 10_000;
/** Readings closer together than this say little about a drain that commits a flush at a time. */
const MIN_DRAIN_SAMPLE_MS = 250;
/** A refusal of one kind for one source is logged at most this often. */
const WARN_EVERY_MS = 60_000;

export function admissionBounds(
  config: Pick<
    Config,
    | "INLET_SOURCE_MAX_BACKLOG_BYTES"
    | "INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS"
    | "INLET_MAX_QUEUE_BACKLOG_BYTES"
    | "INLET_MIN_FREE_DISK_BYTES"
  >,
): AdmissionBounds {
  return {
    sourceMaxBacklogBytes: config.INLET_SOURCE_MAX_BACKLOG_BYTES,
    sourceMaxBacklogAgeMs: config.INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS * 1000,
    maxQueueBacklogBytes: config.INLET_MAX_QUEUE_BACKLOG_BYTES,
    minFreeDiskBytes: config.INLET_MIN_FREE_DISK_BYTES,
  };
}

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === "ENOENT";
}

/** Folds a new rate sample into the average, weighting it by the time it covers. */
function smoothed(previous: number | undefined, sample: number, elapsedMs: number): number {
  if (previous === undefined) return sample;
  const weight = 1 - Math.exp(-elapsedMs / DRAIN_SMOOTHING_MS);
  return previous + weight * (sample - previous);
}

export class AdmissionControl implements Admission {
  private readonly opts: AdmissionControlOptions;
  private readonly statfs: Statfs;
  private readonly now: () => number;
  private readonly refreshMs: number;
  private readonly staleMs: number;
  private readonly lakeDir: string | undefined;
  private reading: Reading | undefined;
  private refreshing: Promise<Reading | undefined> | undefined;
  /** Bytes this process accepted since the current reading started, per source id and in all. */
  private acceptedSince = new Map<string, number>();
  private acceptedTotalSince = 0;
  /**
   * While a new reading is under way: the bytes accepted between the current reading's start and the
   * new one's, which the current reading lacks and the counters above (reset for the new one) no longer
   * hold. Requests judged on the current reading meanwhile count them too.
   */
  private acceptedBeforeRead: { bySource: Map<string, number>; total: number } | undefined;
  /** Raw bytes committed or failed per second, per source id and in all, while there was a backlog. */
  private readonly drain = new Map<string, number>();
  private totalDrain: number | undefined;
  /** Sources whose backlog gauges were set, so a drained one reads 0 rather than vanishing. */
  private readonly gaugedSlugs = new Set<string>();
  private readonly warnedAt = new Map<string, number>();

  constructor(opts: AdmissionControlOptions) {
    this.opts = opts;
    this.statfs = opts.statfs ?? fsStatfs;
    this.now = opts.now ?? Date.now;
    this.refreshMs = opts.refreshMs ?? 1000;
    this.staleMs = Math.max(opts.staleMs ?? 5000, this.refreshMs);
    this.lakeDir = opts.lakeUrl.startsWith("file:") ? fileURLToPath(opts.lakeUrl) : undefined;
  }

  async admit(source: { id: string; slug: string }): Promise<Refusal | undefined> {
    const answered = await this.current();
    // Without figures (the catalog did not answer) the request goes on: accepting it needs the catalog
    // anyway, and answers 503 if it is down.
    if (!answered) return undefined;
    // The newest figures (a refresh may have ended meanwhile). While one is under way they are those it
    // replaces, and what was accepted since they began but before it began counts on top too.
    const reading = this.reading ?? answered;
    const pending = this.acceptedBeforeRead;
    const backlog = reading.sources.get(source.id);
    const refusal = judgeAdmission(
      source.slug,
      {
        freeDiskBytes: reading.freeDiskBytes,
        queue: {
          bytes: reading.totalBytes + this.acceptedTotalSince + (pending?.total ?? 0),
          drainBytesPerSecond: this.totalDrain,
        },
        source: {
          bytes:
            (backlog?.bytes ?? 0) +
            (this.acceptedSince.get(source.id) ?? 0) +
            (pending?.bySource.get(source.id) ?? 0),
          oldestAgeMs: backlog ? backlog.oldestAgeMs + Math.max(0, this.now() - reading.at) : 0,
          drainBytesPerSecond: this.drain.get(source.id),
        },
      },
      this.opts.bounds,
    );
    if (refusal) this.noteRefused(source.slug, refusal);
    return refusal;
  }

  noteAccepted(sourceId: string, bytes: number): void {
    this.acceptedSince.set(sourceId, (this.acceptedSince.get(sourceId) ?? 0) + bytes);
    this.acceptedTotalSince += bytes;
  }

  /**
   * The latest figures: read again first when older than refreshMs — in the background, answering with
   * the current ones, unless they are older than staleMs (the first request after a quiet spell waits).
   */
  async current(): Promise<Reading | undefined> {
    const reading = this.reading;
    const age = reading ? this.now() - reading.at : Number.POSITIVE_INFINITY;
    if (age < this.refreshMs) return reading;
    const next = this.refresh();
    return age < this.staleMs ? reading : next;
  }

  /** Reads the figures now (one reading at a time: callers meanwhile share it). */
  refresh(): Promise<Reading | undefined> {
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(): Promise<Reading | undefined> {
    const at = this.now();
    // Batches accepted from here on may be missing from this reading: they count on top of it.
    const acceptedBefore = this.acceptedSince;
    const acceptedTotalBefore = this.acceptedTotalSince;
    this.acceptedSince = new Map();
    this.acceptedTotalSince = 0;
    this.acceptedBeforeRead = { bySource: acceptedBefore, total: acceptedTotalBefore };
    let rows: SourceBacklog[];
    try {
      rows = await this.opts.catalog.ingestBacklog();
    } catch (err) {
      this.acceptedBeforeRead = undefined;
      this.restoreAccepted(acceptedBefore, acceptedTotalBefore);
      this.opts.logger?.warn({ err }, "admission control could not read the backlog; requests are admitted");
      // Figures are kept while they are not stale, then dropped: better admitted than refused on old ones.
      if (this.reading && at - this.reading.at >= this.staleMs) this.reading = undefined;
      return this.reading;
    }
    const reading: Reading = {
      at,
      sources: new Map(rows.map((r) => [r.sourceId, r])),
      totalBytes: rows.reduce((sum, r) => sum + r.bytes, 0),
      freeDiskBytes: await this.freeDiskBytes(),
    };
    const previous = this.reading;
    if (previous && at - previous.at >= MIN_DRAIN_SAMPLE_MS) {
      this.measureDrain(previous, reading, acceptedBefore, acceptedTotalBefore);
    }
    this.reading = reading;
    this.acceptedBeforeRead = undefined;
    this.setGauges(reading);
    return reading;
  }

  private restoreAccepted(before: Map<string, number>, totalBefore: number): void {
    for (const [id, bytes] of before) this.acceptedSince.set(id, (this.acceptedSince.get(id) ?? 0) + bytes);
    this.acceptedTotalSince += totalBefore;
  }

  /**
   * What drained between two readings: the earlier backlog, plus what this process accepted meanwhile,
   * less the later backlog (batches other processes or dropped files added make it an underestimate).
   * Measured only while there was something to drain, so an idle spell does not read as a stall.
   */
  private measureDrain(
    previous: Reading,
    reading: Reading,
    accepted: Map<string, number>,
    acceptedTotal: number,
  ): void {
    const elapsedMs = reading.at - previous.at;
    const sample = (previousRate: number | undefined, before: number, added: number, after: number) =>
      before + added + after === 0
        ? previousRate
        : smoothed(previousRate, (Math.max(0, before + added - after) * 1000) / elapsedMs, elapsedMs);
    const ids = new Set([...previous.sources.keys(), ...reading.sources.keys(), ...accepted.keys()]);
    for (const id of ids) {
      const before = previous.sources.get(id)?.bytes ?? 0;
      const after = reading.sources.get(id)?.bytes ?? 0;
      const rate = sample(this.drain.get(id), before, accepted.get(id) ?? 0, after);
      if (rate !== undefined) this.drain.set(id, rate);
    }
    this.totalDrain = sample(this.totalDrain, previous.totalBytes, acceptedTotal, reading.totalBytes);
  }

  /** Free bytes on the lake folder's disk (its nearest existing ancestor's, before the first write). */
  private async freeDiskBytes(): Promise<number | undefined> {
    let dir = this.lakeDir;
    while (dir !== undefined) {
      try {
        const s = await this.statfs(dir);
        return s.bavail * s.bsize;
      } catch (err) {
        const parent = dirname(dir);
        if (!isMissing(err) || parent === dir) {
          this.opts.logger?.warn(
            { err, dir: this.lakeDir },
            "admission control could not read the lake disk's free space",
          );
          return undefined;
        }
        dir = parent;
      }
    }
    return undefined;
  }

  private setGauges(reading: Reading): void {
    const seen = new Set<string>();
    for (const b of reading.sources.values()) {
      const labels = { source: b.slug };
      admissionMetrics.sourceBacklogBytes.set(labels, b.bytes);
      admissionMetrics.sourceBacklogBatches.set(labels, b.batches);
      admissionMetrics.sourceBacklogOldestAge.set(labels, b.oldestAgeMs / 1000);
      seen.add(b.slug);
    }
    for (const slug of this.gaugedSlugs) {
      if (seen.has(slug)) continue;
      admissionMetrics.sourceBacklogBytes.set({ source: slug }, 0);
      admissionMetrics.sourceBacklogBatches.set({ source: slug }, 0);
      admissionMetrics.sourceBacklogOldestAge.set({ source: slug }, 0);
    }
    for (const slug of seen) this.gaugedSlugs.add(slug);
    admissionMetrics.backlogBytes.set(reading.totalBytes);
    if (this.lakeDir !== undefined && reading.freeDiskBytes !== undefined) {
      admissionMetrics.lakeDiskFree.set({ path: this.lakeDir }, reading.freeDiskBytes);
    }
  }

  private noteRefused(slug: string, refusal: Refusal): void {
    admissionMetrics.refused.inc({ reason: refusal.reason });
    const key = `${refusal.reason}:${slug}`;
    const now = this.now();
    const last = this.warnedAt.get(key);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    this.warnedAt.set(key, now);
    this.opts.logger?.warn(
      { source: slug, reason: refusal.reason, retryAfterSeconds: refusal.retryAfterSeconds },
      `ingest refused by admission control: ${refusal.message}`,
    );
  }
}
