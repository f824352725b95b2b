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

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /**
   * Handles a batch; the bus commits the batch's offsets only after it resolves. If it throws,
   * the batch is delivered again. Handlers must therefore be idempotent.
   */
  handleBatch(messages: ConsumedMessage[]): Promise<void>;
}

export interface BusSubscription {
  stop(): Promise<void>;
}

export interface MessageBus {
  /** Resolves once the broker acknowledged every message (all in-sync replicas). */
  publish(topic: string, messages: BusMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<BusSubscription>;
  ensureTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
}
