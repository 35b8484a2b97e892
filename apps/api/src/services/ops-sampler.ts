// The operations figures sampled into metric_samples every interval (15 s by default): ingest accepted
// and refused per source, queue depth / in-flight / oldest age, dead letters open and inflow per source
// and reason, worker throughput / busy / errors, freshness p50/p99 per source, storage by zone and
// source. Each round also sets the inlet_ops_* gauges /metrics serves.
import type { Db } from "@inlet/db";
import { type OperationsCatalog, PgCatalog, type Queue } from "@inlet/lake-core";
import type { Logger } from "pino";
import { Gauge, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { apiRegistry } from "../metrics";

export const QUEUES = ["batches"] as const;

/** A figure's name in metric_samples, its labels, and how it is computed (shown on the dashboard). */
export const OPS_FIGURES = {
  ingest_accepted_events_per_second: {
    labels: ["source"],
    help: "Events accepted per second, by source: events of the batches received in the interval ÷ interval seconds.",
  },
  ingest_refused_events_per_second: {
    labels: ["source"],
    help: "Events refused per second, by source: dead letters recorded in the interval ÷ interval seconds.",
  },
  queue_depth_messages: {
    labels: ["queue"],
    help: "Messages waiting to be delivered, by queue (the queue's own count).",
  },
  queue_in_flight_messages: {
    labels: ["queue"],
    help: "Messages received and not yet acknowledged, by queue.",
  },
  queue_oldest_age_seconds: {
    labels: ["queue"],
    help: "Age of the oldest waiting or in-flight message, by queue.",
  },
  dead_letters_open: { labels: ["source", "reason"], help: "Open dead letters, by source and reason code." },
  dead_letters_inflow_per_minute: {
    labels: ["source", "reason"],
    help: "Dead letters recorded per minute, by source and reason: letters of the interval × 60 ÷ interval seconds.",
  },
  worker_batches_per_second: {
    labels: [],
    help: "Batches committed per second: batches committed in the interval ÷ interval seconds.",
  },
  worker_events_per_second: {
    labels: [],
    help: "Events committed to curated per second: accepted events of the batches committed in the interval ÷ interval seconds.",
  },
  worker_busy_ratio: {
    labels: [],
    help: "Share of time the workers spent flushing: flush seconds in the interval ÷ (interval seconds × workers).",
  },
  worker_busy_seconds_per_second: {
    labels: [],
    help: "Worker flush seconds per second, all workers together: flush seconds in the interval ÷ interval seconds.",
  },
  worker_error_ratio: { labels: [], help: "Failed flushes ÷ flushes in the interval (0 when none ran)." },
  freshness_p50_seconds: {
    labels: ["source"],
    help: "Median seconds from accept to commit of the batches committed in the interval, by source.",
  },
  freshness_p99_seconds: {
    labels: ["source"],
    help: "99th percentile seconds from accept to commit of the batches committed in the interval, by source.",
  },
  storage_bytes: {
    labels: ["zone", "source"],
    help: "Bytes stored, by zone and source: live data files of the zone's tables; raw: the raw batches' bytes.",
  },
} as const satisfies Record<string, { labels: readonly string[]; help: string }>;

export type OpsFigure = keyof typeof OPS_FIGURES;

export interface OpsSample {
  name: OpsFigure;
  labels: Record<string, string>;
  value: number;
}

const gauges = Object.fromEntries(
  Object.entries(OPS_FIGURES).map(([name, f]) => [
    name,
    new Gauge({
      name: `inlet_ops_${name}`,
      help: f.help,
      labelNames: [...f.labels],
      registers: [apiRegistry],
    }),
  ]),
) as Record<OpsFigure, Gauge<string>>;

export interface OpsSamplerOptions {
  db: Db;
  /** Where the catalog's figures are read; default the PostgreSQL catalog on `db`. */
  catalog?: OperationsCatalog;
  queue: Queue;
  /** The workers' aggregated metrics (the forked workers report them to this process), when there are any. */
  workerMetrics?: () => Promise<MetricObjectWithValues<MetricValue<string>>[]> | undefined;
  /** How many worker processes share the flush time (for the busy ratio). */
  workers?: number;
  logger?: Logger;
}

function sumOf(
  metrics: MetricObjectWithValues<MetricValue<string>>[],
  name: string,
  metricName = name,
): number {
  const m = metrics.find((x) => x.name === name);
  if (!m) return 0;
  return m.values
    .filter((v) => ((v as { metricName?: string }).metricName ?? name) === metricName)
    .reduce((a, v) => a + v.value, 0);
}

/** Takes one round of samples; keeps the previous round's end and worker counters for the rates. */
export class OpsSampler {
  private last: { at: Date; flushSeconds: number; flushes: number; errors: number } | undefined;
  /**
   * The dead-letter series (source, reason) sampled so far: each goes on with 0 once nothing feeds it,
   * so a chart falls back to zero and a roll-up averages the quiet samples too, not the busy ones alone.
   */
  private readonly letterSeries = new Map<string, { source: string; reason: string }>();

  private readonly catalog: OperationsCatalog;

  constructor(private readonly opts: OpsSamplerOptions) {
    this.catalog = opts.catalog ?? new PgCatalog(opts.db);
  }

  /** Samples the figures of the interval ending now, writes them and sets the gauges. */
  async sampleOnce(now = new Date(), intervalMs = 15_000): Promise<OpsSample[]> {
    const prisma = this.opts.db.prisma;
    const from = this.last && this.last.at < now ? this.last.at : new Date(now.getTime() - intervalMs);
    const seconds = Math.max((now.getTime() - from.getTime()) / 1000, 0.001);
    const samples: OpsSample[] = [];
    const push = (name: OpsFigure, labels: Record<string, string>, value: number) => {
      if (Number.isFinite(value)) samples.push({ name, labels, value });
    };

    // The catalog's own figures, through the Catalog port (it is the only reader of its tables).
    const { sources, accepted, refused, openLetters, committed, freshness, files, raw } =
      await this.catalog.opsSampleFigures(from, now);
    const slug = new Map(sources.map((s) => [s.id, s.slug]));
    const nameOf = (id: string | null) => (id ? (slug.get(id) ?? id) : "(none)");

    const acceptedBy = new Map(accepted.map((r) => [r.source_id, Number(r.n)]));
    const refusedBy = new Map<string, number>();
    for (const r of refused)
      refusedBy.set(nameOf(r.source_id), (refusedBy.get(nameOf(r.source_id)) ?? 0) + Number(r.n));
    for (const s of sources) {
      push("ingest_accepted_events_per_second", { source: s.slug }, (acceptedBy.get(s.id) ?? 0) / seconds);
      push("ingest_refused_events_per_second", { source: s.slug }, (refusedBy.get(s.slug) ?? 0) / seconds);
      refusedBy.delete(s.slug);
    }
    for (const [source, n] of refusedBy) push("ingest_refused_events_per_second", { source }, n / seconds);

    for (const queue of QUEUES) {
      try {
        const q = await this.opts.queue.stats(queue);
        push("queue_depth_messages", { queue }, q.depth);
        push("queue_in_flight_messages", { queue }, q.inFlight);
        push("queue_oldest_age_seconds", { queue }, q.oldestAgeMs / 1000);
      } catch (err) {
        this.opts.logger?.warn({ err, queue }, "queue stats unavailable for the operations sample");
      }
    }

    const open = new Map<string, number>();
    const inflow = new Map<string, number>();
    const seriesOf = (sourceId: string | null, reason: string) => {
      const labels = { source: nameOf(sourceId), reason };
      const key = JSON.stringify([labels.source, labels.reason]);
      this.letterSeries.set(key, labels);
      return key;
    };
    for (const r of openLetters) {
      const key = seriesOf(r.source_id, r.reason);
      open.set(key, (open.get(key) ?? 0) + Number(r.n));
    }
    for (const r of refused) {
      const key = seriesOf(r.source_id, r.reason);
      inflow.set(key, (inflow.get(key) ?? 0) + Number(r.n));
    }
    for (const [key, labels] of this.letterSeries) {
      push("dead_letters_open", labels, open.get(key) ?? 0);
      push("dead_letters_inflow_per_minute", labels, ((inflow.get(key) ?? 0) * 60) / seconds);
    }

    const c = committed[0];
    push("worker_batches_per_second", {}, Number(c?.batches ?? 0) / seconds);
    push("worker_events_per_second", {}, Number(c?.events ?? 0) / seconds);
    const metrics = await this.opts.workerMetrics?.();
    if (metrics) {
      const flushSeconds = sumOf(
        metrics,
        "inlet_worker_flush_duration_seconds",
        "inlet_worker_flush_duration_seconds_sum",
      );
      const flushes = sumOf(metrics, "inlet_worker_flushes_total");
      const errors = sumOf(metrics, "inlet_worker_flush_errors_total");
      const prev = this.last;
      if (prev) {
        const dFlushes = Math.max(flushes - prev.flushes, 0);
        const dErrors = Math.max(errors - prev.errors, 0);
        const busy =
          Math.max(flushSeconds - prev.flushSeconds, 0) / (seconds * Math.max(this.opts.workers ?? 1, 1));
        push("worker_busy_ratio", {}, Math.min(busy, 1));
        push("worker_busy_seconds_per_second", {}, Math.max(flushSeconds - prev.flushSeconds, 0) / seconds);
        push("worker_error_ratio", {}, dFlushes + dErrors > 0 ? dErrors / Math.max(dFlushes, dErrors) : 0);
      }
      this.last = { at: now, flushSeconds, flushes, errors };
    } else {
      this.last = { at: now, flushSeconds: 0, flushes: 0, errors: 0 };
    }

    for (const r of freshness) {
      push("freshness_p50_seconds", { source: nameOf(r.source_id) }, r.p50);
      push("freshness_p99_seconds", { source: nameOf(r.source_id) }, r.p99);
    }
    for (const r of files)
      push("storage_bytes", { zone: r.zone, source: nameOf(r.source_id) }, Number(r.bytes));
    for (const r of raw) push("storage_bytes", { zone: "raw", source: nameOf(r.source_id) }, Number(r.bytes));

    if (samples.length > 0) {
      await prisma.metricSample.createMany({
        data: samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value, at: now, step: 0 })),
      });
    }
    for (const g of Object.values(gauges)) g.reset();
    for (const s of samples) gauges[s.name].set(s.labels, s.value);
    return samples;
  }
}

/** Samples every interval until the returned function is called. */
export function startOpsSampling(sampler: OpsSampler, intervalMs: number, logger?: Logger): () => void {
  let running = false;
  const round = () => {
    if (running) return;
    running = true;
    sampler
      .sampleOnce(new Date(), intervalMs)
      .catch((err: unknown) => logger?.warn({ err }, "operations sample failed"))
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(round, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
