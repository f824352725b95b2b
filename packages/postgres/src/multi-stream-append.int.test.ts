import { ConcurrencyConflict, type DomainEvent, NO_STREAM } from '@ar/kernel';
import { Client, type PoolClient } from 'pg';
import { freshStoreSchema } from '../../../tests/support/infra';
import { NOTIFY_CHANNEL } from './append-signal';
import { applyStatements, type InlineProjection, PostgresEventStore } from './event-store';
import { inTransaction } from './pool';

const metadata = (n: number) => ({ correlationId: `corr-${n}`, actor: 'multi' });
const assessed = (n: number) => ({ type: 'PaymentOverdue', data: { n } });

/** Two inline projections: one that says its writes up front, one that only applies them. */
let saidApplied = 0;
const said: InlineProjection = {
  name: 'said',
  apply: async (client, streamId, events) => {
    saidApplied++;
    await applyStatements(client, said.statements!(streamId, events));
  },
  statements: (streamId, events: DomainEvent[]) =>
    events.map((e) => ({
      text: 'insert into said_rows (stream_id, n) values ($1, $2)',
      values: [streamId, (e.data as { n: number }).n],
    })),
};
const applied: InlineProjection = {
  name: 'applied',
  apply: async (client, streamId, events) => {
    await client.query('insert into applied_rows (stream_id, events) values ($1, $2)', [
      streamId,
      events.length,
    ]);
  },
};

/** The store's appends to many streams at once (a day job's chunk, #17 goal 4). */
describe('PostgreSQL event store: appendToStreams', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    ctx = await freshStoreSchema('multi');
    await ctx.pool.query(
      'create table said_rows (stream_id text, n int); create table applied_rows (stream_id text, events int)',
    );
    store = new PostgresEventStore(ctx.pool, ctx.schema, [said, applied]);
  });
  afterAll(() => ctx.pool.end());

  const rows = async (streamIds: string[]) =>
    (
      await ctx.pool.query<{
        stream_id: string;
        stream_position: number;
        global_position: string;
        data: { n: number };
        metadata: { correlationId: string };
        transaction_id: string;
        last_transaction_id: string;
      }>(
        `select e.stream_id, e.stream_position, e.global_position, e.data, e.metadata,
                e.transaction_id::text, s.last_transaction_id::text
           from events e join streams s using (stream_id)
          where e.stream_id = any($1) order by e.global_position`,
        [streamIds],
      )
    ).rows;

  it('stores the streams whose expected version holds, with their positions, order and inline rows, and names the others', async () => {
    // b is at 2 and c exists: an append to b at 1 and one creating c do not hold.
    await store.appendToStream('inv-b', [assessed(1), assessed(2)], {
      expectedVersion: NO_STREAM,
      metadata: metadata(0),
    });
    await store.appendToStream('inv-c', [assessed(1)], { expectedVersion: NO_STREAM, metadata: metadata(0) });
    await store.appendToStream('inv-d', [assessed(1)], { expectedVersion: NO_STREAM, metadata: metadata(0) });
    await ctx.pool.query('truncate said_rows, applied_rows');
    saidApplied = 0;

    const results = await store.appendToStreams([
      {
        streamId: 'inv-z',
        events: [assessed(10), assessed(11)],
        expectedVersion: NO_STREAM,
        metadata: metadata(1),
      },
      { streamId: 'inv-b', events: [assessed(20)], expectedVersion: 1, metadata: metadata(2) },
      {
        streamId: 'inv-d',
        events: [assessed(30), assessed(31), assessed(32)],
        expectedVersion: 1,
        metadata: metadata(3),
      },
      { streamId: 'inv-c', events: [assessed(40)], expectedVersion: NO_STREAM, metadata: metadata(4) },
      { streamId: 'inv-a', events: [assessed(50)], expectedVersion: NO_STREAM, metadata: metadata(5) },
    ]);

    expect(results[0]).toEqual({
      nextExpectedVersion: 2,
      eventIds: [expect.any(String), expect.any(String)],
    });
    expect(results[1]).toBeInstanceOf(ConcurrencyConflict);
    expect(results[1]).toMatchObject({ streamId: 'inv-b', expectedVersion: 1 });
    expect(results[2]).toMatchObject({ nextExpectedVersion: 4 });
    expect(results[3]).toBeInstanceOf(ConcurrencyConflict);
    expect(results[4]).toMatchObject({ nextExpectedVersion: 1 });

    // The events in the order given (not the streams' order), each at its stream's next positions,
    // with its stream's metadata; nothing of the streams that did not hold.
    const stored = (await rows(['inv-z', 'inv-b', 'inv-d', 'inv-c', 'inv-a'])).filter((r) => r.data.n >= 10);
    expect(stored.map((r) => [r.stream_id, r.stream_position, r.data.n, r.metadata.correlationId])).toEqual([
      ['inv-z', 1, 10, 'corr-1'],
      ['inv-z', 2, 11, 'corr-1'],
      ['inv-d', 2, 30, 'corr-3'],
      ['inv-d', 3, 31, 'corr-3'],
      ['inv-d', 4, 32, 'corr-3'],
      ['inv-a', 1, 50, 'corr-5'],
    ]);
    const ids = stored.map((r) =>
      r.stream_id === 'inv-z' ? results[0] : r.stream_id === 'inv-d' ? results[2] : results[4],
    );
    expect(new Set(ids.flatMap((r) => (r as { eventIds: string[] }).eventIds)).size).toBe(6);
    // The order key as append_to_stream sets it: the stream's, never below its previous event's.
    for (const r of stored) expect(r.transaction_id).toBe(r.last_transaction_id);
    expect((await store.readStream('inv-b')).version).toBe(2);
    expect((await store.readStream('inv-c')).version).toBe(1);
    expect((await store.readStream('inv-d')).version).toBe(4);

    // The inline projections took the appended streams' events only, each as its kind says
    // (by its statements when it has them).
    const saidRows = await ctx.pool.query('select stream_id, n from said_rows order by n');
    expect(saidRows.rows).toEqual([
      { stream_id: 'inv-z', n: 10 },
      { stream_id: 'inv-z', n: 11 },
      { stream_id: 'inv-d', n: 30 },
      { stream_id: 'inv-d', n: 31 },
      { stream_id: 'inv-d', n: 32 },
      { stream_id: 'inv-a', n: 50 },
    ]);
    expect(saidApplied).toBe(0);
    const appliedRows = await ctx.pool.query('select stream_id, events from applied_rows order by stream_id');
    expect(appliedRows.rows).toEqual([
      { stream_id: 'inv-a', events: 1 },
      { stream_id: 'inv-d', events: 3 },
      { stream_id: 'inv-z', events: 2 },
    ]);
  });

  it('refuses a stream given twice, and takes appends of no events as they are', async () => {
    await expect(
      store.appendToStreams([
        { streamId: 'inv-twice', events: [assessed(1)], expectedVersion: NO_STREAM, metadata: metadata(1) },
        { streamId: 'inv-twice', events: [assessed(2)], expectedVersion: 1, metadata: metadata(1) },
      ]),
    ).rejects.toThrow(/once per call/);
    expect(
      await store.appendToStreams([
        { streamId: 'inv-none', events: [], expectedVersion: 3, metadata: metadata(1) },
      ]),
    ).toEqual([{ nextExpectedVersion: 3, eventIds: [] }]);
    expect((await store.readStream('inv-twice')).version).toBe(0);
  });

  it('in a transaction: one statement for the appends and the notify, delivered once at commit', async () => {
    const plain = new PostgresEventStore(ctx.pool, ctx.schema);
    const listener = new Client({ connectionString: ctx.databaseUrl });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => {
      if (n.channel === NOTIFY_CHANNEL && n.payload === ctx.schema) heard.push(n.payload);
    });
    await listener.query(`listen ${NOTIFY_CHANNEL}`);
    try {
      let statements = 0;
      await inTransaction(ctx.pool, async (tx: PoolClient) => {
        const query = tx.query.bind(tx) as (...args: unknown[]) => unknown;
        (tx as unknown as { query: unknown }).query = (...args: unknown[]) => {
          statements++;
          return query(...args);
        };
        try {
          const results = await plain.appendToStreams(
            Array.from({ length: 20 }, (_, i) => ({
              streamId: `inv-tx-${i}`,
              events: [assessed(i)],
              expectedVersion: NO_STREAM,
              metadata: metadata(i),
            })),
            tx,
          );
          expect(results.every((r) => !(r instanceof ConcurrencyConflict))).toBe(true);
        } finally {
          (tx as unknown as { query: unknown }).query = query;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(heard).toEqual([]);
      });
      expect(statements).toBe(1);
      const deadline = Date.now() + 5000;
      while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toHaveLength(1);
      expect((await plain.readStream('inv-tx-19')).version).toBe(1);
    } finally {
      await listener.end();
    }
  });

  it('two calls over the same streams in opposite orders each store a stream once, and neither waits on the other for ever', async () => {
    const streams = Array.from({ length: 2000 }, (_, i) => `inv-race-${String(i).padStart(4, '0')}`);
    const call = (order: string[], n: number) =>
      inTransaction(ctx.pool, async (tx) => {
        const results = await store.appendToStreams(
          order.map((streamId) => ({
            streamId,
            events: [assessed(n)],
            expectedVersion: NO_STREAM,
            metadata: metadata(n),
          })),
          tx,
        );
        // Held a moment, so the other call runs into the rows this one claimed.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return results;
      });
    const [first, second] = await Promise.all([call(streams, 1), call([...streams].reverse(), 2)]);
    const won = new Map<string, number>();
    first.forEach((r, i) => {
      if (!(r instanceof ConcurrencyConflict)) won.set(streams[i]!, (won.get(streams[i]!) ?? 0) + 1);
    });
    [...second].reverse().forEach((r, i) => {
      if (!(r instanceof ConcurrencyConflict)) won.set(streams[i]!, (won.get(streams[i]!) ?? 0) + 1);
    });
    expect(streams.map((s) => won.get(s))).toEqual(streams.map(() => 1));
    const stored = await rows(streams);
    expect(stored).toHaveLength(2000);
  });
});
