import { setTimeout as sleep } from 'node:timers/promises';
import { NO_STREAM } from '@ar/kernel';
import { Client } from 'pg';
import { freshStoreSchema } from '../../../tests/support/infra';
import { AppendNotifier } from './append-notifier';
import { NOTIFY_CHANNEL, PROCESS_SIGNAL_SOURCE, parseSignalPayload } from './append-signal';
import { PostgresEventStore } from './event-store';
import { inTransaction } from './pool';

const metadata = { correlationId: 'corr-1' };
const issued = { type: 'InvoiceIssued', data: {} };

describe('append signal', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let store: PostgresEventStore;
  let notifier: AppendNotifier;
  /** Another process's listener: what PostgreSQL delivers on the channel. */
  let other: Client;
  let heard: { payload: string; at: number; eventsThen: Promise<number> }[];
  beforeAll(async () => {
    ctx = await freshStoreSchema('signal');
    store = new PostgresEventStore(ctx.pool, ctx.schema);
    notifier = new AppendNotifier(ctx.databaseUrl);
    await notifier.start();
    other = new Client({ connectionString: ctx.databaseUrl });
    await other.connect();
    other.on('notification', (msg) => {
      if (!msg.payload?.startsWith(`${ctx.schema}`)) return;
      // What a reader that wakes now finds in the store.
      const eventsThen = ctx.pool
        .query<{ n: number }>(`select count(*)::int as n from ${ctx.schema}.events`)
        .then((r) => r.rows[0]!.n);
      heard.push({ payload: msg.payload, at: performance.now(), eventsThen });
    });
    await other.query(`listen ${NOTIFY_CHANNEL}`);
  });
  beforeEach(() => {
    heard = [];
  });
  afterAll(async () => {
    await other.end();
    await notifier.stop();
    await ctx.pool.end();
  });

  it("wakes this process's readers at its commit, without a round trip, and others by one NOTIFY", async () => {
    const seen = notifier.counter(ctx.schema);
    await store.appendToStream('invoice-1', [issued], { expectedVersion: NO_STREAM, metadata });
    expect(notifier.counter(ctx.schema)).toBe(seen + 1);

    await sleep(200);
    expect(heard.map((h) => parseSignalPayload(h.payload))).toEqual([
      { schema: ctx.schema, source: PROCESS_SIGNAL_SOURCE },
    ]);
    expect(notifier.counter(ctx.schema)).toBe(seen + 1); // its own NOTIFY is not a second wake-up
  });

  it('sends other processes far fewer notifications than appends, the last after the last append', async () => {
    const { rows } = await ctx.pool.query<{ n: number }>('select count(*)::int as n from events');
    const before = rows[0]!.n;
    const appends = 400;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < appends)
          await store.appendToStream(`invoice-burst-${next++}`, [issued], {
            expectedVersion: NO_STREAM,
            metadata,
          });
      }),
    );
    await sleep(200);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(appends / 4);
    // A reader woken by the last notification finds every event.
    expect(Math.max(...(await Promise.all(heard.map((h) => h.eventsThen))))).toBe(before + appends);
  });

  it("announces an append in a caller's transaction when that transaction commits", async () => {
    await inTransaction(ctx.pool, async (tx) => {
      await store.appendToStream('invoice-in-tx-1', [issued], { expectedVersion: NO_STREAM, metadata }, tx);
      await store.appendToStream('invoice-in-tx-2', [issued], { expectedVersion: NO_STREAM, metadata }, tx);
      await sleep(100);
      expect(heard).toEqual([]);
    });
    await sleep(100);
    expect(heard.map((h) => parseSignalPayload(h.payload))).toEqual([
      { schema: ctx.schema, source: undefined },
    ]);
  });
});
