import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";
import { workerConfig } from "./worker-config";

const secret = "x".repeat(40);

describe("workerConfig", () => {
  it("holds received batches under an INLET_QUEUE_LEASE_MS lease, 8 s unless set", () => {
    expect(workerConfig(loadConfig({ NEXTAUTH_SECRET: secret })).leaseMs).toBe(8000);
    const set = loadConfig({ NEXTAUTH_SECRET: secret, INLET_QUEUE_LEASE_MS: "5000" });
    expect(workerConfig(set).leaseMs).toBe(5000);
    for (const value of ["999", "60001", "8s"]) {
      expect(() => loadConfig({ NEXTAUTH_SECRET: secret, INLET_QUEUE_LEASE_MS: value })).toThrow(
        `INLET_QUEUE_LEASE_MS (${JSON.stringify(value)}): `,
      );
    }
  });

  it("renews a batch's lease for at most INLET_QUEUE_VISIBILITY_TIMEOUT_MS, 120 s unless set", () => {
    expect(workerConfig(loadConfig({ NEXTAUTH_SECRET: secret })).maxHoldMs).toBe(120_000);
    const set = loadConfig({ NEXTAUTH_SECRET: secret, INLET_QUEUE_VISIBILITY_TIMEOUT_MS: "30000" });
    expect(workerConfig(set).maxHoldMs).toBe(30_000);
    // A worker process reads it like the API does.
    const worker = loadConfig({ INLET_QUEUE_VISIBILITY_TIMEOUT_MS: "45000" }, "worker");
    expect(workerConfig(worker).maxHoldMs).toBe(45_000);
  });

  it("refuses a visibility timeout under 1 s or over 10 minutes, naming the variable", () => {
    for (const value of ["999", "600001", "2m"]) {
      expect(() => loadConfig({ NEXTAUTH_SECRET: secret, INLET_QUEUE_VISIBILITY_TIMEOUT_MS: value })).toThrow(
        `INLET_QUEUE_VISIBILITY_TIMEOUT_MS (${JSON.stringify(value)}): `,
      );
    }
  });

  it("sends a received batch's message again after INLET_STRANDED_AFTER_MS, 2 minutes unless set", () => {
    expect(workerConfig(loadConfig({ NEXTAUTH_SECRET: secret })).strandedAfterMs).toBe(120_000);
    const set = loadConfig({ NEXTAUTH_SECRET: secret, INLET_STRANDED_AFTER_MS: "10000" });
    expect(workerConfig(set).strandedAfterMs).toBe(10_000);
    for (const value of ["9999", "3600001", "2m"]) {
      expect(() => loadConfig({ NEXTAUTH_SECRET: secret, INLET_STRANDED_AFTER_MS: value })).toThrow(
        `INLET_STRANDED_AFTER_MS (${JSON.stringify(value)}): `,
      );
    }
  });

  it("passes the flush, maintenance and ingest limits through", () => {
    const c = workerConfig(
      loadConfig({ NEXTAUTH_SECRET: secret, INLET_FLUSH_BYTES: "1024", INLET_INGEST_MAX_EVENTS: "50" }),
    );
    expect([c.flushBytes, c.flushIntervalMs, c.concurrency, c.ingestLimits?.maxEventsPerBatch]).toEqual([
      1024, 1000, 2, 50,
    ]);
    expect(c.flushLingerMs).toBe(100);
    expect(
      workerConfig(loadConfig({ NEXTAUTH_SECRET: secret, INLET_FLUSH_LINGER_MS: "1000" })).flushLingerMs,
    ).toBe(1000);
  });
});
