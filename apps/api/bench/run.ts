// `npm run bench`: the whole product under load on this machine. Starts the API (embedded
// Postgres, local lake, worker processes) on a fresh data directory, posts generated events over
// HTTP in NDJSON batches, waits until every batch is committed, checks the lake with DuckDB, and
// prints throughput, freshness and memory beside a baseline measured in the same run:
// DuckDB alone reading the same NDJSON file and writing ZSTD Parquet.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { freePort } from "@inlet/db";
import pg from "pg";
import { generateEvents } from "./generate-events";
import { NdjsonPoster, ndjsonBodies } from "./ndjson-poster";
import { percentile } from "./percentile";

// `npm run bench -- --queries`: the query path instead (queries-bench.ts), with its own options.
if (process.argv.includes("--queries")) {
  const { runQueriesBench } = await import("./queries-bench");
  await runQueriesBench(process.argv.slice(2).filter((a) => a !== "--queries"));
  process.exit(0);
}

// `npm run bench -- --ops-dashboard`: the Operations dashboard's queries over 7 days of samples.
if (process.argv.includes("--ops-dashboard")) {
  const { runOpsDashboardBench } = await import("./ops-dashboard-bench");
  await runOpsDashboardBench(process.argv.slice(2).filter((a) => a !== "--ops-dashboard"));
  process.exit(0);
}

// `npm run bench -- --replay`: a replay of 100,000 dead letters beside live ingest (replay-bench.ts).
if (process.argv.includes("--replay")) {
  const { runReplayBench } = await import("./replay-bench");
  await runReplayBench(process.argv.slice(2).filter((a) => a !== "--replay"));
  process.exit();
}

// `npm run bench -- --freshness`: freshness paced at shares of the sustainable rate (freshness-bench.ts).
if (process.argv.includes("--freshness")) {
  const { runFreshnessBench } = await import("./freshness-bench");
  await runFreshnessBench(process.argv.slice(2).filter((a) => a !== "--freshness"));
  process.exit();
}

// `npm run bench -- --compaction`: a worker's peak memory while it compacts under load (compaction-bench.ts).
if (process.argv.includes("--compaction")) {
  const { runCompactionBench } = await import("./compaction-bench");
  await runCompactionBench(process.argv.slice(2).filter((a) => a !== "--compaction"));
  process.exit();
}

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    batch: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    workers: { type: "string", default: "1" },
    /** Paced load in events/s (0: as fast as the API accepts), for freshness below saturation. */
    rate: { type: "string", default: "0" },
    "keep-dir": { type: "boolean", default: false },
  },
});
const totalEvents = Number(args.events);
const batchSize = Number(args.batch);
const concurrency = Number(args.concurrency);
const workers = Number(args.workers);
const rate = Number(args.rate);

const apiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = await mkdtemp(join(tmpdir(), "inlet-bench-"));
// As root, the embedded PostgreSQL runs as the OS user `postgres`, which must reach its data directory.
await chmod(dir, 0o755);
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

function peakRssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, "utf8")
    .then((s) => Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024)
    .catch(() => 0);
}

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/** User + system CPU seconds of a process, from /proc (clock ticks of 100 Hz). */
async function processCpu(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

async function postgresPids(dataDir: string): Promise<number[]> {
  const head = (await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0];
  const pid = Number(head);
  return Number.isFinite(pid) && pid > 0 ? [pid, ...(await childPids(pid))] : [];
}

/** The API's child processes that are workers (its embedded PostgreSQL is a child too). */
async function workerPids(apiPid: number): Promise<number[]> {
  const pids = await childPids(apiPid);
  const cmdlines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, "utf8").catch(() => "")));
  return pids.filter((_, i) => cmdlines[i]?.includes("worker-main"));
}

type CpuSeconds = { api: number; workers: number; postgres: number };

async function cpuSeconds(apiPid: number, postgres: number[]): Promise<CpuSeconds> {
  const sum = async (pids: number[]) => (await Promise.all(pids.map(processCpu))).reduce((a, b) => a + b, 0);
  return {
    api: await processCpu(apiPid),
    workers: await sum(await workerPids(apiPid)),
    postgres: await sum(postgres),
  };
}

async function baseline(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  const out = join(dir, "baseline.parquet");
  const t0 = performance.now();
  await conn.run(
    `COPY (SELECT * FROM read_json('${path}', format = 'newline_delimited')) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  const seconds = (performance.now() - t0) / 1000;
  conn.closeSync();
  instance.closeSync();
  await rm(out, { force: true });
  return seconds;
}

async function waitFor(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

let api: ChildProcess | undefined;
// Interrupted (Ctrl+C): stop the API and remove the generated data, as a finished run does.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    api?.kill("SIGTERM");
    const done = () => {
      if (!args["keep-dir"]) void rm(dir, { recursive: true, force: true }).finally(() => process.exit(130));
      else process.exit(130);
    };
    if (api && api.exitCode === null) api.once("exit", done);
    else done();
  });
}
try {
  log(`generating ${totalEvents.toLocaleString()} events in ${dir}`);
  const gen = await generateEvents(join(dir, "events.ndjson"), {
    total: totalEvents,
    invalidShare: 0.05,
    duplicateShare: 0.02,
    targetEventBytes: 1024,
  });
  log(`${(gen.bytes / 1e6).toFixed(0)} MB; ${gen.invalid} invalid, ${gen.duplicates} duplicates`);

  log("baseline: DuckDB read_json → ZSTD Parquet");
  const baselineSeconds = await baseline(gen.path);

  const port = await freePort();
  const dataDir = join(dir, "data");
  const apiNodeArgs = process.env.BENCH_API_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  api = spawn(process.execPath, [...apiNodeArgs, "--import", "tsx", "src/main.ts"], {
    cwd: apiDir,
    env: {
      ...process.env,
      DATABASE_URL: "",
      INLET_DATA_DIR: dataDir,
      INLET_LAKE_URL: `file://${join(dataDir, "lake")}`,
      INLET_API_PORT: String(port),
      INLET_WORKERS: String(workers),
      INLET_INGEST_MAX_EVENTS: String(Math.max(batchSize, 10_000)),
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    },
    stdio: ["ignore", process.env.BENCH_LOG_LEVEL ? "inherit" : "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`, 120_000, api);
  const creds = await readFile(join(dataDir, "initial-credentials.txt"), "utf8");
  const key = /ingest key for source 'orders': (\S+)/.exec(creds)?.[1];
  if (!key) throw new Error("the sample source's key was not printed");
  const { url: dbUrl } = JSON.parse(await readFile(join(dataDir, "pg-runtime.json"), "utf8")) as {
    url: string;
  };

  log(`posting ${batchSize}-event NDJSON bodies, ${concurrency} at a time`);
  const acceptedAt = new Map<string, number>();
  let accepted = 0;
  const pending = (await ndjsonBodies(gen.path, batchSize)).reverse();
  const poster = new NdjsonPoster(
    `${base}/v1/sources/orders/events`,
    { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
    concurrency,
  );
  // CPU is counted from here: start-up (compiling TypeScript, starting PostgreSQL) is not load.
  const cpuAtStart = await cpuSeconds(api.pid!, await postgresPids(dataDir));
  const t0 = Date.now();
  const clientCpu0 = process.cpuUsage();
  let sent = 0;
  const shed = { answers: 0, events: 0 };
  const sender = async () => {
    for (;;) {
      const next = pending.pop();
      if (next === undefined) return;
      if (rate > 0) {
        // Paced: this body may leave once the events before it are due at `rate` per second.
        const due = t0 + (sent / rate) * 1000;
        sent += batchSize;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      let res = await poster.post(next);
      // Shed by admission control (429 backlog, 503 disk): wait as told and send the same body again.
      while (res.status === 429 || res.status === 503) {
        shed.answers += 1;
        shed.events += batchSize;
        await new Promise((r) => setTimeout(r, (res.retryAfterSeconds ?? 1) * 1000));
        res = await poster.post(next);
      }
      const body = JSON.parse(res.body) as {
        batchId?: string;
        accepted?: number;
        deadLettered?: number;
        error?: { message: string };
      };
      if (res.status !== 202 || !body.batchId)
        throw new Error(`ingest answered ${res.status}: ${body.error?.message}`);
      acceptedAt.set(body.batchId, Date.now());
      // Events the API took: those it accepted and those it dead-lettered against the schema.
      accepted += (body.accepted ?? 0) + (body.deadLettered ?? 0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const postedSeconds = (Date.now() - t0) / 1000;
  poster.close();
  const clientCpuUs = process.cpuUsage(clientCpu0);
  const clientCpu = (clientCpuUs.user + clientCpuUs.system) / 1e6;

  const client = new pg.Client({ connectionString: dbUrl });
  // The server going away (an interrupted run) ends the bench through its own path, not as a crash.
  client.on("error", (err) => log(`PostgreSQL connection: ${err.message}`));
  await client.connect();
  let last = { committed: 0, failed: 0 };
  for (;;) {
    const { rows } = await client.query<{ committed: string; failed: string }>(
      `SELECT count(*) FILTER (WHERE status = 'committed') AS committed, count(*) FILTER (WHERE status = 'failed') AS failed FROM batches`,
    );
    last = { committed: Number(rows[0]!.committed), failed: Number(rows[0]!.failed) };
    if (last.committed + last.failed >= acceptedAt.size) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const endToEndSeconds = (Date.now() - t0) / 1000;

  const { rows: batchRows } = await client.query<{
    id: string;
    committed_at: Date;
    accepted: number;
    rejected: number;
    duplicates: number;
  }>(`SELECT id, committed_at, accepted, rejected, duplicates FROM batches WHERE status = 'committed'`);
  const freshness = batchRows
    .map((r) => r.committed_at.getTime() - (acceptedAt.get(r.id) ?? Number.NaN))
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  const totals = batchRows.reduce(
    (acc, r) => ({
      accepted: acc.accepted + r.accepted,
      rejected: acc.rejected + r.rejected,
      duplicates: acc.duplicates + r.duplicates,
    }),
    { accepted: 0, rejected: 0, duplicates: 0 },
  );
  const { rows: deadRows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM dead_letters WHERE reason_code = 'SCHEMA_VIOLATION'`,
  );
  const { rows: files } = await client.query<{ path: string }>(
    `SELECT f.path FROM data_files f JOIN lake_tables t ON t.id = f.table_id
      WHERE t.name = 'curated.orders' AND f.added_seq <= t.current_seq AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)`,
  );
  await client.end();

  // The lake as a query sees it: committed files only, every valid event exactly once.
  const duck = await (await DuckDBInstance.create(":memory:")).connect();
  const list = files.map((f) => `'${join(dataDir, "lake", f.path)}'`).join(",");
  const reader = await duck.runAndReadAll(
    `SELECT count(*) AS n, count(DISTINCT _event_id) AS ids FROM read_parquet([${list}])`,
  );
  const [rowsInLake, distinctIds] = (reader.getRows()[0] ?? [0, 0]).map(Number) as [number, number];

  const commits = batchRows.map((r) => r.committed_at.getTime()).sort((a, b) => a - b);
  // The worker's own rate: events it processed over the span in which it was committing.
  const workerSeconds = ((commits.at(-1) ?? 0) - (commits[0] ?? 0)) / 1000;
  const cpuAtEnd = await cpuSeconds(api.pid!, await postgresPids(dataDir));
  const cpu: CpuSeconds = {
    api: cpuAtEnd.api - cpuAtStart.api,
    workers: cpuAtEnd.workers - cpuAtStart.workers,
    postgres: cpuAtEnd.postgres - cpuAtStart.postgres,
  };

  const apiRss = await peakRssMb(api.pid!);
  const workerRss = Math.max(0, ...(await Promise.all((await workerPids(api.pid!)).map(peakRssMb))));

  const e2eRate = totalEvents / endToEndSeconds;
  const baselineRate = totalEvents / baselineSeconds;
  const processed = totals.accepted + totals.rejected + totals.duplicates;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const perEvent = (seconds: number) => ((seconds * 1e6) / totalEvents).toFixed(1);
  const lakeOk = rowsInLake === gen.expectedAccepted && distinctIds === gen.expectedAccepted;
  const lines = [
    "",
    `Inlet bench — ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    `events: ${fmt(totalEvents)} (~${Math.round(gen.bytes / totalEvents)} B each, ${(gen.bytes / 1e6).toFixed(0)} MB), ${gen.invalid} invalid, ${gen.duplicates} duplicate ids; ${batchSize}-event NDJSON bodies, ${concurrency} concurrent${rate > 0 ? `, paced at ${fmt(rate)} events/s` : ", unpaced"}; ${workers} worker process(es); embedded Postgres, local lake, Postgres queue`,
    "",
    "| figure | value |",
    "| --- | --- |",
    `| end-to-end throughput (first POST → last batch committed) | ${fmt(e2eRate)} events/s (${endToEndSeconds.toFixed(1)} s) |`,
    `| ingest (all 202s received) | ${fmt(totalEvents / postedSeconds)} events/s (${postedSeconds.toFixed(1)} s) |`,
    `| shed by admission control (429/503, sent again after Retry-After) | ${shed.answers} answers, ${fmt(shed.events / postedSeconds)} events/s |`,
    `| freshness p50 / p99 (202 → committed, visible to queries) | ${fmt(percentile(freshness, 50))} ms / ${fmt(percentile(freshness, 99))} ms |`,
    `| worker throughput (events ÷ first-to-last commit) | ${workerSeconds > 0 ? `${fmt(processed / workerSeconds)} events/s` : "n/a"} |`,
    `| CPU per event from the first POST: API / workers / PostgreSQL | ${perEvent(cpu.api)} / ${perEvent(cpu.workers)} / ${perEvent(cpu.postgres)} µs (${perEvent(cpu.api + cpu.workers + cpu.postgres)} µs in all) |`,
    `| CPU per event: bench producer (same machine) | ${perEvent(clientCpu)} µs |`,
    `| peak RSS: API / worker | ${fmt(apiRss)} MB / ${fmt(workerRss)} MB |`,
    `| baseline: DuckDB read_json → ZSTD Parquet, same file | ${fmt(baselineRate)} events/s (${baselineSeconds.toFixed(1)} s) |`,
    `| ratio end-to-end / baseline | ${(e2eRate / baselineRate).toFixed(2)} |`,
    "",
    `correctness: curated rows ${fmt(rowsInLake)}, distinct ids ${fmt(distinctIds)}, expected ${fmt(gen.expectedAccepted)} → ${lakeOk ? "exactly once" : "MISMATCH"}; schema dead letters ${deadRows[0]?.n} (expected ${gen.invalid}); accepted by API ${fmt(accepted)}; batches failed ${last.failed}`,
    `free memory at end: ${(freemem() / 2 ** 30).toFixed(1)} GiB`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
  if (!lakeOk || Number(deadRows[0]?.n) !== gen.invalid) process.exitCode = 1;
} finally {
  if (api && api.exitCode === null) {
    api.kill("SIGTERM");
    await new Promise((r) => api?.once("exit", r));
  }
  if (!args["keep-dir"]) await rm(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
