// Counters and histograms of the worker, and their Prometheus text rendering for /metrics.

export class Histogram {
  readonly buckets: readonly number[];
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.count += 1;
    this.sum += value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]! += 1;
  }

  /** Upper bound of the bucket holding quantile q (0..1); Infinity past the last bucket. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    for (let i = 0; i < this.buckets.length; i++) if (this.counts[i]! >= rank) return this.buckets[i]!;
    return Number.POSITIVE_INFINITY;
  }
}

const MS_BUCKETS = [10, 25, 50, 100, 250, 500, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000];

export class WorkerMetrics {
  batchesCommitted = 0;
  /** Redelivered messages whose batch was already committed or failed. */
  batchesAlreadyDone = 0;
  /** Messages nacked because they could not be processed this time. */
  batchesRetried = 0;
  poisonBatches = 0;
  eventsAccepted = 0;
  eventsRejected = 0;
  eventsDuplicate = 0;
  filesWritten = 0;
  flushes = 0;
  flushErrors = 0;
  compactions = 0;
  filesCompacted = 0;
  /** Replaced and orphaned curated files deleted by the vacuum. */
  filesVacuumed = 0;
  bytesVacuumed = 0;
  landingFiles = 0;
  /** Landing files set aside to landing-failed/ with a dead letter. */
  landingFilesRejected = 0;
  inFlightFlushes = 0;
  readonly flushDurationMs = new Histogram(MS_BUCKETS);
  /** Receipt at the API → committed in curated, per batch. */
  readonly freshnessMs = new Histogram(MS_BUCKETS);
}

function histogramLines(name: string, help: string, h: Histogram): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (let i = 0; i < h.buckets.length; i++) {
    lines.push(`${name}_bucket{le="${h.buckets[i]! / 1000}"} ${h.counts[i]}`);
  }
  lines.push(
    `${name}_bucket{le="+Inf"} ${h.count}`,
    `${name}_sum ${h.sum / 1000}`,
    `${name}_count ${h.count}`,
  );
  return lines;
}

/** Prometheus text exposition of the worker's metrics (durations in seconds). */
export function renderWorkerMetrics(m: WorkerMetrics): string {
  const counters: [string, string, number][] = [
    ["inlet_worker_batches_committed_total", "Batches committed to curated", m.batchesCommitted],
    [
      "inlet_worker_batches_already_done_total",
      "Redelivered batches acked without work",
      m.batchesAlreadyDone,
    ],
    ["inlet_worker_batches_retried_total", "Batch messages handed back to the queue", m.batchesRetried],
    ["inlet_worker_poison_batches_total", "Batches recorded as POISON_BATCH dead letters", m.poisonBatches],
    ["inlet_worker_events_accepted_total", "Events written to curated", m.eventsAccepted],
    ["inlet_worker_events_rejected_total", "Events sent to dead letters", m.eventsRejected],
    ["inlet_worker_events_duplicate_total", "Events dropped as duplicates", m.eventsDuplicate],
    ["inlet_worker_files_written_total", "Curated Parquet files written", m.filesWritten],
    ["inlet_worker_flushes_total", "Flushes (groups of batches) processed", m.flushes],
    ["inlet_worker_flush_errors_total", "Flushes that failed as a whole", m.flushErrors],
    ["inlet_worker_compactions_total", "Compaction merges committed", m.compactions],
    ["inlet_worker_files_compacted_total", "Small files replaced by compaction", m.filesCompacted],
    ["inlet_worker_files_vacuumed_total", "Replaced or orphaned curated files deleted", m.filesVacuumed],
    ["inlet_worker_bytes_vacuumed_total", "Bytes of curated files deleted by the vacuum", m.bytesVacuumed],
    ["inlet_worker_landing_files_total", "Files ingested from the landing zone", m.landingFiles],
    [
      "inlet_worker_landing_files_rejected_total",
      "Landing files set aside to landing-failed/ with a dead letter",
      m.landingFilesRejected,
    ],
  ];
  const lines: string[] = [];
  for (const [name, help, value] of counters) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
  }
  lines.push(
    "# HELP inlet_worker_in_flight_flushes Flushes running now",
    "# TYPE inlet_worker_in_flight_flushes gauge",
    `inlet_worker_in_flight_flushes ${m.inFlightFlushes}`,
  );
  lines.push(
    ...histogramLines("inlet_worker_flush_duration_seconds", "Duration of one flush", m.flushDurationMs),
  );
  lines.push(
    ...histogramLines("inlet_worker_freshness_seconds", "From receipt at the API to commit", m.freshnessMs),
  );
  return `${lines.join("\n")}\n`;
}
