// The history checker: every event the load client sent, with what each request that carried it was
// answered, against what the lake holds at the end (committed curated rows, dead letters). Each id is
// classified, and the invariants are those a producer relies on: nothing acknowledged is lost, nothing
// is there twice, nothing is there that was never sent, and every event sent is accounted for.

/** What one request carrying an event was answered. */
export type SendOutcome =
  /** 2xx: the API acknowledged the batch (its valid events go to curated, invalid ones to dead letters). */
  | "acknowledged"
  /** 4xx other than 429: refused as a whole; none of its events may land. */
  | "refused"
  /** 429 or 503: not taken, try again later; none of its events may land from this request. */
  | "shed"
  /** No answer (a timeout, a cut connection, the API killed): the events may or may not have landed. */
  | "indeterminate";

/**
 * Where an event must end up when acknowledged: a valid one in curated, an invalid one in dead letters,
 * and a valid one of a batch the worker can never process (a poison batch) in that batch's
 * POISON_BATCH dead letter. An invalid event of a poison batch may be held by either of its letters.
 */
export type Expected = "curated" | "dead-letter" | "poison-batch";

interface Sent {
  expected: Expected;
  outcomes: Record<SendOutcome, number>;
}

/** The load client's log: every event id sent, where it belongs, and every answer it got. */
export class SendLog {
  private readonly events = new Map<string, Sent>();
  requests = 0;

  /** One request's events and its outcome. */
  record(events: readonly { id: string; expected: Expected }[], outcome: SendOutcome): void {
    this.requests += 1;
    for (const e of events) {
      let sent = this.events.get(e.id);
      if (!sent) {
        sent = { expected: e.expected, outcomes: { acknowledged: 0, refused: 0, shed: 0, indeterminate: 0 } };
        this.events.set(e.id, sent);
      }
      sent.outcomes[outcome] += 1;
    }
  }

  get size(): number {
    return this.events.size;
  }

  entries(): IterableIterator<[string, Sent]> {
    return this.events.entries();
  }

  has(id: string): boolean {
    return this.events.has(id);
  }
}

/** What the lake holds at the end, by event id: committed curated rows and dead letters. */
export interface LakeHoldings {
  curated: ReadonlyMap<string, number>;
  deadLetters: ReadonlyMap<string, number>;
  /** Ids in the raw batches of POISON_BATCH dead letters, by how many such letters hold them. */
  poisoned?: ReadonlyMap<string, number>;
}

export interface Verdict {
  sent: number;
  requests: number;
  /** Ids in curated once, and ids with one dead letter. */
  curated: number;
  deadLettered: number;
  /** Ids held only by a POISON_BATCH dead letter. */
  poisoned: number;
  /** Ids every request of which was refused or shed, and that are (rightly) nowhere. */
  refused: number;
  /** Ids whose every answer was indeterminate, by how that resolved. */
  indeterminate: { landed: number; absent: number };
  /** Acknowledged at least once, and nowhere. */
  lost: string[];
  /** In curated more than once, with more than one dead letter, or in both. */
  duplicated: string[];
  /** In the lake, never sent. */
  phantom: string[];
  /** Never acknowledged (only refused or shed) and yet in the lake. */
  landedWhenRefused: string[];
  /** A valid event in dead letters only, an invalid one in curated, or a poison batch's event elsewhere. */
  misplaced: string[];
  /** sent = curated + dead-lettered + poisoned + refused + indeterminate-and-absent. */
  accountedFor: boolean;
  ok: boolean;
}

/** Classifies every id sent, and every id found in the lake. */
export function checkHistory(log: SendLog, lake: LakeHoldings): Verdict {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const phantom: string[] = [];
  const landedWhenRefused: string[] = [];
  const misplaced: string[] = [];
  let curated = 0;
  let deadLettered = 0;
  let poisoned = 0;
  let refused = 0;
  const indeterminate = { landed: 0, absent: 0 };

  for (const [id, sent] of log.entries()) {
    const inCurated = lake.curated.get(id) ?? 0;
    const letters = lake.deadLetters.get(id) ?? 0;
    // An invalid event's own dead letter and its poison batch's letter are one holding, not two.
    const poisonCopies = letters > 0 && sent.expected === "dead-letter" ? 0 : (lake.poisoned?.get(id) ?? 0);
    const held = inCurated + letters + poisonCopies;
    if (held > 1) duplicated.push(id);
    const { acknowledged, indeterminate: unknown } = sent.outcomes;
    if (acknowledged > 0) {
      if (held === 0) lost.push(id);
    } else if (unknown > 0) {
      if (held === 0) indeterminate.absent += 1;
      else indeterminate.landed += 1;
    } else if (held > 0) {
      landedWhenRefused.push(id);
    } else {
      refused += 1;
    }
    if (held === 0) continue;
    if (inCurated > 0) curated += 1;
    else if (letters > 0) deadLettered += 1;
    else poisoned += 1;
    const where = inCurated > 0 ? "curated" : letters > 0 ? "dead-letter" : "poison-batch";
    const rightly = sent.expected === "dead-letter" ? where !== "curated" : where === sent.expected;
    if (!rightly) misplaced.push(id);
  }
  for (const id of [...lake.curated.keys(), ...lake.deadLetters.keys(), ...(lake.poisoned?.keys() ?? [])]) {
    if (!log.has(id) && !phantom.includes(id)) phantom.push(id);
  }
  const accountedFor =
    log.size === curated + deadLettered + poisoned + refused + indeterminate.absent &&
    lost.length === 0 &&
    landedWhenRefused.length === 0;
  return {
    sent: log.size,
    requests: log.requests,
    curated,
    deadLettered,
    poisoned,
    refused,
    indeterminate,
    lost,
    duplicated,
    phantom,
    landedWhenRefused,
    misplaced,
    accountedFor,
    ok:
      accountedFor &&
      lost.length === 0 &&
      duplicated.length === 0 &&
      phantom.length === 0 &&
      landedWhenRefused.length === 0 &&
      misplaced.length === 0,
  };
}

/** The verdict as lines of text: counts, then up to five ids of each violation. */
export function formatVerdict(v: Verdict): string[] {
  const some = (ids: string[]) => (ids.length === 0 ? "" : ` (e.g. ${ids.slice(0, 5).join(", ")})`);
  return [
    `sent ${v.sent.toLocaleString()} event ids in ${v.requests.toLocaleString()} requests`,
    `  in curated once ${v.curated.toLocaleString()}; one dead letter ${v.deadLettered.toLocaleString()}; in a poison batch's letter ${v.poisoned.toLocaleString()}; refused or shed and absent ${v.refused.toLocaleString()}; indeterminate: landed ${v.indeterminate.landed.toLocaleString()}, absent ${v.indeterminate.absent.toLocaleString()}`,
    `  lost ${v.lost.length}${some(v.lost)}`,
    `  duplicated ${v.duplicated.length}${some(v.duplicated)}`,
    `  phantom ${v.phantom.length}${some(v.phantom)}`,
    `  landed although refused ${v.landedWhenRefused.length}${some(v.landedWhenRefused)}`,
    `  misplaced (valid in dead letters, invalid in curated, a poison batch's event elsewhere) ${v.misplaced.length}${some(v.misplaced)}`,
    `  sent = curated + dead letters + poisoned + refused + indeterminate absent: ${v.accountedFor ? "yes" : "NO"}`,
    v.ok ? "invariants hold" : "INVARIANTS VIOLATED",
  ];
}
