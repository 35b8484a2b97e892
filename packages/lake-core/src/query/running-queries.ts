// The queries running in this process: how many each person has (bounded), and each run's abort
// handle, so its owner or an admin can cancel it, even just before it starts.
import { InletError } from "../errors";

/** Why a run was aborted by a person: the engine is interrupted with this as the signal's reason. */
export class QueryCancelled extends Error {
  constructor(readonly byUserId: string) {
    super("The query was cancelled");
    this.name = "QueryCancelled";
  }
}

/** Who asks to cancel: `any` (admins) may cancel anyone's run. */
export interface Canceller {
  userId: string;
  any: boolean;
}

interface Running {
  userId: string;
  controller: AbortController;
}

/** A cancel that arrived before its run started (the caller chose the run's id) is kept this long. */
const EARLY_CANCEL_MS = 60_000;
const MAX_EARLY_CANCELS = 10_000;

export class RunningQueries {
  private readonly perUser = new Map<string, number>();
  private readonly runs = new Map<string, Running>();
  private readonly early = new Map<string, { by: Canceller; until: number }>();

  constructor(private readonly maxPerUser: number) {}

  /** Takes one of the person's run slots, or refuses; the returned function gives it back. */
  acquire(userId: string): () => void {
    const held = this.perUser.get(userId) ?? 0;
    if (held >= this.maxPerUser) {
      throw new InletError(
        "RATE_LIMITED",
        `You already have ${held} ${held === 1 ? "query" : "queries"} running, the most one person may run at once (${this.maxPerUser}); wait for one to finish or cancel it`,
        { limit: "concurrency", maxConcurrent: this.maxPerUser },
      );
    }
    this.perUser.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left <= 0) this.perUser.delete(userId);
      else this.perUser.set(userId, left);
    };
  }

  /** Registers a started run; aborts it at once if its cancel came first. Returns its unregistration. */
  register(runId: string, userId: string, controller: AbortController): () => void {
    this.runs.set(runId, { userId, controller });
    const early = this.early.get(runId);
    if (early) {
      this.early.delete(runId);
      if (early.until > Date.now() && (early.by.any || early.by.userId === userId)) {
        controller.abort(new QueryCancelled(early.by.userId));
      }
    }
    return () => {
      if (this.runs.get(runId)?.controller === controller) this.runs.delete(runId);
    };
  }

  /**
   * Cancels a running run the canceller may cancel ("cancelled"); a run of someone else's they may not
   * is "not_found"; an id not running here is remembered for a minute in case its run is about to
   * start ("pending").
   */
  cancel(runId: string, by: Canceller): "cancelled" | "not_found" | "pending" {
    const run = this.runs.get(runId);
    if (run) {
      if (!by.any && run.userId !== by.userId) return "not_found";
      run.controller.abort(new QueryCancelled(by.userId));
      return "cancelled";
    }
    const now = Date.now();
    for (const [id, e] of this.early) if (e.until <= now) this.early.delete(id);
    if (this.early.size >= MAX_EARLY_CANCELS) return "not_found";
    this.early.set(runId, { by, until: now + EARLY_CANCEL_MS });
    return "pending";
  }

  /** How many runs the person has going. */
  runningFor(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }
}
