// `npm run bench -- --ops-dashboard`: the Operations dashboard's query (operations.dashboard: series,
// current values and cost) over 7 days of samples as the sampler and rollup leave them: raw every
// --interval seconds (15) for the last 48 h, 1-minute, 10-minute and 1-hour rows for 7 days, for
// --sources sources (10) with every figure's label sets. Prints p50/p95 per range. Figures only.
import { parseArgs } from "node:util";
import { createTestDatabase } from "@inlet/db/testing";
import { AuditService } from "../src/services/audit";
import { OPS_RANGES, OperationsService, type OpsRange } from "../src/services/operations";
import { percentile } from "./percentile";

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const RANGE_DAYS: Record<OpsRange, number> = { "1h": 1, "24h": 2, "7d": 7 };

/** Every (name, labels) the sampler writes for `sources` sources and three reasons. */
function seriesKeys(sources: number): { name: string; labels: Record<string, string> }[] {
  const keys: { name: string; labels: Record<string, string> }[] = [];
  for (let i = 0; i < sources; i++) {
    const source = `source_${i}`;
    for (const name of [
      "ingest_accepted_events_per_second",
      "ingest_refused_events_per_second",
      "freshness_p50_seconds",
      "freshness_p99_seconds",
    ]) {
      keys.push({ name, labels: { source } });
    }
    for (const reason of ["SCHEMA_VIOLATION", "MALFORMED_JSON", "EVENT_TOO_LARGE"]) {
      keys.push({ name: "dead_letters_open", labels: { source, reason } });
      keys.push({ name: "dead_letters_inflow_per_minute", labels: { source, reason } });
    }
    for (const zone of ["raw", "curated", "analytics"])
      keys.push({ name: "storage_bytes", labels: { zone, source } });
  }
  for (const name of ["queue_depth_messages", "queue_in_flight_messages", "queue_oldest_age_seconds"]) {
    keys.push({ name, labels: { queue: "batches" } });
  }
  for (const name of [
    "worker_batches_per_second",
    "worker_events_per_second",
    "worker_busy_ratio",
    "worker_busy_seconds_per_second",
    "worker_error_ratio",
  ]) {
    keys.push({ name, labels: {} });
  }
  return keys;
}

export async function runOpsDashboardBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sources: { type: "string", default: "10" },
      interval: { type: "string", default: "15" },
      rounds: { type: "string", default: "40" },
    },
  });
  const sources = Number(values.sources);
  const interval = Number(values.interval);
  const rounds = Number(values.rounds);
  const t = await createTestDatabase();
  try {
    const keys = seriesKeys(sources);
    const now = new Date();
    const fill = async (step: number, everySeconds: number, hours: number) => {
      const started = Date.now();
      // In time order, every series of a time together, as the sampler and the rollup write them
      // (filled series by series, each range read would touch a page per row).
      await t.db.prisma.$executeRaw`
        INSERT INTO metric_samples (name, labels, value, at, step)
        SELECT k.name, k.labels, 50 + 40 * sin(extract(epoch FROM g) / 3600), g, ${step}
        FROM generate_series(
          ${new Date(now.getTime() - hours * 3_600_000)}::timestamp,
          ${now}::timestamp, make_interval(secs => ${everySeconds})) AS g
        CROSS JOIN jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS k(name text, labels jsonb)
        ORDER BY g`;
      log(
        `step ${step}: ${keys.length} series × ${hours} h every ${everySeconds} s in ${Date.now() - started} ms`,
      );
    };
    await fill(0, interval, 48);
    await fill(60, 60, 7 * 24);
    await fill(600, 600, 7 * 24);
    await fill(3600, 3600, 7 * 24);
    // As autovacuum leaves a table whose rows are minutes to days old (visibility map set, so the
    // series read is index only), not as a bulk insert a moment ago.
    await t.db.prisma.$executeRaw`VACUUM ANALYZE metric_samples`;
    const count = await t.db.prisma.metricSample.count();
    log(`${count} rows in metric_samples`);

    const ops = new OperationsService(t.db, new AuditService(t.db));
    const dashboard = (range: OpsRange) =>
      Promise.all([ops.series(range), ops.current(), ops.cost(RANGE_DAYS[range])]);
    for (const range of OPS_RANGES) await dashboard(range); // warm
    const times: Record<OpsRange, number[]> = { "1h": [], "24h": [], "7d": [] };
    const parts: Record<string, number[]> = {};
    const timed = async (key: string, f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      const list = parts[key] ?? [];
      list.push(performance.now() - t0);
      parts[key] = list;
    };
    for (let i = 0; i < rounds; i++) {
      for (const range of OPS_RANGES) {
        const t0 = performance.now();
        await dashboard(range);
        times[range].push(performance.now() - t0);
        // Each part alone, to see where the time goes.
        await timed(`${range} series`, () => ops.series(range));
        await timed(`${range} cost`, () => ops.cost(RANGE_DAYS[range]));
      }
      await timed("current", () => ops.current());
    }
    process.stdout.write(
      `\nOperations dashboard query (series + current + cost), ${keys.length} series, ${count} sample rows, ${rounds} rounds\n\n| range | p50 | p95 |\n| --- | --- | --- |\n`,
    );
    for (const range of OPS_RANGES) {
      const sorted = times[range].sort((a, b) => a - b);
      process.stdout.write(
        `| ${range} | ${percentile(sorted, 50).toFixed(1)} ms | ${percentile(sorted, 95).toFixed(1)} ms |\n`,
      );
    }
    process.stdout.write("\n| part alone | p50 | p95 |\n| --- | --- | --- |\n");
    for (const [key, list] of Object.entries(parts)) {
      const sorted = list.sort((a, b) => a - b);
      process.stdout.write(
        `| ${key} | ${percentile(sorted, 50).toFixed(1)} ms | ${percentile(sorted, 95).toFixed(1)} ms |\n`,
      );
    }
  } finally {
    await t.drop();
  }
}
