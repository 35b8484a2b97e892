// The Queue port: at-least-once delivery of small pointer messages between pipeline stages.

export type QueueBody = Record<string, unknown>;

export interface SendOptions {
  /** Messages with the same key sent within the dedupe window are stored once. */
  dedupeKey?: string;
  /** Do not deliver before this many milliseconds have passed. */
  delayMs?: number;
}

export interface ReceiveOptions {
  /** At most this many messages. */
  max: number;
  /**
   * How long a received message stays invisible before it is delivered again: the lease its receiver
   * holds it under, which `extend` renews. Consumers of one queue should agree on it (on NATS it is
   * the consumer's ack_wait).
   */
  visibilityTimeoutMs?: number;
  /** Wait up to this long for a first message (long poll); 0 returns at once. */
  waitMs?: number;
}

export interface ReceivedMessage {
  readonly id: string;
  readonly body: QueueBody;
  /** 1 on first delivery. */
  readonly receiveCount: number;
  readonly enqueuedAt: Date;
}

export interface DeadMessage {
  readonly id: string;
  readonly body: QueueBody;
  readonly receiveCount: number;
  readonly lastError: string | undefined;
  readonly enqueuedAt: Date;
}

export interface QueueStats {
  /** Messages waiting to be delivered (visible or delayed), not counting in-flight or dead. */
  depth: number;
  inFlight: number;
  dead: number;
  /** Age of the oldest undelivered or in-flight message, 0 when empty. */
  oldestAgeMs: number;
}

export interface Queue {
  readonly kind: string;
  send(queue: string, body: QueueBody, opts?: SendOptions): Promise<void>;
  receive(queue: string, opts: ReceiveOptions): Promise<ReceivedMessage[]>;
  /**
   * Renews the receiver's lease on each message: it stays invisible for visibilityTimeoutMs more from
   * now (pass the receive's value). One flag per message, true when renewed; false when this receipt
   * no longer holds it (acked, or its lease ran out, after which another receiver may have it): a lost
   * lease is never taken back. For messages not yet acked or nacked: renewing a nacked one is undefined.
   */
  extend(queue: string, msgs: readonly ReceivedMessage[], visibilityTimeoutMs: number): Promise<boolean[]>;
  /** Done: the message is never delivered again. */
  ack(queue: string, msg: ReceivedMessage): Promise<void>;
  /**
   * Failed: deliver again after delayMs, unless it has been received maxReceives times,
   * in which case it moves to the queue's dead-letter store with the error.
   */
  nack(queue: string, msg: ReceivedMessage, opts?: { delayMs?: number; error?: string }): Promise<void>;
  /** Messages that exhausted their receives; drained here so the pipeline can record them. */
  takeDead(queue: string, max: number): Promise<DeadMessage[]>;
  stats(queue: string): Promise<QueueStats>;
  close(): Promise<void>;
}
