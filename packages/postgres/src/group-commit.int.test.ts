import { ConcurrencyConflict, type DomainEvent } from '@ar/kernel';
import { Client } from 'pg';
import { freshStoreSchema } from '../../../tests/support/infra';
import { applyStatements, type InlineProjection, PostgresEventStore } from './event-store';

const metadata = { correlationId: 'group-commit' };
const event = (n: number, note = 'ok'): DomainEvent => ({ type: 'Noted', data: { n, note } });
const text = (q: unknown) => (typeof q === 'string' ? q : (q as { text: string }).text);
/** The statements sent for the appends (the store's NOTIFY goes after the commit, at most every 10 ms). */
const sent = (calls: unknown[][]) => calls.map(([q]) => text(q)).filter((t) => !/^select pg_notify/.test(t));

/** An inline projection that writes one row per event, and says the writes of many streams as one insert. */
const noted: InlineProjection = {
  name: 'noted',
  apply: (client, streamId, events) => applyStatements(client, noted.statements!(streamId, events)),
  statements: (streamId, events) =>
    events.map((e) => ({
      text: 'insert into noted_rows (stream_id, n) values ($1, $2)',
      values: [streamId, (e.data as { n: number }).n],
    })),
  batchStatements: (appends) => [
    {
      text: 'insert into noted_rows (stream_id, n) select * from unnest($1::text[], $2::int[])',
      values: [
        appends.flatMap((a) => a.events.map(() => a.streamId)),
        appends.flatMap((a) => a.events.map((e) => (e.data as { n: number }).n)),
      ],
    },
  ],
};

/**
 * Appends made at the same time share a round trip (#17 goal 2): 32 callers issuing an invoice
 * each made 32 appends of one statement each - with the stream loads, two thirds of what the
 * event-sourced `POST /invoices` asked of PostgreSQL. Appends that arrive while one is in flight
 * now go together, in one statement with their inline projection's write; each caller still gets
 * its own outcome, and one that cannot be stored (a wrong version, a value PostgreSQL refuses)
 * fails alone.
 */
describe('PostgreSQL event store: appends at the same time share a round trip', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    ctx = await freshStoreSchema('group_commit');
    await ctx.pool.query('create table noted_rows (stream_id text, n int)');
    store = new PostgresEventStore(ctx.pool, ctx.schema, [noted]);
  });
  afterAll(() => ctx.pool.end());

  const stored = async (prefix: string) =>
    (
      await ctx.pool.query<{ stream_id: string; stream_position: number; n: number; rows: string }>(
        `select e.stream_id, e.stream_position, (e.data->>'n')::int as n,
                (select count(*) from noted_rows r where r.stream_id = e.stream_id and r.n = (e.data->>'n')::int) as rows
           from events e where e.stream_id like $1 order by e.stream_id, e.stream_position`,
        [`${prefix}%`],
      )
    ).rows;

  it('stores 32 appends to new streams in a few statements, each with its inline row', async () => {
    const query = jest.spyOn(Client.prototype, 'query');
    let results: unknown[];
    try {
      results = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          store.appendToStream(`many-${i}`, [event(i)], { expectedVersion: 0, metadata }),
        ),
      );
      // The first goes alone (nothing in flight); the 31 that came meanwhile go together.
      expect(sent(query.mock.calls).length).toBeLessThanOrEqual(4);
    } finally {
      query.mockRestore();
    }
    expect(results.map((r) => (r as { nextExpectedVersion: number }).nextExpectedVersion)).toEqual(
      Array(32).fill(1),
    );
    const rows = await stored('many-');
    expect(rows).toHaveLength(32);
    for (const row of rows) expect(row).toMatchObject({ stream_position: 1, rows: '1' });
  });

  it('fails only the append whose stream moved, and only the one PostgreSQL refuses; the others are stored', async () => {
    await store.appendToStream('moved-0', [event(0)], { expectedVersion: 0, metadata });
    const outcomes = await Promise.allSettled([
      store.appendToStream('moved-first', [event(1)], { expectedVersion: 0, metadata }),
      // These three arrive while the first is in flight: one batch.
      store.appendToStream('moved-0', [event(2)], { expectedVersion: 0, metadata }),
      store.appendToStream('moved-nul', [event(3, 'a\u0000b')], { expectedVersion: 0, metadata }),
      store.appendToStream('moved-ok', [event(4)], { expectedVersion: 0, metadata }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyConflict);
    expect((outcomes[2] as PromiseRejectedResult).reason).not.toBeInstanceOf(ConcurrencyConflict);
    expect((await stored('moved-')).map((r) => [r.stream_id, r.n, r.rows])).toEqual([
      ['moved-0', 0, '1'],
      ['moved-first', 1, '1'],
      ['moved-ok', 4, '1'],
    ]);
  });

  it('appends to one stream asked together go one after the other, in the order asked', async () => {
    const outcomes = await Promise.allSettled([
      store.appendToStream('order-a', [event(1)], { expectedVersion: 0, metadata }),
      store.appendToStream('order-b', [event(1)], { expectedVersion: 0, metadata }),
      store.appendToStream('order-b', [event(2)], { expectedVersion: 1, metadata }),
      store.appendToStream('order-b', [event(3)], { expectedVersion: 2, metadata }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((await stored('order-b')).map((r) => [r.stream_position, r.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
});
