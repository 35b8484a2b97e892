// Runs a replay job: holding the job's lease, it sends the job's letters a chunk at a time as replay
// batches through the normal accept path, at the job's rate, and ends the job once every letter has an
// outcome. Everything it does is recorded before it is done, so a job whose process died goes on
// from its cursor in whichever process takes the lease next, and never sends a letter twice.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { errorMessage, InletError } from "../errors";
import { type AcceptBatchDeps, acceptBatch } from "../ingest/accept-batch";
import { type IngestLimits, resolveIngestLimits } from "../ingest/ingest-body";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { ReplayItemToSend, ReplayJobStatus } from "../ports/replay-catalog";
import { REPLAY_ORIGIN } from "../process/replay-outcomes";
import { letterEvents, type ReplayFormat, replayBody } from "./replay-letters";
import { ReplayPace, type ReplayPaceOptions, type ReplayPriority } from "./replay-pace";

export interface ReplayRunnerDeps extends AcceptBatchDeps {
  /** The ingest limits a replay batch keeps to (events per batch, bytes per event and per batch). */
  limits?: Partial<IngestLimits> | undefined;
  logger?: Logger | undefined;
  /**
   * "live" (default): the job lowers its rate while live batches wait in the batches queue and returns
   * to its configured rate once they do not (see replay-pace.ts); "rate": the configured rate always.
   */
  priority?: ReplayPriority | undefined;
  /** The bounds of the "live" priority's back-off. */
  pace?: ReplayPaceOptions | undefined;
}

export interface ReplayRunOptions {
  /** Stops the run between chunks (the job stays running for the next process to go on with). */
  signal?: AbortSignal | undefined;
  /** How often to look again while the last replay batches are processed (default 250 ms). */
  pollMs?: number | undefined;
  /**
   * Return "waiting" once everything is sent rather than polling until the worker has committed it
   * (a test driving the worker itself).
   */
  returnWhenSent?: boolean | undefined;
  /** Called after a chunk is recorded as sent, before its batch is accepted (tests crash here). */
  beforeAccept?: ((batchId: string) => Promise<void> | void) | undefined;
}

export type ReplayRunResult =
  | "busy"
  | "missing"
  | "succeeded"
  | "failed"
  | "paused"
  | "cancelled"
  | "stopped"
  | "waiting";

/** A UUID-shaped (version 8) batch id from the job and the chunk's first item: the same on a retry. */
export function replayBatchId(jobId: string, firstSeq: number): string {
  const hex = createHash("sha256").update(`replay\n${jobId}\n${firstSeq}`).digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Events per replay batch at a rate: a second's worth, within the ingest limit. Each chunk costs a
 * fixed round of catalog writes, a raw object and a queue message in the runner, and a commit of its
 * own in the worker (under the table's lock, which live batches wait for too): at a tenth of a
 * second's worth, 5,000 events/s made ten of those a second, and the runner reached about 1,000.
 */
export function chunkEvents(ratePerSecond: number, maxEventsPerBatch: number): number {
  return Math.max(1, Math.min(maxEventsPerBatch, Math.ceil(ratePerSecond)));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Letters of one source and one format, ready to be one replay batch. */
interface Chunk {
  source: { id: string; slug: string };
  format: ReplayFormat;
  items: { seq: number; letterId: string; events: string[]; assignedIds: string[] }[];
  events: number;
  bytes: number;
  /** Letters met on the way that cannot be sent: settled with the chunk's record, in its transaction. */
  settled: Settlement[];
}

type Settlement = { seq: number; state: "skipped" | "failed"; reason: string; reasonCode?: string };

/**
 * Runs the job until it ends, is paused or cancelled, or `signal` stops it; "busy" when another
 * process holds its lease. An error that is not the store, catalog or queue being briefly away ends
 * the job as failed, with the error.
 */
export async function runReplayJob(
  deps: ReplayRunnerDeps,
  jobId: string,
  opts: ReplayRunOptions = {},
): Promise<ReplayRunResult> {
  const lease = await deps.catalog.tryLease(`inlet.replay:${jobId}`);
  if (!lease) return "busy";
  try {
    return await new JobRun(deps, jobId, opts).run();
  } catch (err) {
    if (opts.signal?.aborted) return "stopped";
    if (transient(err)) {
      // The job stays as it is, its cursor saved: the next run (next poll, any worker) goes on.
      deps.logger?.warn(
        { err: errorMessage(err), jobId },
        "replay job interrupted; it goes on at the next run",
      );
      return "stopped";
    }
    deps.logger?.error({ err: errorMessage(err), jobId }, "replay job failed");
    await deps.catalog
      .finishReplayJob(jobId, "failed", `the job stopped: ${errorMessage(err)}`)
      .catch((e: unknown) =>
        deps.logger?.error({ err: errorMessage(e), jobId }, "could not mark job failed"),
      );
    return "failed";
  } finally {
    await lease.release();
  }
}

/**
 * A part briefly away (the store, catalog or queue not taking a batch; the database's connection
 * lost or the server restarting) rather than something about the job.
 */
function transient(err: unknown): boolean {
  if (err instanceof InletError) return err.code === "UNAVAILABLE";
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== "string") return false;
  // PostgreSQL: connection exceptions (08…), operator intervention (57P…); Node: network errors.
  return /^(08|57P)/.test(code) || ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(code);
}

class JobRun {
  private readonly limits: IngestLimits;
  private nextAt = 0;
  private pace: ReplayPace | undefined;
  /** The sending rate last recorded on the job (null: its configured rate; undefined: none yet). */
  private recordedRate: number | null | undefined;

  constructor(
    private readonly deps: ReplayRunnerDeps,
    private readonly jobId: string,
    private readonly opts: ReplayRunOptions,
  ) {
    this.limits = resolveIngestLimits(deps.limits);
  }

  async run(): Promise<ReplayRunResult> {
    const { catalog } = this.deps;
    const started = await catalog.startReplayJob(this.jobId);
    if (started === undefined) return "missing";
    if (started === "succeeded" || started === "failed") return started;
    for (;;) {
      const job = await catalog.replayJobState(this.jobId);
      if (!job) return "missing";
      if (job.status === "succeeded" || job.status === "failed") return job.status;
      const waiting = await this.settleOutstanding(job.status);
      if (job.status === "cancelled" || job.status === "paused") return job.status;
      if (this.opts.signal?.aborted) return "stopped";

      const rate = await this.paceRate(job.ratePerSecond, waiting);
      const next = await this.nextChunk(job.cursor, rate);
      if (next === "paused") return "paused";
      if (next === "again") continue;
      if (next === undefined) {
        if (waiting === 0) {
          await catalog.finishReplayJob(this.jobId, "succeeded");
          this.deps.logger?.info({ jobId: this.jobId }, "replay job finished");
          return "succeeded";
        }
        if (this.opts.returnWhenSent) return "waiting";
        await sleep(this.opts.pollMs ?? 250, this.opts.signal);
        continue;
      }
      // The job's pace: a chunk waits until the events before it have had their share of time.
      const now = Date.now();
      if (this.nextAt > now) await sleep(this.nextAt - now, this.opts.signal);
      if (this.opts.signal?.aborted) return "stopped";
      this.nextAt = Math.max(this.nextAt, Date.now()) + (next.events / rate) * 1000;
      await this.send(next);
    }
  }

  /**
   * The rate of the next chunk: the job's own, or with live priority, lower while live batches wait.
   * `ownWaiting` (this job's batches not yet committed) is left out of the queue's depth. When the
   * queue cannot say how deep it is, the rate stays as it was.
   */
  private async paceRate(configured: number, ownWaiting: number): Promise<number> {
    const priority = this.deps.priority ?? "live";
    if (priority === "rate") return configured;
    this.pace ??= new ReplayPace(configured, priority, this.deps.pace);
    this.pace.configure(configured);
    let stats: { depth: number; oldestAgeMs: number };
    try {
      stats = await this.deps.queue.stats(BATCHES_QUEUE);
    } catch (err) {
      this.deps.logger?.debug({ err: errorMessage(err), jobId: this.jobId }, "queue depth unknown");
      return this.pace.rate;
    }
    const wasBackedOff = this.pace.backedOff;
    const { depth } = stats;
    const rate = this.pace.observe({
      liveWaiting: Math.max(0, depth - ownWaiting),
      oldestAgeMs: stats.oldestAgeMs,
    });
    await this.recordSendingRate(this.pace.backedOff ? Math.round(rate) : null);
    if (this.pace.backedOff !== wasBackedOff) {
      this.deps.logger?.info(
        { jobId: this.jobId, rate: Math.round(rate), configured, depth },
        this.pace.backedOff
          ? "replay backing off: live batches are waiting"
          : "replay back at its configured rate",
      );
    }
    return rate;
  }

  /**
   * Records on the job the rate it sends at while it gives way to live ingest (null: its own), for
   * the console to say why it goes slower than asked; written only when it changes. A failed write is
   * only logged: the job goes on at the rate it chose.
   */
  private async recordSendingRate(rate: number | null): Promise<void> {
    if (rate === this.recordedRate) return;
    try {
      await this.deps.catalog.setReplaySendingRate(this.jobId, rate);
      this.recordedRate = rate;
    } catch (err) {
      this.deps.logger?.debug({ err: errorMessage(err), jobId: this.jobId }, "sending rate not recorded");
    }
  }

  /**
   * Settles the batches of earlier chunks that have no outcome yet: one the queue gave up on fails its
   * letters, one never accepted (the process stopped in between) is sent again under its id (or its
   * letters skipped, once the job is cancelled). Returns how many batches are still being processed.
   */
  private async settleOutstanding(status: ReplayJobStatus): Promise<number> {
    const { catalog } = this.deps;
    let waiting = 0;
    for (const b of await catalog.outstandingReplayBatches(this.jobId)) {
      if (b.status === "received") {
        waiting += 1;
        continue;
      }
      if (b.status === undefined && status !== "cancelled") {
        await this.resend(b.batchId);
        waiting += 1;
        continue;
      }
      const items = await catalog.replayBatchItems(this.jobId, b.batchId);
      const reason =
        b.status === "failed"
          ? `replay batch ${b.batchId} could not be processed: see its POISON_BATCH dead letter`
          : b.status === "committed"
            ? `replay batch ${b.batchId} was committed without this letter's outcome`
            : "the job was cancelled before this letter was sent";
      await catalog.settleReplayItems(
        this.jobId,
        items.map((i) => ({
          seq: i.seq,
          state: b.status === "failed" ? "failed" : "skipped",
          reason,
          ...(b.status === "failed" ? { reasonCode: "POISON_BATCH" } : {}),
        })),
        b.batchId,
      );
    }
    return waiting;
  }

  /**
   * The next chunk: the queued letters after the cursor that share the first one's source and format,
   * within the rate's share and the ingest limits. Letters that cannot be sent are settled on the way
   * ("again": look once more); a paused source pauses the job, saying so.
   */
  private async nextChunk(cursor: number, rate: number): Promise<Chunk | "again" | "paused" | undefined> {
    const maxEvents = chunkEvents(rate, this.limits.maxEventsPerBatch);
    const items = await this.deps.catalog.nextReplayItems(this.jobId, cursor, maxEvents);
    if (items.length === 0) return undefined;
    const settled: Settlement[] = [];
    let chunk: Chunk | undefined;
    let paused: ReplayItemToSend | undefined;
    for (const item of items) {
      if (item.sourceId === null || item.source === null) {
        settled.push({ seq: item.seq, state: "skipped", reason: "the letter's source was deleted" });
        continue;
      }
      if (item.sourceStatus === "paused") {
        paused = item;
        break;
      }
      const read = letterEvents(
        {
          id: item.letterId,
          batchId: item.batchId,
          batchRawKey: item.batchRawKey,
          eventId: item.eventId,
          payload: item.payload,
        },
        this.limits,
      );
      if (!read.ok) {
        settled.push({
          seq: item.seq,
          state: "failed",
          reason: read.reason,
          reasonCode: "UNSENDABLE_PAYLOAD",
        });
        continue;
      }
      if (!chunk) {
        chunk = {
          source: { id: item.sourceId, slug: item.source },
          format: read.format,
          items: [],
          events: 0,
          bytes: 2,
          settled,
        };
      } else if (
        chunk.source.id !== item.sourceId ||
        chunk.format !== read.format ||
        chunk.events + read.events.length > maxEvents ||
        chunk.bytes + read.bytes > this.limits.maxBodyBytes
      ) {
        break;
      }
      chunk.items.push({
        seq: item.seq,
        letterId: item.letterId,
        events: read.events,
        assignedIds: read.assignedIds,
      });
      chunk.events += read.events.length;
      chunk.bytes += read.bytes;
    }
    // With a chunk, the letters settled on the way are recorded with it: settled alone first, they would
    // move the job's cursor past the chunk's earlier letters before those are in a batch.
    if (chunk) return chunk;
    if (settled.length > 0) await this.deps.catalog.settleReplayItems(this.jobId, settled);
    if (paused) {
      await this.deps.catalog.pauseReplayJob(
        this.jobId,
        `source '${paused.source}' was paused, so it stores nothing: resume the source, then this job`,
      );
      this.deps.logger?.warn(
        { jobId: this.jobId, source: paused.source },
        "replay job paused: source paused",
      );
      return "paused";
    }
    return "again";
  }

  /** Records the chunk as sent in its batch (the worker's manifest), then accepts the batch. */
  private async send(chunk: Chunk): Promise<void> {
    const batchId = replayBatchId(this.jobId, chunk.items[0]!.seq);
    let firstIndex = 0;
    const items = chunk.items.map((i) => {
      const placed = {
        seq: i.seq,
        letterId: i.letterId,
        firstIndex,
        eventCount: i.events.length,
        assignedIds: i.assignedIds,
      };
      firstIndex += i.events.length;
      return placed;
    });
    const recorded = await this.deps.catalog.assignReplayBatch({
      jobId: this.jobId,
      batchId,
      items,
      events: chunk.events,
      settled: chunk.settled,
    });
    // Cancelled since its letters were read: nothing is sent, and the next look at the job ends the run.
    if (!recorded) return;
    await this.opts.beforeAccept?.(batchId);
    await this.accept(
      chunk.source,
      batchId,
      chunk.format,
      chunk.items.flatMap((i) => i.events),
      items,
    );
  }

  /** A chunk recorded as sent whose batch was never accepted: rebuilt from the same letters, same id. */
  private async resend(batchId: string): Promise<void> {
    const items = await this.deps.catalog.replayBatchItems(this.jobId, batchId);
    const first = items[0];
    if (!first) {
      // Its letters are gone (their source purged with them): nothing is left to send or wait for.
      await this.deps.catalog.settleReplayItems(this.jobId, [], batchId);
      return;
    }
    if (first.sourceId === null || first.source === null) {
      await this.deps.catalog.settleReplayItems(
        this.jobId,
        items.map((i) => ({ seq: i.seq, state: "skipped", reason: "the letter's source was deleted" })),
        batchId,
      );
      return;
    }
    const events: string[] = [];
    let format: ReplayFormat | undefined;
    for (const item of items) {
      const read = letterEvents(
        {
          id: item.letterId,
          batchId: item.batchId,
          batchRawKey: item.batchRawKey,
          eventId: item.eventId,
          payload: item.payload,
        },
        this.limits,
      );
      if (!read.ok) {
        throw new Error(
          `letter ${item.letterId} of replay batch ${batchId} cannot be rebuilt: ${read.reason}`,
        );
      }
      format ??= read.format;
      events.push(...read.events);
    }
    this.deps.logger?.info({ jobId: this.jobId, batchId }, "sending a replay batch again after a restart");
    await this.accept({ id: first.sourceId, slug: first.source }, batchId, format ?? "ndjson", events, items);
  }

  /**
   * Accepts the batch under its id (a retry finds what an earlier attempt registered), trying again
   * while a part is briefly away; a source deleted meanwhile skips the batch's letters.
   */
  private async accept(
    source: { id: string; slug: string },
    batchId: string,
    format: ReplayFormat,
    events: string[],
    items: { seq: number }[],
  ): Promise<void> {
    const body = replayBody(format, events);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await acceptBatch(this.deps, {
          source,
          body,
          format,
          eventCount: events.length,
          receivedAt: new Date(),
          origin: REPLAY_ORIGIN,
          batchId,
        });
        return;
      } catch (err) {
        if (err instanceof InletError && err.code === "NOT_FOUND") {
          await this.deps.catalog.settleReplayItems(
            this.jobId,
            items.map((i) => ({ seq: i.seq, state: "skipped", reason: "the letter's source was deleted" })),
            batchId,
          );
          return;
        }
        const transient = err instanceof InletError && err.code === "UNAVAILABLE";
        if (!transient || attempt >= 4 || this.opts.signal?.aborted) throw err;
        this.deps.logger?.warn(
          { err: errorMessage(err), jobId: this.jobId, batchId },
          "replay batch not taken; retrying",
        );
        await sleep(250 * 2 ** attempt, this.opts.signal);
      }
    }
  }
}
