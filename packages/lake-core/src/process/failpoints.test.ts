// Fail points: parsed from INLET_FAILPOINTS, a kill point is due only at its n-th reach (and, with a
// once file, only in the first process to get there), and a poison event fails every time.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  armFailPoints,
  failIfPoisoned,
  failPointDue,
  leaseRenewalDisabled,
  parseFailPoints,
  slowFlushPause,
} from "./failpoints";

afterEach(() => armFailPoints(undefined));

describe("fail points", () => {
  it("are off when unset: nothing is due and nothing is poison", () => {
    expect(parseFailPoints(undefined)).toBeUndefined();
    expect(parseFailPoints(" ")).toBeUndefined();
    armFailPoints(undefined);
    expect(failPointDue("before-catalog-commit")).toBe(false);
    expect(() => failIfPoisoned(["a"])).not.toThrow();
  });

  it("makes a kill point due at its n-th reach only", () => {
    armFailPoints("after-parquet-write:3, after-commit-before-ack");
    const reaches = [1, 2, 3, 4].map(() => failPointDue("after-parquet-write"));
    expect(reaches).toEqual([false, false, true, false]);
    expect(failPointDue("after-commit-before-ack")).toBe(true);
    expect(failPointDue("before-catalog-commit")).toBe(false);
  });

  it("fires once across processes sharing a once file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inlet-failpoints-"));
    try {
      const once = join(dir, "fired");
      armFailPoints("before-catalog-commit:1", once);
      expect(failPointDue("before-catalog-commit")).toBe(true);
      expect((await stat(once)).isFile()).toBe(true);
      // A restarted process reads the same setting and finds the file.
      armFailPoints("before-catalog-commit:1", once);
      expect(failPointDue("before-catalog-commit")).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails every batch carrying a poison event", () => {
    armFailPoints("poison-event:evt-7");
    expect(() => failIfPoisoned(["evt-1", "evt-7"])).toThrow(/poison-event.*evt-7/);
    expect(() => failIfPoisoned(["evt-1", "evt-7"])).toThrow(/evt-7/);
    expect(() => failIfPoisoned(["evt-1"])).not.toThrow();
  });

  it("slows every n-th flush commit by the given time, and stops lease renewals when told", async () => {
    armFailPoints("slow-flush:30:2");
    expect(leaseRenewalDisabled()).toBe(false);
    const started = Date.now();
    const waited = [];
    for (let i = 0; i < 4; i++) waited.push(await slowFlushPause());
    expect(waited).toEqual([0, 30, 0, 30]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    armFailPoints("no-lease-renewal, slow-flush:5");
    expect(leaseRenewalDisabled()).toBe(true);
    expect(await slowFlushPause()).toBe(5);
    armFailPoints(undefined);
    expect([leaseRenewalDisabled(), await slowFlushPause()]).toEqual([false, 0]);
  });

  it("refuses an entry it does not know, naming the points", () => {
    expect(() => parseFailPoints("after-upload:2")).toThrow(/after-parquet-write, before-catalog-commit/);
    expect(() => parseFailPoints("before-catalog-commit:0")).toThrow(/n ≥ 1/);
    expect(() => parseFailPoints("slow-flush:0")).toThrow(/slow-flush:<ms>\[:<n>\]/);
    expect(() => parseFailPoints("no-lease-renewal:1")).toThrow(/no-lease-renewal/);
  });
});
