import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  Consumer,
  type ConsumerGroupJoinPayload,
  compatibilityPartitioner,
  type GroupAssignment,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { KafkaBusOptions } from './kafka-bus';
import {
  DEFAULT_KAFKA_SETTINGS,
  ensureTopicsOnce,
  type KafkaSettings,
  type TopicAdmin,
} from './kafka-topics';
import type {
  BusMessage,
  BusSubscription,
  ConsumedMessage,
  DeliveryContext,
  MessageBus,
  PartitionLag,
  SubscribeOptions,
} from './message-bus';
import { withTimeout } from './message-bus';
import { produceParts } from './produce-parts';

type StringMessage = Message<string, string, string, string>;
type StringConsumer = Consumer<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;

/**
 * kafkajs's fetch sizes, which KafkaBus keeps: the client's own defaults (50 MB per fetch and per
 * partition) would read a whole backlog before handing out its first message.
 */
const FETCH = { maxBytes: 10 * 2 ** 20, maxBytesPerPartition: 2 ** 20, maxWaitTime: 50 };
/** Messages handed to one handleBatch call at most. */
const MAX_BATCH = 1000;
/** Messages read but not yet handed to a handler, over all partitions; reading pauses above it. */
const MAX_BUFFERED = 5000;
/** A failed batch is tried again after this, doubling up to RETRY_MAX_MS (kafkajs: 200 ms up). */
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 30_000;
/**
 * A partition behind (by the group's committed offset) with nothing read and nothing being handled
 * for this long is stalled: the client stopped fetching it without an error, as seen after a
 * broker restart. The member then joins again and reads on from its commits.
 */
const STALL_AFTER_MS = 30_000;

/** Client retries (connections, metadata, group operations) back off as KafkaBus's kafkajs does. */
/** The bus's SASL login as the client takes it (its mechanism names are upper case). */
function saslOf({ sasl }: KafkaBusOptions) {
  if (!sasl) return {};
  const mechanism = sasl.mechanism.toUpperCase() as 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN';
  return { sasl: { mechanism, username: sasl.username, password: sasl.password } };
}

const clientRetries = {
  retries: 8,
  retryDelay: (_client: unknown, _operation: string, attempt: number) =>
    Math.min(200 * 2 ** Math.max(0, attempt - 1), 5000),
};

/**
 * Kafka through @platformatic/kafka, with KafkaBus's guarantees: an idempotent producer
 * (acks=all) with the Java client's partitioner (the same key lands on the same partition as
 * with kafkajs), topics made by the shared topic plan, and consumer groups whose offsets are
 * committed only after the handler stored a batch's effects.
 *
 * The client hands out a stream of single messages; the batches are made here: messages are
 * queued per partition in offset order, each partition's queue is handed to `handleBatch` by one
 * worker at a time (so a partition stays in order), up to `partitionsConsumedConcurrently`
 * partitions at once. A batch whose handler fails is handed over again, the same batch, until it
 * succeeds or the partition is revoked. Heartbeats run on the client's own timer, so a long
 * batch keeps its partitions without the handler's help.
 */
export class PlatformaticKafkaBus implements MessageBus {
  private producer: Producer<string, string, string, string> | undefined;
  private admin: Admin | undefined;
  private readonly settings: KafkaSettings;
  private readonly subscriptions = new Set<PartitionedConsumer>();
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaBusOptions) {
    const d = DEFAULT_KAFKA_SETTINGS;
    this.settings = {
      partitions: options.partitions ?? d.partitions,
      replicationFactor: options.replicationFactor ?? d.replicationFactor,
      minInsyncReplicas: options.minInsyncReplicas ?? d.minInsyncReplicas,
      compression: options.compression ?? d.compression,
    };
  }

  /** One producer per bus; the client connects on its first send. */
  private getProducer(): Producer<string, string, string, string> {
    this.producer ??= new Producer({
      clientId: this.options.clientId,
      bootstrapBrokers: this.options.brokers,
      ...saslOf(this.options),
      ...clientRetries,
      serializers: stringSerializers,
      // Idempotent: a retried send after a lost ack is not written twice, and order per partition holds.
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: this.settings.compression,
      autocreateTopics: false,
      // murmur2 on the key as Java clients and kafkajs's DefaultPartitioner do: the client's own
      // default puts about half of the keys on another partition, which would break per-key order
      // across a switch of clients.
      partitioner: compatibilityPartitioner,
    });
    return this.producer;
  }

  private getAdmin(): Admin {
    this.admin ??= new Admin({
      clientId: this.options.clientId,
      bootstrapBrokers: this.options.brokers,
      ...saslOf(this.options),
      ...clientRetries,
    });
    return this.admin;
  }

  /**
   * Creates the topics that are missing, as `topicSpec` plans them, and returns once each has
   * its leaders; another process creating the same topic at the same moment is no error.
   */
  async ensureTopics(topics: string[]): Promise<void> {
    await ensureTopicsOnce(
      topics,
      this.knownTopics,
      () => topicAdmin(this.getAdmin()),
      this.settings,
      this.options.logger,
    );
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics([topic]);
    for (const part of produceParts(messages))
      await this.getProducer().send({
        messages: part.map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })),
      });
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    await this.ensureTopics(options.topics);
    const subscription = new PartitionedConsumer(
      options,
      this.options,
      this.options.partitionsConsumedConcurrently ?? 3,
      this.options.logger.child({ component: 'platformatic-kafka', groupId: options.groupId }),
      () => this.consumerLag(options.groupId, options.topics),
    );
    await subscription.start();
    this.subscriptions.add(subscription);
    return {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  async consumerLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    const admin = this.getAdmin();
    const metadata = await admin.metadata({ topics });
    const partitionsOf = (topic: string) =>
      (metadata.topics.get(topic)?.partitions ?? []).map((_, partitionIndex) => partitionIndex);
    const [ends, groups] = await Promise.all([
      admin.listOffsets({
        topics: topics.map((name) => ({
          name,
          partitions: partitionsOf(name).map((partitionIndex) => ({ partitionIndex, timestamp: -1n })),
        })),
      }),
      admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: topics.map((name) => ({ name, partitionIndexes: partitionsOf(name) })) }],
      }),
    ]);
    const committed = new Map<string, number>();
    for (const topic of groups[0]?.topics ?? [])
      for (const p of topic.partitions)
        committed.set(`${topic.name}:${p.partitionIndex}`, Math.max(0, Number(p.committedOffset)));
    return ends.flatMap((topic) =>
      topic.partitions.map((p) => ({
        topic: topic.name,
        partition: p.partitionIndex,
        lag: Math.max(0, Number(p.offset) - (committed.get(`${topic.name}:${p.partitionIndex}`) ?? 0)),
      })),
    );
  }

  async checkReachable(timeoutMs: number): Promise<void> {
    await withTimeout(
      this.getAdmin().metadata({ topics: [], forceUpdate: true }),
      timeoutMs,
      `Kafka at ${this.options.brokers.join(',')}`,
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    await this.producer?.close();
    await this.admin?.close();
  }
}

/** Its admin client as `createMissingTopics` asks for one. */
function topicAdmin(admin: Admin): TopicAdmin {
  return {
    listTopics: () => admin.listTopics(),
    createTopics: async ({ topics }) => {
      for (const { topic, numPartitions, replicationFactor, configEntries } of topics) {
        // A topic that exists fails with TOPIC_ALREADY_EXISTS, which createMissingTopics takes as
        // a concurrent creator's success.
        await admin.createTopics({
          topics: [topic],
          partitions: numPartitions,
          replicas: replicationFactor,
          configs: configEntries ?? [],
        });
      }
      return true;
    },
    fetchTopicMetadata: async ({ topics }) => {
      const metadata = await admin.metadata({ topics, forceUpdate: true });
      return {
        topics: topics.map((name) => ({
          name,
          partitions: (metadata.topics.get(name)?.partitions ?? []).map((p) => ({
            leader: p.leader,
            partitionErrorCode: 0,
          })),
        })),
      };
    },
  };
}

/** One partition's messages read and not yet committed, and its worker's state. */
interface PartitionWork {
  key: string;
  topic: string;
  partition: number;
  /** Read, in offset order, not yet handed to the handler. */
  queue: StringMessage[];
  /** The offset after the last message queued: anything below it is a message read again. */
  next: bigint | undefined;
  /** No longer this consumer's (rebalance, restart): its batch is not committed nor retried. */
  revoked: boolean;
  /** Waiting for or holding a worker slot. */
  scheduled: boolean;
  /** The worker's current round, so a later owner of the partition in this process waits for it. */
  running: Promise<void> | undefined;
  /** Work left by an earlier owner of the partition in this process, to finish first. */
  previous: Promise<void>;
}

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

function assignedKeys(assignments: GroupAssignment[] | null | undefined): Set<string> {
  return new Set((assignments ?? []).flatMap((a) => a.partitions.map((p) => keyOf(a.topic, p))));
}

function toConsumed(m: StringMessage): ConsumedMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key ?? '',
    value: m.value ?? '',
    headers: Object.fromEntries(m.headerEntries.map(([k, v]) => [k, v ?? ''])),
  };
}

/**
 * One subscription: a consumer in its group, the stream of its messages split per partition,
 * and the workers that hand each partition's batches to the handler.
 */
class PartitionedConsumer {
  private consumer: StringConsumer | undefined;
  private stream: StringStream | undefined;
  private readonly works = new Map<string, PartitionWork>();
  /** Partitions revoked while their worker was busy, by key: the work a new owner waits for. */
  private readonly retiring = new Map<string, Promise<void>>();
  private assigned = new Set<string>();
  private readonly ready: PartitionWork[] = [];
  private busy = 0;
  private buffered = 0;
  private paused = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private restarting = false;
  /** A restart's join under way, which a stop waits for. */
  private opening: Promise<void> | undefined;
  private restartDelayMs = 500;
  private readonly abort = new AbortController();
  /** When each partition last had a message read, and since when it is behind and idle. */
  private readonly lastRead = new Map<string, number>();
  private readonly behindSince = new Map<string, number>();
  private watchdog: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly options: SubscribeOptions,
    private readonly bus: KafkaBusOptions,
    private readonly concurrency: number,
    private readonly logger: Logger,
    private readonly lag: () => Promise<PartitionLag[]>,
  ) {}

  async start(): Promise<void> {
    await this.open();
    const stallAfterMs = this.bus.stallAfterMs ?? STALL_AFTER_MS;
    this.watchdog = setInterval(() => void this.checkProgress(stallAfterMs), stallAfterMs / 3);
    this.watchdog.unref();
  }

  /** Joins again when an assigned partition is behind while nothing is read or handled for it. */
  private async checkProgress(stallAfterMs: number): Promise<void> {
    if (this.stopping || this.restarting || this.checking || !this.stream || this.paused) return;
    this.checking = true;
    try {
      const lags = await this.lag();
      const now = Date.now();
      for (const { topic, partition, lag } of lags) {
        const key = keyOf(topic, partition);
        const work = this.works.get(key);
        const busy = work !== undefined && (work.running !== undefined || work.queue.length > 0);
        if (lag === 0 || busy || !this.assigned.has(key)) {
          this.behindSince.delete(key);
          continue;
        }
        const since = Math.max(this.behindSince.get(key) ?? now, this.lastRead.get(key) ?? 0);
        this.behindSince.set(key, since);
        if (now - since >= stallAfterMs && !this.stopping && !this.restarting) {
          this.behindSince.clear();
          void this.restart(
            new Error(`partition ${key} is ${lag} behind with nothing read for ${now - since} ms`),
          );
          return;
        }
      }
    } catch {
      // The broker away: the client's own errors and retries say so.
    } finally {
      this.checking = false;
    }
  }

  /** A consumer joined to the group and the stream of its partitions' messages. */
  private async open(): Promise<void> {
    const consumer: StringConsumer = new Consumer({
      clientId: this.bus.clientId,
      bootstrapBrokers: this.bus.brokers,
      ...saslOf(this.bus),
      ...clientRetries,
      groupId: this.options.groupId,
      deserializers: stringDeserializers,
      autocommit: false,
      ...FETCH,
      // A member killed without leaving (kill -9) holds its partitions until this expires: 10 s
      // (heart-beats every 3 s on the client's own timer, also while a handler works for minutes).
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 3000,
      // A JoinGroup waits up to the rebalance timeout for the other members.
      requestTimeout: 35_000,
    });
    this.consumer = consumer;
    consumer.on('consumer:group:join', (payload: ConsumerGroupJoinPayload) => {
      if (this.consumer === consumer) this.onAssignment(payload.assignments);
    });
    consumer.on('consumer:heartbeat:error', ({ error }) => {
      this.logger.warn({ err: error }, 'heartbeat failed');
    });
    // Emitted when the member could not rejoin the group: it consumes no more, so start afresh.
    consumer.on('error', (error: Error) => {
      if (this.consumer === consumer) void this.restart(error);
    });
    let stream: StringStream;
    try {
      // From the group's committed offsets; from the beginning where it has none.
      stream = await consumer.consume({
        topics: this.options.topics,
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      });
    } catch (error) {
      this.consumer = undefined;
      await consumer.close(true).catch(() => {});
      throw error;
    }
    this.stream = stream;
    this.onAssignment(consumer.assignments);
    stream.on('data', (message: StringMessage) => {
      if (this.stream === stream) this.onMessage(message);
    });
    stream.on('error', (error: Error) => {
      if (this.stream === stream) void this.restart(error);
    });
    stream.on('close', () => {
      if (this.stream === stream && !this.stopping) void this.restart(new Error('the message stream closed'));
    });
    if (this.paused) stream.pause();
  }

  /** The group's latest assignment: partitions no longer ours are revoked. */
  private onAssignment(assignments: GroupAssignment[] | null | undefined): void {
    this.assigned = assignedKeys(assignments);
    for (const work of [...this.works.values()]) {
      if (!this.assigned.has(work.key)) this.revoke(work);
    }
    this.logger.debug({ assigned: [...this.assigned] }, 'partitions assigned');
  }

  private revoke(work: PartitionWork): void {
    work.revoked = true;
    this.buffered -= work.queue.length;
    work.queue = [];
    this.works.delete(work.key);
    if (work.running) {
      const running = work.running;
      this.retiring.set(work.key, running);
      void running.finally(() => {
        if (this.retiring.get(work.key) === running) this.retiring.delete(work.key);
      });
    }
    this.resumeIfRoom();
  }

  private onMessage(message: StringMessage): void {
    if (this.stopping) return;
    const key = keyOf(message.topic, message.partition);
    this.lastRead.set(key, Date.now());
    // Read before a rebalance took the partition away.
    if (!this.assigned.has(key)) return;
    let work = this.works.get(key);
    if (!work) {
      work = {
        key,
        topic: message.topic,
        partition: message.partition,
        queue: [],
        next: undefined,
        revoked: false,
        scheduled: false,
        running: undefined,
        previous: this.retiring.get(key) ?? Promise.resolve(),
      };
      this.works.set(key, work);
    }
    // After a rebalance or a new stream the client reads again from the committed offset: what
    // is already queued or handled is not queued twice.
    if (work.next !== undefined && message.offset < work.next) return;
    work.next = message.offset + 1n;
    work.queue.push(message);
    this.buffered++;
    if (this.buffered >= MAX_BUFFERED && !this.paused) {
      this.paused = true;
      this.stream?.pause();
    }
    this.schedule(work);
  }

  private resumeIfRoom(): void {
    if (this.paused && this.buffered < MAX_BUFFERED / 2 && !this.stopping) {
      this.paused = false;
      this.stream?.resume();
    }
  }

  private schedule(work: PartitionWork): void {
    if (work.scheduled || work.revoked) return;
    work.scheduled = true;
    this.ready.push(work);
    this.pump();
  }

  /** Gives free worker slots to waiting partitions, in turn. */
  private pump(): void {
    while (this.busy < this.concurrency && this.ready.length > 0 && !this.stopping) {
      const work = this.ready.shift()!;
      if (work.revoked || work.queue.length === 0) {
        work.scheduled = false;
        continue;
      }
      this.busy++;
      const round = this.runOnce(work);
      work.running = round;
      void round.finally(() => {
        this.busy--;
        if (work.running === round) work.running = undefined;
        // Back in line behind the others when more has arrived: slots go round the partitions.
        work.scheduled = false;
        if (!work.revoked && work.queue.length > 0) this.schedule(work);
        this.pump();
      });
    }
  }

  /** One batch of the partition: handled (the same batch again after a failure), then committed. */
  private async runOnce(work: PartitionWork): Promise<void> {
    await work.previous;
    if (work.revoked || this.stopping) return;
    const batch = work.queue.splice(0, MAX_BATCH);
    this.buffered -= batch.length;
    this.resumeIfRoom();
    if (batch.length === 0) return;
    const messages = batch.map(toConsumed);
    const context: DeliveryContext = {
      // The client heart-beats on its own timer, also while a handler works for minutes.
      heartbeat: async () => {},
      isActive: () => !work.revoked && !this.stopping,
    };
    for (let attempt = 1; ; attempt++) {
      if (!context.isActive()) return; // not committed: read again by whoever owns the partition next
      try {
        await this.options.handleBatch(messages, context);
        break;
      } catch (error) {
        if (!context.isActive()) return;
        const delay = Math.min(RETRY_FIRST_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
        if (attempt <= 3 || attempt % 20 === 0)
          this.logger.warn(
            {
              err: error,
              topic: work.topic,
              partition: work.partition,
              offset: messages[0]!.offset,
              attempt,
              retryInMs: delay,
            },
            'batch failed; delivering it again',
          );
        try {
          await sleep(delay, undefined, { signal: this.abort.signal });
        } catch {
          return; // stopping
        }
      }
    }
    // Committed as offset + 1, and only now that the effects are stored; not for a partition
    // given to another member meanwhile (its new owner reads from the last commit).
    if (work.revoked) return;
    const last = batch.at(-1)!;
    try {
      await this.consumer?.commit({
        offsets: [
          {
            topic: work.topic,
            partition: work.partition,
            offset: last.offset + 1n,
            leaderEpoch: last.leaderEpoch,
          },
        ],
      });
    } catch (error) {
      // Handled, not committed: the next commit of the partition covers it, else it is
      // delivered again (handlers are idempotent).
      this.logger.warn(
        { err: error, topic: work.topic, partition: work.partition, offset: last.offset.toString() },
        'offset commit failed',
      );
    }
  }

  /** The consumer or its stream failed for good: revoke everything and join again, with backoff. */
  private async restart(error: Error): Promise<void> {
    if (this.stopping || this.restarting) return;
    this.restarting = true;
    this.logger.warn({ err: error, retryInMs: this.restartDelayMs }, 'consumer failed; joining again');
    const consumer = this.consumer;
    this.consumer = undefined;
    this.stream = undefined;
    for (const work of [...this.works.values()]) this.revoke(work);
    this.ready.length = 0;
    await consumer?.close(true).catch(() => {});
    try {
      await sleep(this.restartDelayMs, undefined, { signal: this.abort.signal });
    } catch {
      this.restarting = false;
      return;
    }
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, RETRY_MAX_MS);
    this.opening = this.open();
    try {
      await this.opening;
      this.restarting = false;
      this.restartDelayMs = 500;
    } catch (openError) {
      this.restarting = false;
      void this.restart(openError as Error);
    } finally {
      this.opening = undefined;
    }
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      clearInterval(this.watchdog);
      this.abort.abort();
      this.stream?.pause();
      // Batches being handled finish (handlers see isActive() false) and commit what they stored.
      const running = [...this.works.values(), ...this.ready]
        .map((w) => w.running)
        .concat([...this.retiring.values()])
        .filter((r): r is Promise<void> => r !== undefined);
      await Promise.allSettled(running);
      await this.opening?.catch(() => {});
      const consumer = this.consumer;
      this.consumer = undefined;
      this.stream = undefined;
      // Leaves the group, so its partitions go to the other members at once.
      await consumer?.close(true);
    })();
    return this.stopped;
  }
}
