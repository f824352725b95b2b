import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type {
  BusMessage,
  BusSubscription,
  ConsumedMessage,
  MessageBus,
  SubscribeOptions,
} from './message-bus';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Partitions for topics this bus creates; keyed by aggregate id, so order per entity holds. */
  partitions?: number;
}

/** Kafka through kafkajs: an idempotent producer (acks=all) and batch consumers with manual offsets. */
export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaBusOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      retry: { retries: 8, initialRetryTime: 200 },
      logCreator:
        () =>
        ({ level, log: entry }) => {
          const { message, ...extra } = entry;
          if (level <= logLevel.ERROR) log.error(extra, message);
          else log.warn(extra, message);
        },
    });
  }

  private async getProducer(): Promise<Producer> {
    if (!this.producer) {
      // Idempotent: a retried send after a lost ack is not written twice, and order per
      // partition holds (kafkajs requires one request in flight for this).
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // murmur2 on the key, as Java clients do: the same aggregate lands on the same partition.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({
          topic,
          numPartitions: this.options.partitions ?? 3,
          replicationFactor: 1,
          // Domain events are the system of record for BI and rebuilds: never expire them.
          configEntries: [{ name: 'retention.ms', value: '-1' }],
        })),
      });
    }
    for (const t of missing) this.knownTopics.add(t);
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics([topic]);
    const producer = await this.getProducer();
    await producer.send({ topic, acks: -1, messages });
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    await this.ensureTopics(options.topics);
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 50,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages: ConsumedMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString() ?? '',
          value: m.value?.toString() ?? '',
          headers: Object.fromEntries(
            Object.entries(m.headers ?? {}).map(([k, v]) => [
              k,
              Array.isArray(v) ? String(v[0]) : String(v ?? ''),
            ]),
          ),
        }));
        await options.handleBatch(messages);
        // Committed as offset + 1 by kafkajs, and only now that the effects are stored.
        resolveOffset(batch.messages.at(-1)!.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
    this.consumers.add(consumer);
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }
}
