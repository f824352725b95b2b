import { deadLetterTopic, TOPICS } from '@ar/contracts';
import type { ServiceContext, ServiceDefinition, TopicKey } from './service';

/**
 * Least privilege on the broker (issue 15 item 6): what each service's Kafka user may do, derived
 * from the service definitions - the topic its relay publishes, the evidence topic every service
 * publishes its checkpoints to, the topics its consumers read - so a new consumer is granted what
 * it reads and nothing else. `infra/kafka/provision-access.ts` (`pnpm kafka:access`) applies it.
 */
export type KafkaOperation = 'READ' | 'WRITE' | 'CREATE' | 'DESCRIBE';

export interface KafkaAcl {
  /** The service's Kafka user, `User:<service name>`. */
  principal: string;
  resource: 'topic' | 'group';
  /** LITERAL: that name; PREFIXED: every name starting with it. */
  pattern: 'LITERAL' | 'PREFIXED';
  name: string;
  operations: KafkaOperation[];
  /** Why it is granted, for people reading the plan. */
  why: string;
}

export interface KafkaAccessOptions {
  topicPrefix?: string;
  groupPrefix?: string;
}

/** A consumer as declared: its name and the topics it reads (what the ACLs are made from). */
export interface DeclaredConsumer {
  name: string;
  topics: TopicKey[];
}

/**
 * The consumers a service declares. `consumers(ctx)` builds their handlers from the running
 * service's context; only names and topics are read here, so a context every member of which is
 * an inert stand-in will do (nothing is called on it until a message arrives).
 */
export function declaredConsumers(def: ServiceDefinition): DeclaredConsumer[] {
  const inert: unknown = new Proxy(() => inert, {
    get: (_target, property) => (property === 'then' ? undefined : inert),
  });
  return (def.consumers?.(inert as ServiceContext) ?? []).map((c) => ({ name: c.name, topics: c.topics }));
}

export function kafkaAccessPlan(
  services: ServiceDefinition[],
  { topicPrefix = '', groupPrefix = '' }: KafkaAccessOptions = {},
): KafkaAcl[] {
  const topic = (key: TopicKey) => `${topicPrefix}${TOPICS[key]}`;
  return services.flatMap((def) => {
    const principal = `User:${def.name}`;
    const acl = (a: Omit<KafkaAcl, 'principal'>): KafkaAcl => ({ principal, ...a });
    const consumers = declaredConsumers(def);
    const read = [...new Set(consumers.flatMap((c) => c.topics))].sort();
    return [
      ...(def.publishes
        ? [
            acl({
              resource: 'topic',
              pattern: 'LITERAL',
              name: topic(def.publishes),
              operations: ['WRITE', 'DESCRIBE'],
              why: 'its relay publishes its events',
            }),
          ]
        : []),
      acl({
        resource: 'topic',
        pattern: 'LITERAL',
        name: topic('evidence'),
        operations: ['WRITE', 'DESCRIBE'],
        why: 'its evidence checkpoints',
      }),
      ...read.map((key) =>
        acl({
          resource: 'topic',
          pattern: 'LITERAL',
          name: topic(key),
          operations: ['READ', 'DESCRIBE'],
          why: `read by ${consumers
            .filter((c) => c.topics.includes(key))
            .map((c) => c.name)
            .join(', ')}`,
        }),
      ),
      // Dead-letter topics are made on demand, one per topic and consumer: `<topic>.dlq.<service>.<consumer>`.
      ...read.map((key) =>
        acl({
          resource: 'topic',
          pattern: 'PREFIXED',
          name: deadLetterTopic(topic(key), `${def.name}.`),
          operations: ['CREATE', 'WRITE', 'DESCRIBE'],
          why: 'its consumers park what they cannot handle',
        }),
      ),
      ...(consumers.length > 0
        ? [
            acl({
              resource: 'group',
              pattern: 'PREFIXED',
              name: `${groupPrefix}${def.name}.`,
              operations: ['READ', 'DESCRIBE'],
              why: 'its consumer groups, `<service>.<consumer>`',
            }),
          ]
        : []),
    ];
  });
}
