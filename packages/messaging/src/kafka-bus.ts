import {
  type Admin,
  CompressionTypes,
  type Consumer,
  Kafka,
  logLevel,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSasl } from './kafka-sasl';
import { DEFAULT_KAFKA_SETTINGS, ensureTopicsOnce, type KafkaSettings } from './kafka-topics';
import type {
  BusMessage,
  BusSubscription,
  ConsumedMessage,
  MessageBus,
  PartitionLag,
  SubscribeOptions,
} from './message-bus';
import { withTimeout } from './message-bus';
import { produceParts } from './produce-parts';

/**
 * Where the brokers are, and how topics this bus creates are made and how it compresses what it
 * produces (`KafkaEnv` reads these from the environment; unset ones take `DEFAULT_KAFKA_SETTINGS`).
 */
export interface KafkaBusOptions extends Partial<KafkaSettings> {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** The login at a broker that asks for one (`KafkaSaslEnv`); none: plaintext. */
  sasl?: KafkaSasl;
  /** Partitions one consumer handles at once (each still in order); default 3. */
  partitionsConsumedConcurrently?: number;
  /**
   * How long an assigned partition may stay behind with nothing read and nothing being handled
   * before its consumer joins its group again (@platformatic/kafka; default 30 s).
   */
  stallAfterMs?: number;
}

/** Kafka through kafkajs: an idempotent producer (acks=all) and batch consumers with manual offsets. */
export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private admin: Admin | undefined;
  private adminReady: Promise<Admin> | undefined;
  private readonly settings: KafkaSettings;
  private readonly consumers = new Set<Consumer>();
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaBusOptions) {
    const d = DEFAULT_KAFKA_SETTINGS;
    this.settings = {
      partitions: options.partitions ?? d.partitions,
      replicationFactor: options.replicationFactor ?? d.replicationFactor,
      minInsyncReplicas: options.minInsyncReplicas ?? d.minInsyncReplicas,
      compression: options.compression ?? d.compression,
    };
    const log = options.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      // kafkajs types each mechanism apart; the three taken here are among them.
      ...(options.sasl && { sasl: options.sasl as SASLOptions }),
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

  /** One producer per bus, also when the first sends come at once. */
  private getProducer(): Promise<Producer> {
    this.producerReady ??= (async () => {
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
      return producer;
    })().catch((error) => {
      this.producerReady = undefined;
      throw error;
    });
    return this.producerReady;
  }

  private getAdmin(): Promise<Admin> {
    this.adminReady ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
      return admin;
    })().catch((error) => {
      this.adminReady = undefined;
      throw error;
    });
    return this.adminReady;
  }

  /**
   * Creates the topics that are missing, as `topicSpec` plans them, and returns once each has
   * its leaders; another process creating the same topic at the same moment is no error
   * (services cold-starting together all do this).
   */
  async ensureTopics(topics: string[]): Promise<void> {
    await ensureTopicsOnce(
      topics,
      this.knownTopics,
      () => this.getAdmin(),
      this.settings,
      this.options.logger,
    );
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics([topic]);
    const producer = await this.getProducer();
    const compression = this.settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    for (const part of produceParts(messages))
      await producer.send({ topic, acks: -1, compression, messages: part });
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
      // Order is per partition (per key), so partitions are handled side by side: one partition
      // waiting on a transient failure holds back only its own keys.
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
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
        await options.handleBatch(messages, { heartbeat, isActive: () => isRunning() && !isStale() });
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

  async consumerLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    const admin = await this.getAdmin();
    const committed = new Map<string, number>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics }))
      for (const p of partitions) committed.set(`${topic}:${p.partition}`, Math.max(0, Number(p.offset)));
    const lags: PartitionLag[] = [];
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        lags.push({
          topic,
          partition: p.partition,
          lag: Math.max(0, Number(p.high) - (committed.get(`${topic}:${p.partition}`) ?? 0)),
        });
    return lags;
  }

  async checkReachable(timeoutMs: number): Promise<void> {
    await withTimeout(
      this.getAdmin().then((admin) => admin.describeCluster()),
      timeoutMs,
      `Kafka at ${this.options.brokers.join(',')}`,
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }
}
