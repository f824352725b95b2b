import pino from 'pino';
import { KafkaBus } from './kafka-bus';
import { createKafkaBus, DEFAULT_KAFKA_CLIENT, KafkaClientEnv } from './kafka-client';
import { PlatformaticKafkaBus } from './platformatic-kafka-bus';

describe('the Kafka client of the bus', () => {
  it('is read from KAFKA_CLIENT, with a default, and an unknown one is refused naming the choices', () => {
    expect(KafkaClientEnv.parse({})).toEqual({ client: DEFAULT_KAFKA_CLIENT });
    expect(KafkaClientEnv.parse({ KAFKA_CLIENT: 'kafkajs' })).toEqual({ client: 'kafkajs' });
    expect(KafkaClientEnv.parse({ KAFKA_CLIENT: 'platformatic' })).toEqual({ client: 'platformatic' });
    const result = KafkaClientEnv.safeParse({ KAFKA_CLIENT: 'rdkafka' });
    expect(result.error!.issues[0]!.path).toEqual(['KAFKA_CLIENT']);
    expect(result.error!.issues[0]!.message).toMatch(/kafkajs.*platformatic/);
  });

  it('builds the bus on the chosen client (nothing connects until it is used)', () => {
    const options = { brokers: ['127.0.0.1:1'], clientId: 'unit', logger: pino({ level: 'silent' }) };
    expect(createKafkaBus({ ...options, client: 'kafkajs' })).toBeInstanceOf(KafkaBus);
    expect(createKafkaBus({ ...options, client: 'platformatic' })).toBeInstanceOf(PlatformaticKafkaBus);
  });
});
