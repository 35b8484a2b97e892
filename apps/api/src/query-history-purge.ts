// Query history is kept INLET_QUERY_HISTORY_DAYS (90 by default): the API deletes older runs every
// hour, and marks a run still "running" long past the time limit as failed (its process ended).
import type { Logger } from "pino";
import type { QueryHistoryStore } from "./services/query-history";

const DAY_MS = 86_400_000;
/** Past the time limit by this much, a "running" run has no process left to end it. */
const STALE_GRACE_MS = 5 * 60_000;

export interface QueryHistoryPurgeOptions {
  days: number;
  timeoutMs: number;
  intervalMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/** One purge: runs older than the kept days deleted, abandoned running runs failed. */
export async function purgeQueryHistory(store: QueryHistoryStore, opts: QueryHistoryPurgeOptions) {
  const now = (opts.now?.() ?? new Date()).getTime();
  return store.purge(new Date(now - opts.days * DAY_MS), new Date(now - opts.timeoutMs - STALE_GRACE_MS));
}

/** Purges now and then every interval (an hour); the returned function stops it. */
export function startQueryHistoryPurge(store: QueryHistoryStore, opts: QueryHistoryPurgeOptions): () => void {
  const round = () =>
    purgeQueryHistory(store, opts)
      .then((r) => {
        if (r.deleted > 0 || r.abandoned > 0) opts.logger?.info(r, "query history purged");
      })
      .catch((err: unknown) => opts.logger?.warn({ err }, "query history purge failed"));
  void round();
  const timer = setInterval(round, opts.intervalMs ?? 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
