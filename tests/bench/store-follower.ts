/**
 * A reader of one service's store in a process of its own, as a relay or projection of another
 * process is: for each batch, one stdout line `{"n": events, "at": epoch ms}`.
 * env: DATABASE_URL, SCHEMA
 */
import { AppendNotifier, createSchemaPool, START, StoreSubscription } from '@ar/postgres';
import pino from 'pino';

async function main() {
  const { DATABASE_URL, SCHEMA } = process.env;
  if (!DATABASE_URL || !SCHEMA) throw new Error('DATABASE_URL and SCHEMA are required');
  const notifier = new AppendNotifier(DATABASE_URL);
  await notifier.start();
  const subscription = new StoreSubscription({
    name: 'bench-follower',
    pool: createSchemaPool(DATABASE_URL, SCHEMA, { max: 2 }),
    schema: SCHEMA,
    notifier,
    logger: pino({ level: 'warn' }),
    loadCheckpoint: async () => START,
    handle: async (events) => {
      process.stdout.write(
        `${JSON.stringify({ n: events.length, at: performance.timeOrigin + performance.now() })}\n`,
      );
    },
  });
  subscription.start();
  process.stdout.write('{"ready":true}\n');
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
