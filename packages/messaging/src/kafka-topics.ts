import { TOPICS } from '@ar/contracts';
import { type Admin, ConfigResourceTypes, type ITopicConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { z } from 'zod';

/**
 * How this platform's Kafka topics are made, the same for the provisioning command
 * (`pnpm topics`) and for a service that finds a topic missing (dead-letter topics appear on
 * demand, and a service may start before anyone provisioned).
 */
export interface KafkaSettings {
  /** Keyed by aggregate id, so one entity's events stay in order within its partition. */
  partitions: number;
  replicationFactor: number;
  /** With acks=all, a write is acknowledged once this many replicas have it. */
  minInsyncReplicas: number;
  compression: KafkaCompression;
}

export const KAFKA_COMPRESSIONS = ['none', 'gzip'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** A single local broker's settings; production sets the env (e.g. 3 replicas, 2 in sync). */
export const DEFAULT_KAFKA_SETTINGS: KafkaSettings = {
  partitions: 3,
  replicationFactor: 1,
  minInsyncReplicas: 1,
  compression: 'gzip',
};

const Count = (what: string, fallback: number) =>
  z.coerce
    .number()
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1`)
    .default(fallback);

/** The Kafka settings of the environment, for `loadConfig` (every problem is listed at once). */
export const KafkaEnv = z
  .object({
    KAFKA_PARTITIONS: Count('partitions', DEFAULT_KAFKA_SETTINGS.partitions),
    KAFKA_REPLICATION_FACTOR: Count('replication factor', DEFAULT_KAFKA_SETTINGS.replicationFactor),
    KAFKA_MIN_INSYNC_REPLICAS: Count('min in-sync replicas', DEFAULT_KAFKA_SETTINGS.minInsyncReplicas),
    KAFKA_COMPRESSION: z.enum(KAFKA_COMPRESSIONS).default(DEFAULT_KAFKA_SETTINGS.compression),
  })
  .refine((env) => env.KAFKA_MIN_INSYNC_REPLICAS <= env.KAFKA_REPLICATION_FACTOR, {
    path: ['KAFKA_MIN_INSYNC_REPLICAS'],
    message: 'must not exceed KAFKA_REPLICATION_FACTOR: no acks=all write could ever succeed',
  })
  .transform(
    (env): KafkaSettings => ({
      partitions: env.KAFKA_PARTITIONS,
      replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      minInsyncReplicas: env.KAFKA_MIN_INSYNC_REPLICAS,
      compression: env.KAFKA_COMPRESSION,
    }),
  );

export type TopicSettings = Pick<KafkaSettings, 'partitions' | 'replicationFactor' | 'minInsyncReplicas'>;

export type TopicKind = 'domain events' | 'dead letters';

export interface TopicSpec extends ITopicConfig {
  topic: string;
  kind: TopicKind;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

export function isDeadLetterTopic(topic: string): boolean {
  return topic.includes('.dlq.');
}

/**
 * One topic as it is to be created. Retention is infinite for both kinds: domain events are the
 * record BI loads and services rebuild from, and a parked message waits for a person.
 */
export function topicSpec(topic: string, settings: TopicSettings): TopicSpec {
  return {
    topic,
    kind: isDeadLetterTopic(topic) ? 'dead letters' : 'domain events',
    numPartitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: '-1' },
      { name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) },
    ],
  };
}

/** Every topic of the contracts (`TOPICS`); dead-letter topics are made on demand. */
export function topicPlan(settings: TopicSettings, prefix = ''): TopicSpec[] {
  return Object.values(TOPICS).map((t) => topicSpec(`${prefix}${t}`, settings));
}

/** Errors that no retry mends: the request itself is wrong for this cluster. */
const FATAL = new Set([
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_CONFIG',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REQUEST',
  'POLICY_VIOLATION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
]);

/**
 * The protocol error types in a client's error, through its wrappers and aggregates: kafkajs
 * names them `type`, @platformatic/kafka `apiId` (both use the protocol's names).
 */
function errorTypes(error: unknown, seen = new Set<unknown>()): string[] {
  if (!error || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const e = error as { type?: unknown; apiId?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof e.type === 'string' ? [e.type] : []),
    ...(typeof e.apiId === 'string' ? [e.apiId] : []),
    ...errorTypes(e.cause, seen),
    ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => errorTypes(x, seen)) : []),
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CreateMissingTopicsOptions {
  logger?: Logger;
  /** How long to keep trying, creation and leaders together. */
  timeoutMs?: number;
}

export type TopicOutcome = 'created' | 'existed';

/**
 * What `createMissingTopics` asks of an admin client: kafkajs's `Admin` is one, and the
 * @platformatic/kafka bus adapts its admin to it.
 */
export interface TopicAdmin {
  listTopics(): Promise<string[]>;
  /** One topic at a time here; false (or a TOPIC_ALREADY_EXISTS error) when it already exists. */
  createTopics(options: {
    waitForLeaders: boolean;
    topics: Pick<ITopicConfig, 'topic' | 'numPartitions' | 'replicationFactor' | 'configEntries'>[];
  }): Promise<boolean>;
  fetchTopicMetadata(options: { topics: string[] }): Promise<{
    topics: { name: string; partitions: { leader: number; partitionErrorCode: number }[] }[];
  }>;
}

/**
 * Creates the topics that do not exist and returns once every partition of every topic has a
 * leader, tolerating other clients doing the same at the same time: TOPIC_ALREADY_EXISTS means
 * a concurrent creator won (success), and a topic that exists but has no leader yet (the
 * controller is still electing) is waited for rather than reported. Transient errors are
 * retried until the deadline; a request the cluster can never accept (replication factor above
 * the brokers, bad config) fails at once.
 */
export async function createMissingTopics(
  admin: TopicAdmin,
  specs: TopicSpec[],
  { logger, timeoutMs = 30_000 }: CreateMissingTopicsOptions = {},
): Promise<Map<string, TopicOutcome>> {
  const outcomes = new Map<string, TopicOutcome>();
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  const retryOrThrow = async (what: string, error: unknown) => {
    const types = errorTypes(error);
    const fatal = types.find((t) => FATAL.has(t));
    if (fatal || Date.now() > deadline) {
      throw new Error(`${what}: ${(error as Error).message}${types.length ? ` (${types.join(', ')})` : ''}`, {
        cause: error,
      });
    }
    logger?.debug({ err: error, types }, `${what}; retrying`);
    await sleep(delay);
    delay = Math.min(delay * 2, 1000);
  };

  // Creation: one request per topic, so each answer says who created it.
  for (;;) {
    let existing: Set<string>;
    try {
      existing = new Set(await admin.listTopics());
    } catch (error) {
      await retryOrThrow('listing topics failed', error);
      continue;
    }
    const toCreate = specs.filter((s) => !existing.has(s.topic));
    for (const s of specs)
      if (existing.has(s.topic) && !outcomes.has(s.topic)) outcomes.set(s.topic, 'existed');
    if (toCreate.length === 0) break;
    const results = await Promise.allSettled(
      toCreate.map(({ topic, numPartitions, replicationFactor, configEntries }) =>
        // false (kafkajs) or a TOPIC_ALREADY_EXISTS error (@platformatic/kafka): a concurrent creator won.
        admin.createTopics({
          waitForLeaders: false,
          topics: [{ topic, numPartitions, replicationFactor, configEntries }],
        }),
      ),
    );
    const failed = results.flatMap((r, i) => {
      const topic = toCreate[i]!.topic;
      if (r.status === 'fulfilled') outcomes.set(topic, r.value ? 'created' : 'existed');
      else if (errorTypes(r.reason).includes('TOPIC_ALREADY_EXISTS')) outcomes.set(topic, 'existed');
      else return [{ topic, error: r.reason as unknown }];
      return [];
    });
    if (failed.length === 0) break;
    await retryOrThrow(`creating topic ${failed[0]!.topic} failed`, failed[0]!.error);
  }

  // Readiness: metadata names a leader for every partition (LEADER_NOT_AVAILABLE until then).
  const names = specs.map((s) => s.topic);
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const byName = new Map(topics.map((t) => [t.name, t.partitions]));
      const waiting = names.filter((n) => {
        const partitions = byName.get(n);
        return !partitions?.length || partitions.some((p) => p.leader < 0 || p.partitionErrorCode !== 0);
      });
      if (waiting.length === 0) return outcomes;
      throw Object.assign(new Error(`no leader yet for ${waiting.join(', ')}`), {
        type: 'LEADER_NOT_AVAILABLE',
      });
    } catch (error) {
      await retryOrThrow('waiting for topic leaders', error);
    }
  }
}

export interface TopicState {
  topic: string;
  partitions: number;
  /** The smallest replica count over its partitions. */
  replicationFactor: number;
  config: Record<string, string>;
}

/** What the cluster has for these (existing) topics: partitions, replicas and the planned configs. */
export async function describeTopics(admin: Admin, specs: TopicSpec[]): Promise<TopicState[]> {
  if (specs.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({
      type: ConfigResourceTypes.TOPIC,
      name: s.topic,
      configNames: s.configEntries.map((c) => c.name),
    })),
  });
  return specs.map((s) => {
    const partitions = topics.find((t) => t.name === s.topic)?.partitions ?? [];
    const entries = resources.find((r) => r.resourceName === s.topic)?.configEntries ?? [];
    return {
      topic: s.topic,
      partitions: partitions.length,
      replicationFactor: partitions.length ? Math.min(...partitions.map((p) => p.replicas.length)) : 0,
      config: Object.fromEntries(entries.map((c) => [c.configName, c.configValue])),
    };
  });
}

/** How an existing topic differs from its plan, one sentence per difference; empty when it matches. */
export function topicDifferences(spec: TopicSpec, state: TopicState): string[] {
  const differences: string[] = [];
  if (state.partitions !== spec.numPartitions) {
    differences.push(
      `${state.partitions} partitions, planned ${spec.numPartitions} (not changed here: adding partitions moves keys, and order per key with them)`,
    );
  }
  if (state.replicationFactor !== spec.replicationFactor) {
    differences.push(
      `replication factor ${state.replicationFactor}, planned ${spec.replicationFactor} (needs a partition reassignment)`,
    );
  }
  for (const { name, value } of spec.configEntries) {
    if (state.config[name] !== value) {
      differences.push(`${name}=${state.config[name] ?? '(unset)'}, planned ${value}`);
    }
  }
  return differences;
}

/**
 * A bus's topics made on first use: those not yet known to exist are created (or found) with the
 * bus's settings, each creation logged, then remembered in `known` so later calls cost nothing.
 */
export async function ensureTopicsOnce(
  topics: string[],
  known: Set<string>,
  admin: () => Promise<TopicAdmin> | TopicAdmin,
  settings: KafkaSettings,
  logger: Logger,
): Promise<void> {
  const missing = [...new Set(topics)].filter((t) => !known.has(t));
  if (missing.length === 0) return;
  const outcomes = await createMissingTopics(
    await admin(),
    missing.map((t) => topicSpec(t, settings)),
    { logger },
  );
  const { partitions, replicationFactor, minInsyncReplicas } = settings;
  for (const [topic, outcome] of outcomes)
    if (outcome === 'created')
      logger.info({ topic, partitions, replicationFactor, minInsyncReplicas }, 'topic created');
  for (const t of missing) known.add(t);
}
