// NatsQueue: the scale-out Queue adapter on NATS JetStream (one work-queue stream, a durable pull
// consumer per queue and one per queue's dead subject).
//
// Durability: a single nats-server fsyncs JetStream files every 2 minutes by default, so a crash can
// lose acknowledged messages. Production should run nats-server with `jetstream { sync_interval: always }`;
// a client cannot set it.
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import {
  connect,
  createInbox,
  type Msg,
  type NatsConnection,
  nanos,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import { errorMessage, InletError } from "../errors";
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

export interface NatsQueueOptions {
  /** One URL or a comma-separated list, e.g. "nats://127.0.0.1:4222". */
  servers: string | string[];
  streamName?: string;
  subjectPrefix?: string;
  /** Receives before a message moves to the dead subject. */
  maxReceives?: number;
  /** Visibility timeout when a receive does not give one (the consumer's ack_wait). */
  ackWaitMs?: number;
  /** How long the stream remembers a dedupeKey (Nats-Msg-Id). */
  duplicateWindowMs?: number;
  /** Timeout for API calls and for the server's confirmation of ack, nak and term. */
  requestTimeoutMs?: number;
}

const H_NOT_BEFORE = "Inlet-Not-Before";
const H_ERROR = "Inlet-Error";
const H_RECEIVES = "Inlet-Receive-Count";
const H_ENQUEUED = "Inlet-Enqueued-At";
const H_SOURCE_SEQ = "Inlet-Source-Seq";

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_ERROR_CHARS = 4_000;
/** Server pull requests shorter than this are not worth a round trip. */
const MIN_WAIT_MS = 5;
/** In-flight handles are kept this long past their visibility timeout, for late acks. */
const LATE_ACK_GRACE_MS = 5 * 60_000;

interface Delivery {
  deliveryCount: number;
  streamSeq: number;
  enqueuedAtMs: number;
}

interface InFlight {
  raw: Msg;
  delivery: Delivery;
  receiveCount: number;
  visibleAtMs: number;
}

export class NatsQueue implements Queue {
  readonly kind = "nats";
  private readonly stream: string;
  private readonly prefix: string;
  private readonly maxReceives: number;
  private readonly ackWaitMs: number;
  private readonly duplicateWindowMs: number;
  private readonly requestTimeoutMs: number;
  /** Current ack_wait of each queue's consumer, as this process last set or read it. */
  private readonly consumers = new Map<string, Promise<number>>();
  private readonly inFlight = new Map<string, InFlight>();
  private streamReady: Promise<void> | undefined;
  private lastPruneMs = 0;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    opts: NatsQueueOptions,
  ) {
    this.stream = opts.streamName ?? "INLET";
    this.prefix = opts.subjectPrefix ?? "inlet";
    this.maxReceives = positiveInt(opts.maxReceives ?? 5, "maxReceives");
    this.ackWaitMs = positiveInt(opts.ackWaitMs ?? 30_000, "ackWaitMs");
    this.duplicateWindowMs = positiveInt(opts.duplicateWindowMs ?? 10 * 60_000, "duplicateWindowMs");
    this.requestTimeoutMs = positiveInt(opts.requestTimeoutMs ?? 5_000, "requestTimeoutMs");
  }

  /** Connects and checks JetStream is enabled; the stream and consumers are created on first use. */
  static async connect(opts: NatsQueueOptions): Promise<NatsQueue> {
    const servers = (Array.isArray(opts.servers) ? opts.servers : opts.servers.split(","))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    let nc: NatsConnection;
    try {
      nc = await connect({ servers, name: "inlet-queue", maxReconnectAttempts: -1 });
    } catch (err) {
      throw new InletError(
        "INVALID_CONFIG",
        `cannot connect to NATS at ${servers.join(",")}: ${errorMessage(err)}`,
      );
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: opts.requestTimeoutMs ?? 5_000 });
      const js = jetstream(nc, { timeout: opts.requestTimeoutMs ?? 5_000 });
      return new NatsQueue(nc, js, jsm, opts);
    } catch (err) {
      await nc.close();
      throw new InletError(
        "INVALID_CONFIG",
        `NATS at ${servers.join(",")} has no JetStream (start nats-server with -js): ${errorMessage(err)}`,
      );
    }
  }

  async send(queue: string, body: QueueBody, opts: SendOptions = {}): Promise<void> {
    this.assertOpen();
    await this.ensureConsumers(queue);
    const h = natsHeaders();
    const delayMs = Math.max(0, opts.delayMs ?? 0);
    if (delayMs > 0) h.set(H_NOT_BEFORE, String(Date.now() + delayMs));
    await this.js.publish(this.queueSubject(queue), JSON.stringify(body), {
      headers: h,
      ...(opts.dedupeKey === undefined ? {} : { msgID: opts.dedupeKey }),
    });
  }

  async receive(queue: string, opts: ReceiveOptions): Promise<ReceivedMessage[]> {
    this.assertOpen();
    const max = positiveInt(opts.max, "max");
    const visibilityMs = positiveInt(opts.visibilityTimeoutMs ?? this.ackWaitMs, "visibilityTimeoutMs");
    const waitMs = Math.max(0, opts.waitMs ?? 0);
    const deadline = Date.now() + waitMs;
    await this.ensureConsumers(queue, visibilityMs);
    const consumer = queueConsumer(queue);
    this.prune();
    for (;;) {
      // A no_wait pull first: a batch request with expires would wait until the whole batch is filled.
      const pulledAt = Date.now();
      const raws = await this.pull(consumer, max);
      const ready = await this.accept(queue, raws, visibilityMs, pulledAt);
      if (ready.length > 0) return ready;
      // Everything pulled was deferred or dead; more may be waiting behind it.
      if (raws.length > 0) continue;
      const remaining = deadline - Date.now();
      if (remaining < MIN_WAIT_MS || this.closed) return [];
      // Long poll for one message, then take whatever else is there without waiting.
      const polledAt = Date.now();
      const first = await this.accept(queue, await this.pull(consumer, 1, remaining), visibilityMs, polledAt);
      if (first.length > 0) {
        if (max > 1) {
          const restAt = Date.now();
          first.push(...(await this.accept(queue, await this.pull(consumer, max - 1), visibilityMs, restAt)));
        }
        return first;
      }
      if (this.closed) return [];
    }
  }

  async ack(queue: string, msg: ReceivedMessage): Promise<void> {
    this.assertOpen();
    const held = this.release(queue, msg);
    if (held) await this.confirm(held.raw, "+ACK");
  }

  /**
   * `+WPI` (JetStream's in-progress ack) restarts the delivery's ack wait, which is per consumer: the
   * timeout is set on the consumer as a receive does. Only deliveries this process still holds inside
   * their lease are renewed: the server keys the renewal by stream sequence alone, so one sent after
   * the ack wait ran out could lengthen another consumer's delivery of the same message.
   */
  async extend(
    queue: string,
    msgs: readonly ReceivedMessage[],
    visibilityTimeoutMs: number,
  ): Promise<boolean[]> {
    this.assertOpen();
    const visibilityMs = positiveInt(visibilityTimeoutMs, "visibilityTimeoutMs");
    if (msgs.length === 0) return [];
    await this.ensureConsumers(queue, visibilityMs);
    return Promise.all(
      msgs.map(async (msg) => {
        const held = this.inFlight.get(inFlightKey(queue, Number(msg.id)));
        const sentAt = Date.now();
        if (!held || held.receiveCount !== msg.receiveCount || held.visibleAtMs <= sentAt) return false;
        await this.confirm(held.raw, "+WPI");
        // Counted from before the request: the server restarted the wait no earlier than that.
        held.visibleAtMs = Math.max(held.visibleAtMs, sentAt + visibilityMs);
        return true;
      }),
    );
  }

  async nack(
    queue: string,
    msg: ReceivedMessage,
    opts: { delayMs?: number; error?: string } = {},
  ): Promise<void> {
    this.assertOpen();
    const held = this.release(queue, msg);
    if (!held) return;
    if (held.receiveCount >= this.maxReceives) {
      await this.bury(
        queue,
        held.raw,
        held.delivery,
        held.receiveCount,
        opts.error ?? `failed after ${held.receiveCount} receives`,
      );
      return;
    }
    // The error of a retried message is not kept: NATS cannot annotate a stored message, and the
    // dead store only needs the error of the final failure.
    const delayMs = Math.max(0, opts.delayMs ?? 0);
    await this.confirm(held.raw, nakPayload(delayMs));
  }

  async takeDead(queue: string, max: number): Promise<DeadMessage[]> {
    this.assertOpen();
    await this.ensureConsumers(queue);
    const raws = await this.pull(deadConsumer(queue), positiveInt(max, "max"));
    const dead = raws.map((raw) => {
      const delivery = parseDelivery(raw.reply ?? "");
      const h = raw.headers;
      const sourceSeq = h?.get(H_SOURCE_SEQ);
      const enqueued = Number(h?.get(H_ENQUEUED));
      const receives = Number(h?.get(H_RECEIVES));
      const error = h?.get(H_ERROR);
      return {
        id: sourceSeq || String(delivery.streamSeq),
        body: parseBody(raw) ?? { raw: raw.string() },
        receiveCount: Number.isFinite(receives) && receives > 0 ? receives : this.maxReceives,
        lastError: error ? unescapeHeader(error) : undefined,
        enqueuedAt: new Date(Number.isFinite(enqueued) && enqueued > 0 ? enqueued : delivery.enqueuedAtMs),
      };
    });
    // Drained: once the caller has them, the pipeline's DeadLetter rows are the record.
    await Promise.all(raws.map((raw) => this.confirm(raw, "+ACK")));
    return dead;
  }

  async stats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    await this.ensureConsumers(queue);
    const [q, d] = await Promise.all([
      this.jsm.consumers.info(this.stream, queueConsumer(queue)),
      this.jsm.consumers.info(this.stream, deadConsumer(queue)),
    ]);
    const depth = q.num_pending;
    const inFlight = q.num_ack_pending;
    let oldestAgeMs = 0;
    if (depth + inFlight > 0) {
      // Work-queue retention deletes acked messages, so the first message on the queue's subject
      // after the consumer's ack floor is the oldest one not yet acked (waiting or in flight).
      const oldest = await this.jsm.direct
        .getMessage(this.stream, { seq: q.ack_floor.stream_seq + 1, next_by_subj: this.queueSubject(queue) })
        .catch(() => null);
      if (oldest) oldestAgeMs = Math.max(0, Date.now() - oldest.time.getTime());
    }
    return { depth, inFlight, dead: d.num_pending + d.num_ack_pending, oldestAgeMs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inFlight.clear();
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  /**
   * Turns pulled messages into deliveries: defers not-yet-due ones, buries exhausted ones. Each lease
   * is counted from pulledAtMs, taken before the pull request: the server started its ack wait no
   * earlier, so this process never believes it holds a message the server has given up on.
   */
  private async accept(
    queue: string,
    raws: Msg[],
    visibilityMs: number,
    pulledAtMs: number,
  ): Promise<ReceivedMessage[]> {
    const out: ReceivedMessage[] = [];
    for (const raw of raws) {
      const now = Date.now();
      const delivery = parseDelivery(raw.reply ?? "");
      const notBefore = Number(raw.headers?.get(H_NOT_BEFORE) || 0);
      if (notBefore > now) {
        await this.confirm(raw, nakPayload(notBefore - now));
        continue;
      }
      // A delayed message normally spends one delivery on its deferral (the nak above); that one
      // is not a receive. If nobody pulled it before it was due, this under-counts by one.
      let receiveCount = notBefore > 0 ? Math.max(1, delivery.deliveryCount - 1) : delivery.deliveryCount;
      // nats-server 2.9 has been seen redelivering a message whose ack wait ran out with a delivery
      // count lower than its previous delivery's. A count this process handed out never goes back.
      const earlier = this.inFlight.get(inFlightKey(queue, delivery.streamSeq));
      if (earlier && receiveCount <= earlier.receiveCount) receiveCount = earlier.receiveCount + 1;
      if (receiveCount > this.maxReceives) {
        // Its last consumer neither acked nor nacked before the ack wait ran out: it died.
        const receives = receiveCount - 1;
        await this.bury(
          queue,
          raw,
          delivery,
          receives,
          `visibility timeout expired after ${receives} receives`,
        );
        continue;
      }
      const body = parseBody(raw);
      if (!body) {
        await this.bury(queue, raw, delivery, receiveCount, "message body is not a JSON object");
        continue;
      }
      this.inFlight.set(inFlightKey(queue, delivery.streamSeq), {
        raw,
        delivery,
        receiveCount,
        visibleAtMs: pulledAtMs + visibilityMs,
      });
      out.push({
        id: String(delivery.streamSeq),
        body,
        receiveCount,
        enqueuedAt: new Date(delivery.enqueuedAtMs),
      });
    }
    return out;
  }

  /**
   * The handle of this delivery, if this process still holds it. A handle from an older delivery
   * (visibility expired, redelivered here since) is ignored, like a stale receive_count in PgQueue.
   */
  private release(queue: string, msg: ReceivedMessage): InFlight | undefined {
    const key = inFlightKey(queue, Number(msg.id));
    const held = this.inFlight.get(key);
    if (!held || held.receiveCount !== msg.receiveCount) return undefined;
    this.inFlight.delete(key);
    return held;
  }

  /**
   * Copies the message to the queue's dead subject with the error in headers, then terminates the
   * original. The copy's msgID makes a retry after a crash between the two steps store it once.
   */
  private async bury(
    queue: string,
    raw: Msg,
    delivery: Delivery,
    receives: number,
    error: string,
  ): Promise<void> {
    const h = natsHeaders();
    h.set(H_ERROR, escapeHeader(error.slice(0, MAX_ERROR_CHARS)));
    h.set(H_RECEIVES, String(receives));
    h.set(H_ENQUEUED, String(delivery.enqueuedAtMs));
    h.set(H_SOURCE_SEQ, String(delivery.streamSeq));
    await this.js.publish(this.deadSubject(queue), raw.data, {
      headers: h,
      msgID: `dead.${queue}.${delivery.streamSeq}`,
    });
    // Plain term(): server 2.9 ignores a term reason; the error travels in the copy's headers.
    await this.confirm(raw, "+TERM");
  }

  /**
   * One pull request on the consumer, answered by the server with messages and then a status.
   * Without expiresMs it is no_wait: only what is available now.
   */
  private async pull(consumer: string, batch: number, expiresMs?: number): Promise<Msg[]> {
    const inbox = createInbox();
    const sub = this.nc.subscribe(inbox);
    // The server ends the request with a 404/408 status; this guards against that never arriving.
    const guard = setTimeout(() => sub.unsubscribe(), (expiresMs ?? 0) + this.requestTimeoutMs);
    const request = expiresMs === undefined ? { batch, no_wait: true } : { batch, expires: nanos(expiresMs) };
    const out: Msg[] = [];
    try {
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${consumer}`, JSON.stringify(request), {
        reply: inbox,
      });
      for await (const m of sub) {
        if (m.reply) {
          out.push(m);
          if (out.length >= batch) break;
          continue;
        }
        const code = m.headers?.code ?? 0;
        if (code === 404 || code === 408) break;
        if (code === 100) continue;
        throw new InletError(
          "INTERNAL",
          `JetStream pull from ${this.stream}/${consumer} failed: ${code} ${m.headers?.description ?? ""}`.trim(),
        );
      }
    } finally {
      clearTimeout(guard);
      sub.unsubscribe();
    }
    return out;
  }

  /** Sends an ack-kind reply and waits for the server to confirm it processed it. */
  private async confirm(raw: Msg, payload: string): Promise<void> {
    if (!raw.reply) return;
    await this.nc.request(raw.reply, payload, { timeout: this.requestTimeoutMs });
  }

  private ensureStream(): Promise<void> {
    this.streamReady ??= this.createStream().catch((err: unknown) => {
      this.streamReady = undefined;
      throw err;
    });
    return this.streamReady;
  }

  private async createStream(): Promise<void> {
    const subjects = [`${this.prefix}.q.>`, `${this.prefix}.dead.>`];
    const existing = await this.jsm.streams.info(this.stream).catch((err: unknown) => {
      if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return undefined;
      throw err;
    });
    if (!existing) {
      try {
        await this.jsm.streams.add({
          name: this.stream,
          subjects,
          // Acked and terminated messages are deleted: the stream holds only live and dead work.
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          duplicate_window: nanos(this.duplicateWindowMs),
          // Direct get finds the oldest message of a subject for stats.
          allow_direct: true,
        });
        return;
      } catch (err) {
        // Another process created it first.
        if (!(await this.jsm.streams.info(this.stream).catch(() => undefined))) throw err;
        return;
      }
    }
    if (existing.config.retention !== RetentionPolicy.Workqueue) {
      throw new InletError(
        "INVALID_CONFIG",
        `NATS stream ${this.stream} exists with ${existing.config.retention} retention; the queue needs workqueue`,
      );
    }
    const missing = subjects.filter((s) => !existing.config.subjects.includes(s));
    if (missing.length > 0 || !existing.config.allow_direct) {
      await this.jsm.streams.update(this.stream, {
        subjects: [...existing.config.subjects, ...missing],
        allow_direct: true,
      });
    }
  }

  /** Creates the queue's consumers on first use and applies a changed visibility timeout. */
  private async ensureConsumers(queue: string, ackWaitMs?: number): Promise<void> {
    if (!QUEUE_NAME.test(queue)) {
      throw new InletError("BAD_REQUEST", `queue name must match ${QUEUE_NAME.source}, got "${queue}"`);
    }
    await this.ensureStream();
    let known = this.consumers.get(queue);
    if (!known) {
      known = this.createConsumers(queue, ackWaitMs ?? this.ackWaitMs);
      this.remember(queue, known);
    }
    const current = await known;
    if (ackWaitMs === undefined || current === ackWaitMs) return;
    // ack_wait is per consumer, not per message: the last receive's visibility timeout applies to
    // every message of the queue in flight. Consumers of one queue should agree on it.
    const updated = this.jsm.consumers
      .update(this.stream, queueConsumer(queue), { ack_wait: nanos(ackWaitMs) })
      .then(() => ackWaitMs);
    this.remember(queue, updated);
    await updated;
  }

  private remember(queue: string, ackWait: Promise<number>): void {
    this.consumers.set(queue, ackWait);
    ackWait.catch(() => {
      if (this.consumers.get(queue) === ackWait) this.consumers.delete(queue);
    });
  }

  private async createConsumers(queue: string, ackWaitMs: number): Promise<number> {
    const [q] = await Promise.all([
      this.ensureConsumer(queueConsumer(queue), this.queueSubject(queue), ackWaitMs),
      this.ensureConsumer(deadConsumer(queue), this.deadSubject(queue), this.ackWaitMs),
    ]);
    return q;
  }

  /** Returns the consumer's ack_wait in milliseconds. */
  private async ensureConsumer(name: string, subject: string, ackWaitMs: number): Promise<number> {
    const info = () =>
      this.jsm.consumers.info(this.stream, name).catch((err: unknown) => {
        if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return undefined;
        throw err;
      });
    const existing = await info();
    if (existing) return Math.round((existing.config.ack_wait ?? 0) / 1e6);
    try {
      await this.jsm.consumers.add(this.stream, {
        durable_name: name,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ackWaitMs),
        // Unlimited on the server: the adapter counts receives itself. With work-queue retention a
        // message past max_deliver would stay in the stream undeliverable, and a crash while moving
        // it to the dead subject would strand it; redelivery lets the move be retried.
        max_deliver: -1,
      });
      return ackWaitMs;
    } catch (err) {
      const raced = await info();
      if (raced) return Math.round((raced.config.ack_wait ?? 0) / 1e6);
      throw err;
    }
  }

  private prune(): void {
    const now = Date.now();
    if (now - this.lastPruneMs < 10_000) return;
    this.lastPruneMs = now;
    for (const [key, held] of this.inFlight) {
      if (held.visibleAtMs + LATE_ACK_GRACE_MS < now) this.inFlight.delete(key);
    }
  }

  private queueSubject(queue: string): string {
    return `${this.prefix}.q.${queue}`;
  }

  private deadSubject(queue: string): string {
    return `${this.prefix}.dead.${queue}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new InletError("INTERNAL", "queue is closed");
  }
}

function queueConsumer(queue: string): string {
  return `q_${queue}`;
}

function deadConsumer(queue: string): string {
  return `dead_${queue}`;
}

function inFlightKey(queue: string, seq: number): string {
  return `${queue}\u0000${seq}`;
}

/** Reads the ack subject: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<nanos>.<pending>. */
function parseDelivery(reply: string): Delivery {
  const t = reply.split(".");
  if (t[0] !== "$JS" || t[1] !== "ACK" || t.length < 9) {
    throw new InletError("INTERNAL", `not a JetStream delivery: "${reply}"`);
  }
  // Newer servers insert a domain and an account hash after ACK.
  const o = t.length === 9 ? 4 : 6;
  return {
    deliveryCount: Number(t[o]),
    streamSeq: Number(t[o + 1]),
    enqueuedAtMs: Number(BigInt(t[o + 3] ?? "0") / 1_000_000n),
  };
}

function parseBody(raw: Msg): QueueBody | undefined {
  try {
    const v: unknown = raw.json();
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as QueueBody) : undefined;
  } catch {
    return undefined;
  }
}

function nakPayload(delayMs: number): string {
  return delayMs > 0 ? `-NAK ${JSON.stringify({ delay: nanos(Math.ceil(delayMs)) })}` : "-NAK";
}

// Header values cannot hold CR or LF; backslash escapes keep multi-line errors readable.
function escapeHeader(s: string): string {
  return s.replace(/[\\\r\n]/g, (c) => (c === "\\" ? "\\\\" : c === "\r" ? "\\r" : "\\n"));
}

function unescapeHeader(s: string): string {
  return s.replace(/\\([\\rn])/g, (_, c: string) => (c === "\\" ? "\\" : c === "r" ? "\r" : "\n"));
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}
