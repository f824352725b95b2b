import { randomBytes } from 'node:crypto';
import { createSchemaPool, eventStoreMigrations, migrate } from '@ar/postgres';
import pino from 'pino';

/**
 * The servers the global setup started or the env named. Missing means the run is broken:
 * integration tests fail loudly rather than skip.
 */
export function testInfra(): { databaseUrl: string; kafkaBrokers: string[] } {
  const databaseUrl = process.env.DATABASE_URL;
  const brokers = process.env.KAFKA_BROKERS;
  if (!databaseUrl || !brokers) {
    throw new Error(
      'integration tests need DATABASE_URL and KAFKA_BROKERS (pnpm test starts both when unset)',
    );
  }
  return { databaseUrl, kafkaBrokers: brokers.split(',') };
}

/** A name unique to this test run, safe for schemas, topics and consumer groups. */
export function unique(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export async function freshStoreSchema(prefix = 't') {
  const { databaseUrl } = testInfra();
  const schema = unique(prefix);
  const pool = createSchemaPool(databaseUrl, schema);
  await migrate(pool, schema, eventStoreMigrations);
  return { schema, pool, databaseUrl };
}

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
