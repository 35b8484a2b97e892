// `npm run chaos`: Inlet under load with a fault injected, checked by the history checker. Prints the
// checker's counts and each fault's figures, and exits 1 when an invariant is violated.
//   --events 200000 --batch 500 --concurrency 4 --workers 1 --invalid 0.05 --resend 0.02
//   --scenario none|worker-kill|api-kill|overload|s3-faults|nats-restart|all --at 0.5,0.9 --drain-timeout 600 --keep-dir
//   overload: --overload-seconds 60 --overload-factor 2 --overload-backlog-bytes 16777216 (0: the default bound)
//   s3-faults: --s3-fault-rate 0.05 --s3-stall-seconds 10
//   kill-after-parquet-write|kill-before-commit|kill-after-commit: --failpoint-hit 2 (the worker's n-th flush)
//   poison-batch (one body's batch fails every time), pg-restart, pg-terminate (at each --at)
//   short-visibility (two workers): --slow-flush-ms 12000 --slow-flush-every 2 --flush-bytes 1048576
//   schema-race (two workers): --schema-versions 4 --schema-interval 1 (at least, s) --flush-bytes 1048576
//   disk-full (the lake's tmpfs filled at each --at): --disk-size-mb 256 --disk-full-seconds 10 --disk-min-free-bytes 0
//   kill-during-upload (s3rver; at each --at the worker SIGKILLed with a curated PUT half sent)
import { parseArgs } from "node:util";
import { DELIVERY_FAULT_SCENARIOS, deliveryFaultHooks, isDeliveryFaultScenario } from "./delivery-faults";
import { diskFullEnvironment } from "./disk-faults";
import { type ChaosEnvironment, natsRestartEnvironment, s3FaultsEnvironment } from "./environments";
import { formatVerdict } from "./history-checker";
import {
  INLET_FAULT_SCENARIOS,
  type InletFaultScenario,
  inletFaultHooks,
  isInletFaultScenario,
} from "./inlet-faults";
import { formatPeaks } from "./memory-sampler";
import { type ChaosResult, runChaos, type Scenario } from "./run-chaos";
import { killDuringUploadEnvironment } from "./upload-kill";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    batch: { type: "string", default: "500" },
    concurrency: { type: "string", default: "4" },
    workers: { type: "string", default: "1" },
    invalid: { type: "string", default: "0.05" },
    resend: { type: "string", default: "0.02" },
    scenario: { type: "string", default: "all" },
    at: { type: "string", default: "0.5,0.9" },
    "drain-timeout": { type: "string", default: "600" },
    "keep-dir": { type: "boolean", default: false },
    "overload-seconds": { type: "string", default: "60" },
    "overload-factor": { type: "string", default: "2" },
    "overload-backlog-bytes": { type: "string", default: String(16 * 1024 ** 2) },
    "s3-fault-rate": { type: "string", default: "0.05" },
    "s3-stall-seconds": { type: "string", default: "10" },
    "failpoint-hit": { type: "string", default: "2" },
    "slow-flush-ms": { type: "string", default: "12000" },
    "slow-flush-every": { type: "string", default: "2" },
    "schema-versions": { type: "string", default: "4" },
    "schema-interval": { type: "string", default: "1" },
    "flush-bytes": { type: "string", default: String(1024 ** 2) },
    "disk-size-mb": { type: "string", default: "256" },
    "disk-full-seconds": { type: "string", default: "10" },
    "disk-min-free-bytes": { type: "string", default: "0" },
  },
});

const SCENARIOS: Scenario[] = [
  "none",
  "worker-kill",
  "api-kill",
  "overload",
  "s3-faults",
  "nats-restart",
  ...(Object.keys(INLET_FAULT_SCENARIOS) as InletFaultScenario[]),
  ...DELIVERY_FAULT_SCENARIOS,
  "disk-full",
  "kill-during-upload",
];
const chosen = args.scenario === "all" ? SCENARIOS : [args.scenario as Scenario];
for (const s of chosen) {
  if (!SCENARIOS.includes(s)) {
    process.stderr.write(`unknown scenario ${s}: one of ${SCENARIOS.join(", ")} or all\n`);
    process.exit(2);
  }
}
const log = (msg: string) => process.stderr.write(`chaos: ${msg}\n`);
const rate = (n: number) => `${Math.round(n).toLocaleString()} events/s`;

/** What a scenario runs against besides Inlet, when anything. */
async function environmentOf(scenario: Scenario): Promise<ChaosEnvironment | undefined> {
  if (scenario === "s3-faults")
    return s3FaultsEnvironment(Number(args["s3-fault-rate"]), Number(args["s3-stall-seconds"]) * 1000);
  if (scenario === "nats-restart") return natsRestartEnvironment();
  if (scenario === "disk-full")
    return diskFullEnvironment({
      sizeMb: Number(args["disk-size-mb"]),
      holdMs: Number(args["disk-full-seconds"]) * 1000,
      minFreeBytes: Number(args["disk-min-free-bytes"]),
    });
  if (scenario === "kill-during-upload") return killDuringUploadEnvironment();
  if (isDeliveryFaultScenario(scenario)) {
    // Two workers at least: the fault is between them (one batch with both, one table committed by both).
    const hooks = deliveryFaultHooks(scenario, {
      slowFlushMs: Number(args["slow-flush-ms"]),
      slowFlushEvery: Number(args["slow-flush-every"]),
      schemaVersions: Number(args["schema-versions"]),
      schemaIntervalMs: Number(args["schema-interval"]) * 1000,
      flushBytes: Number(args["flush-bytes"]),
    });
    return {
      options: { hooks, workers: Math.max(2, Number(args.workers)), at: [] },
      figures: () => [],
      close: async () => {},
    };
  }
  if (isInletFaultScenario(scenario)) {
    const hooks = inletFaultHooks(scenario, { failpointHit: Number(args["failpoint-hit"]) });
    return { options: { hooks }, figures: () => [], close: async () => {} };
  }
  if (scenario === "overload") {
    // The default bounds (2 GB a source) are hours of backlog on one machine: a minute at twice the
    // sustainable rate would not reach them, so the run lowers the source's bound unless told not to.
    const bound = Number(args["overload-backlog-bytes"]);
    return {
      options: {
        overload: { factor: Number(args["overload-factor"]), seconds: Number(args["overload-seconds"]) },
        ...(bound > 0 ? { env: { INLET_SOURCE_MAX_BACKLOG_BYTES: String(bound) } } : {}),
      },
      figures: () =>
        bound > 0 ? [`INLET_SOURCE_MAX_BACKLOG_BYTES lowered to ${bound.toLocaleString()} for the run`] : [],
      close: async () => {},
    };
  }
  return undefined;
}

function report(scenario: Scenario, r: ChaosResult): string[] {
  const lines = [`## ${scenario}`, ...formatVerdict(r.verdict)];
  lines.push(
    `answers: ${Object.entries(r.answers)
      .map(([status, n]) => `${status} × ${n}`)
      .join(", ")}; 5xx other than 503: ${r.serverErrors}`,
  );
  lines.push(
    `throughput: sent ${rate(r.sendRate)}, end to end ${rate(r.endToEndRate)}; drained ${(r.drainedMs / 1000).toFixed(1)} s after the last answer`,
  );
  lines.push(
    `processes left running after the API stopped: ${r.orphans.length === 0 ? "none" : r.orphans.join("; ")}`,
  );
  lines.push(`peak resident memory: ${formatPeaks(r.memory)}`);
  lines.push(`429 answers without Retry-After: ${r.shedWithoutRetryAfter}`);
  lines.push(
    `files of the current snapshot missing or unreadable: ${r.missingFiles.length === 0 ? "none" : r.missingFiles.slice(0, 5).join(", ")}`,
  );
  if (r.overload) {
    const o = r.overload;
    lines.push(
      `overload: sustainable ${rate(o.sustainableRate)}; offered ${rate(o.offeredRate)} for ${o.seconds.toFixed(1)} s; acknowledged ${rate(o.acceptedRate)}; shed with 429 ${o.shedEvents.toLocaleString()} event sends (${rate(o.shedRate)})`,
    );
  }
  for (const f of r.faults) {
    const verb = /^(restart|pg_terminate|disk full)/.test(f.what) ? "" : "SIGKILL ";
    const parts = [`fault at ${Math.round(f.at * 100)} % of requests: ${verb}${f.what}`];
    if (f.recoveredMs !== undefined) {
      parts.push(`batches received before it all committed ${(f.recoveredMs / 1000).toFixed(1)} s later`);
    }
    if (f.downMs !== undefined) parts.push(`back (answering) after ${(f.downMs / 1000).toFixed(1)} s`);
    if (f.acceptingAgainMs !== undefined)
      parts.push(
        `first acknowledgement of a request sent after it ${(f.acceptingAgainMs / 1000).toFixed(1)} s later`,
      );
    lines.push(parts.join("; "));
  }
  return lines;
}

let failed = false;
for (const scenario of chosen) {
  log(`scenario ${scenario}`);
  const environment = await environmentOf(scenario);
  const result = await runChaos({
    events: Number(args.events),
    batch: Number(args.batch),
    concurrency: Number(args.concurrency),
    workers: Number(args.workers),
    invalidShare: Number(args.invalid),
    resendShare: Number(args.resend),
    scenario,
    at:
      scenario === "none" ||
      scenario === "overload" ||
      (isInletFaultScenario(scenario) && !scenario.startsWith("pg-"))
        ? []
        : args.at.split(",").map(Number),
    drainTimeoutMs: Number(args["drain-timeout"]) * 1000,
    keepDir: args["keep-dir"],
    log,
    ...environment?.options,
  }).finally(() => environment?.close());
  const inspected = result.inspection
    ? [...result.inspection.lines, ...result.inspection.failures.map((f) => `FAILED: ${f}`)]
    : [];
  process.stdout.write(
    `${[...report(scenario, result), ...inspected, ...(environment?.figures() ?? [])].join("\n")}\n\n`,
  );
  const overMemory = result.memory.filter((p) => p.peakBytes > 1.5 * 1024 ** 3);
  if (overMemory.length > 0) process.stdout.write(`over 1.5 GB resident: ${formatPeaks(overMemory)}\n\n`);
  if (
    !result.verdict.ok ||
    result.serverErrors > 0 ||
    result.orphans.length > 0 ||
    result.shedWithoutRetryAfter > 0 ||
    result.missingFiles.length > 0 ||
    (result.inspection?.failures.length ?? 0) > 0 ||
    (scenario === "overload" && overMemory.length > 0)
  )
    failed = true;
}
process.exit(failed ? 1 : 0);
