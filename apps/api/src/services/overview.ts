// The Overview page's figures, all measured from the catalog and the queue.
import type { Catalog, Queue } from "@inlet/lake-core";

function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export class OverviewService {
  constructor(
    private readonly catalog: Catalog,
    private readonly queue: Queue,
  ) {}

  async summary(now = new Date()) {
    const today = startOfUtcDay(now);
    const since = new Date(now.getTime() - 24 * 3600 * 1000);
    const [sources, acceptedToday, batchesToday, hourly, deadLettersOpen, queue] = await Promise.all([
      this.catalog.countSources(),
      this.catalog.acceptedEventsBySource(today),
      this.catalog.batchesReceivedSince(today),
      this.catalog.acceptedEventsByHour(since),
      this.catalog.countDeadLetters("open"),
      this.queue.stats("batches").catch(() => null),
    ]);
    const byHour = new Map(hourly.map((r) => [r.hour.getTime(), r.events]));
    const eventsByHour: { hour: string; events: number }[] = [];
    const firstHour = Math.floor(since.getTime() / 3_600_000) * 3_600_000 + 3_600_000;
    for (let h = firstHour; h <= now.getTime(); h += 3_600_000) {
      eventsByHour.push({ hour: new Date(h).toISOString(), events: byHour.get(h) ?? 0 });
    }
    let eventsToday = 0;
    for (const n of acceptedToday.values()) eventsToday += n;
    return {
      sources,
      eventsToday,
      batchesToday,
      deadLettersOpen,
      queue: queue ? { depth: queue.depth, oldestAgeMs: queue.oldestAgeMs } : null,
      eventsByHour,
    };
  }
}
