// A nats-server with JetStream of a chaos run's own: a free port, its own store directory, restartable
// on the same port and store (what a NATS restart in production looks like to Inlet).
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "@inlet/db";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export interface ChaosNats {
  url: string;
  pid(): number | undefined;
  /** Messages of every JetStream consumer delivered more than once and not yet acked (num_redelivered). */
  redelivered(): Promise<number>;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and starts it again; the ms it was not listening. */
  restart(): Promise<number>;
  stop(): Promise<void>;
}

export async function startChaosNats(storeDir: string, binary = "/usr/sbin/nats-server"): Promise<ChaosNats> {
  const port = await freePort();
  const monitorPort = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      binary,
      ["-js", "-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort), "-sd", storeDir],
      {
        stdio: "ignore",
      },
    );
    const deadline = Date.now() + 30_000;
    while (!(await listening(port))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within 30 s`);
      await sleep(50);
    }
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: () => child?.pid,
    async redelivered() {
      const res = await fetch(
        `http://127.0.0.1:${monitorPort}/jsz?accounts=true&streams=true&consumers=true`,
      ).catch(() => undefined);
      if (!res?.ok) return 0;
      const jsz = (await res.json()) as {
        account_details?: { stream_detail?: { consumer_detail?: { num_redelivered?: number }[] }[] }[];
      };
      let n = 0;
      for (const a of jsz.account_details ?? [])
        for (const s of a.stream_detail ?? [])
          for (const c of s.consumer_detail ?? []) n += c.num_redelivered ?? 0;
      return n;
    },
    async restart() {
      const down = Date.now();
      await stop();
      await start();
      return Date.now() - down;
    },
    stop,
  };
}
