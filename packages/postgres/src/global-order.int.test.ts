import { NO_STREAM } from '@ar/kernel';
import { Client, type Pool } from 'pg';
import { testInfra, unique } from '../../../tests/support/infra';
import { eventStoreMigrations, PostgresEventStore } from './event-store';
import { type Checkpoint, lastReadable, readAllAfter, START } from './global-order';
import { migrate } from './migrations';
import { createSchemaPool } from './pool';

const metadata = { correlationId: 'corr-1', causationId: 'cause-1' };
const issued = (n: number) => ({ type: 'InvoiceIssued', data: { n } });

/**
 * A reader waits for transactions that may still write events older than the ones it could read.
 * Only transactions of the store's own database can: one open in another database of the same
 * server (another application, another service's tests, a bulk load) must not hold its readers
 * back. It did (#17 goal 5): the distributed year stalled for minutes at a time on this shared
 * server, each service's /admin/progress timing out while other work held a transaction open.
 */
describe('the global order and transactions of other databases', () => {
  const { databaseUrl } = testInfra();
  const storeDatabase = unique('order_store');
  const otherDatabase = unique('order_other');
  const urlOf = (database: string) => {
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const admin = new Client({ connectionString: databaseUrl });
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    await admin.connect();
    // The store in a database of its own: no one else's transaction there, whatever runs beside.
    await admin.query(`create database ${storeDatabase}`);
    await admin.query(`create database ${otherDatabase}`);
    pool = createSchemaPool(urlOf(storeDatabase), 'store');
    await migrate(pool, 'store', eventStoreMigrations);
    store = new PostgresEventStore(pool, 'store');
  });
  afterAll(async () => {
    await pool.end();
    await admin.query(`drop database if exists ${storeDatabase} with (force)`);
    await admin.query(`drop database if exists ${otherDatabase} with (force)`);
    await admin.end();
  });

  const last = async (): Promise<Checkpoint> => (await lastReadable(pool)) ?? START;

  it('reads what is committed while a transaction in another database holds an older id', async () => {
    const checkpoint = await last();
    const other = new Client({ connectionString: urlOf(otherDatabase) });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select pg_current_xact_id()'); // holds an id older than the append's
      await store.appendToStream('invoice-a', [issued(1)], { expectedVersion: NO_STREAM, metadata });

      const read = await readAllAfter(pool, checkpoint, 100);
      expect(read.map((e) => e.streamId)).toEqual(['invoice-a']);
      expect(await lastReadable(pool)).toEqual(read[0]!.checkpoint);
    } finally {
      await other.query('rollback');
      await other.end();
    }
  });

  it('still waits for a transaction of its own database that holds an older id', async () => {
    const checkpoint = await last();
    const early = await pool.connect();
    try {
      await early.query('begin');
      await early.query('select pg_current_xact_id()'); // may append later, under this older id
      await store.appendToStream('invoice-b', [issued(1)], { expectedVersion: NO_STREAM, metadata });

      expect(await readAllAfter(pool, checkpoint, 100)).toEqual([]);
      expect(await lastReadable(pool)).toEqual(checkpoint.transactionId === '0' ? undefined : checkpoint);

      await store.appendToStream('invoice-c', [issued(1)], { expectedVersion: NO_STREAM, metadata }, early);
      await early.query('commit');
    } finally {
      early.release();
    }
    const read = await readAllAfter(pool, checkpoint, 100);
    expect(read.map((e) => e.streamId)).toEqual(['invoice-c', 'invoice-b']);
  });
});
