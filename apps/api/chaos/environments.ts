// What a scenario runs Inlet against besides itself: a lake on s3rver behind a fault-injecting proxy,
// its own NATS JetStream server to restart, or admission bounds low enough for a short overload.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { S3ObjectStore } from "@inlet/lake-core";
import { startS3rver } from "@inlet/lake-core/testing";
import { startChaosNats } from "./nats-server";
import type { ChaosOptions, FaultFigure } from "./run-chaos";
import { startS3FaultProxy } from "./s3-fault-proxy";

export interface ChaosEnvironment {
  options: Partial<ChaosOptions>;
  /** Figures of the environment itself, as report lines. */
  figures(): string[];
  close(): Promise<void>;
}

/**
 * A lake on s3rver, reached through a proxy that faults `rate` of the requests; the checker reads the
 * current snapshot's files from s3rver directly (each must exist and be readable).
 */
/**
 * Copies the lake objects at `paths` from the store into `dir` (same relative paths), for DuckDB to
 * read; those the store does not have are listed as missing.
 */
export async function downloadLakeFiles(
  store: S3ObjectStore,
  dir: string,
  paths: string[],
): Promise<{ local: string[]; missing: string[] }> {
  const local: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    const body = await store.get(path).catch(() => undefined);
    if (!body) {
      missing.push(path);
      continue;
    }
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, body);
    local.push(file);
  }
  return { local, missing };
}

export async function s3FaultsEnvironment(rate: number, stallMs: number): Promise<ChaosEnvironment> {
  const s3 = await startS3rver();
  const proxy = await startS3FaultProxy({ target: s3.endpoint, rate, stallMs });
  const downloads = await mkdtemp(join(tmpdir(), "inlet-chaos-s3-"));
  const direct = new S3ObjectStore(
    s3.storeUrl("lake"),
    s3.storeOptions({ cacheDir: join(downloads, "cache") }),
  );
  return {
    options: {
      env: {
        INLET_LAKE_URL: s3.storeUrl("lake"),
        INLET_S3_ENDPOINT: proxy.endpoint,
        INLET_S3_FORCE_PATH_STYLE: "true",
        INLET_S3_REGION: s3.region,
        // s3rver does not report server-side encryption, so the start check of it would fail.
        INLET_S3_SSE: "none",
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      },
      lakeFiles: async (paths) => {
        proxy.setEnabled(false);
        return downloadLakeFiles(direct, join(downloads, "files"), paths);
      },
    },
    figures: () => {
      const c = proxy.counts;
      return [
        `S3 requests through the proxy ${c.requests.toLocaleString()}; faults injected: 503 SlowDown ${c.slowdown}, stalled ${c.stall} (cut after ${stallMs / 1000} s), cut before the server ${c.drop}, cut after the server applied it ${c["drop-after"]}`,
      ];
    },
    async close() {
      await proxy.close();
      await s3.stop();
      await rm(downloads, { recursive: true, force: true });
    },
  };
}

/** Inlet's queue on a NATS JetStream server of its own, restarted at each fault. */
export async function natsRestartEnvironment(): Promise<ChaosEnvironment> {
  const store = await mkdtemp(join(tmpdir(), "inlet-chaos-nats-"));
  const nats = await startChaosNats(store);
  // The server's num_redelivered is the consumers' messages delivered more than once and not yet acked
  // (not a running total), sampled twice a second: the highest of each life of the server, summed.
  let before = 0;
  let current = 0;
  const poll = setInterval(() => {
    void nats.redelivered().then((n) => {
      current = Math.max(current, n);
    });
  }, 500);
  return {
    options: {
      env: { INLET_QUEUE: "nats", INLET_NATS_URL: nats.url },
      externalFault: async (): Promise<Omit<FaultFigure, "at">> => {
        const pid = nats.pid();
        const struckAt = Date.now();
        current = Math.max(current, await nats.redelivered());
        const downMs = await nats.restart();
        before += current;
        current = 0;
        return { struckAt, what: `restart of nats-server pid ${pid}`, downMs };
      },
    },
    figures: () => [
      `NATS messages awaiting redelivery, most at once (sampled every 0.5 s, summed over the server's lives): ${(before + current).toLocaleString()}`,
    ],
    async close() {
      clearInterval(poll);
      await nats.stop();
      await rm(store, { recursive: true, force: true });
    },
  };
}
