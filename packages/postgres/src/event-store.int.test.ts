import { ConcurrencyConflict, NO_STREAM } from '@ar/kernel';
import { Client, type PoolClient } from 'pg';
import { freshStoreSchema, unique } from '../../../tests/support/infra';
import { eventStoreMigrations, PostgresEventStore } from './event-store';
import { readAllAfter, START } from './global-order';
import { migrate } from './migrations';
import { createSchemaPool } from './pool';

const metadata = {
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const issued = (n: number) => ({ type: 'InvoiceIssued', data: { n } });

describe('PostgreSQL event store', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    ctx = await freshStoreSchema('store');
    store = new PostgresEventStore(ctx.pool, ctx.schema);
  });
  afterAll(() => ctx.pool.end());

  it('appends and reads a stream with its metadata', async () => {
    await store.appendToStream('invoice-a', [issued(1), issued(2)], { expectedVersion: NO_STREAM, metadata });
    const { version, events } = await store.readStream('invoice-a');
    expect(version).toBe(2);
    expect(events.map((e) => [e.streamPosition, e.data])).toEqual([
      [1, { n: 1 }],
      [2, { n: 2 }],
    ]);
    expect(events[0]!.metadata).toEqual(metadata);
  });

  it('lets exactly one of many concurrent writers at the same version win', async () => {
    await store.appendToStream('invoice-race', [issued(0)], { expectedVersion: NO_STREAM, metadata });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.appendToStream('invoice-race', [issued(i)], { expectedVersion: 1, metadata }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(7);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(ConcurrencyConflict);
    expect((await store.readStream('invoice-race')).version).toBe(2);
  });

  it('lets exactly one of concurrent creators of a new stream win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        store.appendToStream('invoice-new', [issued(i)], { expectedVersion: NO_STREAM, metadata }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a duplicate event id', async () => {
    await store.appendToStream('invoice-id1', [issued(1)], {
      expectedVersion: NO_STREAM,
      metadata,
      eventIds: ['7f1c7e9e-6b4c-4c1b-9a57-2d4f3c7a0001'],
    });
    await expect(
      store.appendToStream('invoice-id2', [issued(1)], {
        expectedVersion: NO_STREAM,
        metadata,
        eventIds: ['7f1c7e9e-6b4c-4c1b-9a57-2d4f3c7a0001'],
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await store.readStream('invoice-id2')).version).toBe(0);
  });

  it('never lets a reader skip an event whose transaction commits after a later one', async () => {
    const all = await readAllAfter(ctx.pool, START, 10_000);
    const checkpoint = all.at(-1)!.checkpoint;

    // Transaction A appends first (lower position), transaction B appends and commits first.
    const a = await ctx.pool.connect();
    const b = await ctx.pool.connect();
    try {
      await a.query('begin');
      await store.appendToStream('invoice-slow', [issued(1)], { expectedVersion: NO_STREAM, metadata }, a);
      await b.query('begin');
      await store.appendToStream('invoice-fast', [issued(2)], { expectedVersion: NO_STREAM, metadata }, b);
      await b.query('commit');

      const { rows } = await ctx.pool.query(
        'select stream_id from events where global_position > $1 order by global_position',
        [checkpoint.globalPosition],
      );
      expect(rows.map((r) => r.stream_id)).toEqual(['invoice-fast']); // a naive "position > last" reader sees B alone...

      // ...and would move its checkpoint past A's position. Ours waits for A instead.
      expect(await readAllAfter(ctx.pool, checkpoint, 100)).toEqual([]);

      await a.query('commit');
    } finally {
      a.release();
      b.release();
    }
    const after = await readAllAfter(ctx.pool, checkpoint, 100);
    expect(after.map((e) => e.streamId)).toEqual(['invoice-slow', 'invoice-fast']);
  });

  /**
   * A transaction takes its id at its first write, so one that wrote elsewhere first (cash
   * application: the payment's stream; a consumer batch: its inbox row) holds an older id than
   * the transaction that wrote the stream's earlier events. Readers must still see each stream in
   * stream_position order.
   */
  it.each([
    [
      'the payment stream',
      (c: PoolClient) =>
        store.appendToStream(unique('payment'), [issued(0)], { expectedVersion: NO_STREAM, metadata }, c),
    ],
    [
      'an inbox row',
      (c: PoolClient) =>
        c.query("insert into inbox (consumer, event_id) values ('batch', gen_random_uuid())"),
    ],
  ])(
    'gives a stream its events in stream order when a transaction wrote %s before it',
    async (_, firstWrite) => {
      const before = await readAllAfter(ctx.pool, START, 10_000);
      const checkpoint = before.at(-1)!.checkpoint;
      const stream = unique('invoice-inv9');
      const early = await ctx.pool.connect();
      try {
        await early.query('begin');
        await firstWrite(early); // takes its transaction id now
        await store.appendToStream(stream, [issued(1)], { expectedVersion: NO_STREAM, metadata }); // commits
        await store.appendToStream(stream, [issued(2), issued(3)], { expectedVersion: 1, metadata }, early);
        await early.query('commit');
      } finally {
        early.release();
      }
      const after = await readAllAfter(ctx.pool, checkpoint, 1000);
      expect(after.filter((e) => e.streamId === stream).map((e) => e.streamPosition)).toEqual([1, 2, 3]);
    },
  );

  /**
   * Every round trip of an append is time a writer's connection and row locks are held: the
   * expected-version check, the events and the stream's version go in one statement (a
   * server-side function), committed on its own, and the readers' NOTIFY is never part of it.
   */
  it('appends in one statement: no transaction block around it, no NOTIFY in it', async () => {
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      await store.appendToStream('invoice-one-trip', [issued(1)], { expectedVersion: NO_STREAM, metadata });
      await store.appendToStream('invoice-one-trip', [issued(2), issued(3)], {
        expectedVersion: 1,
        metadata,
      });
      const sent = query.mock.calls
        .map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text))
        .filter((text) => !/^select pg_notify/.test(text)); // the signal sent after the commit
      expect(sent).toHaveLength(2);
      for (const text of sent) expect(text).toMatch(/^select append_to_stream\(/);
    } finally {
      query.mockRestore();
    }
    const { version, events } = await store.readStream('invoice-one-trip');
    expect(version).toBe(3);
    expect(events.map((e) => [e.streamPosition, e.data, e.metadata])).toEqual([
      [1, { n: 1 }, metadata],
      [2, { n: 2 }, metadata],
      [3, { n: 3 }, metadata],
    ]);
  });

  it('upgrades a store created before the append function: its streams go on, in order', async () => {
    const schema = unique('store_upgrade');
    const pool = createSchemaPool(ctx.databaseUrl, schema);
    try {
      // The schema and an append as the store wrote them before event-store-006.
      const before = eventStoreMigrations.filter((m) => m.id <= 'event-store-005');
      expect(before).toHaveLength(5);
      await migrate(pool, schema, before);
      await pool.query(
        `with s as (insert into streams (stream_id, version, last_transaction_id)
           values ('invoice-old', 1, pg_current_xact_id()) returning last_transaction_id)
         insert into events (transaction_id, event_id, stream_id, stream_position, event_type, data, metadata)
         select last_transaction_id, gen_random_uuid(), 'invoice-old', 1, 'InvoiceIssued', '{"n":1}', $1 from s`,
        [JSON.stringify(metadata)],
      );

      await migrate(pool, schema, eventStoreMigrations);
      const upgraded = new PostgresEventStore(pool, schema);
      await expect(
        upgraded.appendToStream('invoice-old', [issued(2)], { expectedVersion: NO_STREAM, metadata }),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);
      await upgraded.appendToStream('invoice-old', [issued(2)], { expectedVersion: 1, metadata });
      await upgraded.appendToStream('invoice-new', [issued(1)], { expectedVersion: NO_STREAM, metadata });
      await expect(
        upgraded.appendToStream('invoice-old', [issued(3)], { expectedVersion: 1, metadata }),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);

      expect((await upgraded.readStream('invoice-old')).version).toBe(2);
      const all = await readAllAfter(pool, START, 100);
      expect(all.map((e) => [e.streamId, e.streamPosition])).toEqual([
        ['invoice-old', 1],
        ['invoice-old', 2],
        ['invoice-new', 1],
      ]);
    } finally {
      await pool.query(`drop schema ${schema} cascade`);
      await pool.end();
    }
  });
});
