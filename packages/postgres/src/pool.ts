import { Pool, type PoolClient, type PoolConfig } from 'pg';

export type { PoolClient };

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  return schema;
}

/**
 * How long a pool waits for a connection - to open one, or for one to be free - before the
 * query fails ("timeout exceeded when trying to connect", a transient failure: 503 with
 * Retry-After): a server that accepts and never answers holds nothing longer. PG_CONNECT_TIMEOUT_MS.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * Each service owns one PostgreSQL schema (its event store and read models); the pool's
 * search_path points there, so no SQL names a schema and no service can read another's tables
 * by accident. Tests get a unique schema per run.
 */
export function createSchemaPool(databaseUrl: string, schema: string, extra: PoolConfig = {}): Pool {
  assertSchemaName(schema);
  const pool = new Pool({
    connectionString: databaseUrl,
    max: 10,
    options: `-c search_path=${schema}`,
    application_name: `ar-${schema}`,
    connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
    ...extra,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/**
 * Runs `work` on one connection of the pool (a session: advisory locks, a transaction). A session
 * ended under it (server restart, terminated backend) makes the client emit 'error'; unheard,
 * that would end the process - the query's own rejection says it instead, and the broken
 * connection is closed, not handed out again.
 */
export async function withConnection<R>(
  pool: Pool,
  work: (client: PoolClient, markBroken: () => void) => Promise<R>,
): Promise<R> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client, onError);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function inTransaction<R>(pool: Pool, work: (client: PoolClient) => Promise<R>): Promise<R> {
  return withConnection(pool, async (client, markBroken) => {
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(markBroken);
      throw error;
    }
  });
}
