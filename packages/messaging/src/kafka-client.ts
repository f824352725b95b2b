import { z } from 'zod';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import type { MessageBus } from './message-bus';
import { PlatformaticKafkaBus } from './platformatic-kafka-bus';

/** The Kafka clients a MessageBus can be built on; both keep the same guarantees. */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClient = (typeof KAFKA_CLIENTS)[number];
/**
 * @platformatic/kafka: the relay's publish at ~1.9x kafkajs's throughput and half its latency,
 * heartbeats on a timer (README, Benchmarks); kafkajs stays selectable.
 */
export const DEFAULT_KAFKA_CLIENT: KafkaClient = 'platformatic';

/** `KAFKA_CLIENT=kafkajs|platformatic`, for `loadConfig` (spread into `createKafkaBus`'s options). */
export const KafkaClientEnv = z
  .object({ KAFKA_CLIENT: z.enum(KAFKA_CLIENTS).default(DEFAULT_KAFKA_CLIENT) })
  .transform((env) => ({ client: env.KAFKA_CLIENT }));

export interface CreateKafkaBusOptions extends KafkaBusOptions {
  /** Which client; `KAFKA_CLIENT` from the environment when not given. */
  client?: KafkaClient;
}

/** The Kafka MessageBus on the chosen client: KafkaBus (kafkajs) or PlatformaticKafkaBus. */
export function createKafkaBus({ client, ...options }: CreateKafkaBusOptions): MessageBus {
  const chosen = client ?? KafkaClientEnv.parse(process.env).client;
  return chosen === 'platformatic' ? new PlatformaticKafkaBus(options) : new KafkaBus(options);
}
