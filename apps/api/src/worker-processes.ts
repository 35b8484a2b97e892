// Runs the data-plane workers as child processes of the API (the `npm start` default), restarting
// one that dies unexpectedly, and stopping them gracefully on shutdown.
import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { metricsOfMessage, WorkerMetricsBook } from "./worker-metrics-ipc";

const WORKER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), "worker-main.ts");

export interface WorkerProcesses {
  pids(): number[];
  /** All workers' metrics, summed. */
  metrics(): Registry;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Node flags of a worker process (also in `npm run worker`). A worker parses every event and keeps a
 * flush's candidates until it commits; with V8's default 16 MB semi-spaces they survive two
 * scavenges and are copied into the old generation. 64 MB semi-spaces let them die young: about
 * 15 % less CPU per event measured, for about 100 MB more memory per process.
 */
export const WORKER_NODE_FLAGS = ["--max-semi-space-size=64"];

export function startWorkerProcesses(count: number, env: NodeJS.ProcessEnv, logger: Logger): WorkerProcesses {
  const children = new Set<ChildProcess>();
  const book = new WorkerMetricsBook();
  let stopping = false;

  const spawn = (slot: number) => {
    const child = fork(WORKER_ENTRY, [], {
      env: { ...env, INLET_WORKER_SLOT: String(slot) },
      execArgv: [...WORKER_NODE_FLAGS, "--import", "tsx"],
      stdio: "inherit",
    });
    children.add(child);
    child.on("message", (msg) => {
      const snapshot = metricsOfMessage(msg);
      if (snapshot) book.update(slot, snapshot);
    });
    child.on("exit", (code, signal) => {
      children.delete(child);
      book.retire(slot);
      if (stopping) return;
      logger.error({ slot, code, signal }, "worker exited unexpectedly; restarting in 1 s");
      setTimeout(() => {
        if (!stopping) spawn(slot);
      }, 1000).unref();
    });
  };
  for (let i = 0; i < count; i++) spawn(i);

  return {
    pids: () => [...children].map((c) => c.pid ?? 0),
    metrics: () => book.registry(),
    async stop(timeoutMs = 15_000) {
      stopping = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolveExit) => {
              if (child.exitCode !== null) return resolveExit();
              const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
              child.once("exit", () => {
                clearTimeout(timer);
                resolveExit();
              });
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
