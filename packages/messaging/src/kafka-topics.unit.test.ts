import { TOPICS } from '@ar/contracts';
import { DEFAULT_KAFKA_SETTINGS, KafkaEnv, topicDifferences, topicPlan, topicSpec } from './kafka-topics';

describe('Kafka settings from the environment', () => {
  it('defaults to a single local broker: 3 partitions, 1 replica, 1 in sync, gzip', () => {
    expect(KafkaEnv.parse({})).toEqual(DEFAULT_KAFKA_SETTINGS);
    expect(DEFAULT_KAFKA_SETTINGS).toEqual({
      partitions: 3,
      replicationFactor: 1,
      minInsyncReplicas: 1,
      compression: 'gzip',
    });
  });

  it('reads production settings', () => {
    const env = {
      KAFKA_PARTITIONS: '12',
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
      KAFKA_COMPRESSION: 'none',
    };
    expect(KafkaEnv.parse(env)).toEqual({
      partitions: 12,
      replicationFactor: 3,
      minInsyncReplicas: 2,
      compression: 'none',
    });
  });

  it('names every problem: a count that is not a whole positive number, an unknown codec', () => {
    const result = KafkaEnv.safeParse({
      KAFKA_PARTITIONS: '0',
      KAFKA_REPLICATION_FACTOR: '1.5',
      KAFKA_COMPRESSION: 'zip',
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'KAFKA_COMPRESSION',
      'KAFKA_PARTITIONS',
      'KAFKA_REPLICATION_FACTOR',
    ]);
  });

  it('refuses more in-sync replicas than replicas: no acks=all write could succeed', () => {
    const result = KafkaEnv.safeParse({ KAFKA_REPLICATION_FACTOR: '2', KAFKA_MIN_INSYNC_REPLICAS: '3' });
    expect(result.error!.issues).toEqual([
      expect.objectContaining({
        path: ['KAFKA_MIN_INSYNC_REPLICAS'],
        message: expect.stringMatching(/must not exceed/),
      }),
    ]);
  });
});

describe('topic plan', () => {
  const settings = { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 };

  it('holds every topic of the contracts, prefixed, with infinite retention and the settings', () => {
    const plan = topicPlan(settings, 'staging.');
    expect(plan.map((t) => t.topic)).toEqual(Object.values(TOPICS).map((t) => `staging.${t}`));
    for (const t of plan) {
      expect(t).toMatchObject({ kind: 'domain events', numPartitions: 6, replicationFactor: 3 });
      expect(t.configEntries).toEqual([
        { name: 'retention.ms', value: '-1' },
        { name: 'min.insync.replicas', value: '2' },
      ]);
    }
  });

  it('makes dead-letter topics like the others, known by their name', () => {
    expect(topicSpec('ar.invoicing.events.v1.dlq.reporting.aging', settings)).toMatchObject({
      kind: 'dead letters',
      numPartitions: 6,
      replicationFactor: 3,
    });
  });

  it('reports each way an existing topic differs from its plan, and nothing when it matches', () => {
    const spec = topicSpec('ar.credit.events.v1', settings);
    const matching = {
      topic: spec.topic,
      partitions: 6,
      replicationFactor: 3,
      config: { 'retention.ms': '-1', 'min.insync.replicas': '2' },
    };
    expect(topicDifferences(spec, matching)).toEqual([]);
    expect(
      topicDifferences(spec, {
        ...matching,
        partitions: 3,
        replicationFactor: 1,
        config: { 'retention.ms': '604800000', 'min.insync.replicas': '1' },
      }),
    ).toEqual([
      expect.stringMatching(/^3 partitions, planned 6/),
      expect.stringMatching(/^replication factor 1, planned 3/),
      'retention.ms=604800000, planned -1',
      'min.insync.replicas=1, planned 2',
    ]);
  });
});
