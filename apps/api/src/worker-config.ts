// The data-plane worker's settings, read from the validated configuration: one mapping for
// `npm run worker` and the workers the API starts.
import type { WorkerConfig } from "@inlet/lake-core";
import type { Config } from "./config";

export function workerConfig(config: Config): WorkerConfig {
  return {
    flushIntervalMs: config.INLET_FLUSH_INTERVAL_MS,
    flushLingerMs: config.INLET_FLUSH_LINGER_MS,
    flushBytes: config.INLET_FLUSH_BYTES,
    concurrency: config.INLET_WORKER_CONCURRENCY,
    leaseMs: config.INLET_QUEUE_LEASE_MS,
    maxHoldMs: config.INLET_QUEUE_VISIBILITY_TIMEOUT_MS,
    strandedAfterMs: config.INLET_STRANDED_AFTER_MS,
    vacuumIntervalMs: config.INLET_VACUUM_INTERVAL_MS,
    fileRetentionMs: config.INLET_FILE_RETENTION_MS,
    retentionIntervalMs: config.INLET_RETENTION_INTERVAL_MS,
    replayPriority: config.INLET_REPLAY_PRIORITY,
    compaction: {
      memoryLimit: config.INLET_COMPACTION_MEMORY_LIMIT,
      threads: config.INLET_COMPACTION_THREADS,
      maxInputBytes: config.INLET_COMPACTION_MAX_INPUT_BYTES,
    },
    // Replay batches keep to the same limits as what producers send.
    ingestLimits: {
      maxBodyBytes: config.INLET_INGEST_MAX_BODY_BYTES,
      maxEventBytes: config.INLET_INGEST_MAX_EVENT_BYTES,
      maxEventsPerBatch: config.INLET_INGEST_MAX_EVENTS,
    },
  };
}
