/**
 * A relay alone in a process, so a test can kill -9 it mid-work and start it again.
 * env: DATABASE_URL, KAFKA_BROKERS, SCHEMA, TOPIC
 */
import { KafkaBus, Relay } from '@ar/messaging';
import { AppendNotifier, createSchemaPool } from '@ar/postgres';
import pino from 'pino';

async function main() {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const [DATABASE_URL, KAFKA_BROKERS, SCHEMA, TOPIC] = [
    'DATABASE_URL',
    'KAFKA_BROKERS',
    'SCHEMA',
    'TOPIC',
  ].map(env) as [string, string, string, string];
  const logger = pino({ level: 'warn' });
  const pool = createSchemaPool(DATABASE_URL, SCHEMA);
  const notifier = new AppendNotifier(DATABASE_URL);
  await notifier.start();
  const bus = new KafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'relay-under-test', logger });
  const relay = new Relay({
    service: 'invoicing',
    topic: TOPIC,
    pool,
    schema: SCHEMA,
    bus,
    notifier,
    logger,
    batchSize: 25,
  });
  relay.start();
  process.stdout.write('relay started\n');
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
