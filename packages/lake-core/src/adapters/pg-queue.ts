// PgQueue: the default Queue adapter, rows in `queue_messages` claimed with FOR UPDATE SKIP LOCKED.
import type pg from "pg";
import { InletError } from "../errors";
import type {
  DeadMessage,
  Queue,
  QueueBody,
  QueueStats,
  ReceivedMessage,
  ReceiveOptions,
  SendOptions,
} from "../ports/queue";
import { positiveInt } from "./positive-int";

export interface PgQueueOptions {
  /** Owned by the caller: close() leaves it open. */
  pool: pg.Pool;
  /** Receives before a message moves to the dead store; stored on each message when it is sent. */
  maxReceives?: number;
  defaultVisibilityTimeoutMs?: number;
  /**
   * How often a long poll looks again without a notification. NOTIFY only fires on send and
   * on an immediate nack; delayed sends, delayed nacks and expired visibility are found by this poll.
   */
  pollIntervalMs?: number;
}

const CHANNEL = "inlet_queue";

// Timestamps are stored as UTC wall-clock time (what Prisma reads and writes for these columns),
// independent of the session's TimeZone setting. Truncated to the columns' millisecond precision:
// TIMESTAMP(3) rounds, so an untruncated now() could store a just-sent message as visible up to
// half a millisecond in the future of a receive that starts right after.
const NOW = "date_trunc('milliseconds', now() AT TIME ZONE 'UTC')";
const MS = "* interval '1 millisecond'";

const SEND_SQL = `
WITH ins AS (
  INSERT INTO queue_messages (queue, body, dedupe_key, max_receives, visible_at, enqueued_at)
  VALUES ($1, $2::jsonb, $3, $4, ${NOW} + $5::float8 ${MS}, ${NOW})
  ON CONFLICT (queue, dedupe_key) DO NOTHING
  RETURNING id
)
SELECT pg_notify('${CHANNEL}', $1) FROM ins WHERE $5::float8 = 0`;

// One statement claims up to $2 visible messages. Those already received max_receives times come
// back visible only because their last consumer never acked or nacked (it died), so they move to
// the dead store instead of being delivered; the last row reports how many did.
const RECEIVE_SQL = `
WITH candidates AS (
  SELECT id, receive_count, max_receives FROM queue_messages
  WHERE queue = $1 AND dead_at IS NULL AND visible_at <= ${NOW}
  ORDER BY id
  FOR UPDATE SKIP LOCKED
  LIMIT $2
), expired AS (
  UPDATE queue_messages m
  SET dead_at = ${NOW},
      last_error = 'visibility timeout expired after ' || m.receive_count || ' receives'
  FROM candidates c
  WHERE m.id = c.id AND c.receive_count >= c.max_receives
  RETURNING m.id
), delivered AS (
  UPDATE queue_messages m
  SET receive_count = m.receive_count + 1,
      visible_at = ${NOW} + $3::float8 ${MS}
  FROM candidates c
  WHERE m.id = c.id AND c.receive_count < c.max_receives
  RETURNING m.id, m.body, m.receive_count, m.enqueued_at
)
SELECT id::text AS id, body, receive_count,
       (extract(epoch FROM enqueued_at) * 1000)::float8 AS enqueued_ms, NULL::int AS expired
FROM delivered
UNION ALL
SELECT NULL, NULL, NULL, NULL, count(*)::int FROM expired`;

// receive_count must still match: once the visibility timeout expired and another consumer
// received the message, a late ack or nack from the first consumer must not touch it.
const ACK_SQL = `
DELETE FROM queue_messages
WHERE id = $1::bigint AND queue = $2 AND receive_count = $3 AND dead_at IS NULL`;

// A lease is renewed only while it runs: the same receipt (receive_count) and still invisible. Once
// it ran out the message may already be with another consumer, or be received by one at any moment,
// so a late renewal is refused rather than taking the message back.
const EXTEND_SQL = `
UPDATE queue_messages m
SET visible_at = ${NOW} + $4::float8 ${MS}
FROM unnest($1::bigint[], $3::int[]) AS r(id, receive_count)
WHERE m.id = r.id AND m.queue = $2 AND m.receive_count = r.receive_count
  AND m.dead_at IS NULL AND m.visible_at > ${NOW}
RETURNING m.id::text AS id`;

const NACK_SQL = `
WITH u AS (
  UPDATE queue_messages
  SET dead_at = CASE WHEN receive_count >= max_receives THEN ${NOW} END,
      visible_at = CASE WHEN receive_count >= max_receives THEN visible_at
                        ELSE ${NOW} + $5::float8 ${MS} END,
      last_error = CASE WHEN receive_count >= max_receives
                        THEN COALESCE($4, 'failed after ' || receive_count || ' receives')
                        ELSE $4 END
  WHERE id = $1::bigint AND queue = $2 AND receive_count = $3 AND dead_at IS NULL
  RETURNING dead_at
)
SELECT pg_notify('${CHANNEL}', $2) FROM u WHERE u.dead_at IS NULL AND $5::float8 = 0`;

// Draining deletes: the pipeline turns each returned message into a DeadLetter row, which is the
// durable record from then on (the same contract as the NATS adapter, whose dead stream is drained).
const TAKE_DEAD_SQL = `
DELETE FROM queue_messages
WHERE id IN (
  SELECT id FROM queue_messages
  WHERE queue = $1 AND dead_at IS NOT NULL
  ORDER BY id
  FOR UPDATE SKIP LOCKED
  LIMIT $2
)
RETURNING id::text AS id, body, receive_count, last_error,
          (extract(epoch FROM enqueued_at) * 1000)::float8 AS enqueued_ms`;

// In flight = received and still invisible, which includes messages nacked with a delay (the
// NATS adapter counts those the same way: they stay ack-pending on the server).
const STATS_SQL = `
SELECT depth, in_flight, dead,
       COALESCE(GREATEST(0, extract(epoch FROM now_utc - oldest) * 1000), 0)::float8 AS oldest_age_ms
FROM (
  SELECT t.now_utc,
    count(m.id) FILTER (WHERE m.dead_at IS NULL AND NOT (m.receive_count > 0 AND m.visible_at > t.now_utc))::int
      AS depth,
    count(m.id) FILTER (WHERE m.dead_at IS NULL AND m.receive_count > 0 AND m.visible_at > t.now_utc)::int
      AS in_flight,
    count(m.id) FILTER (WHERE m.dead_at IS NOT NULL)::int AS dead,
    min(m.enqueued_at) FILTER (WHERE m.dead_at IS NULL) AS oldest
  FROM (SELECT ${NOW} AS now_utc) t
  LEFT JOIN queue_messages m ON m.queue = $1
  GROUP BY t.now_utc
) s`;

interface ReceiveRow {
  id: string | null;
  body: QueueBody | null;
  receive_count: number | null;
  enqueued_ms: number | null;
  expired: number | null;
}

interface DeadRow {
  id: string;
  body: QueueBody;
  receive_count: number;
  last_error: string | null;
  enqueued_ms: number;
}

interface StatsRow {
  depth: number;
  in_flight: number;
  dead: number;
  oldest_age_ms: number;
}

type Waiter = () => void;

export class PgQueue implements Queue {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;
  private readonly maxReceives: number;
  private readonly defaultVisibilityTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private listening: Promise<void> | undefined;
  private dropListener: (() => void) | undefined;
  private closed = false;

  constructor(opts: PgQueueOptions) {
    this.pool = opts.pool;
    this.maxReceives = positiveInt(opts.maxReceives ?? 5, "maxReceives");
    this.defaultVisibilityTimeoutMs = positiveInt(
      opts.defaultVisibilityTimeoutMs ?? 30_000,
      "defaultVisibilityTimeoutMs",
    );
    this.pollIntervalMs = positiveInt(opts.pollIntervalMs ?? 1_000, "pollIntervalMs");
  }

  async send(queue: string, body: QueueBody, opts: SendOptions = {}): Promise<void> {
    this.assertOpen();
    const delayMs = Math.max(0, Math.ceil(opts.delayMs ?? 0));
    await this.pool.query(SEND_SQL, [
      queue,
      JSON.stringify(body),
      opts.dedupeKey ?? null,
      this.maxReceives,
      delayMs,
    ]);
  }

  async receive(queue: string, opts: ReceiveOptions): Promise<ReceivedMessage[]> {
    this.assertOpen();
    const max = positiveInt(opts.max, "max");
    const visibilityMs = positiveInt(
      opts.visibilityTimeoutMs ?? this.defaultVisibilityTimeoutMs,
      "visibilityTimeoutMs",
    );
    const waitMs = Math.max(0, opts.waitMs ?? 0);
    const deadline = Date.now() + waitMs;
    if (waitMs > 0) await this.listen();
    for (;;) {
      // Registered before the attempt so a NOTIFY that lands during the query still wakes us.
      const wake = this.waitFor(queue);
      try {
        const { messages, expired } = await this.claim(queue, max, visibilityMs);
        if (messages.length > 0) return messages;
        // Claimed rows that all turned out dead: more may be visible behind them.
        if (expired > 0) continue;
        const remaining = deadline - Date.now();
        if (remaining <= 0 || this.closed) return [];
        await wake.wait(Math.min(remaining, this.pollIntervalMs));
        if (this.closed) return [];
      } finally {
        wake.dispose();
      }
    }
  }

  async ack(queue: string, msg: ReceivedMessage): Promise<void> {
    this.assertOpen();
    await this.pool.query(ACK_SQL, [msg.id, queue, msg.receiveCount]);
  }

  async extend(
    queue: string,
    msgs: readonly ReceivedMessage[],
    visibilityTimeoutMs: number,
  ): Promise<boolean[]> {
    this.assertOpen();
    const visibilityMs = positiveInt(visibilityTimeoutMs, "visibilityTimeoutMs");
    if (msgs.length === 0) return [];
    const res = await this.pool.query<{ id: string }>(EXTEND_SQL, [
      msgs.map((m) => m.id),
      queue,
      msgs.map((m) => m.receiveCount),
      visibilityMs,
    ]);
    const renewed = new Set(res.rows.map((r) => r.id));
    return msgs.map((m) => renewed.has(m.id));
  }

  async nack(
    queue: string,
    msg: ReceivedMessage,
    opts: { delayMs?: number; error?: string } = {},
  ): Promise<void> {
    this.assertOpen();
    const delayMs = Math.max(0, Math.ceil(opts.delayMs ?? 0));
    await this.pool.query(NACK_SQL, [msg.id, queue, msg.receiveCount, opts.error ?? null, delayMs]);
  }

  async takeDead(queue: string, max: number): Promise<DeadMessage[]> {
    this.assertOpen();
    const res = await this.pool.query<DeadRow>(TAKE_DEAD_SQL, [queue, positiveInt(max, "max")]);
    return res.rows
      .sort((a, b) => compareIds(a.id, b.id))
      .map((r) => ({
        id: r.id,
        body: r.body,
        receiveCount: r.receive_count,
        lastError: r.last_error ?? undefined,
        enqueuedAt: new Date(r.enqueued_ms),
      }));
  }

  async stats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    const res = await this.pool.query<StatsRow>(STATS_SQL, [queue]);
    const row = res.rows[0];
    if (!row) return { depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 };
    return {
      depth: row.depth,
      inFlight: row.in_flight,
      dead: row.dead,
      oldestAgeMs: Math.round(row.oldest_age_ms),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of this.waiters.values()) for (const w of set) w();
    this.waiters.clear();
    await this.listening;
    this.dropListener?.();
  }

  private async claim(
    queue: string,
    max: number,
    visibilityMs: number,
  ): Promise<{ messages: ReceivedMessage[]; expired: number }> {
    const res = await this.pool.query<ReceiveRow>(RECEIVE_SQL, [queue, max, visibilityMs]);
    let expired = 0;
    const messages: ReceivedMessage[] = [];
    for (const r of res.rows) {
      if (r.id === null) {
        expired = r.expired ?? 0;
        continue;
      }
      messages.push({
        id: r.id,
        body: r.body ?? {},
        receiveCount: r.receive_count ?? 1,
        enqueuedAt: new Date(r.enqueued_ms ?? 0),
      });
    }
    messages.sort((a, b) => compareIds(a.id, b.id));
    return { messages, expired };
  }

  /** One pooled connection holds LISTEN for all long polls of this queue object. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    // A failed listener only costs latency: long polls fall back to the poll interval.
    this.listening ??= this.openListener().catch(() => {
      this.listening = undefined;
    });
    await this.listening;
  }

  private async openListener(): Promise<void> {
    const client = await this.pool.connect();
    let released = false;
    const drop = (err?: Error) => {
      if (released) return;
      released = true;
      client.removeAllListeners("notification");
      if (this.dropListener === drop) {
        this.dropListener = undefined;
        this.listening = undefined;
      }
      // Destroyed rather than returned to the pool: it still holds the LISTEN.
      client.release(err ?? true);
    };
    client.on("error", (err) => drop(err));
    client.on("notification", (n) => {
      if (n.channel !== CHANNEL || n.payload === undefined) return;
      const set = this.waiters.get(n.payload);
      if (set) for (const w of [...set]) w();
    });
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      drop(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    if (this.closed) {
      drop();
      return;
    }
    this.dropListener = drop;
  }

  private waitFor(queue: string): { wait(ms: number): Promise<void>; dispose(): void } {
    let woken = false;
    let resolveWait: (() => void) | undefined;
    const waiter: Waiter = () => {
      woken = true;
      resolveWait?.();
    };
    let set = this.waiters.get(queue);
    if (!set) {
      set = new Set();
      this.waiters.set(queue, set);
    }
    set.add(waiter);
    const dispose = () => {
      const s = this.waiters.get(queue);
      if (!s) return;
      s.delete(waiter);
      if (s.size === 0) this.waiters.delete(queue);
    };
    return {
      wait: (ms) =>
        woken
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, ms);
              resolveWait = () => {
                clearTimeout(timer);
                resolve();
              };
            }),
      dispose,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new InletError("INTERNAL", "queue is closed");
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
