import { EventEmitter } from "node:events";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { type ProcessHandle, stopOnSignals } from "./shutdown";

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
});
