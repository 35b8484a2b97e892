// The data-plane worker: long-polls `batches`, buffers messages into flushes (by bytes or time),
// processes each flush, drains the queue's dead messages into dead letters, compacts and vacuums
// curated tables on an interval, refreshes analytics tables that are due (on a schedule, or right
// after a flush commits to one of their inputs), watches the landing zone and runs replay and reprocess jobs.
import { mkdir, rm } from "node:fs/promises";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "pino";
import { createDuckDbEngine } from "../adapters/duckdb-engine";
import { prepareConnection } from "../adapters/duckdb-sql";
import { isDiskFull } from "../adapters/local-fs-store";
import { type AnalyticsRefreshDeps, refreshDueAnalyticsTables } from "../analytics/refresh-analytics";
import { errorMessage } from "../errors";
import type { IngestLimits } from "../ingest/ingest-body";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { LandingAdmission } from "../landing/landing-ingest";
import { consumeLandingEvents, LANDING_EVENTS_QUEUE, scanLandingZone } from "../landing/landing-watch";
import { type CompactOptions, compactTable } from "../maintenance/compact";
import { sweepJudgedRecords } from "../maintenance/judged-records";
import { applyRetention, type RetentionApplied, syncRawArchiveRules } from "../maintenance/retention";
import { vacuumTable } from "../maintenance/vacuum";
import type { AccessPolicySource } from "../ports/access-policy";
import type { Catalog } from "../ports/catalog";
import type { DedupeIndex } from "../ports/dedupe-index";
import type { ObjectStore } from "../ports/object-store";
import type { QueryRunRecorder } from "../ports/query-history";
import type { Queue, ReceivedMessage } from "../ports/queue";
import { recordPoisonBatches } from "../process/poison-batches";
import { processBatches } from "../process/process-batches";
import { requeueStrandedBatches } from "../process/stranded-batches";
import type { ReplayPriority } from "../replay/replay-pace";
import { runReplayJob } from "../replay/replay-runner";
import { runReprocessJob } from "../replay/reprocess-runner";
import { BatchLeases } from "./batch-leases";
import { isScratchFull, retryWhileDiskFull, waitingForSpace } from "./wait-for-space";
import { WorkerMetrics } from "./worker-metrics";
import { removeOrphanedScratch, workerScratchPath } from "./worker-scratch";

const RECEIVE_CHUNK = 4;

export interface WorkerConfig {
  /** Flush at most this long after the first message of a flush was received (default 1000). */
  flushIntervalMs?: number;
  /**
   * Flush as soon as no further batch arrives within this long of the last one (default 100): below
   * saturation a batch is written when the queue has nothing more for it, not a whole interval later;
   * under a backlog every receive returns at once, so flushes still grow to the interval or the bytes.
   * Set it to the interval for the older behaviour (fewer, larger files at moderate load).
   */
  flushLingerMs?: number;
  /** Flush once the buffered batches hold this many raw bytes (default 5 MiB). */
  flushBytes?: number;
  /** Flush once this many batches are buffered (default 1000). */
  maxBatchesPerFlush?: number;
  /**
   * How long a received batch stays invisible to the other workers without a renewal; the worker
   * renews it three times per lease while it works on the batch, so a worker that dies gives its
   * batches up about one lease later (default 8 s).
   */
  leaseMs?: number;
  /**
   * The longest a worker keeps renewing a batch's lease, from its receipt: a flush that takes longer
   * (or hangs) lets another worker take the batch, which is processed idempotently (default 120 s).
   */
  maxHoldMs?: number;
  /** Flush loops running in parallel, each with its own DuckDB connection (default 2). */
  concurrency?: number;
  /** How often dead messages are drained into dead letters (default 5 s). */
  deadDrainIntervalMs?: number;
  /**
   * How often batches still `received` long after receipt (message lost: an API killed between
   * registering the batch and enqueueing it, or a process that died between draining a dead message
   * and writing its dead letter) are re-enqueued; 0 turns it off (default: half of strandedAfterMs,
   * at most 60 s).
   */
  strandedSweepIntervalMs?: number;
  /**
   * How old a `received` batch must be before the sweep re-enqueues it (default 2 minutes). The
   * message carries the batch id as its dedupe key, so one still queued is not doubled (on NATS,
   * within the stream's duplicate window; a later copy is acked without work once the batch commits).
   */
  strandedAfterMs?: number;
  /** How often curated tables are compacted; 0 turns compaction off (default 60 s). */
  compactIntervalMs?: number;
  /** Which files are merged, and the memory limit and threads of the DuckDB instance merging them. */
  compaction?: CompactOptions;
  /** How often replaced and orphaned curated files are deleted; 0 turns it off (default 10 minutes). */
  vacuumIntervalMs?: number;
  /** How long replaced and uncommitted files are kept before the vacuum deletes them (default 1 hour). */
  fileRetentionMs?: number;
  /**
   * How often sources' retention is applied (curated partitions past `retentionDays`, raw batches past
   * `rawRetentionDays`, the PostgreSQL dedupe index's days past every window), by one worker at a
   * time; 0 turns it off (default 1 hour).
   */
  retentionIntervalMs?: number;
  /**
   * How often analytics tables due for a refresh are looked for (besides right after a flush commits);
   * 0 turns refreshes off (default 30 s).
   */
  analyticsRefreshIntervalMs?: number;
  /** A table whose refresh failed is tried again after this long (default 5 minutes). */
  analyticsRetryFailedAfterMs?: number;
  /** The longest one refresh may run (default 10 minutes). */
  analyticsRefreshTimeoutMs?: number;
  /**
   * How landing files are found: "poll" lists landing/ (local stores), "events" consumes
   * `landing-events` (S3 notifications), "off". Default: poll for file:// stores, events otherwise.
   */
  landing?: "poll" | "events" | "off";
  landingPollMs?: number;
  /** Scratch space for NDJSON and Parquet before upload (default: a new directory under the OS temp dir). */
  tmpDir?: string;
  /** DuckDB threads (default: DuckDB's own, the number of cores). */
  duckdbThreads?: number;
  /**
   * How often replay and reprocess jobs waiting for a runner are looked for (a replay job left running
   * by a stopped or killed process is taken over from its cursor, a reprocess job starts over); 0 turns
   * both off in this worker (default 1 s).
   */
  replayPollMs?: number;
  /** Replay jobs this worker runs at once (default 2). */
  replayConcurrency?: number;
  /** The ingest limits replay batches keep to (the API's INLET_INGEST_* settings). */
  ingestLimits?: Partial<IngestLimits>;
  /** Whether a replay job gives way to live batches waiting ("live", default) or keeps its rate ("rate"). */
  replayPriority?: ReplayPriority;
}

export interface WorkerDeps {
  catalog: Catalog;
  store: ObjectStore;
  queue: Queue;
  logger: Logger;
  /** Which event ids a flush, replay or reprocess may store (default: the catalog's PostgreSQL index). */
  dedupe?: DedupeIndex;
  config?: WorkerConfig;
  /** Told of each retention snapshot once it commits (the API writes it to the audit log). */
  onRetention?: (applied: RetentionApplied) => Promise<void> | void;
  /** Where analytics refreshes are recorded as query runs (path "refresh"); absent: not recorded. */
  queryHistory?: QueryRunRecorder;
  /**
   * The access policies analytics refreshes read their inputs under, as each table's creator may see
   * them (with rolesOf); absent: inputs are read whole.
   */
  policies?: AccessPolicySource;
  /** A person's roles (none for someone gone or disabled), for refreshing as a table's creator. */
  rolesOf?: (userId: string) => Promise<string[]>;
  /** The key hash rules use; the same as the API's, so a hashed value matches across both. */
  policyHashKey?: Uint8Array;
  /**
   * The admission bounds dropped files are held to, as HTTP ingest is: a file of a source over its
   * backlog bound, or while the server is over its own, stays in landing/ until the backlog drains.
   */
  landingAdmission?: LandingAdmission;
}

export interface Worker {
  readonly metrics: WorkerMetrics;
  /** Stops receiving, finishes the flushes in progress (buffered messages are flushed now), then returns. */
  stop(): Promise<void>;
}

/** The least a landing file's message is renewed for: what a large file may take to read. */
const LANDING_MIN_HOLD_MS = 5 * 60_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function startWorker(deps: WorkerDeps): Promise<Worker> {
  const cfg = deps.config ?? {};
  const flushIntervalMs = cfg.flushIntervalMs ?? 1000;
  const flushLingerMs = Math.min(cfg.flushLingerMs ?? 100, flushIntervalMs);
  const flushBytes = cfg.flushBytes ?? 5 * 1024 * 1024;
  const maxBatches = cfg.maxBatchesPerFlush ?? 1000;
  const leaseMs = cfg.leaseMs ?? 8000;
  const maxHoldMs = cfg.maxHoldMs ?? 120_000;
  const concurrency = Math.max(1, cfg.concurrency ?? 2);
  const deadDrainMs = cfg.deadDrainIntervalMs ?? 5000;
  const compactMs = cfg.compactIntervalMs ?? 60_000;
  const vacuumMs = cfg.vacuumIntervalMs ?? 10 * 60_000;
  const retentionMs = cfg.retentionIntervalMs ?? 60 * 60_000;
  const strandedAfterMs = cfg.strandedAfterMs ?? 2 * 60_000;
  const strandedSweepMs =
    cfg.strandedSweepIntervalMs ?? Math.min(60_000, Math.max(1000, Math.round(strandedAfterMs / 2)));
  const refreshMs = cfg.analyticsRefreshIntervalMs ?? 30_000;
  const landingMode = cfg.landing ?? (deps.store.url.startsWith("file:") ? "poll" : "events");
  const landingPollMs = cfg.landingPollMs ?? 500;
  const replayPollMs = cfg.replayPollMs ?? 1000;
  const replayConcurrency = Math.max(1, cfg.replayConcurrency ?? 2);
  const tmpDir = cfg.tmpDir ?? workerScratchPath();
  const ownsTmp = cfg.tmpDir === undefined;
  const { catalog, store, queue, logger, dedupe } = deps;
  const metrics = new WorkerMetrics();
  const stopping = new AbortController();
  /** Lease renewals of other queues than batches (landing-events), stopped with the worker. */
  const stopLeases: (() => void)[] = [];
  /** Writes of this worker now waiting for the lake's disk to have room (see waitingForSpace). */
  let writesWaitingForSpace = 0;
  // While a write waits for space, the hold is not counted: the batches are renewed for as long as the
  // disk stays full, so they are neither handed to another worker nor spend a receive.
  const leases = new BatchLeases(
    queue,
    BATCHES_QUEUE,
    { leaseMs, maxHoldMs, holdPaused: () => writesWaitingForSpace > 0 },
    logger,
    (n) => metrics.batchLeasesLost.inc(n),
  );
  // A flush's uploads, and its files in the scratch folder, wait while the disk is full rather than
  // spend its batches' receives.
  const waitOptions = {
    signal: stopping.signal,
    logger,
    onWaited: () => metrics.diskFullWaits.inc(),
    onWaiting: (delta: 1 | -1) => {
      writesWaitingForSpace += delta;
    },
  };
  const flushStore = waitingForSpace(store, waitOptions);
  const whileScratchFull = <T>(attempt: () => Promise<T>): Promise<T> =>
    // An attempt is also run again when an upload inside its transaction met the lake's full disk: the
    // transaction has rolled back, so nothing is held while it waits.
    retryWhileDiskFull(
      "a flush's files",
      attempt,
      (err) => isScratchFull(err) || isDiskFull(err),
      waitOptions,
    );

  if (ownsTmp) {
    const removed = await removeOrphanedScratch();
    if (removed > 0) logger?.info({ removed }, "removed scratch directories of workers that no longer run");
  }
  await mkdir(tmpDir, { recursive: true });
  const instance = await DuckDBInstance.create(
    ":memory:",
    cfg.duckdbThreads ? { threads: String(cfg.duckdbThreads) } : {},
  );
  const connect = async (): Promise<DuckDBConnection> => {
    const c = await instance.connect();
    await prepareConnection(c);
    return c;
  };
  const connections: DuckDBConnection[] = [];

  async function flush(duck: DuckDBConnection, group: ReceivedMessage[]): Promise<void> {
    const started = performance.now();
    metrics.inFlightFlushes.inc();
    try {
      const out = await processBatches(
        // An upload inside the catalog transaction fails rather than waits: the transaction holds locks.
        {
          catalog,
          store: flushStore,
          storeInTransaction: store,
          whileScratchFull,
          queue: leases.queue,
          duck,
          tmpDir,
          logger,
          dedupe,
        },
        group,
      );
      if (out.retried > 0) catalogSuspect = true;
      // A new snapshot of an input may make analytics tables due: look now rather than at the next interval.
      if (out.filesWritten > 0) refreshes.wake();
      metrics.flushes.inc();
      metrics.batchesCommitted.inc(out.committed);
      metrics.batchesAlreadyDone.inc(out.alreadyDone);
      metrics.batchesRetried.inc(out.retried);
      metrics.eventsAccepted.inc(out.accepted);
      metrics.eventsRejected.inc(out.rejected);
      metrics.eventsDuplicate.inc(out.duplicates);
      metrics.filesWritten.inc(out.filesWritten);
      for (const f of out.freshnessMs) metrics.freshnessSeconds.observe(f / 1000);
      logger.debug(
        { ...out, freshnessMs: undefined, durationMs: Math.round(performance.now() - started) },
        "flushed",
      );
    } catch (err) {
      // Only catalog reads before any work can fail here; the messages come back after a short delay.
      metrics.flushErrors.inc();
      catalogSuspect = true;
      logger.error(
        { err: errorMessage(err), messages: group.length },
        "flush failed; handing its messages back",
      );
      await Promise.all(
        group.map((m) =>
          leases.queue
            .nack(BATCHES_QUEUE, m, { delayMs: 1000, error: errorMessage(err) })
            .catch(() => undefined),
        ),
      );
    } finally {
      // Every message is acked or nacked by now; one that is not comes back after its lease.
      leases.release(group);
      metrics.inFlightFlushes.dec();
      metrics.flushDurationSeconds.observe((performance.now() - started) / 1000);
    }
  }

  // After a failure the catalog may be unreachable (a restart, a failover). Receiving then would only
  // spend each message's receives on nacks and turn good batches into dead letters, so the flush loops
  // wait until the database answers again.
  let catalogSuspect = false;
  let catalogProbe: Promise<void> | undefined;
  function waitForCatalog(): Promise<void> {
    if (!catalogSuspect) return Promise.resolve();
    catalogProbe ??= (async () => {
      let delayMs = 250;
      let warned = false;
      while (!stopping.signal.aborted) {
        try {
          await catalog.ping();
          if (warned) logger.info("catalog database reachable again; receiving batches");
          catalogSuspect = false;
          return;
        } catch (err) {
          if (!warned) {
            logger.warn({ err: errorMessage(err) }, "catalog database unreachable; not receiving batches");
            warned = true;
          }
          await sleep(delayMs, stopping.signal);
          delayMs = Math.min(delayMs * 2, 5000);
        }
      }
    })().finally(() => {
      catalogProbe = undefined;
    });
    return catalogProbe;
  }

  async function flushLoop(slot: number): Promise<void> {
    const duck = await connect();
    connections.push(duck);
    while (!stopping.signal.aborted) {
      await waitForCatalog();
      // While a flush waits for the lake's disk, no new group is started: its batches would only wait
      // too, and their receives are better left to a worker whose disk has room.
      while (writesWaitingForSpace > 0 && !stopping.signal.aborted) await sleep(250, stopping.signal);
      if (stopping.signal.aborted) break;
      const group: ReceivedMessage[] = [];
      let bytes = 0;
      let firstAt = 0;
      try {
        while (group.length < maxBatches && bytes < flushBytes) {
          const left = flushIntervalMs - (Date.now() - firstAt);
          if (firstAt !== 0 && left <= 0) break;
          // Waiting for a group's first batch, up to the interval; for the next, up to the linger.
          const waitMs = firstAt === 0 ? flushIntervalMs : Math.min(flushLingerMs, left);
          if (stopping.signal.aborted || catalogSuspect) break;
          if (firstAt === 0 && writesWaitingForSpace > 0) break;
          // A few at a time: the byte budget is only known after receiving, and one large receive
          // from a backlog would make a flush of hundreds of megabytes (memory, freshness).
          const got = await queue.receive(BATCHES_QUEUE, {
            max: Math.min(RECEIVE_CHUNK, maxBatches - group.length),
            visibilityTimeoutMs: leaseMs,
            waitMs: Math.max(1, waitMs),
          });
          leases.hold(got);
          if (got.length === 0) {
            if (firstAt === 0) continue;
            break;
          }
          if (firstAt === 0) firstAt = Date.now();
          group.push(...got);
          const ids = got
            .map((m) => (typeof m.body.batchId === "string" ? m.body.batchId : ""))
            .filter(Boolean);
          for (const s of (await catalog.batchStates(ids)).values()) bytes += s.bytes;
        }
      } catch (err) {
        logger.error({ err: errorMessage(err), slot }, "receiving batches failed; retrying");
        catalogSuspect = true;
        if (group.length === 0) await sleep(1000, stopping.signal);
      }
      // Buffered messages are flushed even when stopping: finishing is cheaper than a redelivery.
      if (group.length > 0) await flush(duck, group);
    }
  }

  async function drainDead(): Promise<void> {
    for (;;) {
      const dead = await queue.takeDead(BATCHES_QUEUE, 100);
      if (dead.length === 0) break;
      metrics.poisonBatches.inc(await recordPoisonBatches({ catalog, store, logger }, dead));
    }
    const deadFiles = await queue.takeDead(LANDING_EVENTS_QUEUE, 100);
    await catalog.recordDeadLetters(
      deadFiles.map((d) => ({
        sourceId: undefined,
        batchId: undefined,
        eventId: undefined,
        reasonCode: "POISON_FILE",
        reason: d.lastError ?? `landing file failed ${d.receiveCount} times`,
        path: undefined,
        payload: JSON.stringify(d.body),
        attempts: d.receiveCount,
      })),
    );
  }

  async function periodic(name: string, everyMs: number, fn: () => Promise<void>): Promise<void> {
    while (!stopping.signal.aborted) {
      await sleep(everyMs, stopping.signal);
      if (stopping.signal.aborted) break;
      try {
        await fn();
      } catch (err) {
        logger.error({ err: errorMessage(err) }, `${name} failed`);
      }
    }
  }

  /** Runs fn on each table of the zones that no other worker is maintaining right now. */
  async function maintainTables(
    fn: (table: string) => Promise<void>,
    zones: readonly string[] = ["curated"],
  ): Promise<void> {
    const names = (await Promise.all(zones.map((z) => catalog.tableNames(z)))).flat();
    for (const name of names) {
      if (stopping.signal.aborted) return;
      // One maintainer (compaction or vacuum) per table across all workers; the others skip it this round.
      const lease = await catalog.tryLease(`inlet.maintain:${name}`);
      if (!lease) continue;
      try {
        await fn(name);
      } finally {
        await lease.release();
      }
    }
  }

  function compactAll(): Promise<void> {
    return maintainTables(async (name) => {
      // On a DuckDB instance of compaction's own (its memory limit and threads), closed after each table.
      const r = await compactTable({ catalog, store, tmpDir, logger }, name, cfg.compaction);
      metrics.compactions.inc(r.filesAdded);
      metrics.filesCompacted.inc(r.filesRemoved);
    });
  }

  async function vacuumAll(): Promise<void> {
    await maintainTables(
      async (name) => {
        const r = await vacuumTable({ catalog, store, logger }, name, { retentionMs: cfg.fileRetentionMs });
        metrics.filesVacuumed.inc(r.expiredFiles + r.orphanFiles);
        metrics.bytesVacuumed.inc(r.bytesFreed);
      },
      ["curated", "analytics"],
    );
    if (stopping.signal.aborted) return;
    // Records of judged events a crash or a failed delete left beside committed batches' raw objects.
    const lease = await catalog.tryLease("inlet.maintain:judged-records");
    if (!lease) return;
    try {
      await sweepJudgedRecords({ catalog, store, logger }, { graceMs: cfg.fileRetentionMs });
    } finally {
      await lease.release();
    }
  }

  async function retainAll(): Promise<void> {
    // One worker applies retention at a time; the others skip this round.
    const lease = await catalog.tryLease("inlet.retention");
    if (!lease) return;
    try {
      // The PostgreSQL dedupe index's days: upcoming ones created, those past every window dropped whole.
      const days = await catalog.maintainDedupeIndex();
      if (days.created.length + days.dropped.length > 0)
        logger.info(days, "dedupe index partitions maintained");
      await syncRawArchiveRules({ catalog, store, logger });
      const r = await applyRetention(
        { catalog, store, logger },
        {
          shouldStop: () => stopping.signal.aborted,
          ...(deps.onRetention ? { onApplied: deps.onRetention } : {}),
        },
      );
      metrics.retentionFiles.inc(r.tables.reduce((n, t) => n + t.files, 0));
      metrics.rawBatchesExpired.inc(r.rawBatches);
    } finally {
      await lease.release();
    }
  }

  /** Wakes the refresh loop before its interval is over; a wake while it works makes it look again after. */
  const refreshes = (() => {
    let pending = false;
    let wakeNow: (() => void) | undefined;
    return {
      wake() {
        pending = true;
        wakeNow?.();
      },
      wait(ms: number): Promise<void> {
        if (pending || stopping.signal.aborted) {
          pending = false;
          return Promise.resolve();
        }
        return new Promise((resolve) => {
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            stopping.signal.removeEventListener("abort", done);
            wakeNow = undefined;
            pending = false;
            resolve();
          }
          wakeNow = done;
          stopping.signal.addEventListener("abort", done, { once: true });
        });
      },
    };
  })();

  async function refreshLoop(refreshDeps: AnalyticsRefreshDeps): Promise<void> {
    while (!stopping.signal.aborted) {
      await refreshes.wait(refreshMs);
      if (stopping.signal.aborted) break;
      try {
        const outcomes = await refreshDueAnalyticsTables(refreshDeps, {
          retryFailedAfterMs: cfg.analyticsRetryFailedAfterMs,
          signal: stopping.signal,
        });
        metrics.analyticsRefreshes.inc(outcomes.filter((o) => o.status === "refreshed").length);
        metrics.analyticsRefreshFailures.inc(outcomes.filter((o) => o.status === "failed").length);
      } catch (err) {
        logger.error({ err: errorMessage(err) }, "analytics refresh failed");
        await sleep(1000, stopping.signal);
      }
    }
  }

  /** Replay jobs this process is running, by id: each under the job's lease, so once among all workers. */
  const replaying = new Map<string, Promise<void>>();
  async function startReplays(): Promise<void> {
    if (replaying.size >= replayConcurrency) return;
    for (const jobId of await catalog.runnableReplayJobs(replayConcurrency * 4)) {
      if (replaying.size >= replayConcurrency || stopping.signal.aborted) break;
      if (replaying.has(jobId)) continue;
      const run = runReplayJob(
        { catalog, store, queue, logger, limits: cfg.ingestLimits, priority: cfg.replayPriority },
        jobId,
        {
          signal: stopping.signal,
        },
      )
        .then((result) => {
          if (result !== "busy") logger.debug({ jobId, result }, "replay run ended");
        })
        .catch((err: unknown) => logger.error({ err: errorMessage(err), jobId }, "replay run failed"))
        .finally(() => replaying.delete(jobId));
      replaying.set(jobId, run);
    }
  }

  const tasks: Promise<void>[] = [];
  for (let i = 0; i < concurrency; i++) tasks.push(flushLoop(i));
  if (replayPollMs > 0) {
    tasks.push(
      (async () => {
        await periodic("replay jobs", replayPollMs, startReplays);
        // Stopping: the runs finish their chunk in progress and leave their jobs for the next worker.
        await Promise.allSettled(replaying.values());
      })(),
    );
  }
  if (replayPollMs > 0) {
    // Reprocess jobs run one at a time per worker, on a DuckDB connection of their own, each under
    // the job's lease (so once among all workers); a stopped run is taken over by the next poll.
    const duck = await connect();
    connections.push(duck);
    tasks.push(
      periodic("reprocess jobs", replayPollMs, async () => {
        for (const jobId of await catalog.runnableReprocessJobs(4)) {
          if (stopping.signal.aborted) break;
          const result = await runReprocessJob({ catalog, store, duck, tmpDir, logger, dedupe }, jobId, {
            signal: stopping.signal,
          });
          if (result !== "busy") logger.debug({ jobId, result }, "reprocess run ended");
        }
      }),
    );
  }
  tasks.push(periodic("dead-letter drain", deadDrainMs, drainDead));
  if (strandedSweepMs > 0) {
    // takeDead removes dead messages before recordPoisonBatches writes their dead letters: a crash or
    // failed transaction in between would strand the batch; this sweep hands such batches back.
    tasks.push(
      periodic("stranded batch sweep", strandedSweepMs, async () => {
        await requeueStrandedBatches({ catalog, queue, logger }, { olderThanMs: strandedAfterMs });
      }),
    );
  }
  if (compactMs > 0) tasks.push(periodic("compaction", compactMs, compactAll));
  if (vacuumMs > 0) tasks.push(periodic("vacuum", vacuumMs, vacuumAll));
  if (retentionMs > 0) tasks.push(periodic("retention", retentionMs, retainAll));
  // Refreshes run the analytics definitions on an engine of their own, never on a flush's connection.
  const refreshEngine =
    refreshMs > 0
      ? createDuckDbEngine({
          store,
          scratchDir: tmpDir,
          policyHashKey: deps.policyHashKey,
          ...(cfg.duckdbThreads ? { threads: cfg.duckdbThreads } : {}),
        })
      : undefined;
  if (refreshEngine) {
    tasks.push(
      refreshLoop({
        catalog,
        store,
        engine: refreshEngine,
        history: deps.queryHistory,
        tmpDir,
        logger,
        timeoutMs: cfg.analyticsRefreshTimeoutMs,
        policies: deps.policies,
        rolesOf: deps.rolesOf,
      }),
    );
  }
  if (landingMode !== "off") {
    const duck = await connect();
    connections.push(duck);
    // Landing-events messages are held under the batches' short lease, renewed while their file is
    // handled, so a dead worker's file goes to another within seconds; a large file may be renewed for
    // longer than a flush (at least the 5 minutes its message was once simply hidden for).
    const landingLeases = new BatchLeases(
      queue,
      LANDING_EVENTS_QUEUE,
      { leaseMs, maxHoldMs: Math.max(maxHoldMs, LANDING_MIN_HOLD_MS), what: "landing file" },
      logger,
    );
    stopLeases.push(() => landingLeases.stop());
    const landingDeps = {
      catalog,
      store,
      queue: landingLeases.queue,
      duck,
      tmpDir,
      logger,
      admission: deps.landingAdmission,
    };
    const countIngested = (results: { status: string }[]) => {
      metrics.landingFiles.inc(results.filter((r) => r.status === "ingested").length);
      metrics.landingFilesRejected.inc(results.filter((r) => r.status === "rejected").length);
    };
    if (landingMode === "poll") {
      tasks.push(
        periodic("landing scan", landingPollMs, async () =>
          countIngested(await scanLandingZone(landingDeps, { shouldStop: () => stopping.signal.aborted })),
        ),
      );
    } else {
      tasks.push(
        (async () => {
          while (!stopping.signal.aborted) {
            try {
              countIngested(
                await consumeLandingEvents(landingDeps, {
                  waitMs: 1000,
                  visibilityTimeoutMs: leaseMs,
                  leases: landingLeases,
                }),
              );
            } catch (err) {
              logger.error({ err: errorMessage(err) }, "landing events failed");
              await sleep(1000, stopping.signal);
            }
          }
        })(),
      );
    }
  }
  logger.info(
    {
      concurrency,
      leaseMs,
      maxHoldMs,
      flushIntervalMs,
      flushLingerMs,
      flushBytes,
      maxBatches,
      landing: landingMode,
      compactMs,
      vacuumMs,
      retentionMs,
      analyticsRefreshMs: refreshMs,
    },
    "worker started",
  );

  const settled = Promise.allSettled(tasks);
  let stopped: Promise<void> | undefined;
  return {
    metrics,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await settled;
        leases.stop();
        for (const stopLease of stopLeases) stopLease();
        await refreshEngine?.close();
        for (const c of connections) c.closeSync();
        instance.closeSync();
        if (ownsTmp) await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
        logger.info("worker stopped");
      })();
      return stopped;
    },
  };
}
