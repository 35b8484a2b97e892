// A test API with the data-plane routes and a real worker on the same catalog, lake folder and queue:
// the worker commits what ingest accepts and runs replay and reprocess jobs. Plus the tRPC callers and
// the 200 check the job tests share.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@inlet/db";
import { createObjectStore, PgCatalog, startWorker } from "@inlet/lake-core";
import pino from "pino";
import { expect } from "vitest";
import { dataPlaneRoutes } from "../data-plane-routes";
import { TEST_WORKER_CONFIG } from "./lake-fixtures";
import { startTestServer, type TestServer } from "./test-server";
import { call } from "./trpc-client";

export interface ServerWithWorker {
  server: TestServer;
  catalog: PgCatalog;
  close(): Promise<void>;
}

/** Starts both on a fresh lake folder named after `prefix`; `close` stops the worker, the server and removes the folder. */
export async function startServerWithWorker(
  prefix: string,
  env: Record<string, string> = { INLET_REPLAY_MAX_RATE: "20000" },
): Promise<ServerWithWorker> {
  const lakeDir = await mkdtemp(join(tmpdir(), `inlet-${prefix}-`));
  const store = createObjectStore(`file://${lakeDir}`);
  const server = await startTestServer(env, { register: dataPlaneRoutes() }, store);
  const catalog = new PgCatalog(server.database.db);
  const worker = await startWorker({
    catalog,
    store,
    queue: server.queue,
    logger: pino({ level: "silent" }),
    config: { ...TEST_WORKER_CONFIG, replayPollMs: 50 },
  });
  return {
    server,
    catalog,
    async close() {
      await worker.stop();
      await server.close();
      await rm(lakeDir, { recursive: true, force: true });
    },
  };
}

/** tRPC query and mutation callers acting as `role` unless told otherwise. */
export function callersAs(server: () => TestServer, role: Role) {
  return {
    query: (path: string, input: unknown, as: Role = role) => call(server(), "query", path, input, as),
    mutate: (path: string, input: unknown, as: Role = role) => call(server(), "mutation", path, input, as),
  };
}

/** The answer's data, after checking it is a 200 (the message says why when it is not). */
// biome-ignore lint/suspicious/noExplicitAny: tRPC answers are read as JSON in these tests
export function ok<T = any>(answer: { status: number; data: T; message: string }): T {
  expect(answer.status, answer.message).toBe(200);
  return answer.data;
}
