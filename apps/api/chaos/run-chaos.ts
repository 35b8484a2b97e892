// One chaos run: Inlet as `npm start` runs it (the API with its workers, an embedded PostgreSQL, a local
// lake), a load client that logs every event it sends with its answer, a fault injected part-way, and
// the history checker over what the lake holds once everything sent is processed.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { freePort } from "@inlet/db";
import pg from "pg";
import { generateEvents } from "../bench/generate-events";
import { NdjsonPoster, ndjsonBodies } from "../bench/ndjson-poster";
import type { DeliveryFaultScenario } from "./delivery-faults";
import type { DiskFaultScenario } from "./disk-faults";
import { checkHistory, type Expected, SendLog, type SendOutcome, type Verdict } from "./history-checker";
import type { InletFaultScenario } from "./inlet-faults";
import { type ProcessPeak, sampleMemory } from "./memory-sampler";
import type { UploadKillScenario } from "./upload-kill";

export type Scenario =
  | "none"
  | "worker-kill"
  | "api-kill"
  | "overload"
  | "s3-faults"
  | "nats-restart"
  | InletFaultScenario
  | DiskFaultScenario
  | UploadKillScenario
  | DeliveryFaultScenario;

export interface ChaosOptions {
  events: number;
  /** Events per request. */
  batch: number;
  /** Requests in flight at once. */
  concurrency: number;
  workers: number;
  /** Share of events invalid against the schema (dead-lettered). */
  invalidShare: number;
  /** Share of requests the producer sends a second time. */
  resendShare: number;
  scenario: Scenario;
  /** When the fault strikes: fractions of the requests answered (e.g. [0.5, 0.9]). */
  at: number[];
  /** How long to wait for everything sent to be processed, in ms. */
  drainTimeoutMs: number;
  log: (msg: string) => void;
  keepDir?: boolean;
  /** More environment for the API (a lake on S3, a NATS queue, lower admission bounds). */
  env?: Record<string, string>;
  /**
   * Overload: the requests above are sent unpaced first and their end-to-end rate is the sustainable
   * one; then new events are sent paced at `factor` times that rate for `seconds`.
   */
  overload?: { factor: number; seconds: number };
  /**
   * The lake's files by path as local files the checker reads (a lake on S3 is downloaded); paths
   * that could not be read are returned as missing. Default: the file:// lake under the data dir.
   */
  lakeFiles?: (paths: string[]) => Promise<{ local: string[]; missing: string[] }>;
  /** A fault outside Inlet (e.g. its NATS server restarted), for scenarios the run does not know. */
  externalFault?: () => Promise<Omit<FaultFigure, "at">>;
  /** A scenario's own part in the run (fail points, a poison batch, PostgreSQL faults). */
  hooks?: ScenarioHooks;
}

/** What a scenario's hooks see of the run. */
export interface ChaosRun {
  dataDir: string;
  dbUrl: string;
  /** The API's base URL, and the secret its session tokens are signed with (to call tRPC as a person). */
  apiUrl: string;
  authSecret: string;
  db: pg.Pool;
  /** Every answer, in order: when its request was sent, when answered, and its status ("error" for none). */
  statuses: { sentAt: number; answeredAt: number; status: string }[];
  firstSend: number;
  endToEndRate: number;
}

/** A scenario's findings after the drain: report lines, failed invariants, and poison batches' ids. */
export interface Inspection {
  lines: string[];
  failures: string[];
  poisoned?: Map<string, number>;
  /**
   * Open dead letters per event id as the scenario counts them, when not as the run does (schema-race:
   * the letters of one event whose causes differ only by schema version are one holding).
   */
  deadLetters?: Map<string, number>;
}

export interface ScenarioHooks {
  /** Before Inlet starts: may change where events are expected; returns more environment for the API. */
  prepare?(p: {
    dir: string;
    events: { id: string; expected: Expected }[][];
    order: number[];
    at: number[];
  }): Record<string, string> | undefined;
  started?(run: Pick<ChaosRun, "dataDir" | "dbUrl" | "apiUrl" | "authSecret">): Promise<void>;
  /** The fault at each `at`. */
  fault?(run: Pick<ChaosRun, "dataDir" | "dbUrl">): Promise<Omit<FaultFigure, "at">>;
  /** Once everything sent is processed, before the checker. */
  inspect?(run: ChaosRun): Promise<Inspection>;
  close?(): Promise<void>;
}

export interface OverloadFigure {
  /** End-to-end rate of the unpaced phase, events/s. */
  sustainableRate: number;
  /** Rate the paced phase offered (new events, not counting resends of shed ones), events/s. */
  offeredRate: number;
  seconds: number;
  /** Event sends answered 429 during the paced phase, and per second of it. */
  shedEvents: number;
  shedRate: number;
  /** Events of the paced phase acknowledged, per second from its start to its last answer. */
  acceptedRate: number;
}

export interface FaultFigure {
  at: number;
  /** When it struck (Date.now()). */
  struckAt: number;
  /** What was killed, and its pid. */
  what: string;
  /** From the fault to the commit of the last batch received before it, in ms (worker kill). */
  recoveredMs?: number | undefined;
  /** From the kill until the API answered /readyz again, in ms (API kill). */
  downMs?: number | undefined;
  /** From the fault to the first acknowledgement of a request sent after it, in ms. */
  acceptingAgainMs?: number | undefined;
}

export interface ChaosResult {
  verdict: Verdict;
  faults: FaultFigure[];
  /** Answers by HTTP status ("error" for none). */
  answers: Record<string, number>;
  /** Requests answered 5xx other than 503: none may be. */
  serverErrors: number;
  /** Events sent per second (first request → last answer), and from the first request to the last commit. */
  sendRate: number;
  endToEndRate: number;
  drainedMs: number;
  /** Processes of this run (workers, PostgreSQL) still running a minute after the API stopped: none may be. */
  orphans: string[];
  /** 429 answers without a Retry-After header: none may be. */
  shedWithoutRetryAfter: number;
  /** Peak resident memory of each process of the run (the API, workers, PostgreSQL), highest first. */
  memory: ProcessPeak[];
  /** Files the current snapshot of curated.orders names that could not be read: none may be. */
  missingFiles: string[];
  overload?: OverloadFigure | undefined;
  inspection?: Inspection | undefined;
}

const API_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The API's child processes that are workers (its embedded PostgreSQL is a child too). */
async function workerPids(apiPid: number): Promise<number[]> {
  const text = await readFile(`/proc/${apiPid}/task/${apiPid}/children`, "utf8").catch(() => "");
  const pids = text.split(/\s+/).filter(Boolean).map(Number);
  const cmdlines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, "utf8").catch(() => "")));
  return pids.filter((_, i) => cmdlines[i]?.includes("worker-main"));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes started for this data directory (their environment names it), but for `except`. */
async function processesOf(dataDir: string, except: number[]): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || except.includes(pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    if (!environ.split("\0").includes(`INLET_DATA_DIR=${dataDir}`)) continue;
    const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ").trim();
    out.push({ pid, cmd });
  }
  return out;
}

/** A file:// lake's files: where they are, and those that are not there. */
function localLakeFiles(root: string) {
  return async (paths: string[]): Promise<{ local: string[]; missing: string[] }> => {
    const local = paths.map((p) => join(root, p));
    const there = await Promise.all(
      local.map((f) =>
        access(f, constants.R_OK).then(
          () => true,
          () => false,
        ),
      ),
    );
    return { local: local.filter((_, i) => there[i]), missing: paths.filter((_, i) => !there[i]) };
  };
}

/** Where each event of a body belongs: an invalid event (amount sent as a string) is dead-lettered. */
function eventsOf(body: Buffer): { id: string; expected: Expected }[] {
  const out: { id: string; expected: Expected }[] = [];
  for (const line of body.toString("utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line) as { id: string; amount: unknown };
    out.push({ id: e.id, expected: typeof e.amount === "number" ? "curated" : "dead-letter" });
  }
  return out;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const dir = await mkdtemp(join(tmpdir(), "inlet-chaos-"));
  // As root, the embedded PostgreSQL runs as the OS user `postgres`, which must reach its data directory.
  await chmod(dir, 0o755);
  const dataDir = join(dir, "data");
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: "",
    INLET_DATA_DIR: dataDir,
    INLET_LAKE_URL: `file://${join(dataDir, "lake")}`,
    INLET_API_PORT: String(port),
    INLET_WORKERS: String(opts.workers),
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? "warn",
    // An API killed between registering a batch and enqueueing it leaves the batch received with no
    // message; the workers send it again after this long (2 minutes by default, too long for a drain).
    INLET_STRANDED_AFTER_MS: "10000",
    ...opts.env,
  };
  const base = `http://127.0.0.1:${port}`;
  let api: ChildProcess | undefined;
  let orphans: string[] = [];
  let sampler: ReturnType<typeof sampleMemory> | undefined;

  const startApi = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: API_DIR,
      env,
      stdio: ["ignore", process.env.CHAOS_LOG_LEVEL ? "inherit" : "ignore", "inherit"],
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return child;
      await sleep(200);
    }
    child.kill("SIGKILL");
    throw new Error(`${base}/readyz did not answer within 120 s`);
  };
  const stopApi = async () => {
    if (!api || api.exitCode !== null) return;
    const exited = new Promise((r) => api?.once("exit", r));
    api.kill("SIGTERM");
    await Promise.race([exited, sleep(90_000)]);
  };

  try {
    opts.log(`generating ${opts.events.toLocaleString()} events (${opts.invalidShare * 100} % invalid)`);
    const gen = await generateEvents(join(dir, "events.ndjson"), {
      total: opts.events,
      invalidShare: opts.invalidShare,
      duplicateShare: 0,
      targetEventBytes: 512,
      idPrefix: "chaos-",
    });
    const bodies = await ndjsonBodies(gen.path, opts.batch);
    const events = bodies.map(eventsOf);
    // The producer's requests: every body once, and a share of them again later (a resend).
    const order = bodies.map((_, i) => i);
    const resends = Math.round(bodies.length * opts.resendShare);
    for (let k = 0; k < resends; k += 1) {
      const i = Math.floor((k * bodies.length) / Math.max(1, resends));
      order.splice(Math.min(order.length, i + 1 + Math.floor(opts.concurrency * 2)), 0, i);
    }
    Object.assign(env, opts.hooks?.prepare?.({ dir, events, order, at: opts.at }));

    opts.log(`starting Inlet (${opts.workers} worker(s)) on ${base}`);
    api = await startApi();
    const memory = sampleMemory(() => api?.pid);
    sampler = memory;
    const creds = await readFile(join(dataDir, "initial-credentials.txt"), "utf8");
    const key = /ingest key for source 'orders': (\S+)/.exec(creds)?.[1];
    if (!key) throw new Error("the sample source's key was not printed");
    const { url: dbUrl } = JSON.parse(await readFile(join(dataDir, "pg-runtime.json"), "utf8")) as {
      url: string;
    };
    // A pool: a scenario may restart PostgreSQL or cut its connections under the run.
    const db = new pg.Pool({ connectionString: dbUrl, max: 1 });
    db.on("error", () => {});
    await opts.hooks?.started?.({ dataDir, dbUrl, apiUrl: base, authSecret: env.NEXTAUTH_SECRET });
    // The sample source starts with sample events of its own: they are not this run's.
    const { rows: before } = await db.query<{ n: string }>("SELECT count(*) AS n FROM batches");
    const preexisting = Number(before[0]?.n ?? 0);

    const poster = () =>
      new NdjsonPoster(
        `${base}/v1/sources/orders/events`,
        { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
        opts.concurrency,
      );
    let client = poster();
    const log = new SendLog();
    const answers: Record<string, number> = {};
    let serverErrors = 0;
    const faults: FaultFigure[] = [];
    const pendingFaults = [...opts.at].sort((a, b) => a - b);
    let answered = 0;
    let faulting: Promise<void> | undefined;

    const injectFault = async (at: number): Promise<void> => {
      if (!api?.pid) return;
      if (opts.scenario === "worker-kill") {
        const [pid] = await workerPids(api.pid);
        if (!pid) return;
        process.kill(pid, "SIGKILL");
        faults.push({ at, struckAt: Date.now(), what: `worker pid ${pid}` });
        opts.log(`SIGKILL worker ${pid} at ${Math.round(at * 100)} % of requests`);
      } else if (opts.scenario === "api-kill") {
        const pid = api.pid;
        const killedAt = Date.now();
        const exited = new Promise((r) => api?.once("exit", r));
        api.kill("SIGKILL");
        await exited;
        opts.log(`SIGKILL API ${pid} at ${Math.round(at * 100)} % of requests; starting it again`);
        client.close();
        api = await startApi();
        client = poster();
        faults.push({ at, struckAt: killedAt, what: `API pid ${pid}`, downMs: Date.now() - killedAt });
      } else if (opts.hooks?.fault) {
        faults.push({ at, ...(await opts.hooks.fault({ dataDir, dbUrl })) });
      } else if (opts.externalFault) {
        faults.push({ at, ...(await opts.externalFault()) });
      }
    };

    // Requests in flight at once; a shed or unanswered request goes to the back of the line, as a
    // producer retries it (after the answer's Retry-After, else a second; up to 5 times for an
    // unanswered one, and for a shed one too but in overload, where a producer keeps retrying).
    type Item = {
      body: Buffer;
      events: { id: string; expected: Expected }[];
      tries: number;
      notBefore: number;
    };
    const maxShedTries = opts.overload ? 50 : 5;
    let shedWithoutRetryAfter = 0;
    let shed429Events = 0;
    let acknowledgedEvents = 0;
    const acks: { sentAt: number; answeredAt: number }[] = [];
    const statuses: { sentAt: number; answeredAt: number; status: string }[] = [];
    const sendAll = async (items: Item[], concurrency: number): Promise<void> => {
      const queue = [...items];
      const sendOne = async (item: Item): Promise<void> => {
        if (faulting) await faulting;
        const wait = item.notBefore - Date.now();
        if (wait > 0) await sleep(wait);
        let outcome: SendOutcome;
        let status = "error";
        let retryAfterMs = 0;
        const sentAt = Date.now();
        try {
          const res = await client.post(item.body);
          status = String(res.status);
          if (res.status >= 200 && res.status < 300) {
            outcome = "acknowledged";
            acknowledgedEvents += item.events.length;
            acks.push({ sentAt, answeredAt: Date.now() });
          } else if (res.status === 429 || res.status === 503) {
            outcome = "shed";
            if (res.status === 429) {
              shed429Events += item.events.length;
              if (res.retryAfterSeconds === undefined) shedWithoutRetryAfter += 1;
            }
            retryAfterMs = (res.retryAfterSeconds ?? 1) * 1000;
          } else if (res.status >= 500) {
            serverErrors += 1;
            outcome = "indeterminate";
          } else outcome = "refused";
        } catch {
          outcome = "indeterminate";
          retryAfterMs = 500;
        }
        answers[status] = (answers[status] ?? 0) + 1;
        statuses.push({ sentAt, answeredAt: Date.now(), status });
        log.record(item.events, outcome);
        const limit = outcome === "shed" ? maxShedTries : 5;
        if ((outcome === "shed" || outcome === "indeterminate") && item.tries < limit) {
          queue.push({ ...item, tries: item.tries + 1, notBefore: Date.now() + retryAfterMs });
        }
        answered += 1;
        const next = pendingFaults[0];
        if (next !== undefined && answered >= next * order.length && !faulting) {
          pendingFaults.shift();
          faulting = injectFault(next).finally(() => {
            faulting = undefined;
          });
        }
      };
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let item = queue.shift(); item; item = queue.shift()) await sendOne(item);
        }),
      );
      if (faulting) await faulting;
    };

    // Processed: no batch of this run still waiting, twice in a row a second apart.
    const drain = async (): Promise<number> => {
      const drainDeadline = Date.now() + opts.drainTimeoutMs;
      let quiet = 0;
      while (quiet < 2) {
        if (Date.now() > drainDeadline)
          throw new Error(`batches still unprocessed after ${opts.drainTimeoutMs} ms`);
        const { rows } = await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM batches WHERE status = 'received'",
        );
        quiet = Number(rows[0]?.n ?? 1) === 0 ? quiet + 1 : 0;
        await sleep(1000);
      }
      return Date.now();
    };

    const firstSend = Date.now();
    await sendAll(
      order.map((i) => ({ body: bodies[i]!, events: events[i]!, tries: 0, notBefore: 0 })),
      // Overload's unpaced phase measures the sustainable rate: as many requests in flight as the paced
      // phase may have, so that the client's concurrency is not what bounds it.
      opts.overload ? opts.concurrency * 4 : opts.concurrency,
    );
    let overload: OverloadFigure | undefined;
    if (opts.overload) {
      // The rate the workers process at while they have work: the unpaced phase's events over the time
      // some batch of it was waiting (the union of each batch's receipt → commit). Not over the whole
      // phase: while admission control sheds, the producer waits out Retry-After and the workers idle.
      await drain();
      const { rows: phase } = await db.query<{ n: number; from: number; to: number }>(
        `SELECT event_count AS n, extract(epoch FROM received_at)::float8 AS from,
                extract(epoch FROM committed_at)::float8 AS to
           FROM batches WHERE status = 'committed' AND received_at >= $1 ORDER BY received_at`,
        [new Date(firstSend)],
      );
      let busy = 0;
      let span: { from: number; to: number } | undefined;
      for (const b of phase) {
        if (span && b.from <= span.to) span.to = Math.max(span.to, b.to);
        else {
          if (span) busy += span.to - span.from;
          span = { from: b.from, to: b.to };
        }
      }
      if (span) busy += span.to - span.from;
      const sustainableRate = phase.reduce((sum, b) => sum + Number(b.n), 0) / Math.max(1, busy);
      const offeredRate = sustainableRate * opts.overload.factor;
      const total = Math.ceil(offeredRate * opts.overload.seconds);
      opts.log(
        `sustainable ${Math.round(sustainableRate)} events/s; sending ${total.toLocaleString()} more at ${Math.round(offeredRate)} events/s for ${opts.overload.seconds} s`,
      );
      const gen2 = await generateEvents(join(dir, "overload.ndjson"), {
        total,
        invalidShare: opts.invalidShare,
        duplicateShare: 0,
        targetEventBytes: 512,
        idPrefix: "chaos-overload-",
      });
      const bodies2 = await ndjsonBodies(gen2.path, opts.batch);
      const shedBefore = shed429Events;
      const ackBefore = acknowledgedEvents;
      const start = Date.now() + 100;
      let offset = 0;
      const items = bodies2.map((body) => {
        const evs = eventsOf(body);
        const item = { body, events: evs, tries: 0, notBefore: start + (offset / offeredRate) * 1000 };
        offset += evs.length;
        return item;
      });
      await sendAll(items, opts.concurrency * 4);
      const seconds = (Date.now() - start) / 1000;
      overload = {
        sustainableRate,
        offeredRate,
        seconds,
        shedEvents: shed429Events - shedBefore,
        shedRate: (shed429Events - shedBefore) / seconds,
        acceptedRate: (acknowledgedEvents - ackBefore) / seconds,
      };
    }
    const lastAnswer = Date.now();
    client.close();
    opts.log(`${log.requests.toLocaleString()} requests answered; waiting for the workers to finish`);
    const drainedAt = await drain();

    for (const f of faults) {
      const firstAck = acks.find((a) => a.sentAt >= f.struckAt);
      f.acceptingAgainMs = firstAck ? firstAck.answeredAt - f.struckAt : undefined;
      if (opts.scenario !== "worker-kill" && opts.scenario !== "nats-restart") continue;
      const killedAt = new Date(f.struckAt);
      const { rows } = await db.query<{ last: Date | null }>(
        `SELECT max(committed_at) AS last FROM batches WHERE received_at <= $1 AND status = 'committed'`,
        [killedAt],
      );
      f.recoveredMs = rows[0]?.last ? Math.max(0, rows[0].last.getTime() - killedAt.getTime()) : undefined;
    }

    // What the lake holds: the rows of curated.orders' current snapshot, and the dead letters.
    const { rows: files } = await db.query<{ path: string }>(
      `SELECT f.path FROM data_files f JOIN lake_tables t ON t.id = f.table_id
        WHERE t.name = 'curated.orders' AND f.added_seq <= t.current_seq
          AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)`,
    );
    const curated = new Map<string, number>();
    const { local, missing: missingFiles } = await (opts.lakeFiles ?? localLakeFiles(join(dataDir, "lake")))(
      files.map((f) => f.path),
    );
    if (local.length > 0) {
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const list = local.map((f) => `'${f}'`).join(",");
      const reader = await duck.runAndReadAll(
        `SELECT id, count(*)::INTEGER AS n FROM read_parquet([${list}], union_by_name = true) GROUP BY id`,
      );
      for (const [id, n] of reader.getRows()) curated.set(String(id), Number(n));
      duck.closeSync();
    }
    const { rows: letters } = await db.query<{ event_id: string; n: string }>(
      `SELECT d.event_id, count(*) AS n FROM dead_letters d JOIN sources s ON s.id = d.source_id
        WHERE s.slug = 'orders' AND d.event_id IS NOT NULL
          -- Letters of a batch the API then answered 503 (the queue did not take it) are withdrawn: the
          -- sender sends the batch again and its events are judged again.
          AND NOT (d.status = 'discarded' AND d.discarded_by_email = 'ingest')
        GROUP BY 1`,
    );
    const deadLetters = new Map(letters.map((r) => [r.event_id, Number(r.n)]));
    // Rows of sample events the first start sent itself are not this run's (their ids lack the prefix).
    if (preexisting > 0) {
      for (const id of [...curated.keys()]) if (!id.startsWith("chaos-")) curated.delete(id);
    }

    const inspection = await opts.hooks?.inspect?.({
      dataDir,
      dbUrl,
      apiUrl: base,
      authSecret: env.NEXTAUTH_SECRET,
      db,
      statuses,
      firstSend,
      endToEndRate: log.size / ((drainedAt - firstSend) / 1000),
    });
    await db.end();

    const verdict = checkHistory(log, {
      curated,
      deadLetters: inspection?.deadLetters ?? deadLetters,
      ...(inspection?.poisoned ? { poisoned: inspection.poisoned } : {}),
    });
    const sent = log.size;
    const peaks = await memory.stop();
    // Once the API stopped, nothing of this run may be left running (a worker of a killed API included).
    await stopApi();
    const left = async () => processesOf(dataDir, [process.pid]);
    for (let waited = 0; waited < 70_000 && (await left()).length > 0; waited += 1000) await sleep(1000);
    const remaining = await left();
    orphans = remaining.map((p) => `${p.pid} ${p.cmd.slice(0, 120)}`);
    for (const p of remaining) process.kill(p.pid, "SIGKILL");
    return {
      verdict,
      faults,
      answers,
      serverErrors,
      orphans,
      sendRate: sent / ((lastAnswer - firstSend) / 1000),
      endToEndRate: sent / ((drainedAt - firstSend) / 1000),
      drainedMs: drainedAt - lastAnswer,
      shedWithoutRetryAfter,
      memory: peaks,
      missingFiles,
      overload,
      inspection,
    };
  } finally {
    await sampler?.stop();
    await stopApi();
    await opts.hooks?.close?.();
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
    else opts.log(`kept ${dir}`);
  }
}
