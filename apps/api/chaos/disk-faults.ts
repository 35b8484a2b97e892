// The disk-full scenario: the run's local lake on a small tmpfs of its own, filled by a filler file
// until writes fail with ENOSPC part-way through the load, and freed again some seconds later. The
// API must refuse what it cannot make durable (503 with Retry-After, never a 2xx, never a 500), no
// snapshot may name a partial or unreadable Parquet file, and the worker must catch up by itself.
import { execFile } from "node:child_process";
import { mkdtemp, open, readdir, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import type { ChaosEnvironment } from "./environments";
import type { ChaosRun, FaultFigure, Inspection } from "./run-chaos";

const run = promisify(execFile);
/** The local store writes each object to a temporary name first (".inlet-tmp-…", see object-key.ts). */
const TEMP_FILE_PREFIX = ".inlet-tmp-";
const secs = (ms: number | undefined) => (ms === undefined ? "never" : `${(ms / 1000).toFixed(1)} s`);

export type DiskFaultScenario = "disk-full";

export interface DiskFullOptions {
  /** Size of the tmpfs the lake lives on, in MiB. */
  sizeMb: number;
  /** How long the disk stays full before the filler is deleted, in ms. */
  holdMs: number;
  /**
   * INLET_MIN_FREE_DISK_BYTES for the run: 0 (the default of the scenario) turns admission's disk
   * bound off, so writes meet ENOSPC itself; above 0, admission refuses once it reads the disk full.
   */
  minFreeBytes: number;
}

interface Fill {
  struckAt: number;
  filledAt: number;
  bytes: number;
  freedAt?: number;
  /** Batches received before the disk filled and not yet committed when it was freed. */
  heldThrough?: number | undefined;
  /** Resolves once the filler is deleted. */
  freed: Promise<void>;
}

/** Writes `path` until the file system has no room left; returns the bytes written. */
async function fillUntilFull(path: string): Promise<number> {
  const handle = await open(path, "a");
  let bytes = 0;
  try {
    // Large chunks first, then smaller ones, so that the last pages are taken too.
    for (const size of [4 * 1024 ** 2, 64 * 1024, 4096]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          const { bytesWritten } = await handle.write(chunk);
          bytes += bytesWritten;
          if (bytesWritten < size) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw err;
        }
      }
    }
  } finally {
    await handle.close();
  }
  return bytes;
}

/**
 * Batch messages received more than once while the disk was full, sampled every 250 ms: how often the
 * worker took a batch, failed it and handed it back, and the last error it gave.
 */
function sampleRetries(url: string): { stop(): Promise<{ retries: number; errors: Map<string, number> }> } {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  const highest = new Map<string, number>();
  const errors = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await pool
        .query<{ id: string; n: number; error: string | null }>(
          `SELECT id::text AS id, receive_count AS n, last_error AS error FROM queue_messages
            WHERE queue = 'batches' AND receive_count > 1`,
        )
        .then(
          ({ rows }) => {
            for (const r of rows) {
              highest.set(r.id, Math.max(highest.get(r.id) ?? 0, r.n));
              // The error's kind without the paths and ids that make each one unique.
              const kind = (r.error ?? "none").replace(/'[^']*'|\S*\/\S*/g, "…").slice(0, 120);
              errors.set(kind, Math.max(errors.get(kind) ?? 0, 1));
            }
          },
          () => undefined,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await pool.end().catch(() => undefined);
      let retries = 0;
      for (const n of highest.values()) retries += n - 1;
      return { retries, errors };
    },
  };
}

/** Every file under `dir`, as paths relative to `root`. */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(root, p)));
    else out.push(relative(root, p));
  }
  return out;
}

/**
 * The lake of the run on a tmpfs of `sizeMb` MiB mounted for it (this needs root), filled at each
 * `--at` and freed `holdMs` later. Unmounted on close, whatever happened.
 */
export async function diskFullEnvironment(opts: DiskFullOptions): Promise<ChaosEnvironment> {
  const mountDir = await mkdtemp(join(tmpdir(), "inlet-chaos-disk-"));
  try {
    await run("mount", ["-t", "tmpfs", "-o", `size=${opts.sizeMb}m,mode=0755`, "tmpfs", mountDir]);
  } catch (err) {
    await rm(mountDir, { recursive: true, force: true });
    throw new Error(`disk-full needs to mount a tmpfs (as root): ${(err as Error).message}`);
  }
  const lake = join(mountDir, "lake");
  const filler = join(mountDir, "filler");
  const fills: Fill[] = [];
  let retries: ReturnType<typeof sampleRetries> | undefined;
  /** A fault that came while the disk was still full from the one before: filled after it. */
  let later: Promise<void> | undefined;
  let db: pg.Pool | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const freeLater = (fill: Omit<Fill, "freed">): Fill => {
    const freed = new Promise<void>((resolve) => {
      const timer = setTimeout(async () => {
        timers.delete(timer);
        // Batches received before the disk filled and still waiting: the worker held them through it.
        fill.heldThrough = await db
          ?.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM batches WHERE status = 'received' AND received_at <= $1",
            [new Date(fill.filledAt)],
          )
          .then(
            ({ rows }) => rows[0]?.n,
            () => undefined,
          );
        void unlink(filler)
          .catch(() => undefined)
          .then(() => {
            fill.freedAt = Date.now();
            resolve();
          });
      }, opts.holdMs);
      timers.add(timer);
    });
    return Object.assign(fill, { freed });
  };

  /** Fills the disk while some batch waits for the worker, so that a flush meets the full disk too. */
  const fillNow = async (): Promise<Fill> => {
    for (let i = 0; i < 50; i++) {
      const n = await db
        ?.query<{ n: number }>("SELECT count(*)::int AS n FROM batches WHERE status = 'received'")
        .then(({ rows }) => rows[0]?.n ?? 0);
      if ((n ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const struckAt = Date.now();
    const bytes = await fillUntilFull(filler);
    const fill = freeLater({ struckAt, filledAt: Date.now(), bytes });
    fills.push(fill);
    return fill;
  };

  const inspect = async (r: ChaosRun): Promise<Inspection> => {
    await later;
    for (const f of fills) await f.freed;
    const lines: string[] = [];
    const failures: string[] = [];
    for (const [i, f] of fills.entries()) {
      const freedAt = f.freedAt ?? Date.now();
      const during = r.statuses.filter((s) => s.answeredAt >= f.filledAt && s.answeredAt < freedAt);
      const byStatus: Record<string, number> = {};
      for (const s of during) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
      const text =
        Object.entries(byStatus)
          .map(([status, n]) => `${status} × ${n}`)
          .join(", ") || "none";
      const okDuring = during.filter((s) => s.sentAt >= f.filledAt && s.status.startsWith("2")).length;
      const firstOk = r.statuses.find((s) => s.sentAt >= freedAt && s.status.startsWith("2"));
      const { rows } = await r.db.query<{ last: Date | null; waiting: string }>(
        `SELECT max(committed_at) AS last, count(*) FILTER (WHERE status <> 'committed') AS waiting
           FROM batches WHERE received_at <= $1`,
        [new Date(freedAt)],
      );
      const last = rows[0]?.last;
      const backlogMs = last ? Math.max(0, last.getTime() - freedAt) : undefined;
      lines.push(
        `disk full #${i + 1} ${((f.struckAt - r.firstSend) / 1000).toFixed(1)} s into the run: filler of ${(f.bytes / 1024 ** 2).toFixed(1)} MiB until ENOSPC (took ${secs(f.filledAt - f.struckAt)}), freed ${secs(freedAt - f.filledAt)} later; batches received before it still waiting when it was freed (in the flush that waited, or queued behind it): ${f.heldThrough ?? "?"}; answers meanwhile: ${text}; 2xx of requests sent meanwhile: ${okDuring}; first 2xx of a request sent after the space returned ${secs(firstOk ? firstOk.answeredAt - freedAt : undefined)} later; batches received until then all committed ${secs(backlogMs)} after the space returned`,
      );
      if (Number(rows[0]?.waiting ?? 0) > 0)
        failures.push(`${rows[0]?.waiting} batches received before the space returned are not committed`);
      if (f.freedAt === undefined) failures.push(`disk full #${i + 1} was never freed`);
    }
    if (fills.length === 0) failures.push("the disk was never filled");
    const sampled = await retries?.stop();
    retries = undefined;
    lines.push(
      `batch messages received again after a failed attempt (sampled every 250 ms): ${sampled?.retries ?? 0}; their errors: ${[...(sampled?.errors.keys() ?? [])].join(" | ") || "none"}`,
    );

    const { rows: poison } = await r.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM dead_letters WHERE reason_code = 'POISON_BATCH'",
    );
    const poisonCount = Number(poison[0]?.n ?? 0);
    lines.push(`POISON_BATCH dead letters (batches given up on): ${poisonCount}`);
    if (poisonCount > 0)
      failures.push(`${poisonCount} batches were given up on as poison while the disk was full`);

    // Every file any snapshot of any table names (current or not, unless the vacuum removed it since)
    // must be whole Parquet that DuckDB reads; files no snapshot names are never read by a query.
    const { rows: named } = await r.db.query<{ path: string; current: boolean }>(
      `SELECT f.path, (f.added_seq <= t.current_seq AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)) AS current
         FROM data_files f JOIN lake_tables t ON t.id = f.table_id`,
    );
    const onDisk = await filesUnder(lake, lake);
    const there = new Set(onDisk);
    const unreadable: string[] = [];
    let read = 0;
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    try {
      for (const f of named) {
        if (!there.has(f.path)) {
          if (f.current) unreadable.push(`${f.path} (missing)`);
          continue;
        }
        read += 1;
        await duck
          .runAndReadAll(`SELECT count(*) FROM read_parquet('${join(lake, f.path).replaceAll("'", "''")}')`)
          .catch((err: unknown) => unreadable.push(`${f.path} (${(err as Error).message.slice(0, 80)})`));
      }
    } finally {
      duck.closeSync();
    }
    const namedPaths = new Set(named.map((f) => f.path));
    const strayParquet = onDisk.filter((p) => p.endsWith(".parquet") && !namedPaths.has(p));
    const temps = onDisk.filter((p) => p.split("/").pop()?.startsWith(TEMP_FILE_PREFIX));
    lines.push(
      `Parquet files named by a snapshot: ${named.length} (${read} on disk read whole by DuckDB, ${unreadable.length} unreadable or missing); Parquet files in no snapshot: ${strayParquet.length}; temporary files left in the lake: ${temps.length}`,
    );
    if (unreadable.length > 0)
      failures.push(`files named by a snapshot unreadable: ${unreadable.slice(0, 5).join(", ")}`);
    const free = await run("df", ["-B1", "--output=avail", mountDir]).then(
      ({ stdout }) => Number(stdout.trim().split("\n").pop()),
      () => Number.NaN,
    );
    lines.push(
      `lake tmpfs ${opts.sizeMb} MiB, ${(free / 1024 ** 2).toFixed(1)} MiB free at the end; INLET_MIN_FREE_DISK_BYTES ${opts.minFreeBytes.toLocaleString()} for the run`,
    );
    return { lines, failures };
  };

  return {
    options: {
      env: {
        INLET_LAKE_URL: `file://${lake}`,
        INLET_MIN_FREE_DISK_BYTES: String(opts.minFreeBytes),
      },
      lakeFiles: async (paths) => {
        const local = paths.map((p) => join(lake, p));
        const there = await Promise.all(
          local.map((f) =>
            stat(f).then(
              () => true,
              () => false,
            ),
          ),
        );
        return { local: local.filter((_, i) => there[i]), missing: paths.filter((_, i) => !there[i]) };
      },
      hooks: {
        async started(r) {
          retries = sampleRetries(r.dbUrl);
          db = new pg.Pool({ connectionString: r.dbUrl, max: 1 });
          db.on("error", () => {});
        },
        async fault(): Promise<Omit<FaultFigure, "at">> {
          if (fills.length === 0 && !later) {
            const fill = await fillNow();
            return {
              struckAt: fill.struckAt,
              what: `disk full: ${(fill.bytes / 1024 ** 2).toFixed(1)} MiB filler on the lake's tmpfs, deleted ${opts.holdMs / 1000} s later`,
            };
          }
          // A disk still full from the previous fault is freed first and what it held back committed,
          // so that each fault's recovery is its own; the load goes on meanwhile (not held by this hook).
          const after = later ?? Promise.resolve();
          later = after.then(async () => {
            const previous = fills.at(-1);
            await previous?.freed;
            for (let i = 0; i < 600; i++) {
              const n = await db
                ?.query<{ n: number }>(
                  "SELECT count(*)::int AS n FROM batches WHERE status = 'received' AND received_at <= $1",
                  [new Date(previous?.freedAt ?? Date.now())],
                )
                .then(({ rows }) => rows[0]?.n ?? 0);
              if (!n) break;
              await new Promise((r) => setTimeout(r, 100));
            }
            await fillNow();
          });
          return {
            struckAt: Date.now(),
            what: `disk full again once the previous fill is freed and what it held back committed, for ${opts.holdMs / 1000} s`,
          };
        },
        inspect,
      },
    },
    figures: () => [],
    async close() {
      await retries?.stop();
      await db?.end().catch(() => undefined);
      for (const t of timers) clearTimeout(t);
      try {
        await unlink(filler).catch(() => undefined);
      } finally {
        // A process still holding a file open would make a plain umount fail: detach it then.
        await run("umount", [mountDir]).catch(() => run("umount", ["-l", mountDir]));
        await rm(mountDir, { recursive: true, force: true });
      }
    },
  };
}
