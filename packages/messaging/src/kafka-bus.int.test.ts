import { setTimeout as sleep } from 'node:timers/promises';
import { type Admin, Kafka, logLevel, Partitioners } from 'kafkajs';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { createKafkaBus, KAFKA_CLIENTS } from './kafka-client';
import type { BusMessage, ConsumedMessage, DeliveryContext, MessageBus } from './message-bus';

/**
 * The MessageBus contract on a real broker, the same for every client the bus can be built on:
 * where keys land, batches per partition in offset order, commits only after the handler,
 * a failed batch delivered again whole, partitions side by side, rebalances and stops.
 */
const PARTITIONS = 3;

const messages = (prefix: string, keys: number, perKey: number): BusMessage[] =>
  Array.from({ length: keys * perKey }, (_, i) => ({
    key: `${prefix}-${i % keys}`,
    value: JSON.stringify({ i, seq: Math.floor(i / keys) }),
    headers: { ce_id: `${prefix}-${i}`, ce_sequence: String(Math.floor(i / keys)) },
  }));

/** kafkajs's partitioner (murmur2, as Java clients): where every client must put a key. */
function javaPartition(topic: string, key: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

interface Call {
  partition: number;
  offsets: number[];
  keys: string[];
  seqs: number[];
}

const callOf = (batch: ConsumedMessage[]): Call => ({
  partition: batch[0]!.partition,
  offsets: batch.map((m) => Number(m.offset)),
  keys: batch.map((m) => m.key),
  seqs: batch.map((m) => (JSON.parse(m.value) as { seq: number }).seq),
});

describe.each(KAFKA_CLIENTS)('Kafka MessageBus on %s', (client) => {
  const { kafkaBrokers } = testInfra();
  let admin: Admin;
  const buses: MessageBus[] = [];
  const bus = (name: string) => {
    const b = createKafkaBus({
      client,
      brokers: kafkaBrokers,
      clientId: unique(name),
      logger: quietLogger,
      partitions: PARTITIONS,
    });
    buses.push(b);
    return b;
  };
  beforeAll(async () => {
    admin = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.allSettled(buses.map((b) => b.close()));
    await admin.disconnect();
  });

  /** The group's committed offset per partition (-1: none). */
  const committed = async (groupId: string, topic: string) => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
  };
  const ends = async (topic: string) =>
    Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));

  it('puts each key on the partition the Java client (and kafkajs) puts it, compressed, headers intact', async () => {
    const b = bus('keys');
    const topic = unique('bus.keys');
    const sent = messages('k', 300, 1);
    await b.publish(topic, sent);
    const received: ConsumedMessage[] = [];
    const reader = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).consumer({
      groupId: unique('keys-reader'),
    });
    await reader.connect();
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key!.toString(),
          value: message.value!.toString(),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    await eventually(async () => (received.length >= sent.length ? true : undefined));
    await reader.disconnect();
    expect(received.filter((m) => m.partition !== javaPartition(topic, m.key))).toEqual([]);
    const byKey = new Map(sent.map((m) => [m.key, m]));
    expect(
      received.filter((m) => JSON.stringify(m.headers) !== JSON.stringify(byKey.get(m.key)!.headers)),
    ).toEqual([]);
  });

  it('hands batches per partition in offset order, commits only after the handler, and delivers a failed batch again whole', async () => {
    const b = bus('batches');
    const topic = unique('bus.batches');
    const groupId = unique('batches');
    const sent = messages('b', 30, 10);
    await b.publish(topic, sent);
    const calls: Call[] = [];
    const failed: Call[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    const subscription = await b.subscribe({
      groupId,
      topics: [topic],
      handleBatch: async (batch) => {
        const call = callOf(batch);
        // The first batch of partition 0 fails once; the first of partition 1 waits to be released.
        if (call.partition === 0 && failed.length === 0) {
          failed.push(call);
          throw new Error('first try fails');
        }
        if (call.partition === 1 && !holding) {
          holding = true;
          await held;
        }
        calls.push(call);
      },
    });
    try {
      await eventually(async () => (holding ? true : undefined));
      // Partition 1's batch is being handled: nothing of it is committed yet.
      await sleep(1500);
      expect((await committed(groupId, topic))[1]).toBe(-1);
      release();
      const end = await ends(topic);
      await eventually(async () => {
        const c = await committed(groupId, topic);
        return [0, 1, 2].every((p) => c[p] === end[p]) ? true : undefined;
      }, 30_000);
    } finally {
      release();
      await subscription.stop();
    }
    // The failed batch came again, from its first message, nothing of it skipped.
    const again = calls.find((c) => c.partition === 0)!;
    expect(again.offsets.slice(0, failed[0]!.offsets.length)).toEqual(failed[0]!.offsets);
    for (const p of [0, 1, 2]) {
      const offsets = calls.filter((c) => c.partition === p).flatMap((c) => c.offsets);
      // Each partition whole, in offset order, each message once (a single member, no rebalance).
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i));
    }
    expect(calls.flatMap((c) => c.offsets)).toHaveLength(sent.length);
    for (const c of calls)
      expect(new Set(c.keys.map((k) => javaPartition(topic, k)))).toEqual(new Set([c.partition]));
  });

  it('goes on with the other partitions while one waits, and a stopped subscription is read on from its commits', async () => {
    const b = bus('side-by-side');
    const topic = unique('bus.side');
    const groupId = unique('side');
    await b.publish(topic, messages('s', 30, 4));
    const handled = new Map<number, number>();
    let stuck: DeliveryContext | undefined;
    const first = await b.subscribe({
      groupId,
      topics: [topic],
      handleBatch: async (batch, context) => {
        if (batch[0]!.partition === 2) {
          // Waits as a consumer retrying a transient failure does, until the partition is taken away.
          stuck = context;
          while (context.isActive()) {
            await context.heartbeat();
            await sleep(50);
          }
          throw new Error('partition revoked');
        }
        handled.set(batch[0]!.partition, (handled.get(batch[0]!.partition) ?? 0) + batch.length);
      },
    });
    const end = await ends(topic);
    await eventually(async () =>
      stuck && handled.get(0) === end[0] && handled.get(1) === end[1] ? true : undefined,
    );
    // Stopping ends the waiting batch (isActive false); partition 2 stays uncommitted.
    await first.stop();
    expect(stuck!.isActive()).toBe(false);
    const c = await committed(groupId, topic);
    expect([c[0], c[1], c[2]]).toEqual([end[0], end[1], -1]);
    // The same group later: partition 2 from the beginning, nothing of 0 and 1 again.
    const again: Call[] = [];
    const second = await b.subscribe({
      groupId,
      topics: [topic],
      handleBatch: async (batch) => {
        again.push(callOf(batch));
      },
    });
    await eventually(async () => (again.flatMap((x) => x.offsets).length >= end[2]! ? true : undefined));
    await sleep(500);
    await second.stop();
    expect(new Set(again.map((x) => x.partition))).toEqual(new Set([2]));
    expect(again.flatMap((x) => x.offsets)).toEqual(Array.from({ length: end[2]! }, (_, i) => i));
  });

  it('shares a group with a second member: partitions move to it, nothing is lost and each key stays in order', async () => {
    const topic = unique('bus.rebalance');
    const groupId = unique('rebalance');
    const producer = bus('rebalance-producer');
    await producer.ensureTopics([topic]);
    const seen = new Map<string, number[]>();
    const members = new Map<string, number>();
    const handler =
      (member: string) =>
      async (batch: ConsumedMessage[], context: DeliveryContext): Promise<void> => {
        for (const _ of batch) {
          await sleep(2); // a handler that takes its time, so a rebalance finds batches under way
          if (!context.isActive()) throw new Error('revoked');
        }
        for (const m of batch) {
          const list = seen.get(m.key) ?? [];
          list.push((JSON.parse(m.value) as { seq: number }).seq);
          seen.set(m.key, list);
        }
        members.set(member, (members.get(member) ?? 0) + batch.length);
      };
    const one = await bus('member-1').subscribe({ groupId, topics: [topic], handleBatch: handler('one') });
    const keys = 20;
    let rounds = 0;
    let roundsAfterTwoJoined = 0;
    const publishing = (async () => {
      // Until the second member has had its share for a while (a kafkajs member rejoins at its
      // next heartbeat, seconds later), at most 300 rounds.
      while (roundsAfterTwoJoined < 20 && rounds < 300) {
        await producer.publish(
          topic,
          Array.from({ length: keys }, (_, k) => ({
            key: `r-${k}`,
            value: JSON.stringify({ seq: rounds }),
            headers: {},
          })),
        );
        rounds++;
        if (members.has('two')) roundsAfterTwoJoined++;
        await sleep(50);
      }
    })();
    await sleep(400);
    const two = await bus('member-2').subscribe({ groupId, topics: [topic], handleBatch: handler('two') });
    await publishing;
    await eventually(
      async () =>
        [...Array(keys).keys()].every((k) => new Set(seen.get(`r-${k}`) ?? []).size === rounds)
          ? true
          : undefined,
      60_000,
    );
    await one.stop();
    await two.stop();
    expect(members.get('one')).toBeGreaterThan(0);
    expect(members.get('two')).toBeGreaterThan(0);
    for (let k = 0; k < keys; k++) {
      // At least once, and in order: a key's first sightings follow its sequence.
      const firstSeen: number[] = [];
      for (const s of seen.get(`r-${k}`)!) if (!firstSeen.includes(s)) firstSeen.push(s);
      expect(firstSeen).toEqual(Array.from({ length: rounds }, (_, i) => i));
    }
  });
});

/**
 * A partition the client stops fetching without an error (seen after a broker restart under
 * load: 24 messages behind for minutes, nothing logged) is found by its lag with nothing read,
 * and the member joins again, which reads on from the last commit.
 */
describe('a partition stalled without an error, on @platformatic/kafka', () => {
  const { kafkaBrokers } = testInfra();
  const bus = createKafkaBus({
    client: 'platformatic',
    brokers: kafkaBrokers,
    clientId: unique('stall'),
    logger: quietLogger,
    partitions: 1,
    stallAfterMs: 3000,
  });
  afterAll(() => bus.close());

  it('is noticed by its lag and read again after the member joins anew', async () => {
    const topic = unique('bus.stall');
    const handled: string[] = [];
    await bus.publish(topic, messages('a', 1, 2));
    const subscription = await bus.subscribe({
      groupId: unique('stall'),
      topics: [topic],
      handleBatch: async (batch) => {
        handled.push(...batch.map((m) => m.headers.ce_id!));
      },
    });
    await eventually(async () => (handled.length === 2 ? true : undefined));
    // What the stall looks like from here: the client hands out nothing more.
    const [consumer] = (bus as unknown as { subscriptions: Set<{ stream: { pause(): void } }> })
      .subscriptions;
    consumer!.stream.pause();
    await bus.publish(topic, messages('b', 1, 3));
    await eventually(async () => (handled.length === 5 ? true : undefined), 30_000);
    expect(handled).toEqual(['a-0', 'a-1', 'b-0', 'b-1', 'b-2']);
    await subscription.stop();
  }, 60_000);
});
