// Faults inside Inlet's own processes and its catalog database: a worker SIGKILLed by a fail point at
// an exact step of a flush, a poison batch, the embedded PostgreSQL restarted or its connections cut.
// Each is a set of hooks into one chaos run, and the figures it reports.
import { spawn } from "node:child_process";
import { readdir, readlink, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import type { ChaosRun, Inspection, ScenarioHooks } from "./run-chaos";

/** The scenarios of this module, and the fail point each kill scenario arms. */
export const INLET_FAULT_SCENARIOS = {
  "kill-after-parquet-write": "after-parquet-write",
  "kill-before-commit": "before-catalog-commit",
  "kill-after-commit": "after-commit-before-ack",
  "poison-batch": undefined,
  "pg-restart": undefined,
  "pg-terminate": undefined,
} as const;
export type InletFaultScenario = keyof typeof INLET_FAULT_SCENARIOS;

export function isInletFaultScenario(s: string): s is InletFaultScenario {
  return Object.hasOwn(INLET_FAULT_SCENARIOS, s);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number | undefined) => (ms === undefined ? "never" : `${(ms / 1000).toFixed(1)} s`);

/** A pool that survives its connections being cut or its server restarting. */
function sturdyPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  return pool;
}

/** Batch messages received more than once, sampled every 250 ms: the queue's redeliveries. */
export function sampleRedeliveries(url: string): { stop(): Promise<number> } {
  const pool = sturdyPool(url);
  const highest = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await pool
        .query<{ id: string; n: number }>(
          "SELECT id::text AS id, receive_count AS n FROM queue_messages WHERE queue = 'batches' AND receive_count > 1",
        )
        .then(
          ({ rows }) => {
            for (const r of rows) highest.set(r.id, Math.max(highest.get(r.id) ?? 0, r.n));
          },
          () => undefined,
        );
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await pool.end().catch(() => undefined);
      let n = 0;
      for (const count of highest.values()) n += count - 1;
      return n;
    },
  };
}

/** Events committed per second in the window [from, from + ms). */
async function committedRate(db: pg.Pool | pg.Client, from: number, ms: number): Promise<number> {
  const { rows } = await db.query<{ n: string | null }>(
    `SELECT sum(event_count) AS n FROM batches WHERE status = 'committed' AND committed_at >= $1 AND committed_at < $2`,
    [new Date(from), new Date(from + ms)],
  );
  return Number(rows[0]?.n ?? 0) / (ms / 1000);
}

/**
 * The curated files against the disk: every file of the current snapshot must exist; a Parquet file
 * no snapshot ever named (an upload whose flush never committed) must stay out of every query, which
 * reads the snapshot's list only. Its rows are counted, and those whose id is in curated (they would
 * be duplicates if a query saw the file).
 */
export async function lakeFilesFigure(run: ChaosRun): Promise<{ lines: string[]; failures: string[] }> {
  const lake = join(run.dataDir, "lake");
  const { rows } = await run.db.query<{ path: string; current: boolean }>(
    `SELECT f.path, (f.added_seq <= t.current_seq AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)) AS current
       FROM data_files f JOIN lake_tables t ON t.id = f.table_id WHERE t.name = 'curated.orders'`,
  );
  const known = new Set(rows.map((r) => r.path));
  const current = rows.filter((r) => r.current).map((r) => r.path);
  const onDisk: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith(".parquet")) onDisk.push(relative(lake, p));
    }
  };
  await walk(join(lake, "curated", "orders"));
  const there = new Set(onDisk);
  const missing = current.filter((p) => !there.has(p));
  const unreferenced = onDisk.filter((p) => !known.has(p));
  let rowsIn = 0;
  let inCurated = 0;
  if (unreferenced.length > 0) {
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const list = (paths: string[]) => paths.map((p) => `'${join(lake, p)}'`).join(",");
    const reader = await duck.runAndReadAll(
      `WITH o AS (SELECT id FROM read_parquet([${list(unreferenced)}], union_by_name = true)),
            c AS (SELECT DISTINCT id FROM read_parquet([${list(current.filter((p) => there.has(p)))}], union_by_name = true))
       SELECT (SELECT count(*) FROM o)::INTEGER, (SELECT count(*) FROM o WHERE id IN (SELECT id FROM c))::INTEGER`,
    );
    const [row] = reader.getRows();
    rowsIn = Number(row?.[0] ?? 0);
    inCurated = Number(row?.[1] ?? 0);
    duck.closeSync();
  }
  return {
    lines: [
      `curated files: ${current.length} in the current snapshot, ${missing.length} of them missing on disk; ${unreferenced.length} on disk in no snapshot (${rowsIn.toLocaleString()} rows, ${inCurated.toLocaleString()} of them ids that are in curated: invisible, queries read the snapshot's files only)`,
    ],
    failures:
      missing.length > 0 ? [`files of the current snapshot missing: ${missing.slice(0, 5).join(", ")}`] : [],
  };
}

/** From `from` to the first 2xx of a request sent after it, and the answers given meanwhile, by status. */
function answersUntilOk(run: ChaosRun, from: number): { firstOkMs: number | undefined; counts: string } {
  const after = run.statuses.filter((s) => s.answeredAt >= from);
  const firstOk = after.find((s) => s.sentAt >= from && s.status.startsWith("2"));
  const counts: Record<string, number> = {};
  for (const s of after) {
    if (firstOk && s.answeredAt >= firstOk.answeredAt) break;
    counts[s.status] = (counts[s.status] ?? 0) + 1;
  }
  const text = Object.entries(counts)
    .map(([status, n]) => `${status} × ${n}`)
    .join(", ");
  return { firstOkMs: firstOk ? firstOk.answeredAt - from : undefined, counts: text || "none" };
}

/** The embedded PostgreSQL's data directory, its pg_ctl, and the user that owns it. */
async function embeddedPostgres(dataDir: string) {
  const pgDir = join(dataDir, "pg");
  const { readFile } = await import("node:fs/promises");
  const pid = Number((await readFile(join(pgDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  const bin = dirname(await readlink(`/proc/${pid}/exe`));
  const owner = await stat(pgDir);
  return { pgDir, pgCtl: join(bin, "pg_ctl"), uid: owner.uid, gid: owner.gid };
}

function run(cmd: string, args: string[], opts: { uid: number; gid: number; env: NodeJS.ProcessEnv }) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")}: exit ${code}: ${err.trim()}`)),
    );
  });
}

/** The hooks of one of this module's scenarios. */
export function inletFaultHooks(scenario: InletFaultScenario, opts: { failpointHit: number }): ScenarioHooks {
  let redeliveries: { stop(): Promise<number> } | undefined;
  const point = INLET_FAULT_SCENARIOS[scenario];
  let onceFile = "";
  let poisonEventId: string | undefined;
  const pgFaults: { struckAt: number; what: string; tookMs: number }[] = [];
  /** Restarts under way: the load goes on meanwhile (the run waits for a fault to return). */
  const restarts: Promise<void>[] = [];

  const hooks: ScenarioHooks = {
    prepare({ dir, events, order, at }): Record<string, string> | undefined {
      onceFile = join(dir, "failpoint-fired");
      if (point)
        return { INLET_FAILPOINTS: `${point}:${opts.failpointHit}`, INLET_FAILPOINTS_ONCE_FILE: onceFile };
      if (scenario !== "poison-batch") return undefined;
      // A body sent once only (a resend would be a second poison batch of the same events), past `at`.
      const sentOnce = new Set(order.filter((i, k) => order.indexOf(i) === k && order.lastIndexOf(i) === k));
      const from = Math.floor(events.length * (at[0] ?? 0.5));
      let chosen = -1;
      for (let i = from; i < events.length + from && chosen < 0; i++) {
        const j = i % events.length;
        if (sentOnce.has(j) && events[j]!.some((e) => e.expected === "curated")) chosen = j;
      }
      if (chosen < 0) throw new Error("no body to poison");
      const body = events[chosen]!;
      poisonEventId = body.find((e) => e.expected === "curated")!.id;
      for (const e of body) if (e.expected === "curated") e.expected = "poison-batch";
      return { INLET_FAILPOINTS: `poison-event:${poisonEventId}` };
    },
    async started(r) {
      redeliveries = sampleRedeliveries(r.dbUrl);
    },
    async fault(r) {
      const struckAt = Date.now();
      if (scenario === "pg-terminate") {
        const pool = sturdyPool(r.dbUrl);
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend') t`,
        );
        await pool.end().catch(() => undefined);
        const what = `pg_terminate_backend of ${rows[0]?.n ?? 0} connections`;
        pgFaults.push({ struckAt, what, tookMs: Date.now() - struckAt });
        return { struckAt, what };
      }
      if (scenario === "pg-restart") {
        // A restart still under way finishes first (its server has no pid file meanwhile).
        await Promise.allSettled(restarts);
        const p = await embeddedPostgres(r.dataDir);
        const env = { ...process.env, INLET_DATA_DIR: r.dataDir };
        const ids =
          process.getuid?.() === 0
            ? { uid: p.uid, gid: p.gid }
            : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
        const what = "restart (pg_ctl restart -m fast) of the embedded PostgreSQL";
        const fault = { struckAt, what, tookMs: Number.NaN };
        pgFaults.push(fault);
        restarts.push(
          run(
            p.pgCtl,
            ["restart", "-D", p.pgDir, "-m", "fast", "-w", "-t", "60", "-l", join(p.pgDir, "restart.log")],
            { ...ids, env },
          ).then(() => {
            fault.tookMs = Date.now() - struckAt;
          }),
        );
        return { struckAt, what };
      }
      return { struckAt, what: "nothing" };
    },
    async inspect(r): Promise<Inspection> {
      const lines: string[] = [];
      const failures: string[] = [];
      for (const failed of await Promise.allSettled(restarts)) {
        if (failed.status === "rejected") failures.push(String(failed.reason));
      }
      // A batch committed by a worker killed before its ack is redelivered after its lease, and acked
      // without work: the queue empties after the drain.
      const drained = Date.now();
      let waiting = -1;
      for (let i = 0; i < 120 && waiting !== 0; i++) {
        if (i > 0) await sleep(500);
        const { rows } = await r.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM queue_messages WHERE queue = 'batches' AND dead_at IS NULL",
        );
        waiting = Number(rows[0]?.n ?? -1);
      }
      const redelivered = (await redeliveries?.stop()) ?? 0;
      lines.push(
        `batch messages redelivered (receive count above 1, sampled every 250 ms): ${redelivered}; batches queue ${waiting === 0 ? `empty ${secs(Date.now() - drained)} after the last batch committed` : `still holding ${waiting} messages a minute after the last batch committed`}`,
      );
      if (waiting !== 0) failures.push(`${waiting} batch messages left in the queue`);
      if (point) {
        const fired = await stat(onceFile).catch(() => undefined);
        if (!fired) {
          failures.push(`the fail point ${point}:${opts.failpointHit} never fired`);
        } else {
          const killedAt = fired.mtimeMs;
          const { rows } = await r.db.query<{ last: Date | null }>(
            `SELECT max(committed_at) AS last FROM batches WHERE received_at <= $1 AND status = 'committed'`,
            [new Date(killedAt)],
          );
          const recovered = rows[0]?.last ? Math.max(0, rows[0].last.getTime() - killedAt) : undefined;
          lines.push(
            `fault: worker SIGKILLed itself at ${point} of its flush #${opts.failpointHit}, ${((killedAt - r.firstSend) / 1000).toFixed(1)} s into the run; batches received before it all committed ${secs(recovered)} later; committed from it until then ${recovered ? Math.round(await committedRate(r.db, killedAt, recovered + 1)).toLocaleString() : 0} events/s (run end to end ${Math.round(r.endToEndRate).toLocaleString()} events/s)`,
          );
        }
      }
      for (const f of pgFaults) {
        const { firstOkMs, counts } = answersUntilOk(r, f.struckAt);
        lines.push(
          `fault ${((f.struckAt - r.firstSend) / 1000).toFixed(1)} s into the run: ${f.what} (took ${secs(f.tookMs)}); first 2xx of a request sent after it ${secs(firstOkMs)} later; answers until then: ${counts}; committed in the 10 s after it ${Math.round(await committedRate(r.db, f.struckAt, 10_000)).toLocaleString()} events/s`,
        );
        if (firstOkMs === undefined) failures.push(`no 2xx answer after ${f.what}`);
      }
      if (scenario === "pg-restart" || scenario === "pg-terminate") {
        if (pgFaults.length === 0) failures.push("no PostgreSQL fault was injected");
      }
      let poisoned: Map<string, number> | undefined;
      if (scenario === "poison-batch") {
        poisoned = new Map();
        const { rows } = await r.db.query<{
          batch_id: string | null;
          attempts: number;
          reason: string;
          payload: string;
          after_ms: number;
        }>(
          `SELECT d.batch_id, d.attempts, d.reason, d.payload,
                  extract(epoch FROM d.created_at - b.received_at) * 1000 AS after_ms
             FROM dead_letters d JOIN sources s ON s.id = d.source_id LEFT JOIN batches b ON b.id = d.batch_id
            WHERE s.slug = 'orders' AND d.reason_code = 'POISON_BATCH'`,
        );
        for (const row of rows) {
          const raw = (JSON.parse(row.payload) as { raw?: string | null }).raw ?? "";
          for (const line of raw.split("\n")) {
            if (!line.trim()) continue;
            const id = (JSON.parse(line) as { id?: unknown }).id;
            if (typeof id === "string") poisoned.set(id, (poisoned.get(id) ?? 0) + 1);
          }
          lines.push(
            `poison batch ${row.batch_id} (carrying ${poisonEventId}): POISON_BATCH dead letter after ${row.attempts} attempts, ${secs(Number(row.after_ms))} after its receipt; reason: ${row.reason.slice(0, 160)}`,
          );
        }
        if (rows.length !== 1) failures.push(`${rows.length} POISON_BATCH dead letters, expected 1`);
        const { rows: failed } = await r.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM batches WHERE status = 'failed'",
        );
        lines.push(
          `batches failed: ${failed[0]?.n}; every other batch committed (the checker finds none lost)`,
        );
      }
      const files = await lakeFilesFigure(r);
      lines.push(...files.lines);
      failures.push(...files.failures);
      return { lines, failures, ...(poisoned ? { poisoned } : {}) };
    },
    async close() {
      await redeliveries?.stop();
      if (onceFile) await rm(onceFile, { force: true });
    },
  };
  return hooks;
}
