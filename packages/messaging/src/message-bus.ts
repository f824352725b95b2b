/**
 * What the services need from a message broker, implemented by Kafka (distributed mode) and
 * by an in-process bus (embedded mode). Same code above it in both modes.
 */
export interface BusMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface ConsumedMessage extends BusMessage {
  topic: string;
  partition: number;
  offset: string;
}

/** What a handler may ask of the bus while it works on a batch (e.g. while retrying for minutes). */
export interface DeliveryContext {
  /** Tells the broker this consumer is alive, so a long batch does not cost its partitions. */
  heartbeat(): Promise<void>;
  /** False once the batch's partition was revoked (rebalance, shutdown): stop and let it be redelivered. */
  isActive(): boolean;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /**
   * Handles a batch (all of one partition, in order); the bus commits the batch's offsets only
   * after it resolves. If it throws, the batch is delivered again. Handlers must therefore be
   * idempotent.
   */
  handleBatch(messages: ConsumedMessage[], context: DeliveryContext): Promise<void>;
}

export interface BusSubscription {
  stop(): Promise<void>;
}

/** How far a consumer group is behind on one partition: the end offset less its committed offset. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface MessageBus {
  /** Resolves once the broker acknowledged every message (all in-sync replicas). */
  publish(topic: string, messages: BusMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<BusSubscription>;
  ensureTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
  /**
   * Per partition of `topics`, the messages a group has not committed yet (metrics). Absent where
   * nothing can lag: the in-process bus hands every message to every group before `publish` resolves.
   */
  consumerLag?(groupId: string, topics: string[]): Promise<PartitionLag[]>;
  /** Resolves when the broker answers within `timeoutMs`, else rejects saying why (/ready). */
  checkReachable?(timeoutMs: number): Promise<void>;
}

/** What `withTimeout` rejects with, so a caller can tell the wait running out from the work failing. */
export class TimedOut extends Error {
  override readonly name = 'TimedOut';
}

/**
 * Rejects with TimedOut ("<what>: no answer within <ms> ms", or without the prefix when `what` is
 * empty) once `ms` passed (the call itself goes on).
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what ? `${what}: ` : ''}no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
