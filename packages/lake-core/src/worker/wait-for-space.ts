// While the lake's disk (or the worker's scratch folder) is full, a flush's writes wait for room instead
// of failing. A failed flush
// hands its batches back to the queue, and each time spends one of their receives
// (INLET_QUEUE_MAX_RECEIVES): a disk full for longer than a few flushes would turn good batches into
// POISON_BATCH dead letters. Waiting keeps them leased to the flush (their leases are renewed meanwhile)
// and commits them as soon as space returns; a stopping worker gives up the wait and hands them back.
import type { Logger } from "pino";
import { isDiskFull } from "../adapters/local-fs-store";
import { errorMessage } from "../errors";
import type { ObjectStore, PutOptions } from "../ports/object-store";

export interface WaitForSpaceOptions {
  /** Aborted when the worker stops: the write that is waiting fails with its last error. */
  signal: AbortSignal;
  logger?: Logger | undefined;
  /** First pause between two tries, doubled up to maxDelayMs (defaults 250 ms and 2 s). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Called once for each write that had to wait, with how long it waited. */
  onWaited?: (ms: number) => void;
  /** Called with +1 when a write starts waiting for space and -1 when it stops (written or failed). */
  onWaiting?: (delta: 1 | -1) => void;
}

/**
 * A pause that ends early once the worker stops. Polled rather than an abort listener: every write
 * of a flush (one a partition) may be waiting at once, and each listener would count against the
 * signal's listener limit.
 */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (!signal.aborted && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
  }
}

/**
 * True for an error of a write to the worker's scratch folder that had no room: the file system's
 * ENOSPC or EDQUOT, from Node or as DuckDB words it.
 */
export function isScratchFull(err: unknown): boolean {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  if (code === "ENOSPC" || code === "EDQUOT") return true;
  return /no space left on device|disk quota exceeded/i.test(errorMessage(err));
}

/**
 * Runs `attempt` again while it fails for want of space (`isFull`), pausing between tries; any other
 * error, or the worker stopping, fails it at once. `what` names the write in the log.
 */
export async function retryWhileDiskFull<T>(
  what: string,
  attempt: () => Promise<T>,
  isFull: (err: unknown) => boolean,
  opts: WaitForSpaceOptions,
): Promise<T> {
  const first = opts.firstDelayMs ?? 250;
  const most = opts.maxDelayMs ?? 2000;
  let delay = first;
  let since: number | undefined;
  try {
    for (;;) {
      try {
        const result = await attempt();
        if (since !== undefined) {
          const waitedMs = Date.now() - since;
          opts.onWaited?.(waitedMs);
          opts.logger?.info({ what, waitedMs }, "the disk has room again; the flush goes on");
        }
        return result;
      } catch (err) {
        if (!isFull(err) || opts.signal.aborted) throw err;
        if (since === undefined) {
          since = Date.now();
          opts.onWaiting?.(1);
          opts.logger?.warn(
            { what, err: errorMessage(err) },
            "the disk is full; the flush waits for space, holding its batches",
          );
        }
        await pause(delay, opts.signal);
        delay = Math.min(delay * 2, most);
      }
    }
  } finally {
    if (since !== undefined) opts.onWaiting?.(-1);
  }
}

/**
 * The store with its writes (put, putFile, copy) tried again while they fail for want of space
 * (isDiskFull); reads, lists and deletes pass through unchanged. Any other error fails at once.
 */
export function waitingForSpace(store: ObjectStore, opts: WaitForSpaceOptions): ObjectStore {
  const write = <T>(key: string, attempt: () => Promise<T>): Promise<T> =>
    retryWhileDiskFull(`the lake's ${key}`, attempt, isDiskFull, opts);
  return {
    get url() {
      return store.url;
    },
    put: (key: string, body: Uint8Array, o?: PutOptions) => write(key, () => store.put(key, body, o)),
    putFile: (key: string, path: string, o?: PutOptions) => write(key, () => store.putFile(key, path, o)),
    copy: (from: string, to: string) => write(to, () => store.copy(from, to)),
    get: (key: string) => store.get(key),
    head: (key: string) => store.head(key),
    list: (prefix: string) => store.list(prefix),
    delete: (keys: string[]) => store.delete(keys),
    localPath: (key: string) => store.localPath(key),
    ...(store.setArchiveRules ? { setArchiveRules: store.setArchiveRules.bind(store) } : {}),
  };
}
