// Batch leases: the batch messages a worker holds stay invisible to the other workers under a short
// lease, renewed on a timer while the worker works on them, so a worker that dies gives its batches
// up one lease later rather than after the longest a flush may take.
import type { Logger } from "pino";
import { errorMessage } from "../errors";
import type { Queue, ReceivedMessage } from "../ports/queue";
import { leaseRenewalDisabled } from "../process/failpoints";

export interface BatchLeaseOptions {
  /** How long a received message stays invisible without a renewal. */
  leaseMs: number;
  /**
   * Renewals stop this long after a message was received (give or take one lease), so a flush that
   * hangs does not keep its batches from every other worker forever.
   */
  maxHoldMs: number;
  /**
   * While this is true the hold clock stands still: the messages are renewed and the time does not
   * count towards maxHoldMs (a flush waiting for the lake's disk to have room is not hanging).
   */
  holdPaused?: () => boolean;
  /** What a message stands for, in the log (default "batch"). */
  what?: string;
}

interface Held {
  msg: ReceivedMessage;
  receivedAt: number;
}

export class BatchLeases {
  /** The queue for the holder's acks and nacks: each ends the message's renewals first. */
  readonly queue: Queue;
  private readonly held = new Map<string, Held>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;
  /** The timer's last tick, for the time the hold clock stood still since. */
  private lastTick = Date.now();

  constructor(
    private readonly source: Queue,
    private readonly queueName: string,
    private readonly opts: BatchLeaseOptions,
    private readonly logger: Logger,
    private readonly onLost: (count: number) => void = () => undefined,
  ) {
    // Three renewals per lease: one late or failed renewal does not cost the lease.
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(opts.leaseMs / 3)));
    this.timer.unref();
    this.queue = this.releasingQueue();
  }

  /** Starts renewing these messages' leases, received just now with `leaseMs` as their timeout. */
  hold(msgs: readonly ReceivedMessage[]): void {
    const receivedAt = Date.now();
    for (const msg of msgs) this.held.set(key(msg), { msg, receivedAt });
  }

  /** Stops renewing these messages (the holder acked or nacked them, or gave them up). */
  release(msgs: readonly ReceivedMessage[]): void {
    for (const msg of msgs) this.held.delete(key(msg));
  }

  get size(): number {
    return this.held.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.held.clear();
  }

  private tick(): void {
    const now = Date.now();
    if (this.opts.holdPaused?.()) {
      for (const h of this.held.values()) h.receivedAt += now - this.lastTick;
    }
    this.lastTick = now;
    this.renewNow();
  }

  private renewNow(): void {
    // A renewal still running (a slow database) is not piled on; the next tick tries again.
    if (this.renewing || this.held.size === 0 || leaseRenewalDisabled()) return;
    this.renewing = this.renew().finally(() => {
      this.renewing = undefined;
    });
  }

  private async renew(): Promise<void> {
    const now = Date.now();
    const due: Held[] = [];
    for (const [k, h] of this.held) {
      if (now + this.opts.leaseMs <= h.receivedAt + this.opts.maxHoldMs) {
        due.push(h);
        continue;
      }
      this.held.delete(k);
      this.logger.warn(
        { messageId: h.msg.id, body: h.msg.body, heldMs: now - h.receivedAt },
        `${this.opts.what ?? "batch"} held for the longest allowed; no longer renewing its lease, another worker may take it`,
      );
    }
    if (due.length === 0) return;
    let renewed: boolean[];
    try {
      renewed = await this.source.extend(
        this.queueName,
        due.map((h) => h.msg),
        this.opts.leaseMs,
      );
    } catch (err) {
      this.logger.warn(
        { err: errorMessage(err), messages: due.length },
        `renewing ${this.opts.what ?? "batch"} leases failed`,
      );
      return;
    }
    let lost = 0;
    due.forEach((h, i) => {
      if (renewed[i]) return;
      // Acked or nacked while the renewal ran: not lost.
      if (!this.held.delete(key(h.msg))) return;
      lost++;
      this.logger.warn(
        { messageId: h.msg.id, body: h.msg.body },
        `${this.opts.what ?? "batch"} lease ran out before it was renewed; another worker may take it too`,
      );
    });
    if (lost > 0) this.onLost(lost);
  }

  private releasingQueue(): Queue {
    const source = this.source;
    return {
      kind: source.kind,
      send: (queue, body, opts) => source.send(queue, body, opts),
      receive: (queue, opts) => source.receive(queue, opts),
      extend: (queue, msgs, ms) => source.extend(queue, msgs, ms),
      ack: async (queue, msg) => {
        if (queue === this.queueName) this.release([msg]);
        await source.ack(queue, msg);
      },
      nack: async (queue, msg, opts) => {
        if (queue === this.queueName) {
          this.release([msg]);
          // A renewal sent before the nack and applied after it would push a delayed retry back by a lease.
          await this.renewing;
        }
        await source.nack(queue, msg, opts);
      },
      takeDead: (queue, max) => source.takeDead(queue, max),
      stats: (queue) => source.stats(queue),
      close: () => source.close(),
    };
  }
}

function key(msg: ReceivedMessage): string {
  return `${msg.id}\u0000${msg.receiveCount}`;
}
