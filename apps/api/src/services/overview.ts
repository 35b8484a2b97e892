// The Overview page's figures, all measured from the catalog and the queue.
import type { Db } from "@inlet/db";
import type { Queue } from "@inlet/lake-core";

function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export class OverviewService {
  constructor(
    private readonly db: Db,
    private readonly queue: Queue,
  ) {}

  async summary(now = new Date()) {
    const today = startOfUtcDay(now);
    const since = new Date(now.getTime() - 24 * 3600 * 1000);
    const [sources, batchesToday, eventsToday, deadLettersOpen, hourly, queue] = await Promise.all([
      this.db.prisma.source.count(),
      this.db.prisma.batch.count({ where: { receivedAt: { gte: today } } }),
      this.db.prisma.batch.aggregate({ _sum: { accepted: true }, where: { committedAt: { gte: today } } }),
      this.db.prisma.deadLetter.count({ where: { status: "open" } }),
      this.db.pool.query<{ hour: Date; events: string }>(
        `SELECT date_trunc('hour', committed_at) AS hour, sum(accepted)::bigint AS events
           FROM batches WHERE committed_at >= $1 GROUP BY 1 ORDER BY 1`,
        [since],
      ),
      this.queue.stats("batches").catch(() => null),
    ]);
    const byHour = new Map(hourly.rows.map((r) => [r.hour.getTime(), Number(r.events)]));
    const eventsByHour: { hour: string; events: number }[] = [];
    const firstHour = Math.floor(since.getTime() / 3_600_000) * 3_600_000 + 3_600_000;
    for (let h = firstHour; h <= now.getTime(); h += 3_600_000) {
      eventsByHour.push({ hour: new Date(h).toISOString(), events: byHour.get(h) ?? 0 });
    }
    return {
      sources,
      eventsToday: eventsToday._sum.accepted ?? 0,
      batchesToday,
      deadLettersOpen,
      queue: queue ? { depth: queue.depth, oldestAgeMs: queue.oldestAgeMs } : null,
      eventsByHour,
    };
  }
}
