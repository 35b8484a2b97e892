// The ingest API's metrics for /metrics: requests by outcome, and what was accepted per source.
import { Counter, Gauge } from "prom-client";
import { apiRegistry } from "../metrics";

const registers = [apiRegistry];

export const ingestMetrics = {
  requests: new Counter({
    name: "inlet_ingest_requests_total",
    help: "Ingest requests by HTTP status and error code (ACCEPTED for 202).",
    labelNames: ["status", "code"] as const,
    registers,
  }),
  inFlight: new Gauge({
    name: "inlet_ingest_batches_in_flight",
    help: "Request bodies being checked and stored now.",
    registers,
  }),
  batches: new Counter({
    name: "inlet_ingest_batches_accepted_total",
    help: "Batches accepted (written raw and enqueued), by source.",
    labelNames: ["source"] as const,
    registers,
  }),
  events: new Counter({
    name: "inlet_ingest_events_accepted_total",
    help: "Events accepted, by source (those dead-lettered against the schema at ingest are not).",
    labelNames: ["source"] as const,
    registers,
  }),
  bytes: new Counter({
    name: "inlet_ingest_bytes_accepted_total",
    help: "Bytes written to the raw zone (after decompression), by source.",
    labelNames: ["source"] as const,
    registers,
  }),
  wireBytes: new Counter({
    name: "inlet_ingest_wire_bytes_accepted_total",
    help: "Request body bytes of accepted batches as received (before decompression), by source.",
    labelNames: ["source"] as const,
    registers,
  }),
  deadLetters: new Counter({
    name: "inlet_ingest_dead_letters_total",
    help: "Rejected request bodies kept in dead_letters, by reason code.",
    labelNames: ["reason"] as const,
    registers,
  }),
};

/** Admission control: refusals by bound, and the backlog figures it judges by (set at each reading). */
export const admissionMetrics = {
  refused: new Counter({
    name: "inlet_admission_refused_total",
    help: "Ingest requests refused by admission control, by the bound passed (disk_free, queue_backlog_bytes, source_backlog_bytes, source_backlog_age).",
    labelNames: ["reason"] as const,
    registers,
  }),
  sourceBacklogBytes: new Gauge({
    name: "inlet_source_backlog_bytes",
    help: "Raw bytes of a source's batches accepted and not yet committed or failed.",
    labelNames: ["source"] as const,
    registers,
  }),
  sourceBacklogBatches: new Gauge({
    name: "inlet_source_backlog_batches",
    help: "A source's batches accepted and not yet committed or failed.",
    labelNames: ["source"] as const,
    registers,
  }),
  sourceBacklogOldestAge: new Gauge({
    name: "inlet_source_backlog_oldest_age_seconds",
    help: "Age of a source's oldest batch not yet committed or failed (0 when none).",
    labelNames: ["source"] as const,
    registers,
  }),
  backlogBytes: new Gauge({
    name: "inlet_backlog_bytes",
    help: "Raw bytes of all batches accepted and not yet committed or failed.",
    registers,
  }),
  lakeDiskFree: new Gauge({
    name: "inlet_lake_disk_free_bytes",
    help: "Free bytes on the disk of a file:// lake's folder.",
    labelNames: ["path"] as const,
    registers,
  }),
};
