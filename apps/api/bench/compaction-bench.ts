// `npm run bench -- --compaction`: a worker's memory while it compacts under load. On a fresh data
// directory (embedded PostgreSQL, local lake, the PostgreSQL queue) a worker process with compaction
// off commits --batches raw batches of --per-batch orders one flush at a time: many small Parquet
// files in one day's partition. A new worker process is then started with compaction every 2 s
// while --load-batches more batches of the same source are enqueued (compaction while ingesting);
// the bench waits until every batch is committed and compaction has nothing left to merge. The
// worker's peak resident memory (VmHWM in /proc/<pid>/status) is printed for the load alone (a
// worker with compaction off, the same batches) and for the load with compaction, with the bytes
// of small files compaction merged, and the table is checked: every event exactly once.
// The worker is lake-core's testing/worker-process.ts, the same startWorker as `npm run worker`,
// with the same --max-semi-space-size=64; compaction's settings come from the environment
// (INLET_COMPACTION_MEMORY_LIMIT, INLET_COMPACTION_THREADS), passed on as the worker sees them.
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { createDb, type Db, startDatabase } from "@inlet/db";
import { LocalFsObjectStore, PgCatalog, PgQueue } from "@inlet/lake-core";
import { createTestSource, enqueueRawBatch, type TestSource, waitUntil } from "@inlet/lake-core/testing";

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const workerEntry = join(
  dirname(fileURLToPath(import.meta.resolve("@inlet/lake-core/testing"))),
  "worker-process.ts",
);

/** Orders of about 700 bytes, a random note each so that Parquet does not shrink them to nothing. */
function batchLines(prefix: string, n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        id: `${prefix}-${i}`,
        amount: Math.round(Math.random() * 100_000) / 100,
        qty: 1 + (i % 9),
        paid: i % 2 === 0,
        note: randomBytes(360).toString("base64"),
        created_at: `2024-05-01T${String(i % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00Z`,
        tags: ["a", "b"],
      }),
    );
  }
  return lines;
}

async function status(pid: number): Promise<{ rss: number; hwm: number }> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

interface Bed {
  db: Db;
  catalog: PgCatalog;
  store: LocalFsObjectStore;
  queue: PgQueue;
  dbUrl: string;
  dir: string;
}

function startWorkerProcess(bed: Bed, name: string, compactIntervalMs: number): Promise<ChildProcess> {
  const child = fork(workerEntry, [], {
    execArgv: ["--max-semi-space-size=64", "--import", "tsx"],
    env: {
      ...process.env,
      WORKER_DATABASE_URL: bed.dbUrl,
      WORKER_LAKE_DIR: join(bed.dir, "lake"),
      WORKER_TMP_DIR: join(bed.dir, `tmp-${name}`),
      // Each flush takes what one receive brought: small files.
      WORKER_FLUSH_BYTES: "1",
      WORKER_FLUSH_INTERVAL_MS: "200",
      WORKER_COMPACT_INTERVAL_MS: String(compactIntervalMs),
      WORKER_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker ${name} exited with ${code}`)));
  });
}

async function stopWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function committedRows(
  bed: Bed,
  table: string,
): Promise<{ files: number; rows: number; bytes: number }> {
  const view = await bed.catalog.tableSnapshot(table);
  const files = view?.files ?? [];
  return {
    files: files.length,
    rows: files.reduce((n, f) => n + f.rowCount, 0),
    bytes: files.reduce((n, f) => n + f.bytes, 0),
  };
}

async function waitCommitted(bed: Bed, table: string, expected: number, timeoutMs: number): Promise<void> {
  await waitUntil(
    `${expected} rows committed in ${table}`,
    async () => (await committedRows(bed, table)).rows >= expected,
    timeoutMs,
  );
}

async function enqueueBatches(
  bed: Bed,
  source: TestSource,
  prefix: string,
  batches: number,
  perBatch: number,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    await enqueueRawBatch(bed, source, batchLines(`${prefix}${b}`, perBatch));
    // A steady stream rather than one burst, so that the worker flushes while compaction runs.
    if (b % 10 === 9) await sleep(50);
  }
}

/** Rows and distinct event ids of the table's committed files, read with DuckDB. */
async function distinctIds(bed: Bed, table: string): Promise<{ rows: number; ids: number }> {
  const view = await bed.catalog.tableSnapshot(table);
  const paths = await Promise.all((view?.files ?? []).map((f) => bed.store.localPath(f.path)));
  const instance = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "512MB" });
  const conn = await instance.connect();
  try {
    const list = paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(", ");
    const r = await conn.runAndReadAll(
      `SELECT count(*)::BIGINT, count(DISTINCT _event_id)::BIGINT FROM read_parquet([${list}], union_by_name = true)`,
    );
    const [rows, ids] = r.getRows()[0] as [bigint, bigint];
    return { rows: Number(rows), ids: Number(ids) };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function measure(
  bed: Bed,
  source: TestSource,
  table: string,
  opts: { name: string; compactIntervalMs: number; loadBatches: number; perBatch: number; expected: number },
): Promise<{ peak: number; compactSnapshots: number; seconds: number }> {
  const compactsBefore = await bed.db.prisma.snapshot.count({
    where: { table: { name: table }, operation: "compact" },
  });
  const child = await startWorkerProcess(bed, opts.name, opts.compactIntervalMs);
  const pid = child.pid!;
  let sampling = true;
  let peakSampled = 0;
  const sampler = (async () => {
    while (sampling) {
      peakSampled = Math.max(peakSampled, (await status(pid)).rss);
      await sleep(100);
    }
  })();
  const started = Date.now();
  try {
    await enqueueBatches(bed, source, `${opts.name}-`, opts.loadBatches, opts.perBatch);
    await waitCommitted(bed, table, opts.expected, 15 * 60_000);
    if (opts.compactIntervalMs > 0) {
      // Until two rounds in a row merge nothing.
      let last = -1;
      for (;;) {
        const n = await bed.db.prisma.snapshot.count({
          where: { table: { name: table }, operation: "compact" },
        });
        if (n === last) break;
        last = n;
        await sleep(opts.compactIntervalMs * 3);
      }
    }
    const { hwm } = await status(pid);
    const compactSnapshots =
      (await bed.db.prisma.snapshot.count({ where: { table: { name: table }, operation: "compact" } })) -
      compactsBefore;
    return { peak: Math.max(hwm, peakSampled), compactSnapshots, seconds: (Date.now() - started) / 1000 };
  } finally {
    sampling = false;
    await sampler;
    await stopWorkerProcess(child);
  }
}

export async function runCompactionBench(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      batches: { type: "string", default: "600" },
      "per-batch": { type: "string", default: "1000" },
      "load-batches": { type: "string", default: "300" },
      "keep-dir": { type: "boolean", default: false },
    },
  });
  const batches = Number(args.batches);
  const perBatch = Number(args["per-batch"]);
  const loadBatches = Number(args["load-batches"]);

  const dir = await mkdtemp(join(tmpdir(), "inlet-compaction-bench-"));
  // As root, the embedded PostgreSQL runs as the OS user `postgres`, which must reach its data directory.
  await chmod(dir, 0o755);
  const database = await startDatabase({ dataDir: join(dir, "pg"), log: () => {} });
  const db = createDb(database.url, { poolSize: 4 });
  const bed: Bed = {
    db,
    catalog: new PgCatalog(db),
    store: new LocalFsObjectStore(join(dir, "lake"), { fsync: false }),
    queue: new PgQueue({ pool: db.pool }),
    dbUrl: database.url,
    dir,
  };
  try {
    const source = await createTestSource(db, { slug: "compaction_bench" });
    const table = `curated.${source.slug}`;

    log(`seeding ${batches} batches of ${perBatch} orders, one small file per flush (compaction off)`);
    const seeder = await startWorkerProcess(bed, "seed", 0);
    await enqueueBatches(bed, source, "seed-", batches, perBatch);
    await waitCommitted(bed, table, batches * perBatch, 30 * 60_000);
    await stopWorkerProcess(seeder);
    const seeded = await committedRows(bed, table);
    log(`seeded: ${seeded.files} files, ${mb(seeded.bytes)} MB of Parquet`);

    log(`load alone: ${loadBatches} more batches, a worker with compaction off`);
    let expected = (batches + loadBatches) * perBatch;
    const alone = await measure(bed, source, table, {
      name: "load",
      compactIntervalMs: 0,
      loadBatches,
      perBatch,
      expected,
    });
    const beforeCompaction = await committedRows(bed, table);

    log(`load with compaction: ${loadBatches} more batches, a worker compacting every 2 s`);
    expected += loadBatches * perBatch;
    const compacting = await measure(bed, source, table, {
      name: "compact",
      compactIntervalMs: 2000,
      loadBatches,
      perBatch,
      expected,
    });
    const after = await committedRows(bed, table);
    const check = await distinctIds(bed, table);
    const ok = check.rows === expected && check.ids === expected && after.rows === expected;

    const env = (name: string) => process.env[name] ?? "(default)";
    process.stdout.write(
      [
        "",
        `Compaction memory: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${mb(totalmem())} MB RAM`,
        `INLET_COMPACTION_MEMORY_LIMIT=${env("INLET_COMPACTION_MEMORY_LIMIT")} INLET_COMPACTION_THREADS=${env("INLET_COMPACTION_THREADS")}`,
        "",
        "| | value |",
        "| --- | --- |",
        `| table before compaction | ${beforeCompaction.files} files, ${mb(beforeCompaction.bytes)} MB |`,
        `| table after | ${after.files} files, ${mb(after.bytes)} MB |`,
        `| worker peak RSS, load alone (${loadBatches} batches × ${perBatch}) | ${mb(alone.peak)} MB (${alone.seconds.toFixed(0)} s) |`,
        `| worker peak RSS, load with compaction | ${mb(compacting.peak)} MB (${compacting.seconds.toFixed(0)} s, ${compacting.compactSnapshots} merges) |`,
        `| rows / distinct ids / expected | ${check.rows} / ${check.ids} / ${expected} ${ok ? "(ok)" : "(MISMATCH)"} |`,
        "",
      ].join("\n"),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await bed.queue.close();
    await db.close();
    await database.stop();
    if (args["keep-dir"]) log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
