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
 * How long one query may take on a service's pool before it fails as unavailable (503 with
 * Retry-After; a consumer retries it): a query already sent to a server that then stops
 * answering (a stuck host, a half-open network) would otherwise wait for TCP, many minutes.
 * Applied twice: the client gives up (pg's `query_timeout`: "Query read timeout"), and the server
 * is told the same `statement_timeout` (57014), so it stops working on what the client gave up
 * on. Long work is not held to it (`longWorkPool`). PG_QUERY_TIMEOUT_MS.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

/** The bounds of a service's pool: connecting (or waiting for a free connection), and each query. */
export function boundedPoolConfig(bounds: {
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
}): PoolConfig {
  const query = bounds.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  return {
    connectionTimeoutMillis: bounds.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: query,
    statement_timeout: query,
  };
}

/**
 * A pool for long work that must not be cut by the query timeout: migrations (one may build an
 * index over a large table, or wait on the advisory lock while another instance migrates), a
 * day job's lock (held, and waited for, while another instance runs the days - a long clock
 * move takes minutes), and projection rebuilds (minutes over a large store; the swap waits for
 * the live model's batch and readers). Connecting is bounded as usual; the queries are not - each
 * is work the platform itself started, not a caller waiting on an answer. Few connections.
 */
export function createLongWorkPool(
  databaseUrl: string,
  schema: string,
  bounds: { connectTimeoutMs?: number } = {},
): Pool {
  return createSchemaPool(databaseUrl, schema, {
    max: 3,
    connectionTimeoutMillis: bounds.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: `ar-${schema}-long-work`,
  });
}

/** pg's own error when a query got no answer within `query_timeout`. */
export function isQueryReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

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
  } catch (error) {
    // The query is still outstanding on this connection: never hand it out again.
    if (isQueryReadTimeout(error)) broken = true;
    throw error;
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
      // After a query timeout a rollback would queue behind the unanswered query and wait as
      // long again: the connection is closed instead, which ends the transaction on the server.
      if (isQueryReadTimeout(error)) markBroken();
      else await client.query('rollback').catch(markBroken);
      throw error;
    }
  });
}
