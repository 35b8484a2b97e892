// Measures the worker's process step alone (read raw → parse → validate → dedupe → Parquet → commit)
// on generated 1-KB events: `npx tsx bench/process-step.ts [events] [flushMiB] [concurrentFlushes]`.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { createTestDatabase } from "@inlet/db/testing";
import { prepareConnection } from "../src/adapters/duckdb-sql";
import { LocalFsObjectStore } from "../src/adapters/local-fs-store";
import { PgQueue } from "../src/adapters/pg-queue";
import { PgCatalog } from "../src/catalog/pg-catalog";
import { BATCHES_QUEUE } from "../src/ingest/raw-batch";
import { processBatches } from "../src/process/process-batches";
import { createTestSource, enqueueRawBatch, generateOrderBatches } from "../src/testing/pipeline-fixtures";

const totalEvents = Number(process.argv[2] ?? 200_000);

/** User + system CPU seconds of all processes named postgres (clock ticks of 100 Hz). */
async function postgresCpuSeconds(): Promise<number> {
  let ticks = 0;
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (!stat.includes("(postgres)")) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / 100;
}
const flushMiB = Number(process.argv[3] ?? 5);
const concurrency = Number(process.argv[4] ?? 1);
const perBatch = 1000;

const t = await createTestDatabase();
const dir = await mkdtemp(join(tmpdir(), "inlet-bench-"));
const store = new LocalFsObjectStore(join(dir, "lake"), { fsync: false });
const queue = new PgQueue({ pool: t.db.pool });
const catalog = new PgCatalog(t.db);
const instance = await DuckDBInstance.create(":memory:");
const ducks = await Promise.all(
  Array.from({ length: concurrency }, async () => {
    const c = await instance.connect();
    await prepareConnection(c);
    return c;
  }),
);
try {
  const src = await createTestSource(t.db);
  const gen = generateOrderBatches({
    batches: Math.ceil(totalEvents / perBatch),
    perBatch,
    dupRate: Number(process.env.BENCH_DUP_RATE ?? 0.02),
    invalidRate: 0.05,
    eventBytes: 1024,
    seed: 1,
  });
  let rawBytes = 0;
  for (const lines of gen.batches) {
    rawBytes += lines.reduce((n, l) => n + l.length + 1, 0);
    await enqueueRawBatch({ catalog, store, queue }, src, lines);
  }
  const batchesPerFlush = Math.max(1, Math.floor((flushMiB * 1024 * 1024) / (rawBytes / gen.batches.length)));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const pgCpuBefore = await postgresCpuSeconds();
  let accepted = 0;
  let rejected = 0;
  let duplicates = 0;
  let flushes = 0;
  const phases: Record<string, number> = {};
  const flushMs: number[] = [];
  // Like the worker's flush loops: each receives its own group and processes it.
  const loop = async (duck: (typeof ducks)[number]) => {
    for (;;) {
      const msgs = await queue.receive(BATCHES_QUEUE, { max: batchesPerFlush, visibilityTimeoutMs: 600_000 });
      if (msgs.length === 0) break;
      const f0 = performance.now();
      const out = await processBatches({ catalog, store, queue, duck, tmpDir: join(dir, "tmp") }, msgs);
      flushMs.push(performance.now() - f0);
      accepted += out.accepted;
      rejected += out.rejected;
      duplicates += out.duplicates;
      flushes += 1;
      for (const [k, v] of Object.entries(out.phaseMs)) phases[k] = (phases[k] ?? 0) + v;
    }
  };
  await Promise.all(ducks.map(loop));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const pgCpu = (await postgresCpuSeconds()) - pgCpuBefore;
  const events = accepted + rejected + duplicates;
  flushMs.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      events,
      accepted,
      rejected,
      duplicates,
      rawMiB: Math.round(rawBytes / 1048576),
      flushes,
      batchesPerFlush,
      concurrency,
      seconds: Math.round(seconds * 100) / 100,
      eventsPerSecond: Math.round(events / seconds),
      flushMsP50: Math.round(flushMs[Math.floor(flushMs.length * 0.5)] ?? 0),
      flushMsMax: Math.round(flushMs.at(-1) ?? 0),
      // CPU of this process (JavaScript and DuckDB's threads) and of every PostgreSQL process.
      workerCpuUsPerEvent: Math.round(((cpu.user + cpu.system) / events) * 10) / 10,
      postgresCpuUsPerEvent: Math.round(((pgCpu * 1e6) / events) * 10) / 10,
      phaseMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
    }),
  );
} finally {
  for (const d of ducks) d.closeSync();
  instance.closeSync();
  await queue.close();
  await t.drop();
  await rm(dir, { recursive: true, force: true });
}
// The shared embedded Postgres of the test helper would keep the process alive.
process.exit(0);
