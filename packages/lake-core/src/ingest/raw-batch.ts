// The hand-off between ingest and the worker: batch ids, raw-zone object keys and the queue message.
import { randomBytes } from "node:crypto";
import type { BatchFormat } from "./envelope";

/** Queue the ingest API sends one message per accepted batch to. */
export const BATCHES_QUEUE = "batches";

/** Body of a message on BATCHES_QUEUE (sent with dedupeKey = batchId). */
export interface RawBatchMessage {
  batchId: string;
  sourceId: string;
  slug: string;
  rawKey: string;
  format: BatchFormat;
  /** ISO 8601, UTC. */
  receivedAt: string;
  eventCount: number;
  [key: string]: unknown;
}

let lastMs = -1;
let sequence = 0;

/**
 * A UUIDv7 string: 48 bits of Unix milliseconds, then a 12-bit sequence that increases within one
 * millisecond of this process (so ids sort by arrival here), then 62 random bits.
 */
export function newBatchId(at: Date = new Date()): string {
  let ms = at.getTime();
  if (ms <= lastMs) {
    // Same (or an earlier, clock-stepped) millisecond: keep ids increasing rather than trusting the clock.
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      ms += 1;
      sequence = 0;
    }
  } else {
    sequence = randomBytes(2).readUInt16BE(0) & 0x7ff;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `raw/{slug}/dt={YYYY-MM-DD of receivedAt, UTC}/{batchId}.{ndjson|json}` */
export function rawBatchKey(slug: string, receivedAt: Date, batchId: string, format: BatchFormat): string {
  const day = receivedAt.toISOString().slice(0, 10);
  return `raw/${slug}/dt=${day}/${batchId}.${format === "ndjson" ? "ndjson" : "json"}`;
}

/** Content type to store a raw batch object with. */
export function rawBatchContentType(format: BatchFormat): string {
  switch (format) {
    case "ndjson":
      return "application/x-ndjson";
    case "cloudevents-batch":
      return "application/cloudevents-batch+json";
    case "cloudevents":
      return "application/cloudevents+json";
  }
}
