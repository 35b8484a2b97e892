import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, generateApiKey } from "@inlet/db";
import { createTestDatabase } from "@inlet/db/testing";
import { WorkerMetrics } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "./data-plane-routes";
import { OpsSampler } from "./services/ops-sampler";
import { startTestServer, type TestServer } from "./testing/test-server";
import { METRICS_MESSAGE, metricsOfMessage, WorkerMetricsBook } from "./worker-metrics-ipc";

let s: TestServer;
const book = new WorkerMetricsBook();

beforeAll(async () => {
  // A backlog bound of one byte: the second batch of a source is refused by admission control.
  s = await startTestServer(
    { INLET_SOURCE_MAX_BACKLOG_BYTES: "1" },
    { register: dataPlaneRoutes({ workerMetrics: () => book.registry() }) },
  );
  await exercise();
});
afterAll(async () => {
  await s?.close();
});

/**
 * Touches every labelled series: a dead letter, an accepted batch, one refused by admission control, a
 * refused key, a worker's report.
 */
async function exercise(): Promise<void> {
  const source = await s.database.db.prisma.source.findUniqueOrThrow({ where: { slug: "orders" } });
  const k = generateApiKey();
  await s.database.db.prisma.apiKey.create({
    data: { sourceId: source.id, name: "metrics", prefix: k.prefix, keyHash: k.hash },
  });
  const post = (key: string, payload: string) =>
    s.app.inject({
      method: "POST",
      url: "/v1/sources/orders/events",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/x-ndjson" },
      payload,
    });
  const order = `{"id":"o-1","customer_id":"c-1","amount":12.5,"currency":"EUR","status":"placed","created_at":"2024-05-01T12:00:00Z"}`;
  expect((await post(k.key, "{not json")).statusCode).toBe(400);
  expect((await post(k.key, order)).statusCode).toBe(202);
  expect((await post(k.key, order)).statusCode).toBe(429);
  expect((await post("inlet_wrong", order)).statusCode).toBe(401);

  const worker = new WorkerMetrics();
  worker.batchesCommitted.inc();
  worker.flushDurationSeconds.observe(0.12);
  worker.freshnessSeconds.observe(0.9);
  const sent = JSON.parse(
    JSON.stringify({ type: METRICS_MESSAGE, metrics: await worker.registry.getMetricsAsJSON() }),
  );
  book.update(0, metricsOfMessage(sent) ?? []);
  // Two rounds of the operations sampler: the worker ratios need a previous reading.
  const sampler = new OpsSampler({
    db: s.database.db,
    queue: s.queue,
    workerMetrics: () => book.registry().getMetricsAsJSON(),
  });
  await sampler.sampleOnce(new Date(Date.now() - 1000));
  await sampler.sampleOnce();
}

/** Each family of a text exposition as "name type: sample{label names} …", sorted. */
function seriesOf(text: string): string[] {
  const types = new Map<string, string>();
  const samples = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const typed = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (typed?.[1] && typed[2]) {
      types.set(typed[1], typed[2]);
      samples.set(typed[1], new Set());
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample?.[1]) throw new Error(`not a sample line: ${line}`);
    const name = sample[1];
    const family = [...types.keys()].find(
      (f) =>
        name === f ||
        (types.get(f) === "histogram" &&
          /^_(bucket|sum|count)$/.test(name.slice(f.length)) &&
          name.startsWith(f)),
    );
    if (!family) throw new Error(`sample ${name} has no # TYPE`);
    const labels = [...(sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)]
      .map((m) => m[1])
      .sort();
    samples.get(family)?.add(`${name.slice(family.length)}{${labels.join(",")}}`);
  }
  return [...types]
    .map(([name, type]) => `${name} ${type}: ${[...(samples.get(name) ?? [])].sort().join(" ")}`)
    .sort();
}

/** Every Inlet family /metrics serves, as seriesOf() spells it: dashboards and alerts name them. */
const INLET_SERIES = [
  "inlet_admission_refused_total counter: {reason}",
  "inlet_alert_last_round_timestamp_seconds gauge: {}",
  "inlet_alert_round_duration_seconds gauge: {}",
  "inlet_alert_rounds_total counter: ",
  "inlet_backlog_bytes gauge: {}",
  "inlet_ingest_batches_accepted_total counter: {source}",
  "inlet_ingest_batches_in_flight gauge: {}",
  "inlet_ingest_bytes_accepted_total counter: {source}",
  "inlet_ingest_dead_letters_total counter: {reason}",
  "inlet_ingest_events_accepted_total counter: {source}",
  "inlet_ingest_requests_total counter: {code,status}",
  "inlet_ingest_wire_bytes_accepted_total counter: {source}",
  "inlet_lake_disk_free_bytes gauge: {path}",
  "inlet_ops_dead_letters_inflow_per_minute gauge: {reason,source}",
  "inlet_ops_dead_letters_open gauge: {reason,source}",
  "inlet_ops_freshness_p50_seconds gauge: ",
  "inlet_ops_freshness_p99_seconds gauge: ",
  "inlet_ops_ingest_accepted_events_per_second gauge: {source}",
  "inlet_ops_ingest_refused_events_per_second gauge: {source}",
  "inlet_ops_queue_depth_messages gauge: {queue}",
  "inlet_ops_queue_in_flight_messages gauge: {queue}",
  "inlet_ops_queue_oldest_age_seconds gauge: {queue}",
  "inlet_ops_storage_bytes gauge: {source,zone}",
  "inlet_ops_worker_batches_per_second gauge: {}",
  "inlet_ops_worker_busy_ratio gauge: {}",
  "inlet_ops_worker_busy_seconds_per_second gauge: {}",
  "inlet_ops_worker_error_ratio gauge: {}",
  "inlet_ops_worker_events_per_second gauge: {}",
  "inlet_queue_dead gauge: {queue}",
  "inlet_queue_depth gauge: {queue}",
  "inlet_queue_in_flight gauge: {queue}",
  "inlet_queue_oldest_age_seconds gauge: {queue}",
  "inlet_queue_up gauge: {queue}",
  "inlet_source_backlog_batches gauge: {source}",
  "inlet_source_backlog_bytes gauge: {source}",
  "inlet_source_backlog_oldest_age_seconds gauge: {source}",
  "inlet_worker_analytics_refresh_failures_total counter: {}",
  "inlet_worker_analytics_refreshes_total counter: {}",
  "inlet_worker_batch_leases_lost_total counter: {}",
  "inlet_worker_batches_already_done_total counter: {}",
  "inlet_worker_batches_committed_total counter: {}",
  "inlet_worker_batches_retried_total counter: {}",
  "inlet_worker_bytes_vacuumed_total counter: {}",
  "inlet_worker_compactions_total counter: {}",
  "inlet_worker_disk_full_waits_total counter: {}",
  "inlet_worker_events_accepted_total counter: {}",
  "inlet_worker_events_duplicate_total counter: {}",
  "inlet_worker_events_rejected_total counter: {}",
  "inlet_worker_files_compacted_total counter: {}",
  "inlet_worker_files_vacuumed_total counter: {}",
  "inlet_worker_files_written_total counter: {}",
  "inlet_worker_flush_duration_seconds histogram: _bucket{le} _count{} _sum{}",
  "inlet_worker_flush_errors_total counter: {}",
  "inlet_worker_flushes_total counter: {}",
  "inlet_worker_freshness_seconds histogram: _bucket{le} _count{} _sum{}",
  "inlet_worker_in_flight_flushes gauge: {}",
  "inlet_worker_landing_files_rejected_total counter: {}",
  "inlet_worker_landing_files_total counter: {}",
  "inlet_worker_poison_batches_total counter: {}",
  "inlet_worker_raw_batches_expired_total counter: {}",
  "inlet_worker_retention_files_total counter: {}",
];

/** Runs `promtool check metrics` on an exposition: its complaints, empty when it has none. */
function promtoolComplaints(text: string): string {
  const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    throw new Error(
      "promtool is not installed: it comes with Prometheus (Debian/Ubuntu: apt-get install prometheus; " +
        "elsewhere: the prometheus-*.tar.gz of https://prometheus.io/download/ holds it)",
    );
  }
  if (run.error) throw run.error;
  return run.status === 0
    ? `${run.stdout}${run.stderr}`.trim()
    : `exit ${run.status}: ${run.stdout}${run.stderr}`;
}

describe("GET /metrics", () => {
  it("keeps every series it served before prom-client, with the same names, types and labels", async () => {
    const res = await s.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const series = seriesOf(res.body);
    expect(series.filter((f) => f.startsWith("inlet_"))).toEqual(INLET_SERIES);
    // Besides Inlet's own, only Node's process metrics (prom-client's defaults).
    expect(series.filter((f) => !/^(inlet|process|nodejs)_/.test(f))).toEqual([]);
  });

  it("passes promtool check metrics without a complaint", async () => {
    const res = await s.app.inject({ method: "GET", url: "/metrics" });
    expect(res.body).toContain("inlet_worker_flush_duration_seconds_bucket");
    expect(promtoolComplaints(res.body)).toBe("");
  });

  it("covers the worker processes the API forks, and passes promtool there too", async () => {
    const t = await createTestDatabase();
    const tmp = await mkdtemp(join(tmpdir(), "inlet-metrics-"));
    const port = await freePort();
    const api = spawn(
      process.execPath,
      ["--import", "tsx", join(dirname(fileURLToPath(import.meta.url)), "main.ts")],
      {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: "test",
          NEXTAUTH_SECRET: "x".repeat(40),
          DATABASE_URL: t.url,
          INLET_DATA_DIR: tmp,
          INLET_LAKE_URL: `file://${join(tmp, "lake")}`,
          INLET_API_PORT: String(port),
          INLET_WORKERS: "1",
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    try {
      // A forked worker reports once a second, after it has started.
      let text = "";
      for (const deadline = Date.now() + 90_000; !text.includes("inlet_worker_flushes_total"); ) {
        if (Date.now() > deadline) throw new Error(`no worker metrics on /metrics:\n${text}`);
        await new Promise((r) => setTimeout(r, 500));
        text = await fetch(`http://127.0.0.1:${port}/metrics`)
          .then((res) => res.text())
          .catch(() => "");
      }
      const workerSeries = INLET_SERIES.filter((f) => f.startsWith("inlet_worker_"));
      expect(seriesOf(text).filter((f) => f.startsWith("inlet_worker_"))).toEqual(workerSeries);
      expect(promtoolComplaints(text)).toBe("");
    } finally {
      api.kill("SIGTERM");
      if (api.exitCode === null) await once(api, "exit");
      await t.drop();
      await rm(tmp, { recursive: true, force: true });
    }
  }, 150_000);
});
