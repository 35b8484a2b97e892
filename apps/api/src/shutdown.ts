// How an API or worker process stops: on SIGTERM, SIGINT or the loss of its parent, its stop steps
// run once, in order, then it exits; a stop that hangs past the grace period exits 1 instead.
import type { Logger } from "pino";

export interface ShutdownPlan {
  logger: Logger;
  /** Logged with the signal when stopping starts. */
  stoppingMessage: string;
  /** Logged with the error when a step throws; the remaining steps are skipped and the exit is still 0. */
  failedMessage: string;
  graceMs: number;
  /** Run one after the other: servers before the queue, the catalog database last. */
  steps: ReadonlyArray<() => unknown>;
}

/** The part of `process` shutdown uses, so that a test can drive it. */
export interface ProcessHandle {
  on(event: "SIGTERM" | "SIGINT" | "disconnect", listener: () => void): unknown;
  exit(code: number): void;
}

/** Registers the stop on signals and the parent's loss; returns it, to stop for another reason. */
export function stopOnSignals(
  plan: ShutdownPlan,
  proc: ProcessHandle = process,
): (reason: string) => Promise<void> {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    plan.logger.info({ signal }, plan.stoppingMessage);
    const force = setTimeout(() => proc.exit(1), plan.graceMs);
    force.unref();
    try {
      for (const step of plan.steps) await step();
    } catch (err) {
      plan.logger.error({ err }, plan.failedMessage);
    }
    proc.exit(0);
  };
  proc.on("SIGTERM", () => void stop("SIGTERM"));
  proc.on("SIGINT", () => void stop("SIGINT"));
  // Started with an IPC channel (`npm start`, or forked by the API): if the parent dies, even by
  // SIGKILL, stop too.
  proc.on("disconnect", () => void stop("parent exited"));
  return stop;
}

/**
 * Whether this process's parent (the API that forked it) is gone: lost since the call, or already
 * before it (the parent died while this process was still loading its modules). A process that takes a
 * while to start registers its stop late, and the loss would otherwise go unnoticed.
 */
export function watchParent(
  proc: Pick<ProcessHandle, "on"> & { send?: unknown; connected?: boolean } = process,
): () => boolean {
  if (!proc.send) return () => false;
  let gone = proc.connected === false;
  proc.on("disconnect", () => {
    gone = true;
  });
  return () => gone;
}
