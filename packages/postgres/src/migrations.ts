import type { Pool } from 'pg';
import { assertSchemaName, inTransaction } from './pool';

export interface Migration {
  /** Unique and stable forever, e.g. `event-store-001`. Applied once, in list order. */
  id: string;
  sql: string;
}

/**
 * Creates the schema and applies the migrations not yet applied, under an advisory lock so
 * several instances starting at once do not race. Services run this at start.
 */
export async function migrate(pool: Pool, schema: string, migrations: Migration[]): Promise<void> {
  assertSchemaName(schema);
  await inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`migrate:${schema}`]);
    await client.query(`create schema if not exists ${schema}`);
    await client.query(`set local search_path = ${schema}`);
    await client.query(
      'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
    );
    const { rows } = await client.query<{ id: string }>('select id from schema_migrations');
    const applied = new Set(rows.map((r) => r.id));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await client.query(migration.sql);
      await client.query('insert into schema_migrations (id) values ($1)', [migration.id]);
    }
  });
}
