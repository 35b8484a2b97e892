// The rate a replay job sends at. With priority "rate" it is the job's configured rate, whatever else
// runs. With priority "live" (the default) live ingest goes first, as redrive tools for dead-letter
// queues do: while live ingest falls behind (live batches wait in the batches queue beyond a small
// bound, and the oldest message has waited over 1.5 seconds, longer than a live batch does while the
// workers keep up) the replay halves its rate (down to a floor, so it still finishes), and otherwise it
// climbs back to the configured rate in steps (additive increase, multiplicative decrease). A live load
// the workers keep up with leaves the replay its whole rate.
import { z } from "zod";

export const replayPriority = z.enum(["live", "rate"]);
export type ReplayPriority = z.infer<typeof replayPriority>;

export interface ReplayPaceOptions {
  /** Live batches waiting (not yet taken by a worker) above which the replay backs off (default 4). */
  backlogBound?: number;
  /**
   * The age of the queue's oldest message (ms) above which waiting live batches mean live ingest is
   * falling behind (default 1,500; at 0.4 of the sustainable rate a batch is committed within about a
   * second of its 202):
   * below it the workers keep up, however many batches are queued.
   */
  ageBoundMs?: number;
  /** The lowest share of the configured rate a backed-off replay keeps (default 0.05). */
  floorShare?: number;
  /** The share of the configured rate added back per idle observation (default 0.2). */
  increaseShare?: number;
}

/** What the runner sees of live ingest before each chunk. */
export interface LiveLoad {
  /** Batches waiting in the batches queue that are not this job's own. */
  liveWaiting: number;
  /** Age of the queue's oldest undelivered or in-flight message, ms; unknown: taken as old. */
  oldestAgeMs?: number | undefined;
}

export class ReplayPace {
  private current: number;
  private readonly bound: number;
  private readonly ageBoundMs: number;
  private readonly floorShare: number;
  private readonly increaseShare: number;

  constructor(
    private configured: number,
    readonly priority: ReplayPriority,
    opts: ReplayPaceOptions = {},
  ) {
    this.current = configured;
    this.bound = opts.backlogBound ?? 4;
    this.ageBoundMs = opts.ageBoundMs ?? 1500;
    this.floorShare = opts.floorShare ?? 0.05;
    this.increaseShare = opts.increaseShare ?? 0.2;
  }

  /** The rate to send the next chunk at, events per second. */
  get rate(): number {
    return this.current;
  }

  /** True while the replay sends below its configured rate to let live ingest go first. */
  get backedOff(): boolean {
    return this.current < this.configured;
  }

  /** The job's rate changed (an operator edited it): a replay not backed off takes it at once. */
  configure(ratePerSecond: number): void {
    if (ratePerSecond === this.configured) return;
    const full = this.current >= this.configured;
    this.configured = ratePerSecond;
    this.current = this.priority === "rate" || full ? ratePerSecond : Math.min(this.current, ratePerSecond);
  }

  /** Takes one observation of live ingest and returns the rate for the next chunk. */
  observe(load: LiveLoad): number {
    if (this.priority === "rate") return this.current;
    const floor = Math.max(1, this.configured * this.floorShare);
    const behind = load.liveWaiting > this.bound && (load.oldestAgeMs ?? Infinity) > this.ageBoundMs;
    if (behind) {
      this.current = Math.max(floor, this.current / 2);
    } else {
      this.current = Math.min(this.configured, this.current + this.configured * this.increaseShare);
    }
    return this.current;
  }
}
