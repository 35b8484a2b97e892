// The worker's Prometheus metrics (prom-client), in a registry of the worker's own.
// Not the global registry: one process may run several workers (tests do), and the API aggregates
// each worker process's registry from its getMetricsAsJSON() snapshots.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60];

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly batchesCommitted = this.counter(
    "inlet_worker_batches_committed_total",
    "Batches committed to curated",
  );
  /** Redelivered messages whose batch was already committed or failed. */
  readonly batchesAlreadyDone = this.counter(
    "inlet_worker_batches_already_done_total",
    "Redelivered batches acked without work",
  );
  /** Messages nacked because they could not be processed this time. */
  readonly batchesRetried = this.counter(
    "inlet_worker_batches_retried_total",
    "Batch messages handed back to the queue",
  );
  /** Batches whose lease ran out while this worker held them (another worker may process them too). */
  readonly batchLeasesLost = this.counter(
    "inlet_worker_batch_leases_lost_total",
    "Batch leases that ran out before the worker renewed them",
  );
  /**
   * Writes of a flush that found the lake's disk, or the worker's scratch folder, full and waited for
   * room (wait-for-space.ts).
   */
  readonly diskFullWaits = this.counter(
    "inlet_worker_disk_full_waits_total",
    "Flush writes that waited for the lake's disk or the worker's scratch folder to have room",
  );
  readonly poisonBatches = this.counter(
    "inlet_worker_poison_batches_total",
    "Batches recorded as POISON_BATCH dead letters",
  );
  readonly eventsAccepted = this.counter("inlet_worker_events_accepted_total", "Events written to curated");
  readonly eventsRejected = this.counter("inlet_worker_events_rejected_total", "Events sent to dead letters");
  readonly eventsDuplicate = this.counter(
    "inlet_worker_events_duplicate_total",
    "Events dropped as duplicates",
  );
  readonly filesWritten = this.counter("inlet_worker_files_written_total", "Curated Parquet files written");
  readonly flushes = this.counter("inlet_worker_flushes_total", "Flushes (groups of batches) processed");
  readonly flushErrors = this.counter("inlet_worker_flush_errors_total", "Flushes that failed as a whole");
  readonly compactions = this.counter("inlet_worker_compactions_total", "Compaction merges committed");
  readonly filesCompacted = this.counter(
    "inlet_worker_files_compacted_total",
    "Small files replaced by compaction",
  );
  /** Replaced and orphaned curated files deleted by the vacuum. */
  readonly filesVacuumed = this.counter(
    "inlet_worker_files_vacuumed_total",
    "Replaced or orphaned curated files deleted",
  );
  readonly bytesVacuumed = this.counter(
    "inlet_worker_bytes_vacuumed_total",
    "Bytes of curated files deleted by the vacuum",
  );
  /** Curated files dropped from their tables by retention snapshots (deleted later by the vacuum). */
  readonly retentionFiles = this.counter(
    "inlet_worker_retention_files_total",
    "Curated files dropped by retention snapshots",
  );
  readonly rawBatchesExpired = this.counter(
    "inlet_worker_raw_batches_expired_total",
    "Raw batches deleted by raw retention",
  );
  /** Analytics tables rematerialized from their inputs (refresh snapshots committed). */
  readonly analyticsRefreshes = this.counter(
    "inlet_worker_analytics_refreshes_total",
    "Analytics table refreshes committed",
  );
  /** Analytics table refreshes that failed (the table keeps its last good snapshot). */
  readonly analyticsRefreshFailures = this.counter(
    "inlet_worker_analytics_refresh_failures_total",
    "Analytics table refreshes that failed",
  );
  readonly landingFiles = this.counter(
    "inlet_worker_landing_files_total",
    "Files ingested from the landing zone",
  );
  /** Landing files set aside to landing-failed/ with a dead letter. */
  readonly landingFilesRejected = this.counter(
    "inlet_worker_landing_files_rejected_total",
    "Landing files set aside to landing-failed/ with a dead letter",
  );
  readonly inFlightFlushes = new Gauge({
    name: "inlet_worker_in_flight_flushes",
    help: "Flushes running now",
    registers: [this.registry],
  });
  readonly flushDurationSeconds = new Histogram({
    name: "inlet_worker_flush_duration_seconds",
    help: "Duration of one flush",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  /** Receipt at the API → committed in curated, per batch. */
  readonly freshnessSeconds = new Histogram({
    name: "inlet_worker_freshness_seconds",
    help: "From receipt at the API to commit",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }
}
