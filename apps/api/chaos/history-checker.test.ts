// The checker's classification on hand-made histories: each violation is caught, and an honest history
// (resends, indeterminate answers resolved either way, refused batches) passes.
import { describe, expect, it } from "vitest";
import { checkHistory, formatVerdict, SendLog } from "./history-checker";

const valid = (id: string) => ({ id, expected: "curated" as const });
const invalid = (id: string) => ({ id, expected: "dead-letter" as const });
const holdings = (curated: string[], deadLetters: string[] = []) => {
  const count = (ids: string[]) => {
    const m = new Map<string, number>();
    for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
    return m;
  };
  return { curated: count(curated), deadLetters: count(deadLetters) };
};

describe("checkHistory", () => {
  it("passes an honest history: resends, a refused batch, indeterminate sends landed or not", () => {
    const log = new SendLog();
    log.record([valid("a"), valid("b"), invalid("x")], "acknowledged");
    log.record([valid("a"), valid("b"), invalid("x")], "acknowledged"); // the producer resent it
    log.record([valid("c")], "refused");
    log.record([valid("d")], "shed");
    log.record([valid("e")], "indeterminate");
    log.record([valid("f")], "indeterminate");
    log.record([valid("g")], "shed");
    log.record([valid("g")], "acknowledged"); // sent again after a 429
    const v = checkHistory(log, holdings(["a", "b", "e", "g"], ["x"]));
    expect(v).toMatchObject({
      ok: true,
      sent: 8,
      requests: 8,
      curated: 4,
      deadLettered: 1,
      refused: 2,
      indeterminate: { landed: 1, absent: 1 },
      accountedFor: true,
    });
    expect(formatVerdict(v).at(-1)).toBe("invariants hold");
  });

  it("finds an acknowledged event that is nowhere (lost)", () => {
    const log = new SendLog();
    log.record([valid("a"), valid("b")], "acknowledged");
    const v = checkHistory(log, holdings(["a"]));
    expect(v.lost).toEqual(["b"]);
    expect(v.ok).toBe(false);
    expect(v.accountedFor).toBe(false);
  });

  it("finds an event in curated twice, two dead letters for one event, or both places (duplicated)", () => {
    const log = new SendLog();
    log.record([valid("a"), invalid("x"), valid("b")], "acknowledged");
    const v = checkHistory(log, holdings(["a", "a", "b"], ["x", "x", "b"]));
    expect(v.duplicated.sort()).toEqual(["a", "b", "x"]);
    expect(v.ok).toBe(false);
  });

  it("finds an event never sent (phantom), and one that landed though every request was refused", () => {
    const log = new SendLog();
    log.record([valid("a")], "acknowledged");
    log.record([valid("r")], "refused");
    const v = checkHistory(log, holdings(["a", "ghost", "r"]));
    expect(v.phantom).toEqual(["ghost"]);
    expect(v.landedWhenRefused).toEqual(["r"]);
    expect(v.ok).toBe(false);
  });

  it("finds a valid event dead-lettered or an invalid one in curated (misplaced)", () => {
    const log = new SendLog();
    log.record([valid("a"), invalid("x")], "acknowledged");
    const v = checkHistory(log, holdings(["x"], ["a"]));
    expect(v.misplaced.sort()).toEqual(["a", "x"]);
    expect(v.ok).toBe(false);
  });

  it("expects a poison batch's events in its POISON_BATCH letter, and nowhere else", () => {
    const poison = (id: string) => ({ id, expected: "poison-batch" as const });
    const log = new SendLog();
    log.record([valid("a")], "acknowledged");
    log.record([poison("p1"), poison("p2"), invalid("px")], "acknowledged");
    const poisoned = new Map([
      ["p1", 1],
      ["p2", 1],
      ["px", 1],
    ]);
    // The invalid event of the poison batch: its own dead letter and the batch's letter are one holding.
    const honest = checkHistory(log, { ...holdings(["a"], ["px"]), poisoned });
    expect(honest).toMatchObject({ ok: true, curated: 1, deadLettered: 1, poisoned: 2, accountedFor: true });

    const wrong = checkHistory(log, {
      ...holdings(["a", "p1"]),
      poisoned: new Map([["px", 1]]),
    });
    expect(wrong.misplaced).toEqual(["p1"]);
    expect(wrong.lost).toEqual(["p2"]);
    expect(wrong.ok).toBe(false);
  });
});
