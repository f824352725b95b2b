import type {
  BusMessage,
  BusSubscription,
  ConsumedMessage,
  MessageBus,
  SubscribeOptions,
} from './message-bus';

interface Group {
  options: SubscribeOptions;
  /** Serialises deliveries per consumer group, so a group sees each topic in publish order. */
  queue: Promise<void>;
  stopped: boolean;
}

/**
 * The embedded mode's broker: one process, no Kafka. `publish` resolves only after every
 * subscribed group has handled the messages, so the relay's checkpoint never runs ahead of the
 * consumers - a crash loses nothing even though nothing here is durable (the store is).
 * A handler that throws is retried, as Kafka would redeliver.
 */
export class InProcessBus implements MessageBus {
  private readonly groups = new Map<string, Group>();
  private readonly offsets = new Map<string, number>();
  /** Recent messages per topic, for inspection (dead letters, tests); bounded. */
  readonly retained = new Map<string, ConsumedMessage[]>();

  constructor(private readonly retainPerTopic = 10_000) {}

  async ensureTopics(): Promise<void> {}

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    let offset = this.offsets.get(topic) ?? 0;
    const consumed = messages.map((m) => ({ ...m, topic, partition: 0, offset: String(offset++) }));
    this.offsets.set(topic, offset);
    const kept = [...(this.retained.get(topic) ?? []), ...consumed];
    this.retained.set(topic, kept.slice(-this.retainPerTopic));
    const deliveries = [...this.groups.values()]
      .filter((g) => !g.stopped && g.options.topics.includes(topic))
      .map((group) => {
        group.queue = group.queue.then(() => deliver(group, consumed));
        return group.queue;
      });
    await Promise.all(deliveries);
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    if (this.groups.has(options.groupId))
      throw new Error(`consumer group ${options.groupId} already subscribed`);
    const group: Group = { options, queue: Promise.resolve(), stopped: false };
    this.groups.set(options.groupId, group);
    return {
      stop: async () => {
        group.stopped = true;
        this.groups.delete(options.groupId);
        await group.queue;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.queue));
    this.groups.clear();
  }
}

async function deliver(group: Group, messages: ConsumedMessage[]): Promise<void> {
  for (let attempt = 1; !group.stopped; attempt++) {
    try {
      await group.options.handleBatch(messages, {
        heartbeat: async () => {},
        isActive: () => !group.stopped,
      });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** attempt, 2000)));
    }
  }
}
