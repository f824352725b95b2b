import { ConcurrencyConflict, type Decider, type EventStore, RuleViolation } from '@ar/kernel';
import { inTransaction, PostgresEventStore } from '@ar/postgres';
import type { PoolClient } from 'pg';
import { freshStoreSchema } from '../../../tests/support/infra';
import { aggregate, StoredEventInvalid, type StoredEventSchema } from './aggregate';
import { BusinessClock } from './business-clock';
import type { ServiceContext } from './service';

type Event = { type: 'Counted'; data: { n: number } } | { type: 'Closed'; data: { n: number } };
type State = { count: number; closed: boolean };
type Command = { type: 'Count'; data: { by: number } };

/** A counter: Count adds events (none when by is 0), refused once closed. */
const counter: Decider<Command, Event, State> = {
  initialState: () => ({ count: 0, closed: false }),
  evolve: (state, event) =>
    event.type === 'Closed' ? { ...state, closed: true } : { ...state, count: state.count + 1 },
  decide: (command, state) => {
    if (state.closed) throw new RuleViolation('COUNTER_CLOSED', 'closed');
    return Array.from({ length: command.data.by }, (_, i) => ({
      type: 'Counted' as const,
      data: { n: state.count + i + 1 },
    }));
  },
};

const storedEvents: Record<string, StoredEventSchema> = {
  Counted: {
    safeParse: (data: unknown) =>
      typeof (data as { n?: unknown }).n === 'number'
        ? { success: true }
        : { success: false, error: { issues: [{ path: ['n'], message: 'a number' }] } },
  },
};

/**
 * executeEach in a transaction (the overdue clock's chunk, #17 goal 4): every command decided on
 * its stream as read with the others, their appends made in one call on a store that appends to
 * many streams; each id's outcome, metric and refusal as the stream-by-stream path has them.
 */
describe('aggregate executeEach in a transaction', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  beforeAll(async () => {
    ctx = await freshStoreSchema('each');
  });
  afterAll(() => ctx.pool.end());

  /** The same book in its own category: a counter at 2, one closed, one unreadable, one written meanwhile. */
  async function run(category: string, store: EventStore<PoolClient>) {
    const seed = new PostgresEventStore(ctx.pool, ctx.schema);
    const metadata = { correlationId: `each-${category}` };
    await seed.appendToStream(
      `${category}-two`,
      [
        { type: 'Counted', data: { n: 1 } },
        { type: 'Counted', data: { n: 2 } },
      ],
      { expectedVersion: 0, metadata },
    );
    await seed.appendToStream(`${category}-closed`, [{ type: 'Closed', data: { n: 0 } }], {
      expectedVersion: 0,
      metadata,
    });
    await seed.appendToStream(`${category}-bad`, [{ type: 'Counted', data: { n: 'x' } }], {
      expectedVersion: 0,
      metadata,
    });
    await seed.appendToStream(`${category}-raced`, [{ type: 'Counted', data: { n: 1 } }], {
      expectedVersion: 0,
      metadata,
    });
    const counted: string[] = [];
    const calls = { appendToStream: 0, appendToStreams: 0 };
    // Another writer appends to `raced` after the chunk read it, before the chunk's appends.
    const racing: EventStore<PoolClient> = {
      readStream: (streamId, tx) => store.readStream(streamId, tx),
      appendToStream: async (streamId, events, options, tx) => {
        calls.appendToStream++;
        if (streamId === `${category}-raced`) await race();
        return store.appendToStream(streamId, events, options, tx);
      },
      ...(store.appendToStreams && {
        appendToStreams: async (appends, tx) => {
          calls.appendToStreams++;
          await race();
          return store.appendToStreams!(appends, tx);
        },
      }),
    };
    const race = () =>
      seed.appendToStream(`${category}-raced`, [{ type: 'Counted', data: { n: 2 } }], {
        expectedVersion: 1,
        metadata,
      });
    const counters = aggregate(
      {
        store: racing,
        pool: ctx.pool,
        clock: new BusinessClock('2026-11-02'),
        metrics: { commands: { inc: (labels: { outcome: string }) => counted.push(labels.outcome) } },
      } as unknown as ServiceContext,
      {
        category,
        decider: counter,
        exists: (state): state is State => state !== undefined,
        notFound: () => new Error('none') as never,
        storedEvents,
      },
    );
    const ids = ['two', 'new', 'closed', 'zero', 'bad', 'raced'];
    const outcomes = await inTransaction(ctx.pool, (tx) =>
      counters.executeEach(ids, (id) => ({ type: 'Count', data: { by: id === 'zero' ? 0 : 2 } }), {
        metadata,
        tx,
      }),
    );
    const versions: Record<string, number> = {};
    for (const id of ids) versions[id] = (await seed.readStream(`${category}-${id}`)).version;
    return {
      calls,
      counted,
      versions,
      outcomes: outcomes.map(({ id, result, error }) => ({
        id,
        ...(result && {
          version: result.version,
          newEvents: result.newEvents,
          state: result.state,
          streamId: result.streamId.replace(category, 'c'),
        }),
        ...(error !== undefined && {
          error: (error as Error).constructor.name,
          ...(error instanceof ConcurrencyConflict && { expectedVersion: error.expectedVersion }),
        }),
      })),
    };
  }

  it('decides every id, appends them in one call, and ends each as the stream-by-stream path does', async () => {
    const store = new PostgresEventStore(ctx.pool, ctx.schema);
    // The same store without appendToStreams: today's path, one append per id.
    const oneByOne: EventStore<PoolClient> = {
      readStream: (streamId, tx) => store.readStream(streamId, tx),
      appendToStream: (streamId, events, options, tx) => store.appendToStream(streamId, events, options, tx),
    };
    const together = await run('together', store);
    const apart = await run('apart', oneByOne);

    expect(together.calls).toEqual({ appendToStream: 0, appendToStreams: 1 });
    expect(apart.calls).toEqual({ appendToStream: 3, appendToStreams: 0 });
    expect(together.outcomes).toEqual(apart.outcomes);
    // The same metric per command (counted as each ends: those appended last, together).
    expect([...together.counted].sort()).toEqual([...apart.counted].sort());
    expect(together.versions).toEqual(apart.versions);
    expect(together.outcomes).toEqual([
      {
        id: 'two',
        streamId: 'c-two',
        version: 4,
        newEvents: [
          { type: 'Counted', data: { n: 3 } },
          { type: 'Counted', data: { n: 4 } },
        ],
        state: { count: 4, closed: false },
      },
      {
        id: 'new',
        streamId: 'c-new',
        version: 2,
        newEvents: [
          { type: 'Counted', data: { n: 1 } },
          { type: 'Counted', data: { n: 2 } },
        ],
        state: { count: 2, closed: false },
      },
      { id: 'closed', error: 'RuleViolation' },
      { id: 'zero', streamId: 'c-zero', version: 0, newEvents: [], state: { count: 0, closed: false } },
      { id: 'bad', error: StoredEventInvalid.name },
      { id: 'raced', error: 'ConcurrencyConflict', expectedVersion: 1 },
    ]);
    expect([...together.counted].sort()).toEqual([
      'accepted',
      'accepted',
      'conflict',
      'conflict',
      'rejected',
      'unchanged',
    ]);
    // The raced stream holds the other writer's event only; the others their commands'.
    expect(together.versions).toEqual({ two: 4, new: 2, closed: 1, zero: 0, bad: 1, raced: 2 });
  });
  it('reads each stream from its snapshot and the events after it, and keeps the snapshots of those that read enough', async () => {
    const store = new PostgresEventStore(ctx.pool, ctx.schema);
    const metadata = { correlationId: 'each-snapshots' };
    const counters = aggregate(
      { store, pool: ctx.pool, clock: new BusinessClock('2026-11-02') } as unknown as ServiceContext,
      {
        category: 'snap',
        decider: counter,
        exists: (state): state is State => state !== undefined,
        notFound: () => new Error('none') as never,
        storedEvents,
        snapshots: { version: 1, revive: (json) => json as State, every: 2 },
      },
    );
    const counted = (n: number) => ({ type: 'Counted' as const, data: { n } });
    await store.appendToStream('snap-long', [counted(1), counted(2), counted(3)], {
      expectedVersion: 0,
      metadata,
    });
    await counters.load('long'); // 3 events read: its snapshot at 3
    // A mark only a read from the snapshot can show: the snapshot says 100 where the events say 3.
    await ctx.pool.query(
      `update snapshots set state = jsonb_set(state, '{count}', '100') where stream_id = 'snap-long'`,
    );
    await store.appendToStream('snap-long', [counted(4), counted(5)], { expectedVersion: 3, metadata });
    await store.appendToStream('snap-two', [counted(1), counted(2)], { expectedVersion: 0, metadata });
    await store.appendToStream('snap-one', [counted(1)], { expectedVersion: 0, metadata });
    await store.appendToStream('snap-bad', [{ type: 'Counted', data: { n: 'x' } } as never], {
      expectedVersion: 0,
      metadata,
    });

    const ids = ['long', 'two', 'one', 'new', 'bad'];
    const statements: string[] = [];
    const outcomes = await inTransaction(ctx.pool, (tx) => {
      const query = tx.query.bind(tx);
      tx.query = ((text: string | { text: string }, ...rest: unknown[]) => {
        statements.push(typeof text === 'string' ? text : text.text);
        return (query as (...args: unknown[]) => unknown)(text, ...rest);
      }) as typeof tx.query;
      return counters
        .executeEach(ids, () => ({ type: 'Count', data: { by: 1 } }), { metadata, tx })
        .finally(() => {
          tx.query = query;
        });
    });
    // One read of the five streams with their snapshots, one statement keeping two, one append of four.
    expect(statements.map((q) => q.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'select s.stream_id, s.version',
      'insert into snapshots',
      'with c as', // append_to_streams
    ]);
    expect(
      outcomes.map(({ id, result, error }) => ({
        id,
        ...(result && { version: result.version, count: (result.state as State).count }),
        ...(error !== undefined && { error: (error as Error).constructor.name }),
      })),
    ).toEqual([
      { id: 'long', version: 6, count: 103 }, // 100 from the snapshot, 2 events after it, 1 new
      { id: 'two', version: 3, count: 3 },
      { id: 'one', version: 2, count: 2 },
      { id: 'new', version: 1, count: 1 },
      { id: 'bad', error: StoredEventInvalid.name },
    ]);
    // Kept (in the chunk's transaction): the states of the streams that read 2 events or more.
    const { rows } = await ctx.pool.query<{ stream_id: string; version: number; count: number }>(
      `select stream_id, version, (state->>'count')::int as count from snapshots
        where stream_id like 'snap-%' order by stream_id`,
    );
    expect(rows).toEqual([
      { stream_id: 'snap-long', version: 5, count: 102 },
      { stream_id: 'snap-two', version: 2, count: 2 },
    ]);
  });
});

/**
 * A service makes one handler of an aggregate for its routes, another for its consumers, another
 * for its day jobs (`caseHandler(ctx)` three times): each took turns with itself only, so a day
 * job's command raced the requests on the same case and answered 409 (helper probe, session 14).
 * Every handler made from one service's store takes turns with the others on a stream.
 */
describe('aggregate handlers of one service take turns together', () => {
  it('30 commands on one stream at once through three handlers: each taken, none a conflict', async () => {
    const ctx = await freshStoreSchema('turns');
    const service = {
      store: new PostgresEventStore(ctx.pool, ctx.schema),
      pool: ctx.pool,
      clock: new BusinessClock('2026-11-02'),
    } as unknown as ServiceContext;
    const handler = () =>
      aggregate(service, {
        category: 'counter',
        decider: counter,
        exists: (state): state is State => state !== undefined,
        notFound: () => new Error('none') as never,
      });
    const handlers = [handler(), handler(), handler()];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        handlers[i % 3]!.execute(
          'one',
          { type: 'Count', data: { by: 1 } },
          { metadata: { correlationId: `t-${i}` } },
        ),
      ),
    );
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
    ).toEqual([]);
    expect((await handlers[0]!.load('one')).version).toBe(30);
    await ctx.pool.end();
  });
});
