// Faults in how batches reach the workers and what they commit to: a batch handed to a second worker
// while the first still processes it (a lease shorter than the flush, never renewed), and two workers
// committing to one curated table while new schema versions are registered. Each is a set of hooks into
// one chaos run with two workers, and the figures it reports; the snapshot history is checked for both.
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { lakeFilesFigure, sampleRedeliveries } from "./inlet-faults";
import type { ChaosRun, Inspection, ScenarioHooks } from "./run-chaos";

export const DELIVERY_FAULT_SCENARIOS = ["short-visibility", "schema-race"] as const;
export type DeliveryFaultScenario = (typeof DELIVERY_FAULT_SCENARIOS)[number];

export function isDeliveryFaultScenario(s: string): s is DeliveryFaultScenario {
  return (DELIVERY_FAULT_SCENARIOS as readonly string[]).includes(s);
}

export interface DeliveryFaultOptions {
  /** short-visibility: every `slowFlushEvery`-th flush commit of a worker waits `slowFlushMs`. */
  slowFlushMs: number;
  slowFlushEvery: number;
  /**
   * schema-race: this many new schema versions, spread over the run's commits (the k-th once k/(n+1) of
   * its requests' batches are committed) and at least `schemaIntervalMs` apart.
   */
  schemaVersions: number;
  schemaIntervalMs: number;
  /**
   * INLET_FLUSH_BYTES for the run: flushes of a few batches each, so that a run makes many commits to
   * race (a flush of the default 5 MiB takes up most of a short run).
   */
  flushBytes: number;
}

/** The lease the workers hold batches under (INLET_QUEUE_LEASE_MS), set for the run. */
const LEASE_MS = 8000;
const SOURCE = "orders";
const TABLE = "curated.orders";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The workers' counters as the API's /metrics sums them (each worker reports every second). */
async function workerCounters(apiUrl: string): Promise<Map<string, number>> {
  const text = await fetch(`${apiUrl}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(inlet_worker_[a-z_]+_total)(?:\{[^}]*\})? (\S+)$/gm)) {
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return out;
}

/**
 * Batches two workers processed at once, sampled every 250 ms: a batch whose message is held by a later
 * receipt (redelivered, its lease running) while the batch is still uncommitted. The later receiver saw
 * it uncommitted too, so both go on to commit it, and one of the two commits must leave it out.
 */
function sampleDoubleHolds(url: string): { stop(): Promise<number> } {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await pool
        .query<{ batch_id: string }>(
          `SELECT b.id AS batch_id FROM queue_messages m JOIN batches b ON b.id = m.body->>'batchId'
            WHERE m.queue = 'batches' AND m.dead_at IS NULL AND m.receive_count > 1
              AND m.visible_at > (now() AT TIME ZONE 'UTC') AND b.status = 'received'`,
        )
        .then(
          ({ rows }) => {
            for (const r of rows) seen.add(r.batch_id);
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
      return seen.size;
    },
  };
}

/** Waits until the batches queue holds no live message (a redelivered committed batch is acked). */
async function queueEmptied(db: pg.Pool): Promise<{ waiting: number; tookMs: number }> {
  const from = Date.now();
  let waiting = -1;
  for (let i = 0; i < 120 && waiting !== 0; i++) {
    if (i > 0) await sleep(500);
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM queue_messages WHERE queue = 'batches' AND dead_at IS NULL",
    );
    waiting = Number(rows[0]?.n ?? -1);
  }
  return { waiting, tookMs: Date.now() - from };
}

/**
 * The table's snapshot history against its files and batches: seqs 1..n with none missing or twice
 * (each snapshot's parent is the one before it, and no two share one), commit times in seq order, the
 * table's current seq the last; each snapshot's added files and rows as its data files say; no batch in
 * two append snapshots and every committed batch that stored rows in one; the rows appended equal to the
 * batches' accepted counts; every file not removed by a later snapshot on disk and read by DuckDB with
 * the row count the catalog records.
 */
export async function snapshotHistoryFigure(run: ChaosRun): Promise<{ lines: string[]; failures: string[] }> {
  const failures: string[] = [];
  const { rows: tables } = await run.db.query<{ id: string; current_seq: number }>(
    "SELECT id, current_seq FROM lake_tables WHERE name = $1",
    [TABLE],
  );
  const table = tables[0];
  if (!table) return { lines: [], failures: [`no table ${TABLE}`] };
  const { rows: snaps } = await run.db.query<{
    seq: number;
    operation: string;
    added_files: number;
    added_rows: string;
    at_ms: number;
    batch_ids: string[] | null;
  }>(
    `SELECT seq, operation::text, added_files, added_rows::text, (extract(epoch FROM created_at) * 1000)::float8 AS at_ms,
            ARRAY(SELECT jsonb_array_elements_text(summary->'batchIds')) AS batch_ids
       FROM snapshots WHERE table_id = $1 ORDER BY seq, created_at`,
    [table.id],
  );
  const { rows: files } = await run.db.query<{
    path: string;
    added_seq: number;
    removed_seq: number | null;
    row_count: string;
  }>("SELECT path, added_seq, removed_seq, row_count::text FROM data_files WHERE table_id = $1", [table.id]);

  let outOfOrder = 0;
  snaps.forEach((s, i) => {
    if (s.seq !== i + 1) outOfOrder++;
  });
  if (outOfOrder > 0)
    failures.push(
      `snapshot history not linear: ${outOfOrder} snapshots out of place in seqs 1..${snaps.length}`,
    );
  const backwards = snaps.filter((s, i) => i > 0 && s.at_ms < snaps[i - 1]!.at_ms).length;
  if (backwards > 0) failures.push(`${backwards} snapshots committed before the snapshot they follow`);
  if (table.current_seq !== snaps.length)
    failures.push(`the table's current seq is ${table.current_seq}, its last snapshot ${snaps.length}`);

  const bySeq = new Map<number, { files: number; rows: number }>();
  for (const f of files) {
    const s = bySeq.get(f.added_seq) ?? { files: 0, rows: 0 };
    s.files += 1;
    s.rows += Number(f.row_count);
    bySeq.set(f.added_seq, s);
  }
  const mismatched = snaps.filter((s) => {
    const f = bySeq.get(s.seq) ?? { files: 0, rows: 0 };
    return f.files !== s.added_files || f.rows !== Number(s.added_rows);
  });
  if (mismatched.length > 0)
    failures.push(
      `${mismatched.length} snapshots whose added files or rows differ from their data files (e.g. seq ${mismatched[0]!.seq})`,
    );
  const orphanSeqs = [...bySeq.keys()].filter((seq) => seq < 1 || seq > snaps.length);
  if (orphanSeqs.length > 0)
    failures.push(`data files added at seqs no snapshot has: ${orphanSeqs.join(", ")}`);

  const appended = new Map<string, number>();
  for (const s of snaps) {
    if (s.operation !== "append") continue;
    for (const id of s.batch_ids ?? []) appended.set(id, (appended.get(id) ?? 0) + 1);
  }
  const twice = [...appended.values()].filter((n) => n > 1).length;
  if (twice > 0) failures.push(`${twice} batches in more than one append snapshot`);
  const { rows: batches } = await run.db.query<{ id: string; accepted: number }>(
    "SELECT b.id, b.accepted FROM batches b JOIN sources s ON s.id = b.source_id WHERE s.slug = $1 AND b.status = 'committed'",
    [SOURCE],
  );
  const unrecorded = batches.filter((b) => b.accepted > 0 && !appended.has(b.id)).length;
  if (unrecorded > 0) failures.push(`${unrecorded} committed batches that stored rows are in no snapshot`);
  const accepted = batches.reduce((n, b) => n + b.accepted, 0);
  const appendedRows = snaps
    .filter((s) => s.operation === "append")
    .reduce((n, s) => n + Number(s.added_rows), 0);
  if (accepted !== appendedRows)
    failures.push(`the batches accepted ${accepted} events; the append snapshots added ${appendedRows} rows`);

  // Every file no snapshot has removed is read whole by DuckDB, and holds the rows the catalog says.
  const lake = join(run.dataDir, "lake");
  const live = files.filter((f) => f.removed_seq === null);
  const unreadable: string[] = [];
  const duck = await (await DuckDBInstance.create(":memory:")).connect();
  try {
    for (const f of live) {
      const rows = await duck
        .runAndReadAll(
          `SELECT count(*)::BIGINT FROM read_parquet('${join(lake, f.path).replaceAll("'", "''")}')`,
        )
        .then(
          (r) => Number(r.getRows()[0]?.[0]),
          () => Number.NaN,
        );
      if (rows !== Number(f.row_count)) unreadable.push(`${f.path} (${rows} rows, catalog ${f.row_count})`);
    }
  } finally {
    duck.closeSync();
  }
  if (unreadable.length > 0)
    failures.push(`${unreadable.length} files unreadable or short: ${unreadable.slice(0, 3).join(", ")}`);
  const ops = new Map<string, number>();
  for (const s of snaps) ops.set(s.operation, (ops.get(s.operation) ?? 0) + 1);
  return {
    lines: [
      `snapshots of ${TABLE}: ${snaps.length} (${[...ops].map(([op, n]) => `${op} ${n}`).join(", ")}), seqs 1..${snaps.length} each the parent of the next, commit times in order: ${failures.length === 0 ? "linear" : "NOT linear"}; ${appended.size.toLocaleString()} batches appended, none twice; ${appendedRows.toLocaleString()} rows appended = the batches' accepted counts; ${live.length} files not removed, each read by DuckDB with its catalog row count (${unreadable.length} not)`,
    ],
    failures,
  };
}

/**
 * Open dead letters per event id, with the letters of one event whose causes differ only by schema
 * version counted as one: a copy of an invalid event judged under another version than its first copy
 * opens a letter of its own (a letter's cause is its reason code, JSON pointer and schema version), so
 * an invalid event resent across a version change has one letter per version. Those ids are returned.
 */
async function lettersAcrossVersions(
  db: pg.Pool,
): Promise<{ counts: Map<string, number>; acrossVersions: string[]; versionPairs: string[] }> {
  // The letters the run counts (see run-chaos.ts): withdrawn ones (their batch answered 503) are not.
  const { rows } = await db.query<{ event_id: string; n: number; causes: number; versions: string[] }>(
    `SELECT d.event_id, count(*)::int AS n,
            count(DISTINCT (d.reason_code, coalesce(d.path, '')))::int AS causes,
            array_agg(coalesce(d.schema_version::text, '-') ORDER BY d.schema_version) AS versions
       FROM dead_letters d JOIN sources s ON s.id = d.source_id
      WHERE s.slug = $1 AND d.event_id IS NOT NULL
        AND NOT (d.status = 'discarded' AND d.discarded_by_email = 'ingest')
      GROUP BY 1`,
    [SOURCE],
  );
  const counts = new Map<string, number>();
  const acrossVersions: string[] = [];
  const pairs = new Map<string, number>();
  for (const r of rows) {
    const oneCauseEachVersion = r.n > 1 && r.causes === 1 && new Set(r.versions).size === r.n;
    counts.set(r.event_id, oneCauseEachVersion ? 1 : r.n);
    if (!oneCauseEachVersion) continue;
    acrossVersions.push(r.event_id);
    const key = r.versions.map((v) => `v${v}`).join("+");
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  return { counts, acrossVersions, versionPairs: [...pairs].map(([k, n]) => `${n} under ${k}`) };
}

/** A session token for the seeded user of a role, as the console signs people in. */
async function tokenFor(db: pg.Pool, secret: string, role: string): Promise<string> {
  const { rows } = await db.query<{ id: string; email: string; name: string; roles: string[] }>(
    "SELECT id, email, name, roles::text[] AS roles FROM users WHERE email = $1",
    [`${role}@inlet.local`],
  );
  const u = rows[0];
  if (!u) throw new Error(`no seeded ${role} user`);
  return encode({ token: { sub: u.id, email: u.email, name: u.name, roles: u.roles }, secret });
}

/** Registers a schema version over tRPC as the console does; returns its version number. */
async function registerSchema(
  apiUrl: string,
  token: string,
  schema: Record<string, unknown>,
): Promise<number> {
  const res = await fetch(`${apiUrl}/trpc/schemas.register`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ json: { slug: SOURCE, schema } }),
  });
  const body = (await res.json()) as {
    result?: { data?: { json?: { version?: number } } };
    error?: { json?: { message?: string } };
  };
  const version = body.result?.data?.json?.version;
  if (!res.ok || typeof version !== "number")
    throw new Error(
      `schemas.register answered ${res.status}: ${body.error?.json?.message ?? JSON.stringify(body)}`,
    );
  return version;
}

/** The hooks of one of this module's scenarios. */
export function deliveryFaultHooks(
  scenario: DeliveryFaultScenario,
  opts: DeliveryFaultOptions,
): ScenarioHooks {
  let redeliveries: { stop(): Promise<number> } | undefined;
  let doubleHolds: { stop(): Promise<number> } | undefined;
  let db: pg.Pool | undefined;
  const registered: { version: number; field: string; atMs: number; tookMs: number }[] = [];
  let registering: Promise<void> | undefined;
  let stopRegistering = false;
  let registerError: unknown;
  let firstSchemaAt = 0;
  /** The run's requests, each a batch once acknowledged (resends included). */
  let requests = 0;

  /**
   * New optional properties, one a version, spread over the run's commits: the k-th once k/(n+1) of the
   * run's batches are committed, and at least `schemaIntervalMs` after the one before. Spread by progress
   * rather than by time, since how long the workers commit varies with the machine's load (7–15 s for
   * 60,000 events on two shared cores).
   */
  const registerVersions = async (run: Pick<ChaosRun, "apiUrl" | "authSecret">, pool: pg.Pool) => {
    const token = await tokenFor(pool, run.authSecret, "engineer");
    // Batches received from now on are the run's (the sample source's own sample events came before).
    const from = new Date();
    const committed = async () =>
      Number(
        (
          await pool.query<{ n: string }>(
            "SELECT count(*) AS n FROM batches WHERE status = 'committed' AND received_at >= $1",
            [from],
          )
        ).rows[0]?.n ?? 0,
      );
    let last = 0;
    for (let k = 1; k <= opts.schemaVersions && !stopRegistering; k++) {
      const due = Math.max(1, Math.floor((k * requests) / (opts.schemaVersions + 1)));
      while (!stopRegistering && (await committed()) < due) await sleep(100);
      if (stopRegistering) return;
      const wait = last + opts.schemaIntervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (k === 1) firstSchemaAt = Date.now();
      const { rows } = await pool.query<{ schema: { properties?: Record<string, unknown> } }>(
        `SELECT v.json_schema AS schema FROM sources s JOIN schema_versions v ON v.id = s.active_schema_version_id
          WHERE s.slug = $1`,
        [SOURCE],
      );
      const active = rows[0]?.schema;
      if (!active) throw new Error(`source ${SOURCE} has no active schema`);
      const field = `chaos_note_${k}`;
      const started = Date.now();
      const version = await registerSchema(run.apiUrl, token, {
        ...active,
        properties: { ...active.properties, [field]: { type: "string" } },
      });
      registered.push({ version, field, atMs: started, tookMs: Date.now() - started });
      last = started;
    }
  };

  return {
    prepare({ order }): Record<string, string> {
      requests = order.length;
      const env: Record<string, string> = {
        INLET_QUEUE_LEASE_MS: String(LEASE_MS),
        INLET_FLUSH_BYTES: String(opts.flushBytes),
      };
      if (scenario === "short-visibility")
        env.INLET_FAILPOINTS = `slow-flush:${opts.slowFlushMs}:${opts.slowFlushEvery},no-lease-renewal`;
      return env;
    },
    async started(run) {
      redeliveries = sampleRedeliveries(run.dbUrl);
      if (scenario === "short-visibility") doubleHolds = sampleDoubleHolds(run.dbUrl);
      if (scenario !== "schema-race") return;
      db = new pg.Pool({ connectionString: run.dbUrl, max: 1 });
      db.on("error", () => {});
      const pool = db;
      registering = registerVersions(run, pool).catch((err: unknown) => {
        registerError = err;
      });
    },
    async inspect(run): Promise<Inspection> {
      const lines: string[] = [];
      const failures: string[] = [];
      const queue = await queueEmptied(run.db);
      stopRegistering = true;
      await registering;
      const redelivered = (await redeliveries?.stop()) ?? 0;
      const heldTwice = (await doubleHolds?.stop()) ?? 0;
      // The workers report their counters every second: wait for the last of them.
      await sleep(2500);
      const counters = await workerCounters(run.apiUrl);
      const counter = (name: string) => counters.get(`inlet_worker_${name}_total`) ?? 0;
      lines.push(
        `batch messages redelivered (receive count above 1, sampled every 250 ms): ${redelivered}; batches queue ${queue.waiting === 0 ? `empty ${secs(queue.tookMs)} after the last batch committed` : `still holding ${queue.waiting} messages a minute after the last batch committed`}`,
      );
      if (queue.waiting !== 0) failures.push(`${queue.waiting} batch messages left in the queue`);
      lines.push(
        `workers (flushes of up to ${(opts.flushBytes / 1024 ** 2).toFixed(1)} MiB): ${counter("batches_committed")} batch commits, ${counter("batches_already_done")} batches found already committed (acked without work, or left out of a commit another worker beat), ${counter("batches_retried")} handed back, ${counter("flushes")} flushes, ${counter("flush_errors")} failed whole`,
      );
      if (scenario === "short-visibility") {
        lines.push(
          `fault: ${opts.slowFlushEvery === 1 ? "every flush commit" : `one flush commit in ${opts.slowFlushEvery}`} of each worker waited ${secs(opts.slowFlushMs)} before its catalog transaction, leases of ${secs(LEASE_MS)} never renewed (INLET_FAILPOINTS slow-flush, no-lease-renewal)`,
        );
        lines.push(
          `batches two workers processed at once (redelivered while still uncommitted, sampled every 250 ms): ${heldTwice}; each is in one snapshot (below), so one of its two commits left it out`,
        );
        if (redelivered === 0) failures.push("no batch was redelivered: the scenario exercised nothing");
        if (counter("batches_already_done") === 0)
          failures.push("no worker found a batch already committed: no batch was processed twice");
      }
      if (scenario === "schema-race") {
        if (registerError) failures.push(`registering a schema version failed: ${String(registerError)}`);
        const lastAnswer = Math.max(...run.statuses.map((s) => s.answeredAt));
        const { rows: span } = await run.db.query<{ first: Date | null; last: Date | null }>(
          "SELECT min(committed_at) AS first, max(committed_at) AS last FROM batches WHERE status = 'committed' AND received_at >= $1",
          [new Date(run.firstSend)],
        );
        const firstCommit = span[0]?.first?.getTime() ?? 0;
        const lastCommit = span[0]?.last?.getTime() ?? 0;
        lines.push(
          `schema versions registered over tRPC as an engineer while two workers committed: ${registered.length} (${registered
            .map((r) => `v${r.version} +${r.field} at ${secs(r.atMs - run.firstSend)} (${r.tookMs} ms)`)
            .join(
              ", ",
            )}); requests answered until ${secs(lastAnswer - run.firstSend)}, batches committed from ${secs(firstCommit - run.firstSend)} to ${secs(lastCommit - run.firstSend)}`,
        );
        if (registered.length < opts.schemaVersions)
          failures.push(`${registered.length} of ${opts.schemaVersions} schema versions registered`);
        const during = registered.filter((r) => r.atMs > firstCommit && r.atMs < lastCommit).length;
        if (during < registered.length)
          failures.push(
            `${registered.length - during} schema versions registered while no batch of the run was being committed (send more --events, or shorten --schema-interval)`,
          );
        // The table's columns hold every field a version added: a worker on an older version must not
        // have written its column list over a newer one.
        const { rows } = await run.db.query<{ columns: { name: string }[] }>(
          "SELECT columns FROM lake_tables WHERE name = $1",
          [TABLE],
        );
        const names = new Set((rows[0]?.columns ?? []).map((c) => c.name));
        const missing = registered.filter((r) => !names.has(r.field)).map((r) => r.field);
        lines.push(
          `columns of ${TABLE}: ${names.size}, ${missing.length === 0 ? "every registered field among them" : `missing ${missing.join(", ")}`}; commits to the table are serialized by a row lock in the catalog (no optimistic conflict to count)`,
        );
        if (missing.length > 0) failures.push(`${TABLE} lacks the columns ${missing.join(", ")}`);
        if (firstSchemaAt === 0) failures.push("schema registration never started");
      }
      const history = await snapshotHistoryFigure(run);
      lines.push(...history.lines);
      failures.push(...history.failures);
      const files = await lakeFilesFigure(run);
      lines.push(...files.lines);
      failures.push(...files.failures);
      if (scenario !== "schema-race") return { lines, failures };
      const letters = await lettersAcrossVersions(run.db);
      lines.push(
        `invalid events with one open dead letter per schema version (a copy judged under a newer version than the first; counted once): ${letters.acrossVersions.length}${letters.acrossVersions.length > 0 ? ` (${letters.versionPairs.join(", ")}; e.g. ${letters.acrossVersions.slice(0, 3).join(", ")})` : ""}`,
      );
      return { lines, failures, deadLetters: letters.counts };
    },
    async close() {
      stopRegistering = true;
      await registering;
      await redeliveries?.stop();
      await doubleHolds?.stop();
      await db?.end().catch(() => undefined);
    },
  };
}
