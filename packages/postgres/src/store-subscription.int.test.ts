import { setTimeout as sleep } from 'node:timers/promises';
import { NO_STREAM } from '@ar/kernel';
import { Client } from 'pg';
import pino from 'pino';
import { eventually, freshStoreSchema, quietLogger, unique } from '../../../tests/support/infra';
import { AppendNotifier } from './append-notifier';
import { eventStoreMigrations, PostgresEventStore } from './event-store';
import { type OrderedEvent, START } from './global-order';
import { migrate } from './migrations';
import { createSchemaPool } from './pool';
import { StoreSubscription } from './store-subscription';

describe('store subscription', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let notifier: AppendNotifier;
  beforeAll(async () => {
    ctx = await freshStoreSchema('subscription');
    notifier = new AppendNotifier(ctx.databaseUrl);
    await notifier.start();
  });
  afterAll(async () => {
    await notifier.stop();
    await ctx.pool.end();
  });

  /** A reader's own pool that counts the queries made through it. */
  function countingPool(databaseUrl = ctx.databaseUrl, schema = ctx.schema) {
    const pool = createSchemaPool(databaseUrl, schema, { max: 2 });
    const counted = { pool, queries: 0 };
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof query>) => {
      counted.queries++;
      return query(...args);
    }) as typeof pool.query;
    return counted;
  }

  it('waits for an old open transaction with a few queries a second, and delivers once it ends', async () => {
    const store = new PostgresEventStore(ctx.pool, ctx.schema);
    // Any transaction of the cluster that holds an id keeps later events unreadable (global order).
    const old = createSchemaPool(ctx.databaseUrl, 'public', { max: 1 });
    const idle = await old.connect();
    await idle.query('begin');
    await idle.query('select pg_current_xact_id()');

    const reader = countingPool();
    const delivered: OrderedEvent[] = [];
    const subscription = new StoreSubscription({
      name: 'waits-for-old-transaction',
      pool: reader.pool,
      schema: ctx.schema,
      notifier,
      logger: quietLogger,
      loadCheckpoint: async () => START,
      handle: async (events) => {
        delivered.push(...events);
      },
    });
    try {
      await store.appendToStream('invoice-in-flight', [{ type: 'InvoiceIssued', data: {} }], {
        expectedVersion: NO_STREAM,
        metadata: { correlationId: 'c' },
      });
      subscription.start();
      await sleep(2000);
      expect(delivered).toEqual([]);
      expect(reader.queries).toBeLessThan(50); // 2 ms sleeps made it ~800

      await idle.query('commit');
      const ended = performance.now();
      await eventually(async () => (delivered.length > 0 ? true : undefined), 5000, 'the event');
      expect(performance.now() - ended).toBeLessThan(500);
      expect(delivered.map((e) => e.streamId)).toEqual(['invoice-in-flight']);
    } finally {
      await subscription.stop();
      await idle.query('rollback').catch(() => {});
      idle.release();
      await old.end();
      await reader.pool.end();
    }
  });
  it('logs an outage of many failed batches in a few lines, and says when and after how long it recovered', async () => {
    const store = new PostgresEventStore(ctx.pool, ctx.schema);
    await store.appendToStream('invoice-outage', [{ type: 'InvoiceIssued', data: {} }], {
      expectedVersion: NO_STREAM,
      metadata: { correlationId: 'c' },
    });
    const lines: { level: number; msg: string; failures?: number; downMs?: number }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let failing = 8;
    const subscription = new StoreSubscription({
      name: 'broker-outage',
      pool: ctx.pool,
      schema: ctx.schema,
      notifier,
      logger,
      loadCheckpoint: async () => START,
      retryDelayMs: () => 10,
      handle: async () => {
        if (failing-- > 0)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
      },
    });
    subscription.start();
    try {
      await eventually(async () => (failing < 0 ? true : undefined), 10_000, 'the batch handled');
      await subscription.caughtUp();
    } finally {
      await subscription.stop();
    }
    const loud = lines.filter((l) => l.level >= 40);
    // One line when it starts failing (with the error), not one per try.
    expect(loud.map((l) => l.msg)).toEqual(['store subscription batch failed; retrying until it succeeds']);
    expect(lines.find((l) => l.msg === 'store subscription batch recovered')).toMatchObject({
      level: 30,
      failures: 8,
      downMs: expect.any(Number),
    });
  });

  /**
   * Each follower of a store (relay, projections, evidence chain) read it three times a wake-up:
   * the new events, again to find nothing more, then whether any were held back by an open
   * transaction - under the command path's load, a third of the statements a command cost (#17
   * goal 2). One read now says both: the events, and whether any are held back.
   */
  it('reads the store once a wake-up when what it read was all there was', async () => {
    // A database of its own: another session's transaction in the shared one (a test beside it)
    // holds events back, and a reader rightly looks again while it does.
    const admin = new Client({ connectionString: ctx.databaseUrl });
    await admin.connect();
    const database = unique('one_read');
    await admin.query(`create database ${database}`);
    const url = new URL(ctx.databaseUrl);
    url.pathname = `/${database}`;
    const storePool = createSchemaPool(url.toString(), 'store');
    await migrate(storePool, 'store', eventStoreMigrations);
    const store = new PostgresEventStore(storePool, 'store');
    const reader = countingPool(url.toString(), 'store');
    const delivered: string[] = [];
    const subscription = new StoreSubscription({
      name: 'one-read-a-wake-up',
      pool: reader.pool,
      schema: 'store',
      notifier,
      logger: quietLogger,
      loadCheckpoint: async () => START,
      handle: async (events) => {
        delivered.push(...events.map((e) => e.streamId));
      },
    });
    try {
      subscription.start();
      await subscription.caughtUp();
      const before = delivered.length;
      reader.queries = 0;
      for (let i = 0; i < 10; i++) {
        await store.appendToStream(`one-read-${i}`, [{ type: 'Noted', data: { i } }], {
          expectedVersion: NO_STREAM,
          metadata: { correlationId: 'c' },
        });
        const want = before + i + 1;
        await eventually(async () => (delivered.length >= want ? true : undefined), 5000, `event ${i}`);
        await sleep(20);
      }
      expect(delivered.slice(before)).toEqual(Array.from({ length: 10 }, (_, i) => `one-read-${i}`));
      expect(reader.queries).toBe(10);
    } finally {
      await subscription.stop();
      await reader.pool.end();
      await storePool.end();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  });
});
