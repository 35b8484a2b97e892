// The rate a replay job sends at. With priority "rate" it is the job's configured rate, whatever else
// runs. With priority "live" (the default) live ingest goes first, as redrive tools for dead-letter
// queues do: while live batches wait in the batches queue beyond a small bound the replay halves its
// rate (down to a floor, so it still finishes), and while none wait it climbs back to the configured
// rate in steps (additive increase, multiplicative decrease).
import { z } from "zod";

export const replayPriority = z.enum(["live", "rate"]);
export type ReplayPriority = z.infer<typeof replayPriority>;

export interface ReplayPaceOptions {
  /** Live batches waiting (not yet taken by a worker) above which the replay backs off (default 4). */
  backlogBound?: number;
  /** The lowest share of the configured rate a backed-off replay keeps (default 0.05). */
  floorShare?: number;
  /** The share of the configured rate added back per idle observation (default 0.2). */
  increaseShare?: number;
}

/** What the runner sees of live ingest before each chunk. */
export interface LiveLoad {
  /** Batches waiting in the batches queue that are not this job's own. */
  liveWaiting: number;
}

export class ReplayPace {
  private current: number;
  private readonly bound: number;
  private readonly floorShare: number;
  private readonly increaseShare: number;

  constructor(
    private configured: number,
    readonly priority: ReplayPriority,
    opts: ReplayPaceOptions = {},
  ) {
    this.current = configured;
    this.bound = opts.backlogBound ?? 4;
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
    if (load.liveWaiting > this.bound) {
      this.current = Math.max(floor, this.current / 2);
    } else {
      this.current = Math.min(this.configured, this.current + this.configured * this.increaseShare);
    }
    return this.current;
  }
}
