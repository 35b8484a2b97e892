// The Redis DedupeIndex (for scale-out): one key per (source, event id) holding the id of the batch that
// claimed it, set with `SET key batch NX GET PX window` in one pipeline per flush, so Redis expires
// keys past the window by itself. A claim counts against another batch only once that batch has
// committed (the catalog says so); a claim of a failed batch is taken over; one of a batch still in
// flight holds the event back rather than dropping it.
import { Redis } from "ioredis";
import type { DedupeClaim, DedupeIndex, DedupeOwnerState, DedupeReservation } from "../ports/dedupe-index";

export interface RedisDedupeOptions {
  /** redis://host:port[/db] */
  url: string;
  /** Where each claimant batch stands (the catalog's batch states); an owner missing is taken over. */
  ownerStates(owners: string[]): Promise<Map<string, DedupeOwnerState>>;
  /** Prefix of every key (one deployment per prefix on a shared Redis). Default "inlet:". */
  keyPrefix?: string;
  /** How long a reservation waits for owners in flight to commit or fail before holding their ids (default 2 s). */
  holdWaitMs?: number;
}

// Takes a claim over when it is still the given owner's (or gone): compare-and-set in one step.
const TAKE_OVER = `
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

// Deletes a claim only while the owner still holds it.
const RELEASE_OWNED = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const HOLD_POLL_MS = 100;

export class RedisDedupeIndex implements DedupeIndex {
  readonly kind = "redis" as const;
  private readonly prefix: string;
  private readonly holdWaitMs: number;

  private constructor(
    private readonly redis: Redis,
    private readonly opts: RedisDedupeOptions,
  ) {
    this.prefix = opts.keyPrefix ?? "inlet:";
    this.holdWaitMs = opts.holdWaitMs ?? 2000;
  }

  /** Connects first, so an unreachable Redis is reported at start rather than at the first flush. */
  static async connect(opts: RedisDedupeOptions): Promise<RedisDedupeIndex> {
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: false,
    });
    await redis.connect();
    return new RedisDedupeIndex(redis, opts);
  }

  private key(sourceId: string, id: string): string {
    return `${this.prefix}dedupe:${sourceId}:${id}`;
  }

  async reserve(sourceId: string, windowHours: number, claims: DedupeClaim[]): Promise<DedupeReservation> {
    const windowMs = Math.round(windowHours * 3_600_000);
    const out: DedupeReservation = {
      fresh: new Set(),
      duplicates: new Set(),
      held: new Set(),
      madeAt: Date.now(),
    };
    if (claims.length === 0) return out;
    const owners = new Set(claims.map((c) => c.owner));
    const pipeline = this.redis.pipeline();
    for (const c of claims) pipeline.set(this.key(sourceId, c.id), c.owner, "PX", windowMs, "NX", "GET");
    const results = (await pipeline.exec()) ?? [];
    // Ids another owner holds, with that owner.
    let contested = new Map<string, { claim: DedupeClaim; holder: string }>();
    claims.forEach((c, i) => {
      const [err, previous] = results[i] ?? [new Error("no reply"), null];
      if (err) throw err;
      // Set now, or already this call's: a batch redelivered after a crash, or another batch of the flush.
      if (previous === null || owners.has(previous as string)) out.fresh.add(c.id);
      else contested.set(c.id, { claim: c, holder: previous as string });
    });

    const deadline = Date.now() + this.holdWaitMs;
    while (contested.size > 0) {
      const states = await this.opts.ownerStates([...new Set([...contested.values()].map((v) => v.holder))]);
      const stillHeld = new Map<string, { claim: DedupeClaim; holder: string }>();
      const takeOvers: { claim: DedupeClaim; holder: string }[] = [];
      for (const [id, v] of contested) {
        const state = states.get(v.holder);
        if (state === "committed") out.duplicates.add(id);
        else if (state === "pending") stillHeld.set(id, v);
        else takeOvers.push(v);
      }
      if (takeOvers.length > 0) {
        const p = this.redis.pipeline();
        for (const { claim, holder } of takeOvers) {
          p.eval(TAKE_OVER, 1, this.key(sourceId, claim.id), holder, claim.owner, windowMs);
        }
        const taken = (await p.exec()) ?? [];
        const reread = this.redis.pipeline();
        const lost: DedupeClaim[] = [];
        takeOvers.forEach(({ claim }, i) => {
          const [err, ok] = taken[i] ?? [new Error("no reply"), 0];
          if (err) throw err;
          if (ok === 1) out.fresh.add(claim.id);
          else {
            lost.push(claim);
            reread.get(this.key(sourceId, claim.id));
          }
        });
        // Someone else took it over first: judge the new holder in the next round.
        if (lost.length > 0) {
          const values = (await reread.exec()) ?? [];
          lost.forEach((claim, i) => {
            const holder = values[i]?.[1];
            if (typeof holder === "string") stillHeld.set(claim.id, { claim, holder });
            else out.held.add(claim.id);
          });
        }
      }
      contested = stillHeld;
      if (contested.size === 0) break;
      if (Date.now() >= deadline) {
        for (const id of contested.keys()) out.held.add(id);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, HOLD_POLL_MS));
    }
    return out;
  }

  /** The claims were made in reserve(); they commit with the catalog's batch status. */
  async commit(_tx: unknown, _sourceId: string, claims: DedupeClaim[]): Promise<Set<string>> {
    return new Set(claims.map((c) => c.id));
  }

  async claimed(sourceId: string, ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (ids.length === 0) return out;
    const values = await this.redis.mget(ids.map((id) => this.key(sourceId, id)));
    const holders = new Set(values.filter((v): v is string => v !== null));
    const states = holders.size > 0 ? await this.opts.ownerStates([...holders]) : new Map();
    ids.forEach((id, i) => {
      const v = values[i];
      if (v !== null && v !== undefined && states.get(v) === "committed") out.add(id);
    });
    return out;
  }

  /** At once, when no transaction is given (see DedupeIndex.release); inside one, nothing. */
  async release(sourceId: string, claims: { id: string; owner?: string }[], tx?: unknown): Promise<void> {
    if (claims.length === 0 || tx !== undefined) return;
    const p = this.redis.pipeline();
    for (const c of claims) {
      const key = this.key(sourceId, c.id);
      if (c.owner === undefined) p.del(key);
      else p.eval(RELEASE_OWNED, 1, key, c.owner);
    }
    const results = (await p.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
