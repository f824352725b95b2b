/**
 * A relay alone in a process, under its lease as a service runs it, so a test can kill -9 it
 * mid-work, start it again, or run two and see one publish. Prints `relay started`, then
 * `lease taken` when it becomes the owner.
 * env: DATABASE_URL, KAFKA_BROKERS, SCHEMA, TOPIC (and KAFKA_CLIENT, as services read it)
 */
import { createKafkaBus, Relay } from '@ar/messaging';
import { AppendNotifier, createSchemaPool, Leases } from '@ar/postgres';
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
  const bus = createKafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'relay-under-test', logger });
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
  const leases = new Leases({ databaseUrl: DATABASE_URL, logger, retryMs: 250 });
  leases.add({
    name: `${SCHEMA}:${relay.checkpointName}`,
    start: () => {
      process.stdout.write('lease taken\n');
      relay.start();
    },
    stop: () => relay.stop(),
  });
  await leases.start();
  process.stdout.write('relay started\n');
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
