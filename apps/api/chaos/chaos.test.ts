// The short chaos run inside `npm test`: Inlet as `npm start` runs it, a few thousand events (5 %
// invalid, 2 % of requests resent), with a worker SIGKILLed and then the API SIGKILLed part-way; the
// history checker finds nothing lost, duplicated or invented, and nothing of the run left running.
// A worker killed by a fail point between its upload and the catalog commit too. `npm run chaos` is the
// long version (200,000 events a scenario, and every scenario).
import { describe, expect, it } from "vitest";
import { formatVerdict } from "./history-checker";
import { inletFaultHooks } from "./inlet-faults";
import { type ChaosOptions, runChaos, type Scenario } from "./run-chaos";

/** 5,000 events in requests of 100, 5 % invalid, 2 % of requests resent, one worker. */
const SHORT: Omit<ChaosOptions, "scenario" | "at"> = {
  events: 5000,
  batch: 100,
  concurrency: 4,
  workers: 1,
  invalidShare: 0.05,
  resendShare: 0.02,
  drainTimeoutMs: 180_000,
  log: () => {},
};

describe.each(["worker-kill", "api-kill"] as Scenario[])("chaos: %s", (scenario) => {
  it("loses, duplicates and invents nothing, answers no 5xx, and leaves no process behind", async () => {
    const result = await runChaos({ ...SHORT, scenario, at: [0.5] });
    const verdict = formatVerdict(result.verdict).join("\n");
    expect(result.verdict.ok, verdict).toBe(true);
    expect(result.verdict.sent).toBe(5000);
    expect(result.verdict.deadLettered).toBeGreaterThan(0);
    expect(result.faults).toHaveLength(1);
    expect(result.serverErrors).toBe(0);
    expect(result.orphans).toEqual([]);
  }, 300_000);
});

describe("chaos: kill-before-commit", () => {
  it("a worker killed between its upload and the catalog commit: nothing lost or doubled, its files unseen", async () => {
    const result = await runChaos({
      ...SHORT,
      scenario: "kill-before-commit",
      at: [],
      hooks: inletFaultHooks("kill-before-commit", { failpointHit: 1 }),
    });
    expect(result.verdict.ok, formatVerdict(result.verdict).join("\n")).toBe(true);
    expect(result.inspection?.failures, result.inspection?.lines.join("\n")).toEqual([]);
    expect(result.inspection?.lines.join("\n")).toMatch(/SIGKILLed itself at before-catalog-commit/);
    expect(result.serverErrors).toBe(0);
    expect(result.orphans).toEqual([]);
  }, 300_000);
});
