// Lake data for API integration tests: events sent through the ingest API with a source's key, as a
// producer sends them, and a real worker on the test server's catalog, lake and queue, run until what
// was sent is committed (or another condition holds) and then stopped.
import { type ObjectStore, PgCatalog, startWorker, type WorkerConfig } from "@inlet/lake-core";
import pino from "pino";
import { expect } from "vitest";
import type { TestServer } from "./test-server";
import { untilTrue } from "./trpc-client";

/** A worker that flushes at once, one loop at a time, with compaction, vacuum and the sweeps off. */
export const TEST_WORKER_CONFIG: WorkerConfig = {
  flushIntervalMs: 20,
  concurrency: 1,
  duckdbThreads: 1,
  compactIntervalMs: 0,
  vacuumIntervalMs: 0,
  strandedSweepIntervalMs: 0,
  landing: "off",
};

/** Sends the events (one NDJSON line each) to the source with its key; returns the accepted batch's id. */
export async function sendEvents(
  server: TestServer,
  slug: string,
  key: string,
  events: readonly unknown[],
): Promise<string> {
  const res = await server.app.inject({
    method: "POST",
    url: `/v1/sources/${slug}/events`,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    payload: events.map((e) => JSON.stringify(e)).join("\n"),
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().batchId;
}

/** Runs a worker with the config until `done` holds (failing after `ms`), then stops it. */
export async function workUntil(
  server: TestServer,
  store: ObjectStore,
  config: WorkerConfig,
  label: string,
  done: () => Promise<boolean>,
  ms?: number,
): Promise<void> {
  const worker = await startWorker({
    catalog: new PgCatalog(server.database.db),
    store,
    queue: server.queue,
    logger: pino({ level: "silent" }),
    config,
  });
  try {
    await untilTrue(label, done, ms);
  } finally {
    await worker.stop();
  }
}

/** Whether every one of the batches is committed. */
export function batchesCommitted(server: TestServer, batchIds: readonly string[]): () => Promise<boolean> {
  const catalog = new PgCatalog(server.database.db);
  return async () => {
    const states = await catalog.batchStates([...batchIds]);
    return batchIds.every((id) => states.get(id)?.status === "committed");
  };
}
