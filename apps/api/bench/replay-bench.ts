// `npm run bench -- --replay`: a replay of dead letters beside live ingest, in one run, once for each
// replay priority (--priority, default "rate,live": INLET_REPLAY_PRIORITY). For each, starts the
// product on a fresh data directory, registers a source whose schema requires a field the generated
// orders lack, posts --letters orders (100,000) to its ingest API so that each becomes a dead letter,
// relaxes the schema, then posts --live valid orders three times: alone (unloaded), while a replay
// job of every letter runs at --rate (the product's default, 5,000 events/s), and alone again. Prints
// the replay's rate against its configured one, live ingest alone and during the replay and their
// ratio, the CPU the API, worker and PostgreSQL processes spent per event in each phase, and checks
// that every letter was replayed into curated exactly once and that none is left open.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { freePort, ORDERS_SCHEMA } from "@inlet/db";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { generateEvents } from "./generate-events";
import { NdjsonPoster, ndjsonBodies } from "./ndjson-poster";
import { percentile } from "./percentile";

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const SLUG = "replay-bench";
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The orders schema with one more required field, which no generated order has: every one fails. */
function strictSchema(): Record<string, unknown> {
  return {
    ...ORDERS_SCHEMA,
    required: [...ORDERS_SCHEMA.required, "channel"],
    properties: { ...ORDERS_SCHEMA.properties, channel: { type: "string" } },
  };
}

/** The same with the field optional again: the letters now pass (a backward-compatible change). */
function relaxedSchema(): Record<string, unknown> {
  return { ...ORDERS_SCHEMA, properties: { ...ORDERS_SCHEMA.properties, channel: { type: "string" } } };
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
    await sleep(200);
  }
  throw new Error(`${url} did not become ready`);
}

/** Calls a tRPC procedure over HTTP as the console does (superjson `{ json }` envelopes). */
async function trpc<T>(
  base: string,
  token: string,
  path: string,
  input: unknown,
  kind: "query" | "mutation" = "mutation",
): Promise<T> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const res =
    kind === "mutation"
      ? await fetch(`${base}/trpc/${path}`, {
          method: "POST",
          headers,
          body: JSON.stringify({ json: input }),
        })
      : await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
          headers,
        });
  const body = (await res.json()) as {
    result?: { data?: { json?: T } };
    error?: { json?: { message?: string } };
  };
  if (!res.ok || body.result?.data?.json === undefined)
    throw new Error(`${path} answered ${res.status}: ${body.error?.json?.message ?? JSON.stringify(body)}`);
  return body.result.data.json;
}

interface Posted {
  batchIds: string[];
  /** When each batch's 202 arrived (ms since the epoch), by batch id. */
  acceptedAt: Map<string, number>;
  accepted: number;
  /** First POST sent → last 202 received, ms since the epoch. */
  startedAt: number;
  postedAt: number;
}

/**
 * Posts every body, `concurrency` at a time, as fast as the API answers or, given `pace`, each body
 * once the events before it are due at that many events a second; keeps the batch ids.
 */
async function postAll(
  poster: NdjsonPoster,
  bodies: Buffer[],
  concurrency: number,
  pace?: { eventsPerSecond: number; eventsPerBody: number },
): Promise<Posted> {
  const pending = [...bodies].reverse();
  const batchIds: string[] = [];
  const acceptedAt = new Map<string, number>();
  let accepted = 0;
  let due = 0;
  const startedAt = Date.now();
  const sender = async () => {
    for (;;) {
      const next = pending.pop();
      if (next === undefined) return;
      if (pace) {
        const wait = startedAt + (due / pace.eventsPerSecond) * 1000 - Date.now();
        due += pace.eventsPerBody;
        if (wait > 0) await sleep(wait);
      }
      const res = await poster.post(next);
      const body = JSON.parse(res.body) as {
        batchId?: string;
        accepted?: number;
        error?: { message: string };
      };
      if (res.status !== 202 || !body.batchId)
        throw new Error(`ingest answered ${res.status}: ${body.error?.message}`);
      batchIds.push(body.batchId);
      acceptedAt.set(body.batchId, Date.now());
      accepted += body.accepted ?? 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return { batchIds, acceptedAt, accepted, startedAt, postedAt: Date.now() };
}

/** Waits until every batch has an outcome; returns when the last was committed (ms since the epoch). */
async function waitCommitted(client: pg.Client, batchIds: string[]): Promise<number> {
  for (;;) {
    const { rows } = await client.query<{ done: string; failed: string; last: Date | null }>(
      `SELECT count(*) FILTER (WHERE status IN ('committed', 'failed')) AS done,
              count(*) FILTER (WHERE status = 'failed') AS failed, max(committed_at) AS last
         FROM batches WHERE id = ANY($1::text[])`,
      [batchIds],
    );
    const r = rows[0]!;
    if (Number(r.failed) > 0) throw new Error(`${r.failed} live batches failed`);
    if (Number(r.done) >= batchIds.length) return r.last?.getTime() ?? Date.now();
    await sleep(100);
  }
}

interface LiveFigures {
  events: number;
  /** Events ÷ (first POST → last 202). */
  ingestRate: number;
  /** Events ÷ (first POST → last batch committed). */
  endToEndRate: number;
  window: { from: number; to: number };
  /** The rate the events were offered at (events/s); undefined: unpaced. */
  offeredRate: number | undefined;
  /** Freshness of its batches, p50 and p99 in ms: 202 received → batch committed. */
  freshness: { p50: number; p99: number };
}

async function live(
  client: pg.Client,
  poster: NdjsonPoster,
  bodies: Buffer[],
  concurrency: number,
  pace?: { eventsPerSecond: number; eventsPerBody: number },
): Promise<LiveFigures> {
  const posted = await postAll(poster, bodies, concurrency, pace);
  const committedAt = await waitCommitted(client, posted.batchIds);
  const { rows } = await client.query<{ id: string; committed_at: Date }>(
    `SELECT id, committed_at FROM batches WHERE id = ANY($1::text[]) AND status = 'committed'`,
    [posted.batchIds],
  );
  const ages = rows
    .map((r) => r.committed_at.getTime() - (posted.acceptedAt.get(r.id) ?? Number.NaN))
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  return {
    offeredRate: pace?.eventsPerSecond,
    freshness: { p50: percentile(ages, 50), p99: percentile(ages, 99) },
    events: posted.accepted,
    ingestRate: posted.accepted / ((posted.postedAt - posted.startedAt) / 1000),
    endToEndRate: posted.accepted / ((committedAt - posted.startedAt) / 1000),
    window: { from: posted.startedAt, to: committedAt },
  };
}

/** CPU seconds so far of a process tree's parts: the API process, its worker processes, PostgreSQL's. */
interface TreeCpu {
  api: number;
  worker: number;
  postgres: number;
}

/** CPU seconds of `root` and every descendant (and of the children they reaped), from /proc (Linux). */
function treeCpu(root: number): TreeCpu {
  const procs: { pid: number; ppid: number; cpu: number; comm: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // pid (comm) state ppid … utime stime cutime cstime: fields 14 to 17, in clock ticks (100 a second
    // on Linux). cutime and cstime hold the children it has reaped: PostgreSQL's backends that ended.
    const close = stat.lastIndexOf(")");
    const f = stat.slice(close + 2).split(" ");
    procs.push({
      pid: Number(name),
      ppid: Number(f[1]),
      cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100,
      comm: stat.slice(stat.indexOf("(") + 1, close),
    });
  }
  const children = new Map<number, typeof procs>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const cpu: TreeCpu = { api: procs.find((p) => p.pid === root)?.cpu ?? 0, worker: 0, postgres: 0 };
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (c.comm.startsWith("postgres")) cpu.postgres += c.cpu;
      else cpu.worker += c.cpu;
      walk(c.pid);
    }
  };
  walk(root);
  return cpu;
}

const cpuSince = (a: TreeCpu, b: TreeCpu): TreeCpu => ({
  api: b.api - a.api,
  worker: b.worker - a.worker,
  postgres: b.postgres - a.postgres,
});

/** What one priority's run measured. */
interface ModeFigures {
  priority: string;
  configuredRate: number;
  achievedRate: number;
  replayTotal: number;
  replaySeconds: number;
  replayBatches: {
    events: number;
    batches: number;
    sendSpan: string;
    commitSpan: string;
    /** The job's sending rate: the events of every batch but the last over first → last received. */
    sendRate: number;
  };
  alone: LiveFigures;
  beside: LiveFigures;
  after: LiveFigures;
  ratio: number;
  ingestRatio: number;
  /** CPU seconds per phase: alone (before), beside the replay, and the replay's tail after live ended. */
  cpu: { alone: TreeCpu; beside: TreeCpu; rest: TreeCpu };
  /** Letters committed while the live phase ran beside the replay. */
  lettersBeside: number;
  load: string;
  correctness: string[];
  ok: boolean;
  overlapped: boolean;
}

/** Events per second between the first and the last replay batch received (all batches but the last). */
function sendRate(b: { first: Date; sent: Date; events: string; batches: string } | undefined): number {
  if (!b) return 0;
  const batches = Number(b.batches);
  const seconds = (b.sent.getTime() - b.first.getTime()) / 1000;
  if (batches < 2 || seconds <= 0) return Number.NaN;
  return (Number(b.events) * (batches - 1)) / batches / seconds;
}

export async function runReplayBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      letters: { type: "string", default: "100000" },
      live: { type: "string", default: "300000" },
      /** The replay's rate; unset: the product's default (what the target is about). */
      rate: { type: "string" },
      batch: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "8" },
      workers: { type: "string", default: "1" },
      /** INLET_REPLAY_PRIORITY values to measure, one fresh product each, in this order. */
      priority: { type: "string", default: "rate,live" },
      /**
       * Live ingest beside the replay paced at this share of its rate alone (measured just before),
       * e.g. 0.5; unset: unpaced, as fast as the API answers.
       */
      "live-share": { type: "string" },
      "keep-dir": { type: "boolean", default: false },
    },
  });
  const letters = Number(values.letters);
  const liveEvents = Number(values.live);
  const batchSize = Number(values.batch);
  const concurrency = Number(values.concurrency);

  const apiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
  const dir = await mkdtemp(join(tmpdir(), "inlet-bench-replay-"));
  // As root, the embedded PostgreSQL runs as the OS user `postgres`, which must reach its data directory.
  await chmod(dir, 0o755);
  try {
    log(`generating ${fmt(letters)} letters and 3 × ${fmt(liveEvents)} live events in ${dir}`);
    const sets = {
      letters: await generateEvents(join(dir, "letters.ndjson"), {
        total: letters,
        invalidShare: 0,
        duplicateShare: 0,
        targetEventBytes: 1024,
        idPrefix: "dl-",
      }),
      alone: await generateEvents(join(dir, "live-alone.ndjson"), {
        total: liveEvents,
        invalidShare: 0,
        duplicateShare: 0,
        targetEventBytes: 1024,
        idPrefix: "l1-",
      }),
      beside: await generateEvents(join(dir, "live-beside.ndjson"), {
        total: liveEvents,
        invalidShare: 0,
        duplicateShare: 0,
        targetEventBytes: 1024,
        idPrefix: "l2-",
      }),
      after: await generateEvents(join(dir, "live-after.ndjson"), {
        total: liveEvents,
        invalidShare: 0,
        duplicateShare: 0,
        targetEventBytes: 1024,
        idPrefix: "l3-",
      }),
    };

    const priorities = (values.priority ?? "rate,live").split(",").map((p) => p.trim());
    const results: ModeFigures[] = [];
    for (const [i, priority] of priorities.entries()) {
      log(`INLET_REPLAY_PRIORITY=${priority}: a fresh product in ${join(dir, `data-${i}`)}`);
      results.push(
        await measureMode({
          apiDir,
          dataDir: join(dir, `data-${i}`),
          priority,
          workers: values.workers ?? "1",
          rate: values.rate,
          liveShare: values["live-share"] === undefined ? undefined : Number(values["live-share"]),
          letters,
          liveEvents,
          batchSize,
          concurrency,
          sets,
        }),
      );
    }
    process.stdout.write(
      report(results, {
        letters,
        liveEvents,
        batchSize,
        concurrency,
        workers: values.workers ?? "1",
        liveShare: values["live-share"] === undefined ? undefined : Number(values["live-share"]),
      }),
    );
    if (results.some((r) => !r.ok)) process.exitCode = 1;
  } finally {
    if (!values["keep-dir"]) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

interface ModeSettings {
  apiDir: string;
  dataDir: string;
  priority: string;
  workers: string;
  rate: string | undefined;
  /** Live ingest beside the replay paced at this share of its rate alone; undefined: unpaced. */
  liveShare: number | undefined;
  letters: number;
  liveEvents: number;
  batchSize: number;
  concurrency: number;
  sets: Record<"letters" | "alone" | "beside" | "after", { path: string }>;
}

/** One priority: a fresh product, the letters, live alone, live beside the replay, live alone again. */
async function measureMode(m: ModeSettings): Promise<ModeFigures> {
  const { letters, liveEvents, batchSize, concurrency, sets, dataDir } = m;
  let api: ChildProcess | undefined;
  let client: pg.Client | undefined;
  try {
    const port = await freePort();
    const secret = randomBytes(32).toString("hex");
    api = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: m.apiDir,
      env: {
        ...process.env,
        DATABASE_URL: "",
        INLET_DATA_DIR: dataDir,
        INLET_LAKE_URL: `file://${join(dataDir, "lake")}`,
        INLET_API_PORT: String(port),
        INLET_WORKERS: m.workers,
        INLET_INGEST_MAX_EVENTS: String(Math.max(batchSize, 10_000)),
        INLET_REPLAY_PRIORITY: m.priority,
        NEXTAUTH_SECRET: secret,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      },
      stdio: ["ignore", process.env.BENCH_LOG_LEVEL ? "inherit" : "ignore", "inherit"],
    });
    const apiPid = api.pid ?? 0;
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/readyz`, 120_000, api);
    const { url: dbUrl } = JSON.parse(await readFile(join(dataDir, "pg-runtime.json"), "utf8")) as {
      url: string;
    };
    client = new pg.Client({ connectionString: dbUrl });
    client.on("error", (err) => log(`PostgreSQL connection: ${err.message}`));
    await client.connect();
    // Signed in as the console would sign them in: a session token under the server's secret.
    const tokenFor = async (role: string) => {
      const { rows } = await client!.query<{ id: string; email: string; name: string; roles: string[] }>(
        `SELECT id, email, name, roles::text[] AS roles FROM users WHERE email = $1`,
        [`${role}@inlet.local`],
      );
      const u = rows[0];
      if (!u) throw new Error(`no seeded ${role} user`);
      return encode({ token: { sub: u.id, email: u.email, name: u.name, roles: u.roles }, secret });
    };
    const engineer = await tokenFor("engineer");
    const oncall = await tokenFor("oncall");

    const created = await trpc<{ id: string; apiKey: { key: string } }>(base, engineer, "sources.create", {
      name: "Replay bench",
      slug: SLUG,
      idField: "id",
      timeField: "created_at",
      schema: strictSchema(),
    });
    const sourceId = created.id;
    const poster = new NdjsonPoster(
      `${base}/v1/sources/${SLUG}/events`,
      { authorization: `Bearer ${created.apiKey.key}`, "content-type": "application/x-ndjson" },
      concurrency,
    );

    log(`posting ${fmt(letters)} orders that fail the schema`);
    await postAll(poster, await ndjsonBodies(sets.letters.path, batchSize), concurrency);
    const open = async () =>
      Number(
        (
          await client!.query<{ n: string }>(
            `SELECT count(*) AS n FROM dead_letters WHERE source_id = $1 AND status = 'open'`,
            [sourceId],
          )
        ).rows[0]?.n,
      );
    // The letters are recorded by the worker's judgement (or the API's, where it judges on accept).
    let openBefore = await open();
    for (const deadline = Date.now() + 600_000; openBefore < letters && Date.now() < deadline; ) {
      await sleep(200);
      openBefore = await open();
    }
    if (openBefore !== letters) throw new Error(`${openBefore} open dead letters, expected ${letters}`);

    log("relaxing the schema (the field becomes optional)");
    await trpc(base, engineer, "schemas.register", { slug: SLUG, schema: relaxedSchema() });

    log(`live ingest alone: ${fmt(liveEvents)} events`);
    const aloneBodies = await ndjsonBodies(sets.alone.path, batchSize);
    const cpu0 = treeCpu(apiPid);
    const alone = await live(client, poster, aloneBodies, concurrency);
    const cpuAlone = cpuSince(cpu0, treeCpu(apiPid));

    const job = await trpc<{ job: { id: string; ratePerSecond: number; progress: { total: number } } }>(
      base,
      oncall,
      "replays.create",
      {
        selection: { filter: { source: SLUG } },
        ...(m.rate ? { ratePerSecond: Number(m.rate) } : {}),
      },
    );
    const jobId = job.job.id;
    const configuredRate = job.job.ratePerSecond;
    log(`replay job ${jobId}: ${fmt(job.job.progress.total)} letters at ${fmt(configuredRate)} events/s`);
    const jobRow = async () =>
      (
        await client!.query<{
          status: string;
          started_at: Date | null;
          finished_at: Date | null;
          total: number;
        }>(`SELECT status, started_at, finished_at, total FROM replay_jobs WHERE id = $1`, [jobId])
      ).rows[0]!;
    // Live ingest starts once a worker has taken the job, so the two run side by side.
    while ((await jobRow()).started_at === null) await sleep(50);
    log(`live ingest during the replay: ${fmt(liveEvents)} events`);
    const besideBodies = await ndjsonBodies(sets.beside.path, batchSize);
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(" / ");
    const cpu1 = treeCpu(apiPid);
    const pace =
      m.liveShare === undefined
        ? undefined
        : { eventsPerSecond: m.liveShare * alone.endToEndRate, eventsPerBody: batchSize };
    if (pace) log(`live beside the replay paced at ${fmt(pace.eventsPerSecond)} events/s`);
    const beside = await live(client, poster, besideBodies, concurrency, pace);
    const cpu2 = treeCpu(apiPid);
    const cpuBeside = cpuSince(cpu1, cpu2);

    let ended = await jobRow();
    while (ended.finished_at === null) {
      await sleep(200);
      ended = await jobRow();
    }
    const cpuRest = cpuSince(cpu2, treeCpu(apiPid));
    // Alone once more after the replay: the machine's speed drifts, so "alone" is the mean of the
    // phases before and after the one beside the replay.
    log(`live ingest alone again: ${fmt(liveEvents)} events`);
    const after = await live(client, poster, await ndjsonBodies(sets.after.path, batchSize), concurrency);
    poster.close();
    const aloneRate = (alone.endToEndRate + after.endToEndRate) / 2;
    const aloneIngest = (alone.ingestRate + after.ingestRate) / 2;
    // The letters' own batches committed too (the job ends once every letter has an outcome).
    const { rows: replayBatches } = await client.query<{
      first: Date;
      sent: Date;
      last: Date;
      events: string;
      batches: string;
    }>(
      `SELECT min(b.received_at) AS first, max(b.received_at) AS sent, max(b.committed_at) AS last,
              sum(b.accepted) AS events, count(*) AS batches
         FROM batches b WHERE b.source_id = $1 AND b.origin = 'replay'`,
      [sourceId],
    );
    const { rows: besideRows } = await client.query<{ events: string | null }>(
      `SELECT sum(b.accepted) AS events FROM batches b
        WHERE b.source_id = $1 AND b.origin = 'replay' AND b.committed_at BETWEEN $2 AND $3`,
      [sourceId, new Date(beside.window.from), new Date(beside.window.to)],
    );
    const lettersBeside = Number(besideRows[0]?.events ?? 0);
    const replaySeconds = (ended.finished_at.getTime() - ended.started_at!.getTime()) / 1000;
    const achievedRate = ended.total / replaySeconds;
    const { rows: states } = await client.query<{ state: string; n: string }>(
      `SELECT state, count(*) AS n FROM replay_items WHERE job_id = $1 GROUP BY 1 ORDER BY 1`,
      [jobId],
    );
    const openAfter = await open();
    const { rows: letterStates } = await client.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM dead_letters WHERE source_id = $1 GROUP BY 1 ORDER BY 1`,
      [sourceId],
    );
    const { rows: files } = await client.query<{ path: string }>(
      `SELECT f.path FROM data_files f JOIN lake_tables t ON t.id = f.table_id
        WHERE t.source_id = $1 AND t.zone = 'curated'
          AND f.added_seq <= t.current_seq AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)`,
      [sourceId],
    );

    // Curated as a query sees it: committed files only; every letter's event and every live one once.
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const list = files.map((f) => `'${join(dataDir, "lake", f.path)}'`).join(",");
    const reader = await duck.runAndReadAll(
      `SELECT count(*) AS n, count(DISTINCT _event_id) AS ids,
              count(*) FILTER (WHERE _event_id LIKE 'dl-%') AS replayed,
              count(DISTINCT _event_id) FILTER (WHERE _event_id LIKE 'dl-%') AS replayed_ids
         FROM read_parquet([${list}])`,
    );
    const [rows, ids, replayedRows, replayedIds] = (reader.getRows()[0] ?? []).map(Number) as number[];
    const expected = letters + 3 * liveEvents;
    const exactlyOnce =
      rows === expected && ids === expected && replayedRows === letters && replayedIds === letters;
    const drained = openAfter === 0;
    // Paced, live ingest can at most keep the rate it is offered: the ratio is taken against that.
    const ratio = beside.endToEndRate / (beside.offeredRate ?? aloneRate);
    const span = (a: Date | undefined, b: Date | undefined) =>
      (((b?.getTime() ?? 0) - (a?.getTime() ?? 0)) / 1000).toFixed(1);
    const overlapped = beside.window.to <= ended.finished_at.getTime();

    return {
      priority: m.priority,
      configuredRate,
      achievedRate,
      replayTotal: ended.total,
      replaySeconds,
      replayBatches: {
        events: Number(replayBatches[0]?.events ?? 0),
        batches: Number(replayBatches[0]?.batches ?? 0),
        sendSpan: span(replayBatches[0]?.first, replayBatches[0]?.sent),
        commitSpan: span(replayBatches[0]?.first, replayBatches[0]?.last),
        sendRate: sendRate(replayBatches[0]),
      },
      alone,
      beside,
      after,
      ratio,
      ingestRatio: beside.ingestRate / aloneIngest,
      cpu: { alone: cpuAlone, beside: cpuBeside, rest: cpuRest },
      lettersBeside,
      load,
      correctness: [
        `correctness: curated rows ${fmt(rows ?? 0)}, distinct ids ${fmt(ids ?? 0)}, expected ${fmt(expected)}; letters' events in curated ${fmt(replayedRows ?? 0)} (distinct ${fmt(replayedIds ?? 0)}) of ${fmt(letters)} → ${exactlyOnce ? "exactly once" : "MISMATCH"}`,
        `letters: ${letterStates.map((s) => `${s.status} ${fmt(Number(s.n))}`).join(", ")}; open ${fmt(openAfter)} → ${drained ? "drained" : "NOT DRAINED"}; job ${ended.status}, items ${states.map((s) => `${s.state} ${fmt(Number(s.n))}`).join(", ")}`,
      ],
      ok: exactlyOnce && drained && ended.status === "succeeded",
      overlapped,
    };
  } finally {
    await client?.end().catch(() => {});
    if (api && api.exitCode === null) {
      api.kill("SIGTERM");
      await new Promise((r) => api?.once("exit", r));
    }
  }
}

const perEvent = (seconds: number, events: number) =>
  events > 0 ? `${((seconds / events) * 1e6).toFixed(0)} µs` : "–";

function report(
  results: ModeFigures[],
  o: {
    letters: number;
    liveEvents: number;
    batchSize: number;
    concurrency: number;
    workers: string;
    liveShare: number | undefined;
  },
): string {
  const row = (label: string, f: (r: ModeFigures) => string) =>
    `| ${label} | ${results.map(f).join(" | ")} |`;
  const cpuRow = (label: string, part: keyof TreeCpu) =>
    row(label, (r) => {
      // Live events' cost as measured alone; the rest of the phase beside the replay is the replay's.
      const liveCost = r.cpu.alone[part] / r.alone.events;
      const replayShare = r.cpu.beside[part] - liveCost * r.beside.events;
      return `${perEvent(r.cpu.alone[part], r.alone.events)} / ${perEvent(replayShare, r.lettersBeside)}`;
    });
  return [
    "",
    `Replay beside live ingest — ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), Node ${process.version}; ${o.workers} worker process(es), embedded Postgres, local lake, Postgres queue`,
    `${fmt(o.letters)} dead letters (orders of ~1 KB failing a required field), schema relaxed, replayed by one job; live: ${fmt(o.liveEvents)} orders per phase, ${o.batchSize}-event NDJSON bodies, ${o.concurrency} concurrent, ${o.liveShare === undefined ? "unpaced" : `beside the replay paced at ${o.liveShare} of the rate alone before it`}`,
    "",
    `| figure | ${results.map((r) => `INLET_REPLAY_PRIORITY=${r.priority}`).join(" | ")} |`,
    `| --- | ${results.map(() => "---").join(" | ")} |`,
    row(
      "replay: letters ÷ (job started → finished)",
      (r) =>
        `${fmt(r.achievedRate)} events/s (${fmt(r.replayTotal)} in ${r.replaySeconds.toFixed(1)} s), configured ${fmt(r.configuredRate)} → ${((r.achievedRate / r.configuredRate) * 100).toFixed(0)} %`,
    ),
    row(
      "replay batches: events in batches; first received → last received / last committed; sending rate",
      (r) =>
        `${fmt(r.replayBatches.events)} in ${fmt(r.replayBatches.batches)}; ${r.replayBatches.sendSpan} s / ${r.replayBatches.commitSpan} s; sent at ${fmt(r.replayBatches.sendRate)} events/s`,
    ),
    row(
      "letters committed while live ran beside the replay",
      (r) =>
        `${fmt(r.lettersBeside)} (${fmt(r.lettersBeside / ((r.beside.window.to - r.beside.window.from) / 1000))} events/s)`,
    ),
    row(
      "live alone, before / after: end-to-end (first POST → last committed)",
      (r) =>
        `${fmt(r.alone.endToEndRate)} / ${fmt(r.after.endToEndRate)} events/s (202s: ${fmt(r.alone.ingestRate)} / ${fmt(r.after.ingestRate)})`,
    ),
    row(
      "live during the replay: end-to-end / 202s",
      (r) =>
        `${fmt(r.beside.endToEndRate)} / ${fmt(r.beside.ingestRate)} events/s${r.beside.offeredRate === undefined ? "" : ` (offered at ${fmt(r.beside.offeredRate)} events/s)`}`,
    ),
    row(
      o.liveShare === undefined
        ? "ratio during ÷ mean alone (end-to-end; target ≥ 0.80)"
        : "ratio during ÷ the rate offered (end-to-end; target ≥ 0.80)",
      (r) => `${r.ratio.toFixed(2)} (202s: ${r.ingestRatio.toFixed(2)})`,
    ),
    row(
      "live freshness p50 / p99 (202 → committed): alone before / during the replay",
      (r) =>
        `${fmt(r.alone.freshness.p50)} / ${fmt(r.alone.freshness.p99)} ms; ${fmt(r.beside.freshness.p50)} / ${fmt(r.beside.freshness.p99)} ms`,
    ),
    cpuRow("CPU per event, API process: live alone / a letter beside live", "api"),
    cpuRow("CPU per event, worker process: live alone / a letter beside live", "worker"),
    cpuRow("CPU per event, PostgreSQL: live alone / a letter beside live", "postgres"),
    row("CPU seconds (API + worker + PostgreSQL): live alone / beside / replay's tail", (r) =>
      [r.cpu.alone, r.cpu.beside, r.cpu.rest]
        .map((c) => `${c.api.toFixed(0)}+${c.worker.toFixed(0)}+${c.postgres.toFixed(0)}`)
        .join(" / "),
    ),
    row("load average (1 min) at the start of the live phase beside the replay", (r) => r.load),
    "",
    ...results.flatMap((r) => [
      `${r.priority}: ${r.correctness.join("; ")}`,
      r.overlapped
        ? `${r.priority}: the live phase ran entirely while the replay job ran`
        : `${r.priority}: WARNING: the replay ended before the live phase did (fewer --live events, or a lower --rate, keep them side by side)`,
    ]),
    "",
  ].join("\n");
}
