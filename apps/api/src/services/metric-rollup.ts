// Downsampling and retention of metric_samples: raw samples (step 0) are averaged into 1-minute rows
// (step 60), and those into 10-minute rows (step 600, what the 24-hour view reads) and 1-hour rows
// (step 3600); raw rows are kept 48 h, 1-minute and 10-minute 14 d, 1-hour 400 d. One API process at a time runs a round, holding a transaction-scoped advisory lock (the lease).
import type { Db } from "@inlet/db";
import type { Logger } from "pino";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const SAMPLE_RETENTION_MS: Record<0 | 60 | 600 | 3600, number> = {
  0: 48 * HOUR_MS,
  60: 14 * DAY_MS,
  600: 14 * DAY_MS,
  3600: 400 * DAY_MS,
};

/** The advisory lock key of the rollup lease ("inlet:metric_rollup" hashed once, fixed). */
const ROLLUP_LOCK_KEY = 734_118_223_901n;

export interface RollupResult {
  /** False when another process held the lease. */
  ran: boolean;
  minuteRows: number;
  hourRows: number;
  deleted: number;
}

type Tx = Parameters<Parameters<Db["prisma"]["$transaction"]>[0]>[0];

/** Averages the `fine` rows of each complete `coarse` bucket not yet rolled (redoing the last one). */
async function rollUp(tx: Tx, fine: number, coarse: number, now: Date): Promise<number> {
  const coarseMs = coarse * 1000;
  const until = new Date(Math.floor(now.getTime() / coarseMs) * coarseMs);
  const lastRows = await tx.$queryRaw<{ at: Date | null }[]>`
    SELECT MAX(at) AS at FROM metric_samples WHERE step = ${coarse}`;
  const earliest = new Date(now.getTime() - SAMPLE_RETENTION_MS[fine as 0 | 60]);
  const last = lastRows[0]?.at;
  const from =
    last && last > earliest ? last : new Date(Math.floor(earliest.getTime() / coarseMs) * coarseMs);
  if (from >= until) return 0;
  await tx.$executeRaw`DELETE FROM metric_samples WHERE step = ${coarse} AND at >= ${from} AND at < ${until}`;
  return tx.$executeRaw`
    INSERT INTO metric_samples (name, labels, value, at, step)
    SELECT name, labels, AVG(value),
      to_timestamp(floor(extract(epoch FROM at) / ${coarse}) * ${coarse}) AT TIME ZONE 'UTC', ${coarse}
    FROM metric_samples
    WHERE step = ${fine} AND at >= ${from} AND at < ${until}
    GROUP BY name, labels, 4`;
}

/** One round: roll raw into minutes, minutes into hours, delete what is past its retention. */
export async function rollupMetricSamples(db: Db, now = new Date()): Promise<RollupResult> {
  return db.prisma.$transaction(
    async (tx) => {
      const lease = await tx.$queryRaw<
        { ok: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK_KEY}) AS ok`;
      if (!lease[0]?.ok) return { ran: false, minuteRows: 0, hourRows: 0, deleted: 0 };
      const minuteRows = await rollUp(tx, 0, 60, now);
      await rollUp(tx, 60, 600, now);
      const hourRows = await rollUp(tx, 60, 3600, now);
      let deleted = 0;
      for (const [step, keep] of Object.entries(SAMPLE_RETENTION_MS)) {
        deleted += await tx.$executeRaw`
          DELETE FROM metric_samples WHERE step = ${Number(step)} AND at < ${new Date(now.getTime() - keep)}`;
      }
      return { ran: true, minuteRows, hourRows, deleted };
    },
    { timeout: 120_000 },
  );
}

/** Rolls up every interval (a minute) until the returned function is called. */
export function startMetricRollup(db: Db, intervalMs = 60_000, logger?: Logger): () => void {
  const round = () =>
    rollupMetricSamples(db).catch((err: unknown) => logger?.warn({ err }, "metric sample rollup failed"));
  const timer = setInterval(round, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
