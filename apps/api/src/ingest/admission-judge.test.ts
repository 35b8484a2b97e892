import { describe, expect, it } from "vitest";
import {
  type AdmissionBounds,
  type AdmissionFigures,
  judgeAdmission,
  retryAfterSeconds,
} from "./admission-judge";

const MiB = 1024 * 1024;
const BOUNDS: AdmissionBounds = {
  sourceMaxBacklogBytes: 256 * MiB,
  sourceMaxBacklogAgeMs: 600_000,
  maxQueueBacklogBytes: 1024 * MiB,
  minFreeDiskBytes: 100 * MiB,
};

function figures(over: { free?: number; queue?: number; source?: number; age?: number; drain?: number }) {
  const drain = over.drain;
  return {
    freeDiskBytes: over.free,
    queue: { bytes: over.queue ?? over.source ?? 0, drainBytesPerSecond: drain },
    source: { bytes: over.source ?? 0, oldestAgeMs: over.age ?? 0, drainBytesPerSecond: drain },
  } satisfies AdmissionFigures;
}

describe("judgeAdmission", () => {
  it("admits a source under every bound", () => {
    expect(
      judgeAdmission("orders", figures({ free: 10_000 * MiB, source: 256 * MiB, age: 599_000 }), BOUNDS),
    ).toBe(undefined);
  });

  it("refuses a source over its bytes bound with 429, naming the bound and when to retry", () => {
    const r = judgeAdmission("orders", figures({ source: 512 * MiB, drain: 64 * MiB }), BOUNDS);
    expect(r).toEqual({
      status: 429,
      code: "SOURCE_BACKLOG",
      reason: "source_backlog_bytes",
      retryAfterSeconds: 4,
      situation: "Source orders has 512 MB queued (bound 256 MB, INLET_SOURCE_MAX_BACKLOG_BYTES)",
      message:
        "Source orders has 512 MB queued (bound 256 MB, INLET_SOURCE_MAX_BACKLOG_BYTES), so nothing was accepted: send it again after 4 s (Retry-After; events are deduplicated by id)",
    });
  });

  it("refuses a source whose oldest batch is older than its age bound", () => {
    const r = judgeAdmission("orders", figures({ source: MiB, age: 11 * 60_000, drain: MiB / 2 }), BOUNDS);
    expect(r).toMatchObject({
      status: 429,
      code: "SOURCE_BACKLOG",
      reason: "source_backlog_age",
      retryAfterSeconds: 2,
    });
    expect(r?.message).toContain(
      "has had a batch queued for 11 min (bound 10 min, INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS)",
    );
  });

  it("refuses every source while the whole backlog is over its bound, before looking at the source's own", () => {
    const r = judgeAdmission("orders", figures({ queue: 2048 * MiB, source: 512 * MiB }), BOUNDS);
    expect(r).toMatchObject({ status: 429, code: "QUEUE_BACKLOG", reason: "queue_backlog_bytes" });
    expect(r?.message).toContain(
      "The server has 2 GB queued across all sources (bound 1 GB, INLET_MAX_QUEUE_BACKLOG_BYTES)",
    );
  });

  it("answers 503 first of all while the lake's disk has less free than its bound", () => {
    const r = judgeAdmission("orders", figures({ free: 50 * MiB, queue: 2048 * MiB }), BOUNDS);
    expect(r).toMatchObject({
      status: 503,
      code: "DISK_SPACE_LOW",
      reason: "disk_free",
      retryAfterSeconds: 60,
    });
    expect(r?.message).toContain(
      "The lake's disk has 50 MB free, under the 100 MB kept free (INLET_MIN_FREE_DISK_BYTES)",
    );
  });

  it("checks no bound set to 0", () => {
    const off = {
      sourceMaxBacklogBytes: 0,
      sourceMaxBacklogAgeMs: 0,
      maxQueueBacklogBytes: 0,
      minFreeDiskBytes: 0,
    };
    expect(judgeAdmission("orders", figures({ free: 0, queue: 1e15, source: 1e15, age: 1e12 }), off)).toBe(
      undefined,
    );
  });
});

describe("retryAfterSeconds", () => {
  it("is the time the excess takes to drain, within 1 to 60 s", () => {
    expect(retryAfterSeconds(10 * MiB, 4 * MiB)).toBe(3);
    expect(retryAfterSeconds(1, 4 * MiB)).toBe(1);
    expect(retryAfterSeconds(1000 * MiB, MiB)).toBe(60);
  });

  it("is the longest wait when nothing drains and a short one before a rate is measured", () => {
    expect(retryAfterSeconds(MiB, 0)).toBe(60);
    expect(retryAfterSeconds(MiB, undefined)).toBe(5);
  });
});
