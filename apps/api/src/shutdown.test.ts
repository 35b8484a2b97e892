import { EventEmitter } from "node:events";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { type ProcessHandle, stopOnSignals, watchParent } from "./shutdown";

function fakeProcess() {
  const events = new EventEmitter();
  const exits: number[] = [];
  let exited: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    exited = resolve;
  });
  const proc: ProcessHandle = {
    on: (event, listener) => events.on(event, listener),
    exit: (code) => {
      exits.push(code);
      exited();
    },
  };
  return { events, exits, done, proc };
}

describe("stopping a process", () => {
  it("runs every step once, in order, however many signals come, and exits 0", async () => {
    const { events, exits, done, proc } = fakeProcess();
    const order: string[] = [];
    const step = (name: string) => async () => {
      // A step takes time, like closing a server: the later signals come while the steps run.
      await new Promise((r) => setTimeout(r, 5));
      order.push(name);
    };
    stopOnSignals(
      {
        logger: pino({ level: "silent" }),
        stoppingMessage: "stopping",
        failedMessage: "failed",
        graceMs: 10_000,
        steps: [step("server"), step("queue"), step("db")],
      },
      proc,
    );
    events.emit("SIGTERM");
    events.emit("SIGINT");
    events.emit("disconnect");
    await done;
    expect(order).toEqual(["server", "queue", "db"]);
    expect(exits).toEqual([0]);
  });

  it("logs a failed step, skips the rest and still exits 0", async () => {
    const { events, exits, done, proc } = fakeProcess();
    const logger = pino({ level: "silent" });
    const logged = vi.spyOn(logger, "error");
    const last = vi.fn();
    stopOnSignals(
      {
        logger,
        stoppingMessage: "stopping",
        failedMessage: "failed",
        graceMs: 10_000,
        steps: [
          () => {
            throw new Error("queue gone");
          },
          last,
        ],
      },
      proc,
    );
    events.emit("disconnect");
    await done;
    expect(last).not.toHaveBeenCalled();
    expect(logged).toHaveBeenCalledWith({ err: expect.any(Error) }, "failed");
    expect(exits).toEqual([0]);
  });

  it("exits 1 when the steps outlast the grace period", async () => {
    const { events, exits, done, proc } = fakeProcess();
    stopOnSignals(
      {
        logger: pino({ level: "silent" }),
        stoppingMessage: "stopping",
        failedMessage: "failed",
        graceMs: 10,
        steps: [() => new Promise(() => {})],
      },
      proc,
    );
    events.emit("SIGINT");
    await done;
    expect(exits).toEqual([1]);
  });

  it("notices a parent lost before the stop was registered, and stops when told", async () => {
    const { events, exits, done, proc } = fakeProcess();
    const gone = watchParent({ on: proc.on, send: () => true });
    events.emit("disconnect"); // the API died while the worker was still starting
    expect(gone()).toBe(true);
    const ran: string[] = [];
    const stop = stopOnSignals(
      {
        logger: pino({ level: "silent" }),
        stoppingMessage: "stopping",
        failedMessage: "failed",
        graceMs: 10_000,
        steps: [() => ran.push("worker")],
      },
      proc,
    );
    if (gone()) void stop("parent exited while the worker started");
    await done;
    expect(ran).toEqual(["worker"]);
    expect(exits).toEqual([0]);
    // A parent that died while the process was still loading: already disconnected at the call.
    expect(watchParent({ on: proc.on, send: () => true, connected: false })()).toBe(true);
    // A process not forked (no IPC channel) has no parent to lose.
    const standalone = fakeProcess();
    const never = watchParent({ on: standalone.proc.on });
    standalone.events.emit("disconnect");
    expect(never()).toBe(false);
  });
});
