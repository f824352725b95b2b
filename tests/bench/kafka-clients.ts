/**
 * kafkajs (the client behind our KafkaBus) against @platformatic/kafka on the same broker, in
 * alternating rounds, each client with the settings our bus uses:
 *
 * - produce: an idempotent producer, acks=all, compressed as KafkaBus compresses (gzip unless
 *   KAFKA_COMPRESSION says otherwise), the relay's messages (InvoiceIssued as
 *   `toBusMessage` makes it: CloudEvents binary-mode headers, key = aggregate id, 1000
 *   aggregates, ~600-byte JSON), sent in batches of 100, each awaited before the next (as the
 *   relay does); throughput and send latency per batch. Each round writes a fresh topic.
 * - consume: 50,000 such messages from the beginning with a fresh consumer group, each batch
 *   turned into our ConsumedMessage (strings), parsed, then its offset committed explicitly
 *   before the next batch (the bus's "commit only after the effects are stored").
 *
 * Then the checks that decide whether @platformatic/kafka could sit behind the MessageBus port:
 * admin createTopics with a config, idempotence, headers both ways, the key -> partition mapping
 * against kafkajs's (Java-compatible) partitioner, committed offsets, a batch handled for longer
 * than the session timeout, and pausing one partition.
 *
 * Bounded: at most ROUND_LIMIT_MS per produce or consume round; an unfinished round is reported
 * as such. Topics and groups are unique per run (`bench-kc-<run>-...`).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { publicEventsOf } from '@ar/contracts';
import {
  type BusMessage,
  type ConsumedMessage,
  DEFAULT_KAFKA_SETTINGS,
  KAFKA_COMPRESSIONS,
  type KafkaCompression,
  toBusMessage,
} from '@ar/messaging';
import {
  compatibilityPartitioner,
  defaultPartitioner,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Admin as PltAdmin,
  Consumer as PltConsumer,
  type Message as PltMessage,
  Producer as PltProducer,
  ProduceAcks,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import {
  type Admin,
  CompressionTypes,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  logLevel,
  Partitioners,
} from 'kafkajs';

const ROUNDS = Number(process.env.BENCH_KAFKA_ROUNDS ?? 5);
const PRODUCE_MESSAGES = Number(process.env.BENCH_KAFKA_PRODUCE ?? 50_000);
const CONSUME_MESSAGES = Number(process.env.BENCH_KAFKA_CONSUME ?? 50_000);
const ROUND_LIMIT_MS = Number(process.env.BENCH_KAFKA_ROUND_MS ?? 20_000);
const SEND_BATCH = 100;
const AGGREGATES = 1000;
const PARTITIONS = 3;
const VALUE_BYTES = 600;
/** What KafkaBus compresses with: KAFKA_COMPRESSION, or its default (gzip). */
const COMPRESSION = (process.env.KAFKA_COMPRESSION ?? DEFAULT_KAFKA_SETTINGS.compression) as KafkaCompression;
const KAFKAJS_COMPRESSION = COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
/** The broker's group.min.session.timeout.ms; a batch is then held for longer than this. */
const SHORT_SESSION_MS = 6000;
/**
 * kafkajs's fetch sizes (its defaults, which KafkaBus keeps), given to @platformatic/kafka too:
 * its defaults are 50 MB per fetch and per partition, so its first fetch of a backlog takes the
 * whole 50,000-message topic and parses it all before the first message comes out.
 */
const FETCH_SIZES = { maxBytes: 10 * 2 ** 20, maxBytesPerPartition: 2 ** 20 };
const HOLD_MS = 10_000;

/** What the @platformatic/kafka adapter takes from the stream at once, then splits per partition. */
const READ_AT_ONCE = 20_000;

const CLIENTS = ['kafkajs', 'platformatic'] as const;
type Client = (typeof CLIENTS)[number];
type Pltf = PltMessage<string, string, string, string>;

const run = `bench-kc-${Date.now().toString(36)}`;
const invoiceIssued = publicEventsOf('invoicing').get('InvoiceIssued');

/** The relay's message for the `i`-th event: aggregate i % 1000, its stream position, ~600 bytes. */
function relayMessage(i: number): BusMessage {
  const aggregate = i % AGGREGATES;
  const invoiceId = `INV-${String(aggregate).padStart(6, '0')}`;
  const data: Record<string, unknown> = {
    invoiceId,
    customerId: `C-${String(aggregate % 200).padStart(5, '0')}`,
    amount: 1_000_000 + i,
    currency: 'CNY',
    issueDate: '2026-01-05',
    dueDate: '2026-02-04',
    contractId: `CT-${String(aggregate).padStart(6, '0')}`,
    milestoneId: `CT-${String(aggregate).padStart(6, '0')}-M${1 + (i % 4)}`,
    lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
    discountTerms: { rateBp: 200, withinDays: 10 },
  };
  const room = VALUE_BYTES - JSON.stringify(data).length - ',"memo":""'.length;
  data['memo'] = memo(i, room);
  const n = i.toString(16).padStart(12, '0');
  return toBusMessage(
    {
      eventId: `00000000-0000-4000-8000-${n}`,
      streamId: `invoice-${invoiceId}`,
      streamPosition: 1 + Math.floor(i / AGGREGATES),
      globalPosition: BigInt(i + 1),
      type: 'InvoiceIssued',
      data,
      metadata: {
        correlationId: `corr-${n}`,
        traceparent: `00-${n.padStart(32, '0')}-${n.slice(-16).padStart(16, '0')}-01`,
      },
      recordedAt: new Date(Date.UTC(2026, 0, 5) + i),
    },
    'invoicing',
    invoiceIssued,
  );
}

const WORDS = (
  'milestone delivery acceptance installation commissioning spare parts freight insurance ' +
  'service retainer licence support quarter annual advance balance retention warranty ' +
  'consulting training hardware software batch lot order contract phase site east south ' +
  'north west plant line unit kit module tooling transport customs duty handling'
).split(' ');

/**
 * Free text of `length` characters that compresses about as well as the rest of an event
 * (words and numbers, deterministic per event), not a run of one letter gzip would erase.
 */
function memo(seed: number, length: number): string {
  let x = (seed * 2654435761 + 12345) >>> 0;
  const next = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
  let out = '';
  while (out.length < length) {
    const n = next();
    out += n % 3 === 0 ? `${n % 100_000} ` : `${WORDS[n % WORDS.length]} `;
  }
  return out.slice(0, Math.max(0, length));
}

const REQUIRED_HEADERS = ['ce_id', 'ce_type', 'ce_subject', 'ce_sequence', 'ce_time'];

/** What every handler does with a batch (both clients): parse each event, check its envelope. */
function handle(messages: ConsumedMessage[]): number {
  let malformed = 0;
  for (const m of messages) {
    const data = JSON.parse(m.value) as { invoiceId?: string };
    if (!data.invoiceId || REQUIRED_HEADERS.some((h) => !m.headers[h])) malformed++;
  }
  return malformed;
}

function fromKafkajs(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString() ?? '',
    value: m.value?.toString() ?? '',
    headers: headersOf(m.headers),
  };
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')]),
  );
}

function fromPlatformatic(m: Pltf): ConsumedMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key ?? '',
    value: m.value ?? '',
    headers: Object.fromEntries(m.headers),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return Number(sorted[Math.floor((sorted.length - 1) * p)]!.toFixed(2));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round2 = (x: number) => Number(x.toFixed(2));

/**
 * Reads what the stream has buffered (up to `max`), waiting for at least one message until
 * `deadline`. Our bus hands batches to handlers; @platformatic/kafka hands out a stream of single
 * messages, so this is the batching an adapter would do.
 */
function nextBatch<T>(stream: Readable, max: number, deadline: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const take = (): T[] => {
      const out: T[] = [];
      while (out.length < max) {
        const m = stream.read() as T | null;
        if (m === null) break;
        out.push(m);
      }
      return out;
    };
    const finish = (result: T[] | Error) => {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('error', finish);
      stream.off('close', onClose);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onReadable = () => {
      const batch = take();
      if (batch.length > 0) finish(batch);
    };
    const onClose = () => finish([]);
    const timer = setTimeout(() => finish([]), Math.max(0, deadline - performance.now()));
    stream.on('readable', onReadable);
    stream.once('error', finish);
    stream.once('close', onClose);
    onReadable();
  });
}

function byPartition<T extends { partition: number }>(messages: T[]): T[][] {
  const groups = new Map<number, T[]>();
  for (const m of messages) {
    const g = groups.get(m.partition);
    if (g) g.push(m);
    else groups.set(m.partition, [m]);
  }
  return [...groups.values()];
}

interface ProduceRound {
  round: number;
  topic: string;
  messages: number;
  complete: boolean;
  seconds: number;
  messagesPerSecond: number;
  payloadMegabytesPerSecond: number;
  sendLatencyMs: { p50: number; p99: number; max: number };
  firstSendMs: number;
  onTopicAfterwards: number;
  latencies: number[];
}

interface ConsumeRound {
  round: number;
  messages: number;
  complete: boolean;
  joinToFirstMessageMs: number;
  seconds: number;
  messagesPerSecond: number;
  batches: number;
  averageBatch: number;
  duplicates: number;
  malformed: number;
  committedToEnd: boolean;
}

class Bench {
  private readonly kafka: Kafka;
  private admin!: Admin;
  private readonly messages: BusMessage[];
  private readonly bytesPerBatch: number;

  constructor(private readonly brokers: string[]) {
    this.kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.ERROR });
    this.messages = Array.from({ length: PRODUCE_MESSAGES + SEND_BATCH }, (_, i) => relayMessage(i));
    this.bytesPerBatch = this.messages
      .slice(0, SEND_BATCH)
      .reduce(
        (n, m) =>
          n +
          m.key.length +
          m.value.length +
          Object.entries(m.headers).reduce((h, [k, v]) => h + k.length + v.length, 0),
        0,
      );
  }

  async start() {
    this.admin = this.kafka.admin();
    await this.admin.connect();
  }

  async stop() {
    await this.admin.disconnect();
  }

  /** Topics for kafkajs rounds are made by kafkajs's admin, as KafkaBus.ensureTopics does. */
  async createTopicKafkajs(topic: string) {
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: '-1' }],
        },
      ],
    });
  }

  /** ... and for @platformatic/kafka rounds by its admin, with the same settings. */
  async createTopicPlatformatic(topic: string) {
    const admin = new PltAdmin({ clientId: run, bootstrapBrokers: this.brokers });
    try {
      return await admin.createTopics({
        topics: [topic],
        partitions: PARTITIONS,
        replicas: 1,
        configs: [{ name: 'retention.ms', value: '-1' }],
      });
    } finally {
      await admin.close();
    }
  }

  async countOnTopic(topic: string): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  }

  async committedToEnd(groupId: string, topic: string): Promise<boolean> {
    const [ends, [committed]] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    return ends.every(
      (e) => committed?.partitions.find((c) => c.partition === e.partition)?.offset === e.high,
    );
  }

  private batches(): BusMessage[][] {
    const out: BusMessage[][] = [];
    for (let i = SEND_BATCH; i < this.messages.length; i += SEND_BATCH) {
      out.push(this.messages.slice(i, i + SEND_BATCH));
    }
    return out;
  }

  /** Sends the warm-up batch untimed, then the batches one after the other until done or time's up. */
  private async timedSends(
    round: number,
    topic: string,
    send: (batch: BusMessage[]) => Promise<unknown>,
  ): Promise<ProduceRound> {
    let t = performance.now();
    await send(this.messages.slice(0, SEND_BATCH));
    const firstSendMs = performance.now() - t;
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + ROUND_LIMIT_MS;
    let sent = 0;
    let complete = true;
    for (const batch of this.batches()) {
      if (performance.now() > deadline) {
        complete = false;
        break;
      }
      t = performance.now();
      await send(batch);
      latencies.push(performance.now() - t);
      sent += batch.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const onTopic = await this.countOnTopic(topic);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      round,
      topic,
      messages: sent,
      complete,
      seconds: round2(seconds),
      messagesPerSecond: Math.round(sent / seconds),
      payloadMegabytesPerSecond: round2((latencies.length * this.bytesPerBatch) / seconds / 2 ** 20),
      sendLatencyMs: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: round2(sorted.at(-1)!),
      },
      firstSendMs: round2(firstSendMs),
      onTopicAfterwards: onTopic - SEND_BATCH,
      latencies,
    };
  }

  async produceKafkajs(round: number): Promise<ProduceRound> {
    const topic = `${run}-produce-kafkajs-${round}`;
    await this.createTopicKafkajs(topic);
    // KafkaBus's producer, as configured there.
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      return await this.timedSends(round, topic, (batch) =>
        producer.send({ topic, acks: -1, compression: KAFKAJS_COMPRESSION, messages: batch }),
      );
    } finally {
      await producer.disconnect();
    }
  }

  async producePlatformatic(round: number): Promise<ProduceRound> {
    const topic = `${run}-produce-platformatic-${round}`;
    await this.createTopicPlatformatic(topic);
    const producer = new PltProducer({
      clientId: run,
      bootstrapBrokers: this.brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: COMPRESSION,
      autocreateTopics: false,
      // Its default partitioner is not the Java one (see features.partitioner).
      partitioner: compatibilityPartitioner,
    });
    try {
      return await this.timedSends(round, topic, (batch) =>
        producer.send({
          messages: batch.map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })),
        }),
      );
    } finally {
      await producer.close();
    }
  }

  /** The topic every consume round reads: CONSUME_MESSAGES relay messages, written by kafkajs. */
  async fillReadTopic(): Promise<string> {
    const topic = `${run}-read`;
    await this.createTopicKafkajs(topic);
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    for (let i = 0; i < CONSUME_MESSAGES; i += 1000) {
      const messages = Array.from({ length: Math.min(1000, CONSUME_MESSAGES - i) }, (_, j) =>
        relayMessage(i + j),
      );
      await producer.send({ topic, acks: -1, compression: KAFKAJS_COMPRESSION, messages });
    }
    await producer.disconnect();
    const count = await this.countOnTopic(topic);
    if (count !== CONSUME_MESSAGES) throw new Error(`read topic holds ${count} messages`);
    return topic;
  }

  private consumeResult(
    round: number,
    stats: { handled: number; batches: number; malformed: number; seen: Set<string> },
    joinStarted: number,
    first: number | undefined,
    last: number | undefined,
    committedToEnd: boolean,
  ): ConsumeRound {
    const seconds = first !== undefined && last !== undefined ? (last - first) / 1000 : Number.NaN;
    return {
      round,
      messages: stats.handled,
      complete: stats.handled >= CONSUME_MESSAGES,
      joinToFirstMessageMs: first === undefined ? Number.NaN : Math.round(first - joinStarted),
      seconds: round2(seconds),
      messagesPerSecond: Math.round(stats.handled / seconds),
      batches: stats.batches,
      averageBatch: Math.round(stats.handled / Math.max(1, stats.batches)),
      duplicates: stats.handled - stats.seen.size,
      malformed: stats.malformed,
      committedToEnd,
    };
  }

  async consumeKafkajs(round: number, topic: string): Promise<ConsumeRound> {
    const groupId = `${run}-consume-kafkajs-${round}`;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 50,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    const stats = { handled: 0, batches: 0, malformed: 0, seen: new Set<string>() };
    let first: number | undefined;
    let last: number | undefined;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const joinStarted = performance.now();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        first ??= performance.now();
        const messages = batch.messages.map((m) => fromKafkajs(batch.topic, batch.partition, m));
        stats.malformed += handle(messages);
        const lastOffset = batch.messages.at(-1)!.offset;
        resolveOffset(lastOffset);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() },
        ]);
        await heartbeat();
        for (const m of messages) stats.seen.add(`${m.partition}:${m.offset}`);
        stats.handled += messages.length;
        stats.batches++;
        last = performance.now();
        if (stats.handled >= CONSUME_MESSAGES) done();
      },
    });
    await Promise.race([finished, sleep(ROUND_LIMIT_MS)]);
    await consumer.disconnect();
    return this.consumeResult(
      round,
      stats,
      joinStarted,
      first,
      last,
      await this.committedToEnd(groupId, topic),
    );
  }

  async consumePlatformatic(round: number, topic: string): Promise<ConsumeRound> {
    const groupId = `${run}-consume-platformatic-${round}`;
    const consumer = new PltConsumer({
      clientId: run,
      groupId,
      bootstrapBrokers: this.brokers,
      deserializers: stringDeserializers,
      autocommit: false,
      maxWaitTime: 50,
      ...FETCH_SIZES,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    const stats = { handled: 0, batches: 0, malformed: 0, seen: new Set<string>() };
    let first: number | undefined;
    let last: number | undefined;
    const joinStarted = performance.now();
    const deadline = joinStarted + ROUND_LIMIT_MS;
    // fromBeginning: true = the committed offset, or the earliest when the group has none.
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    try {
      while (stats.handled < CONSUME_MESSAGES && performance.now() < deadline) {
        const read = await nextBatch<Pltf>(stream, READ_AT_ONCE, deadline);
        first ??= read.length > 0 ? performance.now() : undefined;
        for (const batch of byPartition(read)) {
          const messages = batch.map(fromPlatformatic);
          stats.malformed += handle(messages);
          await batch.at(-1)!.commit(); // commits offset + 1 of that partition
          for (const m of messages) stats.seen.add(`${m.partition}:${m.offset}`);
          stats.handled += messages.length;
          stats.batches++;
          last = performance.now();
        }
      }
    } finally {
      await stream.close();
      await consumer.close();
    }
    return this.consumeResult(
      round,
      stats,
      joinStarted,
      first,
      last,
      await this.committedToEnd(groupId, topic),
    );
  }

  /**
   * @platformatic/kafka writes the 1000 aggregates' messages through its admin-created topic;
   * kafkajs reads them back: headers intact, and each key on the partition kafkajs would pick.
   */
  async interop() {
    const topic = `${run}-interop`;
    const created = await this.createTopicPlatformatic(topic);
    const producer = new PltProducer({
      clientId: run,
      bootstrapBrokers: this.brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: COMPRESSION,
      partitioner: compatibilityPartitioner,
    });
    const sent = this.messages.slice(0, AGGREGATES);
    let producerId: string | undefined;
    try {
      // Right after createTopics: there is no waitForLeaders option.
      await producer.send({ messages: sent.map((m) => ({ topic, ...m })) });
      producerId = producer.producerId?.toString();
    } finally {
      await producer.close();
    }
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
      offlineReplicas: [],
    }));
    const expectedPartition = (key: string) =>
      partitioner({ topic, partitionMetadata, message: { key, value: null } });
    const byKey = new Map(sent.map((m) => [m.key, m]));
    const consumer = this.kafka.consumer({ groupId: `${run}-interop`, maxWaitTimeInMs: 50 });
    let read = 0;
    let headersDiffer = 0;
    let partitionDiffers = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString() ?? '';
        const original = byKey.get(key);
        if (!original || JSON.stringify(headersOf(message.headers)) !== JSON.stringify(original.headers))
          headersDiffer++;
        if (expectedPartition(key) !== partition) partitionDiffers++;
        if (++read >= sent.length) done();
      },
    });
    await Promise.race([finished, sleep(15_000)]);
    await consumer.disconnect();

    // The three partitioners on the same keys, without the broker.
    const keys = sent.map((m) => m.key);
    const moved = (p: (k: Buffer) => number) =>
      keys.filter((k) => p(Buffer.from(k)) % PARTITIONS !== expectedPartition(k)).length;
    return {
      admin: {
        createTopicsWithConfig:
          created[0]?.partitions === PARTITIONS && created[0]?.configuration['retention.ms'] === '-1',
        produceRightAfterCreate: read > 0,
      },
      idempotentProducerId: producerId,
      kafkajsReadsPlatformaticMessages: { sent: sent.length, read, headersDiffer, partitionDiffers },
      partitioner: {
        keys: keys.length,
        defaultPartitionerKeysOnAnotherPartition: moved((k) => defaultPartitioner({ topic }, k)),
        compatibilityPartitionerKeysOnAnotherPartition: moved((k) => compatibilityPartitioner({ topic }, k)),
      },
      topic,
    };
  }

  /**
   * A first batch that takes HOLD_MS (> the session timeout) to handle, as a slow projection or
   * a long database transaction would; the handler awaits (the event loop is free) and sends no
   * heartbeat of its own. For kafkajs this is KafkaBus's eachBatch as it is (resolve the last
   * offset, commitOffsetsIfNecessary, heartbeat; the runner commits after the batch). Then: did
   * the group evict the member, were messages delivered twice, did the consumer stop?
   */
  async longBatchKafkajs(topic: string) {
    const kafka = new Kafka({ clientId: run, brokers: this.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({
      groupId: `${run}-long-kafkajs`,
      maxWaitTimeInMs: 50,
      sessionTimeout: SHORT_SESSION_MS,
      heartbeatInterval: 1000,
    });
    let joins = 0;
    let held = false;
    let crashed: string | undefined;
    let delivered = 0;
    const seen = new Set<string>();
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joins++;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      crashed = `${payload.error.message} (restart: ${payload.restart})`;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
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
        for (const m of batch.messages) seen.add(`${batch.partition}:${m.offset}`);
        delivered += batch.messages.length;
        if (!held) {
          held = true;
          await sleep(HOLD_MS);
        }
        resolveOffset(batch.messages.at(-1)!.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
    await sleep(HOLD_MS + 8000);
    await consumer.disconnect();
    return {
      sessionTimeoutMs: SHORT_SESSION_MS,
      heldMs: HOLD_MS,
      evictedAndRejoined: joins > 1,
      groupJoins: joins,
      deliveredTwice: delivered - seen.size,
      crashed: crashed ?? false,
    };
  }

  async longBatchPlatformatic(topic: string) {
    const consumer = new PltConsumer({
      clientId: run,
      groupId: `${run}-long-platformatic`,
      bootstrapBrokers: this.brokers,
      deserializers: stringDeserializers,
      autocommit: false,
      maxWaitTime: 50,
      ...FETCH_SIZES,
      sessionTimeout: SHORT_SESSION_MS,
      heartbeatInterval: 1000,
    });
    let joins = 0;
    let heartbeatsDuringHold = 0;
    let heartbeatErrors = 0;
    let holding = false;
    let commitError: string | undefined;
    let delivered = 0;
    const seen = new Set<string>();
    consumer.on('consumer:group:join', () => {
      joins++;
    });
    consumer.on('consumer:heartbeat:end', () => {
      if (holding) heartbeatsDuringHold++;
    });
    consumer.on('consumer:heartbeat:error', () => {
      heartbeatErrors++;
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    const deadline = performance.now() + HOLD_MS + 8000;
    let held = false;
    try {
      while (performance.now() < deadline) {
        const read = await nextBatch<Pltf>(stream, READ_AT_ONCE, deadline);
        for (const batch of byPartition(read)) {
          for (const m of batch) seen.add(`${m.partition}:${m.offset}`);
          delivered += batch.length;
          if (!held) {
            held = holding = true;
            await sleep(HOLD_MS);
            holding = false;
          }
          try {
            await batch.at(-1)!.commit();
          } catch (error) {
            commitError ??= (error as Error).message;
          }
        }
      }
    } finally {
      await stream.close();
      await consumer.close();
    }
    return {
      sessionTimeoutMs: SHORT_SESSION_MS,
      heldMs: HOLD_MS,
      commitAfterHold: commitError === undefined ? 'ok' : `failed: ${commitError}`,
      evictedAndRejoined: joins > 1,
      groupJoins: joins,
      heartbeatsDuringHold,
      heartbeatErrors,
      deliveredTwice: delivered - seen.size,
    };
  }

  /**
   * kafkajs: pause partition 0 from inside its first batch (unresolved), watch the other
   * partitions go on for 3 s, resume, and check partition 0 restarts at the paused batch.
   * @platformatic/kafka has no per-partition pause: MessagesStream.pause() is Readable's.
   */
  async pausePartitionKafkajs(topic: string) {
    const consumer = this.kafka.consumer({ groupId: `${run}-pause-kafkajs`, maxWaitTimeInMs: 50 });
    let pausedAtOffset: string | undefined;
    let resumed = false;
    let whilePaused = 0;
    let otherPartitionsWhilePaused = 0;
    let firstOffsetAfterResume: string | undefined;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, pause, resolveOffset }) => {
        if (batch.messages.length === 0) return;
        if (batch.partition === 0) {
          if (pausedAtOffset === undefined) {
            pausedAtOffset = batch.firstOffset() ?? undefined;
            pause();
            return; // nothing resolved: fetching resumes at this batch
          }
          if (!resumed) whilePaused++;
          else firstOffsetAfterResume ??= batch.firstOffset() ?? undefined;
        } else if (pausedAtOffset !== undefined && !resumed) {
          otherPartitionsWhilePaused += batch.messages.length;
        }
        resolveOffset(batch.lastOffset());
      },
    });
    await sleep(3000);
    resumed = true;
    consumer.resume([{ topic, partitions: [0] }]);
    await sleep(2000);
    await consumer.disconnect();
    return {
      supported:
        pausedAtOffset !== undefined && whilePaused === 0 && firstOffsetAfterResume === pausedAtOffset,
      partition0BatchesWhilePaused: whilePaused,
      otherPartitionsMessagesWhilePaused: otherPartitionsWhilePaused,
      restartedAtPausedOffset: firstOffsetAfterResume === pausedAtOffset,
    };
  }
}

/**
 * @platformatic/kafka's figure over kafkajs's, round by round (the two ran back to back, so a
 * busy moment on the machine weighs on both), and the median of those ratios.
 */
function pairedRatios(kafkajs: number[], platformatic: number[]) {
  const perRound = kafkajs.map((k, i) => round2(platformatic[i]! / k));
  return { perRound, median: round2(median(perRound)) };
}

function summary(produce: ProduceRound[], consume: ConsumeRound[]) {
  const latencies = produce.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    produceMessagesPerSecond: median(produce.map((r) => r.messagesPerSecond)),
    producePayloadMegabytesPerSecond: round2(median(produce.map((r) => r.payloadMegabytesPerSecond))),
    sendLatencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    consumeMessagesPerSecond: median(consume.map((r) => r.messagesPerSecond)),
  };
}

function brokerDescription(brokers: string[]): string {
  if (process.env.KAFKA_BROKERS) return `KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`;
  const pom = readFileSync(join(__dirname, '..', '..', 'infra', 'kafka', 'pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
  return `Apache Kafka ${version}, one KRaft node on this machine (infra/kafka), ${brokers.join(',')}`;
}

export async function kafkaClients(brokers: string[]) {
  if (!KAFKA_COMPRESSIONS.includes(COMPRESSION)) throw new Error(`KAFKA_COMPRESSION=${COMPRESSION}`);
  const pltVersion = installedVersion('@platformatic/kafka', '../package.json');
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 22)) {
    // 2.x calls Promise.withResolvers and declares engines >= 22.22: on Node 20 the first call fails.
    throw new Error(`@platformatic/kafka ${pltVersion} needs Node >= 22.22; this is ${process.version}`);
  }
  const loadBefore = loadavg()[0]!;
  const bench = new Bench(brokers);
  await bench.start();
  try {
    const readTopic = await bench.fillReadTopic();
    const produce: Record<Client, ProduceRound[]> = { kafkajs: [], platformatic: [] };
    const consume: Record<Client, ConsumeRound[]> = { kafkajs: [], platformatic: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? CLIENTS : ([...CLIENTS].reverse() as Client[]);
      for (const client of order) {
        const r =
          client === 'kafkajs' ? await bench.produceKafkajs(round) : await bench.producePlatformatic(round);
        produce[client].push(r);
        console.log(
          `produce ${client} round ${round}: ${r.messagesPerSecond} msg/s, p50 ${r.sendLatencyMs.p50} ms, p99 ${r.sendLatencyMs.p99} ms`,
        );
      }
      for (const client of order) {
        const r =
          client === 'kafkajs'
            ? await bench.consumeKafkajs(round, readTopic)
            : await bench.consumePlatformatic(round, readTopic);
        consume[client].push(r);
        console.log(
          `consume ${client} round ${round}: ${r.messagesPerSecond} msg/s, ${r.batches} batches, complete ${r.complete}`,
        );
      }
    }
    const interop = await bench.interop();
    const longKafkajs = await bench.longBatchKafkajs(interop.topic);
    const longPlatformatic = await bench.longBatchPlatformatic(interop.topic);
    const pause = await bench.pausePartitionKafkajs(readTopic);
    const strip = (rounds: ProduceRound[]) => rounds.map(({ latencies: _, ...r }) => r);
    const result = {
      scenario:
        `kafkajs vs @platformatic/kafka, ${ROUNDS} alternating rounds each, ${PARTITIONS}-partition topics. ` +
        `Produce: idempotent, acks=all, compression ${COMPRESSION} (as KafkaBus), InvoiceIssued relay messages (~${VALUE_BYTES} B JSON, CloudEvents ` +
        `headers, keys over ${AGGREGATES} aggregates) in awaited batches of ${SEND_BATCH}, up to ${PRODUCE_MESSAGES} ` +
        `per round; latency = one batch's send; payload MB/s = uncompressed key, value and headers. Consume: ${CONSUME_MESSAGES} messages from the beginning, ` +
        `new group, each batch parsed then committed explicitly, kafkajs's fetch sizes for both. At most ${ROUND_LIMIT_MS / 1000} s per round.`,
      broker: brokerDescription(brokers),
      // Other processes share this machine's cores; the 1-minute load average around the run.
      loadAverage1m: { before: round2(loadBefore), after: round2(loadavg()[0]!) },
      clients: { kafkajs: installedVersion('kafkajs', 'package.json'), '@platformatic/kafka': pltVersion },
      summary: {
        kafkajs: summary(produce.kafkajs, consume.kafkajs),
        platformatic: summary(produce.platformatic, consume.platformatic),
        platformaticOverKafkajs: {
          produceThroughput: pairedRatios(
            produce.kafkajs.map((r) => r.messagesPerSecond),
            produce.platformatic.map((r) => r.messagesPerSecond),
          ),
          sendLatencyP50: pairedRatios(
            produce.kafkajs.map((r) => r.sendLatencyMs.p50),
            produce.platformatic.map((r) => r.sendLatencyMs.p50),
          ),
          consumeThroughput: pairedRatios(
            consume.kafkajs.map((r) => r.messagesPerSecond),
            consume.platformatic.map((r) => r.messagesPerSecond),
          ),
        },
      },
      produce: { kafkajs: strip(produce.kafkajs), platformatic: strip(produce.platformatic) },
      consume,
      features: {
        ...interop,
        topic: undefined,
        longBatch: { kafkajs: longKafkajs, platformatic: longPlatformatic },
        pausePartition: {
          kafkajs: pause,
          platformatic: {
            supported: false,
            note: 'no per-partition pause/resume in the API; MessagesStream.pause()/resume() (Readable) stops delivery of every partition at once',
          },
        },
      },
    };
    console.log(JSON.stringify(result.summary));
    return result;
  } finally {
    await bench.stop();
  }
}

/** The installed version (@platformatic/kafka exports only dist/index.js, so from beside it). */
function installedVersion(pkg: string, entryToPackageJson: string): string {
  const file = join(dirname(require.resolve(pkg)), entryToPackageJson);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
