// A group's trend (letters per hour, oldest first) as the points of a small chart: hours summed into
// wider buckets when there are more than a sparkline can show, and a sentence saying what it shows.
import { formatCount, formatDateTime } from "./format";

const HOUR_MS = 3_600_000;

export interface SparkPoint {
  /** Start of the bucket (ms). */
  at: number;
  spanMs: number;
  count: number;
}

/** At most `maxPoints` points: whole hours summed in equal buckets (the last may be shorter). */
export function sparkPoints(trend: readonly number[], fromMs: number, maxPoints = 84): SparkPoint[] {
  const hoursPer = Math.max(1, Math.ceil(trend.length / Math.max(1, maxPoints)));
  const points: SparkPoint[] = [];
  for (let i = 0; i < trend.length; i += hoursPer) {
    const hours = Math.min(hoursPer, trend.length - i);
    let count = 0;
    for (let h = i; h < i + hours; h++) count += trend[h] ?? 0;
    points.push({ at: fromMs + i * HOUR_MS, spanMs: hours * HOUR_MS, count });
  }
  return points;
}

/** "12 letters over the last 168 hours, most (5) in the 6 hours from Mar 2, 10:00:00". */
export function trendSummary(points: readonly SparkPoint[]): string {
  const total = points.reduce((n, p) => n + p.count, 0);
  const hours = points.reduce((n, p) => n + p.spanMs, 0) / HOUR_MS;
  const over = `over the ${formatCount(hours)} hours charted`;
  if (total === 0) return `No letters ${over}`;
  const busiest = points.reduce((b, p) => (p.count > b.count ? p : b));
  const span = busiest.spanMs === HOUR_MS ? "hour" : `${busiest.spanMs / HOUR_MS} hours`;
  return `${formatCount(total)} ${total === 1 ? "letter" : "letters"} ${over}, most (${formatCount(busiest.count)}) in the ${span} from ${formatDateTime(new Date(busiest.at))}`;
}
