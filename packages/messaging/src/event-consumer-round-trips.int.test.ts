import { CE } from '@ar/contracts';
import { PostgresEventStore } from '@ar/postgres';
import { Client, type PoolClient } from 'pg';
import { freshStoreSchema, quietLogger } from '../../../tests/support/infra';
import type { IncomingEvent } from './cloud-events';
import { EventConsumer } from './event-consumer';
import { InProcessBus } from './in-process-bus';
import type { BusMessage } from './message-bus';

function message(id: string, invoice: string, position: number): BusMessage {
  return {
    key: invoice,
    value: JSON.stringify({ invoice, position }),
    headers: {
      [CE.id]: id,
      [CE.type]: 'ar.testing.AmountRecorded.v1',
      [CE.subject]: `invoice-${invoice}`,
      [CE.time]: '2026-01-05T09:00:00.000Z',
      [CE.sequence]: String(position),
      [CE.previousSequence]: String(position - 1),
    },
  };
}

const TEN_IDS = Array.from(
  { length: 10 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);
/** Ten events over five invoice streams, two each, in order. */
const tenEvents = () => TEN_IDS.map((id, i) => message(id, `inv-${i % 5}`, Math.floor(i / 5) + 1));

const text = (q: unknown) => (typeof q === 'string' ? q : (q as { text: string }).text);

/**
 * In the embedded wiring the relay waits for the consumers, so the round trips a consumer makes
 * per event bound how fast a read model follows the commands: after 30 s of load the aging read
 * model was 15-20 s behind (#17). A batch: the places of its streams (and which events were seen
 * already) in one statement, the effects, then the inbox rows and the new places in one.
 */
/** A consumer named as reporting's copy, on topic `t` of an in-process bus, in a schema of its own. */
async function copyConsumer(
  prefix: string,
  handlers: (
    store: PostgresEventStore,
  ) => Pick<ConstructorParameters<typeof EventConsumer>[0], 'handle' | 'handleBatch'>,
) {
  const ctx = await freshStoreSchema(prefix);
  const store = new PostgresEventStore(ctx.pool, ctx.schema);
  const bus = new InProcessBus();
  const consumer = new EventConsumer({
    name: 'reporting.copy',
    topics: ['t'],
    bus,
    pool: ctx.pool,
    logger: quietLogger,
    ...handlers(store),
  });
  await consumer.start();
  return { ctx, bus, consumer };
}

describe('consumer round trips', () => {
  it('handles a batch in order with two statements beside the effects, and records a copy in one', async () => {
    const { ctx, bus, consumer } = await copyConsumer('consumer_trips', (store) => ({
      // As reporting's ingest: a copy of the event in its own store.
      handle: async (client, event) => {
        await store.recordExternalEvents(client, [event]);
      },
    }));
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      await bus.publish('t', tenEvents());
      const sent = query.mock.calls.map(([q]) => text(q)).filter((t) => !/^(begin|commit)$/.test(t));
      // The effects (one copy each), and two statements for the whole batch.
      expect(sent.length).toBeLessThanOrEqual(TEN_IDS.length + 2);
      expect(sent.filter((t) => /pg_notify/.test(t) && !/insert into events/.test(t))).toEqual([]);
    } finally {
      query.mockRestore();
    }
    // Every event copied once, each stream in order, the consumer's place at each stream's last.
    const { rows } = await ctx.pool.query(
      'select stream_id, stream_position from events order by transaction_id, global_position',
    );
    expect(rows).toHaveLength(TEN_IDS.length);
    const { rows: places } = await ctx.pool.query(
      'select stream_id, position from consumer_streams where consumer = $1 order by stream_id',
      ['reporting.copy'],
    );
    expect(places.map((p) => p.position)).toEqual([2, 2, 2, 2, 2]);
    // Delivered again: nothing new.
    await bus.publish('t', tenEvents());
    expect((await ctx.pool.query('select count(*)::int as n from events')).rows[0].n).toBe(10);
    expect((await ctx.pool.query('select count(*)::int as n from inbox')).rows[0].n).toBe(10);
    await consumer.stop();
    await ctx.pool.end();
  });
  it('with a batch handler, records the copy of a whole batch in one statement: three in all', async () => {
    const one = jest.fn();
    const { ctx, bus, consumer } = await copyConsumer('consumer_batch', (store) => ({
      // As reporting's ingest: a copy of the events in its own store.
      handle: one.mockImplementation(async (client: PoolClient, event: IncomingEvent) => {
        await store.recordExternalEvents(client, [event]);
      }),
      handleBatch: async (client, events) => {
        await store.recordExternalEvents(client, events);
      },
    }));
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      await bus.publish('t', tenEvents());
      const sent = query.mock.calls.map(([q]) => text(q)).filter((t) => !/^(begin|commit)$/.test(t));
      expect(sent).toHaveLength(3);
      expect(one).not.toHaveBeenCalled();
    } finally {
      query.mockRestore();
    }
    const { rows } = await ctx.pool.query(
      'select stream_id, stream_position from events order by transaction_id, global_position',
    );
    expect(rows).toHaveLength(TEN_IDS.length);
    // Each stream in order: the batch handler was given the events as they came.
    for (const stream of ['invoice-inv-0', 'invoice-inv-4'])
      expect(rows.filter((r) => r.stream_id === stream).map((r) => r.stream_position)).toEqual([1, 2]);
    // Delivered again, and a batch with one new event behind a gap: the duplicates change
    // nothing, the held one waits and comes in once the gap is filled, one at a time.
    const later = (n: number) => `00000000-0000-4000-8000-${String(100 + n).padStart(12, '0')}`;
    await bus.publish('t', [...tenEvents(), message(later(4), 'inv-0', 4)]);
    expect((await ctx.pool.query('select count(*)::int as n from events')).rows[0].n).toBe(10);
    await bus.publish('t', [message(later(3), 'inv-0', 3)]);
    const { rows: inv0 } = await ctx.pool.query(
      `select stream_position from events where stream_id = 'invoice-inv-0' order by stream_position`,
    );
    expect(inv0.map((r) => r.stream_position)).toEqual([1, 2, 3, 4]);
    expect((await ctx.pool.query('select count(*)::int as n from inbox')).rows[0].n).toBe(12);
    await consumer.stop();
    await ctx.pool.end();
  });

  /**
   * #17 goal 2, found by profiling: the statement that moves a batch's places found them by a scan
   * of every place the consumer holds (one per stream it ever received: an invoice is a stream),
   * so each batch cost more as the book grew - 3,565 rows for a batch of 72 in a 10 s load.
   * Counted as rows read in the batch's own transaction (no clock), with the table's statistics
   * stale (a live system between autovacuum's runs) and fresh.
   */
  it.each([false, true])(
    'a batch reads the places of its own streams, not every stream the consumer received (analyzed: %s)',
    async (analyzed) => {
      const { ctx, bus, consumer } = await copyConsumer('consumer_places', () => ({
        handle: async () => {},
        handleBatch: async () => {},
      }));
      await ctx.pool.query(
        `insert into consumer_streams (consumer, stream_id, position)
         select 'reporting.copy', 'invoice-old-' || n, 1 from generate_series(1, 5000) n`,
      );
      if (analyzed) await ctx.pool.query('analyze consumer_streams');
      // The driver's query as the test calls it: one SQL text, a promise of its rows.
      const original = Client.prototype.query as unknown as (
        this: Client,
        ...args: unknown[]
      ) => Promise<{ rows: { n: number }[] }>;
      const read: number[] = [];
      const query = jest.spyOn(Client.prototype, 'query').mockImplementation(async function (
        this: Client,
        ...args: unknown[]
      ) {
        if (text(args[0]) === 'commit') {
          const { rows } = await original.call(
            this,
            `select coalesce((select seq_tup_read + idx_tup_fetch from pg_stat_xact_user_tables
                               where relid = 'consumer_streams'::regclass), 0)::int as n`,
          );
          read.push(rows[0]!.n);
        }
        return original.apply(this, args);
      } as never);
      try {
        const batch = Array.from({ length: 50 }, (_, i) =>
          message(`00000000-0000-4000-8000-${String(200 + i).padStart(12, '0')}`, `new-${i}`, 1),
        );
        await bus.publish('t', batch);
      } finally {
        query.mockRestore();
      }
      const { rows } = await ctx.pool.query(
        `select count(*)::int as n from consumer_streams where consumer = 'reporting.copy' and position = 1`,
      );
      expect(rows[0].n).toBe(5050);
      // One transaction for the batch; its 50 places created, then moved: not the 5,000 others.
      expect(read).toHaveLength(1);
      expect(read[0]).toBeLessThanOrEqual(2 * 50);
      await consumer.stop();
      await ctx.pool.end();
    },
  );
});
