/**
 * `pnpm topics`: creates every topic of the contracts with the configured settings, and checks
 * the ones that exist (dead-letter topics included) against them; prints what it did.
 * `pnpm topics --check` creates nothing and only reports. Exit code 1 when a topic is missing
 * (with --check) or differs from the plan: a difference is reported, never changed here.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 KAFKA_REPLICATION_FACTOR=3 KAFKA_MIN_INSYNC_REPLICAS=2 pnpm topics
 */
import { parseArgs } from 'node:util';
import {
  createMissingTopics,
  describeTopics,
  isDeadLetterTopic,
  KafkaEnv,
  type TopicSpec,
  topicDifferences,
  topicPlan,
  topicSpec,
} from '@ar/messaging';
import { DistributedServiceEnv, loadConfig } from '@ar/platform';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';

const Env = z
  .object({
    KAFKA_BROKERS: DistributedServiceEnv.shape.KAFKA_BROKERS,
    TOPIC_PREFIX: DistributedServiceEnv.shape.TOPIC_PREFIX,
  })
  .and(KafkaEnv);

async function main(): Promise<number> {
  const { values: args } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const env = loadConfig(Env);
  const plan = topicPlan(env, env.TOPIC_PREFIX);

  const kafka = new Kafka({
    clientId: 'ar-topics',
    brokers: env.KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers, clusterId } = await admin.describeCluster();
    console.log(
      `Kafka ${env.KAFKA_BROKERS.join(',')} (cluster ${clusterId}, ${brokers.length} broker(s)); planned: ` +
        `${env.partitions} partitions, replication factor ${env.replicationFactor}, ` +
        `min.insync.replicas ${env.minInsyncReplicas}, retention infinite; producers compress with ${env.compression}`,
    );

    const existing = new Set(await admin.listTopics());
    // Dead-letter topics are made on demand by the consumer that parks a message; those that
    // exist are held to the same plan.
    const deadLetters = [...existing]
      .filter((t) => isDeadLetterTopic(t) && plan.some((p) => t.startsWith(`${p.topic}.dlq.`)))
      .sort()
      .map((t) => topicSpec(t, env));
    const specs: TopicSpec[] = [...plan, ...deadLetters];

    const missing = specs.filter((s) => !existing.has(s.topic));
    const created = new Set<string>();
    if (!args.check && missing.length > 0) {
      const outcomes = await createMissingTopics(admin, missing);
      for (const [topic, outcome] of outcomes) if (outcome === 'created') created.add(topic);
    }
    const present = args.check ? specs.filter((s) => existing.has(s.topic)) : specs;
    const states = new Map((await describeTopics(admin, present)).map((s) => [s.topic, s]));

    let problems = 0;
    const width = Math.max(...specs.map((s) => s.topic.length));
    for (const spec of specs) {
      const state = states.get(spec.topic);
      const name = spec.topic.padEnd(width);
      if (!state) {
        problems++;
        console.log(`  missing   ${name}  (${spec.kind})`);
        continue;
      }
      const shape =
        `${state.partitions} partitions x ${state.replicationFactor} replica(s), ` +
        Object.entries(state.config)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
      const differences = topicDifferences(spec, state);
      const what = created.has(spec.topic) ? 'created' : differences.length ? 'DIFFERS' : 'ok';
      console.log(`  ${what.padEnd(8)}  ${name}  ${shape}  (${spec.kind})`);
      for (const d of differences) console.log(`            - ${d}`);
      if (differences.length) problems++;
    }
    console.log(
      problems === 0
        ? `${specs.length} topic(s) as planned (${created.size} created).`
        : `${problems} topic(s) not as planned${args.check ? '' : ' (existing topics are reported, not changed)'}.`,
    );
    return problems === 0 ? 0 : 1;
  } finally {
    await admin.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
