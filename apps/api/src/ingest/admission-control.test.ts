import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SourceBacklog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdmissionControl, type AdmissionControlOptions } from "./admission-control";
import type { AdmissionBounds } from "./admission-judge";

const MiB = 1024 * 1024;
const BOUNDS: AdmissionBounds = {
  sourceMaxBacklogBytes: 100 * MiB,
  sourceMaxBacklogAgeMs: 60_000,
  maxQueueBacklogBytes: 1000 * MiB,
  minFreeDiskBytes: 10 * MiB,
};
const ORDERS = { id: "s-orders", slug: "orders" };
const CLICKS = { id: "s-clicks", slug: "clicks" };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-admission-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A catalog whose backlog the test sets, counting its reads; a clock the test moves. */
function bed(opts: Partial<AdmissionControlOptions> = {}) {
  const state = { backlog: [] as SourceBacklog[], reads: 0, now: 1_000_000, failing: false };
  const control = new AdmissionControl({
    catalog: {
      ingestBacklog: async () => {
        state.reads += 1;
        if (state.failing) throw new Error("catalog down");
        return state.backlog.map((b) => ({ ...b }));
      },
    },
    bounds: BOUNDS,
    lakeUrl: "s3://lake/inlet",
    now: () => state.now,
    ...opts,
  });
  const set = (source: { id: string; slug: string }, bytes: number, oldestAgeMs = 1000) => {
    state.backlog = [
      ...state.backlog.filter((b) => b.sourceId !== source.id),
      ...(bytes > 0 ? [{ sourceId: source.id, slug: source.slug, batches: 1, bytes, oldestAgeMs }] : []),
    ];
  };
  return { state, control, set };
}

describe("admission control", () => {
  it("reads the catalog at most once a second, in the background once it has figures", async () => {
    const { state, control, set } = bed();
    set(ORDERS, 10 * MiB);
    await Promise.all(Array.from({ length: 50 }, () => control.admit(ORDERS)));
    expect(state.reads).toBe(1);
    state.now += 500;
    for (let i = 0; i < 50; i++) await control.admit(ORDERS);
    expect(state.reads).toBe(1);
    // Past a second the current figures answer while new ones are read.
    set(ORDERS, 200 * MiB);
    state.now += 600;
    expect(await control.admit(ORDERS)).toBe(undefined);
    await control.refresh();
    expect(state.reads).toBe(2);
    expect(await control.admit(ORDERS)).toMatchObject({ code: "SOURCE_BACKLOG" });
    // After a quiet spell the figures are read before the request is judged.
    set(ORDERS, 0);
    state.now += 60_000;
    expect(await control.admit(ORDERS)).toBe(undefined);
    expect(state.reads).toBe(3);
  });

  it("refuses one source over its bound and admits another", async () => {
    const { control, set } = bed();
    set(ORDERS, 101 * MiB);
    set(CLICKS, 99 * MiB);
    expect(await control.admit(ORDERS)).toMatchObject({ status: 429, reason: "source_backlog_bytes" });
    expect(await control.admit(CLICKS)).toBe(undefined);
  });

  it("counts bytes it accepted since the last reading against the bound", async () => {
    const { control, set } = bed();
    set(ORDERS, 90 * MiB);
    expect(await control.admit(ORDERS)).toBe(undefined);
    control.noteAccepted(ORDERS.id, 11 * MiB);
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_bytes" });
    expect(await control.admit(CLICKS)).toBe(undefined);
  });

  it("counts what it accepted since the last reading while a new one is under way", async () => {
    let now = 1_000_000;
    let backlog: SourceBacklog[] = [
      { sourceId: ORDERS.id, slug: "orders", batches: 1, bytes: 90 * MiB, oldestAgeMs: 0 },
    ];
    let catalogAnswers: Promise<void> = Promise.resolve();
    const control = new AdmissionControl({
      catalog: { ingestBacklog: async () => catalogAnswers.then(() => backlog.map((b) => ({ ...b }))) },
      bounds: BOUNDS,
      lakeUrl: "s3://lake/inlet",
      now: () => now,
    });
    expect(await control.admit(ORDERS)).toBe(undefined);
    control.noteAccepted(ORDERS.id, 11 * MiB);
    // Past a second a request starts a new reading and is judged on the current one meanwhile: the
    // 11 MiB accepted since still count, though neither reading holds them yet.
    now += 1100;
    let answer = () => {};
    catalogAnswers = new Promise((resolve) => {
      answer = resolve;
    });
    backlog = [{ ...backlog[0]!, bytes: 101 * MiB }];
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_bytes" });
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_bytes" });
    answer();
    await control.refresh();
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_bytes" });
    expect(await control.admit(CLICKS)).toBe(undefined);
  });

  it("ages the oldest batch between readings", async () => {
    const { state, control, set } = bed();
    set(ORDERS, MiB, 59_500);
    expect(await control.admit(ORDERS)).toBe(undefined);
    state.now += 900;
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_age" });
  });

  it("derives Retry-After from the rate the backlog drains at", async () => {
    const { state, control, set } = bed();
    set(ORDERS, 140 * MiB);
    expect((await control.admit(ORDERS))?.retryAfterSeconds).toBe(5);
    // 10 MiB drained in a second: the 30 MiB still over the bound take 3 more.
    state.now += 1000;
    set(ORDERS, 130 * MiB);
    await control.refresh();
    expect((await control.admit(ORDERS))?.retryAfterSeconds).toBe(3);
    // A reading a few milliseconds later (a /metrics scrape) is too short to tell a rate from.
    state.now += 5;
    set(ORDERS, 125 * MiB);
    await control.refresh();
    expect((await control.admit(ORDERS))?.retryAfterSeconds).toBe(3);
    // Nothing drains for a long while (workers stopped): the longest wait.
    for (let i = 0; i < 40; i++) {
      state.now += 1000;
      await control.refresh();
    }
    expect((await control.admit(ORDERS))?.retryAfterSeconds).toBe(60);
  });

  it("admits while the catalog does not answer, on figures no older than a few seconds", async () => {
    const { state, control, set } = bed();
    set(ORDERS, 200 * MiB);
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_bytes" });
    state.failing = true;
    state.now += 2000;
    await control.refresh();
    expect(await control.admit(ORDERS)).toMatchObject({ reason: "source_backlog_bytes" });
    state.now += 5000;
    expect(await control.admit(ORDERS)).toBe(undefined);
  });

  it("bounds the free space of a file:// lake's disk, through its nearest existing folder", async () => {
    const asked: string[] = [];
    let free = 5 * MiB;
    const lake = join(dir, "lake-not-made-yet");
    const { state, control } = bed({
      lakeUrl: pathToFileURL(lake).href,
      statfs: async (path) => {
        asked.push(path);
        if (path === lake) throw Object.assign(new Error("no such folder"), { code: "ENOENT" });
        return { bavail: free / 4096, bsize: 4096 };
      },
    });
    expect(await control.admit(ORDERS)).toMatchObject({
      status: 503,
      reason: "disk_free",
      retryAfterSeconds: 60,
    });
    expect(asked).toEqual([lake, dir]);
    free = 20 * MiB;
    state.now += 1000;
    await control.refresh();
    expect(await control.admit(ORDERS)).toBe(undefined);
  });

  it("refuses every source while the whole backlog is over its bound", async () => {
    const { control, set } = bed({ bounds: { ...BOUNDS, maxQueueBacklogBytes: 150 * MiB } });
    set(ORDERS, 90 * MiB);
    set(CLICKS, 90 * MiB);
    expect(await control.admit(ORDERS)).toMatchObject({ status: 429, reason: "queue_backlog_bytes" });
    expect(await control.admit({ id: "s-new", slug: "new" })).toMatchObject({
      reason: "queue_backlog_bytes",
    });
  });
});
