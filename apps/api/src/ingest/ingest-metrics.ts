// The ingest API's counters for /metrics: requests by outcome, and what was accepted per source.
import { Counter, Gauge, renderPrometheus } from "../metrics";

export const ingestMetrics = {
  requests: new Counter(
    "inlet_ingest_requests_total",
    "Ingest requests by HTTP status and error code (ACCEPTED for 202).",
  ),
  inFlight: new Gauge("inlet_ingest_batches_in_flight", "Request bodies being checked and stored now."),
  batches: new Counter(
    "inlet_ingest_batches_accepted_total",
    "Batches accepted (written raw and enqueued), by source.",
  ),
  events: new Counter("inlet_ingest_events_accepted_total", "Events accepted, by source."),
  bytes: new Counter(
    "inlet_ingest_bytes_accepted_total",
    "Bytes written to the raw zone (after decompression), by source.",
  ),
  wireBytes: new Counter(
    "inlet_ingest_wire_bytes_accepted_total",
    "Request body bytes of accepted batches as received (before decompression), by source.",
  ),
  deadLetters: new Counter(
    "inlet_ingest_dead_letters_total",
    "Rejected request bodies kept in dead_letters, by reason code.",
  ),
};

export function renderIngestMetrics(): string {
  return renderPrometheus(Object.values(ingestMetrics));
}
