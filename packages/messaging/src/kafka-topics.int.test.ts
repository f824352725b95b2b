import { deadLetterTopic } from '@ar/contracts';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { createKafkaBus } from './kafka-client';
import { describeTopics, topicSpec } from './kafka-topics';

describe('topic provisioning on a real broker', () => {
  const { kafkaBrokers } = testInfra();
  let admin: Admin;
  beforeAll(async () => {
    admin = new Kafka({
      clientId: unique('topics-test'),
      brokers: kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('lets six services cold-starting together create the same topics at once, all with the planned settings', async () => {
    // Not the broker's defaults (1 partition, min.insync.replicas 1), so the test sees the plan applied.
    const settings = { partitions: 5, replicationFactor: 1, minInsyncReplicas: 2 };
    const run = unique('topics.race');
    const events = ['credit', 'contract', 'invoicing', 'collections'].map((s) => `${run}.${s}.events`);
    const topics = [...events, deadLetterTopic(events[2]!, 'reporting.aging')];
    const buses = Array.from({ length: 6 }, (_, i) =>
      createKafkaBus({
        brokers: kafkaBrokers,
        clientId: `${run}.service${i}`,
        logger: quietLogger,
        ...settings,
      }),
    );
    const consumers: Consumer[] = [];
    try {
      // Like services, each needs its own overlapping set of topics, and subscribes as soon as it
      // has them: a consumer meeting a topic without leaders fails ("does not host this
      // topic-partition"), as it did before creation waited for a concurrent creator's topics.
      const results = await Promise.allSettled(
        buses.map(async (bus, i) => {
          const mine = topics.filter((_, j) => (i + j) % 3 !== 0);
          await bus.ensureTopics(mine);
          const consumer = new Kafka({
            clientId: `${run}.c${i}`,
            brokers: kafkaBrokers,
            logLevel: logLevel.NOTHING,
          }).consumer({ groupId: `${run}.g${i}`, allowAutoTopicCreation: false });
          consumers.push(consumer);
          await consumer.connect();
          await consumer.subscribe({ topics: mine, fromBeginning: true });
        }),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

      const states = await describeTopics(
        admin,
        topics.map((t) => topicSpec(t, settings)),
      );
      expect(states).toEqual(
        topics.map((topic) => ({
          topic,
          partitions: 5,
          replicationFactor: 1,
          config: { 'retention.ms': '-1', 'min.insync.replicas': '2' },
        })),
      );
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
      await Promise.all(buses.map((bus) => bus.close()));
    }
  });

  it('publishes from each of six buses right after they raced to create the topic; every message reads back', async () => {
    const topic = unique('topics.race.publish');
    const buses = Array.from({ length: 6 }, (_, i) =>
      createKafkaBus({ brokers: kafkaBrokers, clientId: unique(`publisher${i}`), logger: quietLogger }),
    );
    const consumer = new Kafka({
      clientId: unique('reader'),
      brokers: kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: unique('reader') });
    try {
      // Each bus finds the topic missing, races to create it, then sends at once (gzip by default).
      await Promise.all(
        buses.map((bus, i) =>
          bus.publish(topic, [
            { key: `inv-${i}`, value: JSON.stringify({ i, note: 'x'.repeat(2000) }), headers: {} },
          ]),
        ),
      );
      const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions;
      expect(partitions).toHaveLength(3); // DEFAULT_KAFKA_SETTINGS.partitions

      const seen: number[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const all = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push((JSON.parse(message.value!.toString()) as { i: number }).i);
            if (seen.length === buses.length) resolve();
          },
        });
      });
      await all;
      expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await consumer.disconnect();
      await Promise.all(buses.map((bus) => bus.close()));
    }
  });

  it('fails at once, naming the reason, when the cluster cannot hold the replication factor', async () => {
    const { brokers } = await admin.describeCluster();
    const bus = createKafkaBus({
      brokers: kafkaBrokers,
      clientId: unique('too-many-replicas'),
      logger: quietLogger,
      replicationFactor: brokers.length + 1,
    });
    try {
      const started = Date.now();
      await expect(bus.ensureTopics([unique('topics.rf3')])).rejects.toThrow(/INVALID_REPLICATION_FACTOR/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await bus.close();
    }
  });
});
