/**
 * One round of the append comparison (`store-appends.ts`), in a process of its own: `WRITERS`
 * concurrent writers append one event each to a new stream for `SECONDS`, through this project's
 * store (`STORE=ar`, a schema of its own) or @event-driven-io/emmett-postgresql (`STORE=emmett`, a
 * database of its own: it keeps its tables in `public`). A process per round because emmett's
 * driver (dumbo) sets pg's type parsers for the whole process (bigint and json), which would change
 * what the other store reads. Both get a pg pool of WRITERS + 2 connections and a warm-up of one
 * append per writer before the clock starts. Prints one JSON line: appends, seconds, latencies.
 * env: DATABASE_URL, STORE, WRITERS, SECONDS
 */
import { randomUUID } from 'node:crypto';
import { NO_STREAM } from '@ar/kernel';
import { createSchemaPool, eventStoreMigrations, migrate, PostgresEventStore } from '@ar/postgres';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';

type Append = (stream: string) => Promise<unknown>;

const metadata = { correlationId: 'bench-store' };

async function ours(url: string, writers: number, id: string) {
  const schema = `bench_appends_${id}`;
  const pool = createSchemaPool(url, schema, { max: writers + 2 });
  await migrate(pool, schema, eventStoreMigrations);
  const store = new PostgresEventStore(pool, schema);
  const append: Append = (stream) =>
    store.appendToStream(stream, [{ type: 'InvoiceIssued', data: { stream } }], {
      expectedVersion: NO_STREAM,
      metadata,
    });
  return {
    append,
    close: async () => {
      await pool.query(`drop schema ${schema} cascade`);
      await pool.end();
    },
  };
}

async function emmett(url: string, writers: number, id: string) {
  const database = `bench_emmett_${id}`;
  const admin = createSchemaPool(url, 'public', { max: 1 });
  await admin.query(`create database ${database}`);
  const target = new URL(url);
  target.pathname = `/${database}`;
  // The same pg Pool as ours (search_path public, where emmett keeps its tables).
  const pool = createSchemaPool(target.toString(), 'public', { max: writers + 2 });
  const store = getPostgreSQLEventStore(target.toString(), { connectionOptions: { pool } });
  await store.schema.migrate();
  const append: Append = (stream) =>
    store.appendToStream(stream, [{ type: 'InvoiceIssued', data: { stream }, metadata }], {
      expectedStreamVersion: STREAM_DOES_NOT_EXIST,
    });
  return {
    append,
    close: async () => {
      await store.close();
      await pool.end();
      await admin.query(`drop database ${database} with (force)`);
      await admin.end();
    },
  };
}

async function main() {
  const { DATABASE_URL, STORE } = process.env;
  const writers = Number(process.env.WRITERS);
  const seconds = Number(process.env.SECONDS);
  if (!DATABASE_URL || (STORE !== 'ar' && STORE !== 'emmett') || !(writers > 0) || !(seconds > 0))
    throw new Error('DATABASE_URL, STORE=ar|emmett, WRITERS and SECONDS are required');
  const id = `${Date.now().toString(36)}_${process.pid}`;
  const { append, close } = await (STORE === 'ar' ? ours : emmett)(DATABASE_URL, writers, id);
  try {
    // Warm-up: every connection opened, every statement prepared.
    await Promise.all(Array.from({ length: writers }, () => append(`invoice-warm-${randomUUID()}`)));
    const latencies: number[] = [];
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < until; i++) {
          const t = performance.now();
          await append(`invoice-w${w}-${i}-${id}`);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify({ appends: latencies.length, elapsedSeconds, latencies })}\n`);
  } finally {
    await close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
