// `npm run bench -- --freshness`: freshness below saturation, as a share of what this machine sustains
// in the same run. Runs the main bench (run.ts) unpaced to measure the sustainable rate (end to end,
// first POST → last batch committed), then paced at each --fractions share of it (default 0.5,0.8),
// each on a fresh product, and prints the offered rate, the rate reached and freshness (202 →
// committed) p50 / p99 side by side. Other options (--events, --batch, --concurrency, --workers) and
// the environment (INLET_QUEUE, INLET_DEDUPE, …) are passed to every run.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

interface RunFigures {
  endToEnd: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU per event in all (API, workers, PostgreSQL), µs. */
  cpuUs: number;
  /** The run's correctness line (the run itself fails when curated is not exactly once). */
  correctness: string;
}

const number = (text: string) => Number(text.replaceAll(",", ""));

/** The figures of one run of the main bench, read from the table it prints. */
function figuresOf(out: string): RunFigures {
  const e2e = /\| end-to-end throughput[^|]*\| ([\d,]+) events\/s/.exec(out);
  const fresh = /\| freshness p50 \/ p99[^|]*\| ([\d,]+) ms \/ ([\d,]+) ms/.exec(out);
  const cpu = /\(([\d.]+) µs in all\)/.exec(out);
  if (!e2e || !fresh) throw new Error(`the bench printed no throughput or freshness:\n${out}`);
  return {
    endToEnd: number(e2e[1]!),
    p50Ms: number(fresh[1]!),
    p99Ms: number(fresh[2]!),
    cpuUs: Number(cpu?.[1] ?? Number.NaN),
    correctness: /^correctness: .*$/m.exec(out)?.[0] ?? "correctness: not printed",
  };
}

function runBench(args: string[]): Promise<RunFigures> {
  const script = join(dirname(fileURLToPath(import.meta.url)), "run.ts");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`the bench exited with ${code}:\n${out}`));
      try {
        resolve(figuresOf(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}

export async function runFreshnessBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string", default: "400000" },
      fractions: { type: "string", default: "0.5,0.8" },
      batch: { type: "string" },
      concurrency: { type: "string" },
      workers: { type: "string" },
    },
  });
  const pass = ["--events", values.events!];
  for (const k of ["batch", "concurrency", "workers"] as const) {
    if (values[k] !== undefined) pass.push(`--${k}`, values[k]!);
  }
  const fractions = values.fractions!.split(",").map(Number);
  if (fractions.some((f) => !(f > 0 && f <= 1))) throw new Error("--fractions: shares between 0 and 1");

  log(`unpaced, to measure the sustainable rate (${fmt(Number(values.events))} events)`);
  const unpaced = await runBench(pass);
  const row = (load: string, offered: string, r: RunFigures) =>
    `| ${load} | ${offered} | ${fmt(r.endToEnd)} events/s | ${fmt(r.p50Ms)} ms / ${fmt(r.p99Ms)} ms | ${r.cpuUs.toFixed(1)} µs |`;
  const rows: string[] = [row("unpaced (sustainable)", "—", unpaced)];
  const checks: string[] = [`unpaced: ${unpaced.correctness}`];
  for (const f of fractions) {
    const offered = Math.round(unpaced.endToEnd * f);
    log(`paced at ${f * 100} % of ${fmt(unpaced.endToEnd)}: ${fmt(offered)} events/s`);
    const paced = await runBench([...pass, "--rate", String(offered)]);
    rows.push(row(`paced at ${Math.round(f * 100)} %`, `${fmt(offered)} events/s`, paced));
    checks.push(`paced at ${Math.round(f * 100)} %: ${paced.correctness}`);
  }
  process.stdout.write(
    [
      "",
      `Freshness below saturation — ${fmt(Number(values.events))} events a run, ${values.workers ?? 1} worker process(es), queue ${process.env.INLET_QUEUE ?? "postgres"}, dedupe ${process.env.INLET_DEDUPE ?? "postgres"}`,
      "",
      "| load | offered | end-to-end | freshness p50 / p99 (202 → committed) | CPU per event in all |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
      "",
      ...checks,
      "",
    ].join("\n"),
  );
}
