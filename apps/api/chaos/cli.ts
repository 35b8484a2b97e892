// `npm run chaos`: Inlet under load with a fault injected, checked by the history checker. Prints the
// checker's counts and each fault's figures, and exits 1 when an invariant is violated.
//   --events 200000 --batch 500 --concurrency 4 --workers 1 --invalid 0.05 --resend 0.02
//   --scenario none|worker-kill|api-kill|all --at 0.5,0.9 --drain-timeout 600 --keep-dir
import { parseArgs } from "node:util";
import { formatVerdict } from "./history-checker";
import { type ChaosResult, runChaos, type Scenario } from "./run-chaos";

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
  },
});

const SCENARIOS: Scenario[] = ["none", "worker-kill", "api-kill"];
const chosen = args.scenario === "all" ? SCENARIOS : [args.scenario as Scenario];
for (const s of chosen) {
  if (!SCENARIOS.includes(s)) {
    process.stderr.write(`unknown scenario ${s}: one of ${SCENARIOS.join(", ")} or all\n`);
    process.exit(2);
  }
}
const log = (msg: string) => process.stderr.write(`chaos: ${msg}\n`);
const rate = (n: number) => `${Math.round(n).toLocaleString()} events/s`;

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
  for (const f of r.faults) {
    const parts = [`fault at ${Math.round(f.at * 100)} % of requests: SIGKILL ${f.what}`];
    if (f.recoveredMs !== undefined) {
      parts.push(`batches received before it all committed ${(f.recoveredMs / 1000).toFixed(1)} s later`);
    }
    if (f.downMs !== undefined) parts.push(`API answering again after ${(f.downMs / 1000).toFixed(1)} s`);
    lines.push(parts.join("; "));
  }
  return lines;
}

let failed = false;
for (const scenario of chosen) {
  log(`scenario ${scenario}`);
  const result = await runChaos({
    events: Number(args.events),
    batch: Number(args.batch),
    concurrency: Number(args.concurrency),
    workers: Number(args.workers),
    invalidShare: Number(args.invalid),
    resendShare: Number(args.resend),
    scenario,
    at: scenario === "none" ? [] : args.at.split(",").map(Number),
    drainTimeoutMs: Number(args["drain-timeout"]) * 1000,
    keepDir: args["keep-dir"],
    log,
  });
  process.stdout.write(`${report(scenario, result).join("\n")}\n\n`);
  if (!result.verdict.ok || result.serverErrors > 0 || result.orphans.length > 0) failed = true;
}
process.exit(failed ? 1 : 0);
