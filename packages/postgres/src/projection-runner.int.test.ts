import { NO_STREAM } from '@ar/kernel';
import { eventually, freshStoreSchema, quietLogger } from '../../../tests/support/infra';
import { AppendNotifier } from './append-notifier';
import { PostgresEventStore } from './event-store';
import { type Projection, ProjectionRunner } from './projection-runner';

/**
 * A read model with a relative update, like the worklist's open amount: applied twice, it is
 * wrong. Its total must equal the sum of the amounts, whatever runs it.
 */
const openAmounts: Projection = {
  name: 'open-amounts',
  tables: ['open_amounts'],
  async apply(client, events) {
    for (const e of events) {
      const { customerId, amount } = e.data as { customerId: string; amount: number };
      await client.query(
        `insert into open_amounts (customer_id, amount) values ($1, $2)
         on conflict (customer_id) do update set amount = open_amounts.amount + excluded.amount`,
        [customerId, amount],
      );
    }
  },
};

describe('projection runner', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let store: PostgresEventStore;
  let notifier: AppendNotifier;
  beforeEach(async () => {
    ctx = await freshStoreSchema('projection');
    await ctx.pool.query('create table open_amounts (customer_id text primary key, amount bigint not null)');
    store = new PostgresEventStore(ctx.pool, ctx.schema);
    notifier = new AppendNotifier(ctx.databaseUrl);
    await notifier.start();
  });
  afterEach(async () => {
    await notifier.stop();
    await ctx.pool.end();
  });

  const runner = (batchSize = 7) =>
    new ProjectionRunner(openAmounts, {
      pool: ctx.pool,
      schema: ctx.schema,
      notifier,
      logger: quietLogger,
      batchSize,
      rebuildBatchSize: batchSize,
    });
  /**
   * Invoices appended 50 at a time: thousands at once would wait on the pool longer than its
   * connect timeout on a busy machine, which is not what these tests are about.
   */
  const appendPayments = async (from: number, count: number) => {
    for (let start = from; start < from + count; start += 50) {
      const end = Math.min(start + 50, from + count);
      await Promise.all(
        Array.from({ length: end - start }, (_, i) =>
          store.appendToStream(
            `invoice-${start + i}`,
            [{ type: 'InvoiceIssued', data: { customerId: `C-${(start + i) % 5}`, amount: 1000 } }],
            { expectedVersion: NO_STREAM, metadata: { correlationId: 'c' } },
          ),
        ),
      );
    }
  };
  const total = async () =>
    Number((await ctx.pool.query('select coalesce(sum(amount), 0)::text as t from open_amounts')).rows[0].t);

  it('applies each event once when two instances run it at the same time (checkpoints are compare-and-set)', async () => {
    const a = runner();
    const b = runner();
    a.start();
    b.start();
    await appendPayments(0, 300);
    await eventually(async () => ((await total()) >= 300_000 ? true : undefined));
    await a.caughtUp();
    await b.caughtUp();
    await a.stop();
    await b.stop();
    expect(await total()).toBe(300_000);
  });

  it('rebuilds beside the live model and swaps: readers never see it empty or partial', async () => {
    const live = runner();
    live.start();
    await appendPayments(0, 500);
    await eventually(async () => ((await total()) === 500_000 ? true : undefined));
    const seen: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) seen.push(await total());
    })();
    const second = runner(3); // another instance asked to rebuild, small batches: a long rebuild
    const writes = appendPayments(500, 100); // events keep coming during the rebuild
    const [summary] = await Promise.all([second.rebuild(), writes]);
    await live.caughtUp();
    reading = false;
    await reader;
    await live.stop();
    expect(summary.events).toBeGreaterThanOrEqual(500);
    expect(await total()).toBe(600_000);
    expect(seen.length).toBeGreaterThan(5);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(500_000); // never empty, never partial
    expect(seen.every((t) => t % 1000 === 0)).toBe(true);
  });

  it('rebuilds in pages to exactly the rows the live path made: several thousand varied events, none dropped, none applied twice', async () => {
    /** The same read model, a page at a time: one statement per page (sums per customer). */
    const openAmountsByPage: Projection = {
      ...openAmounts,
      async apply(client, events) {
        const sums = new Map<string, number>();
        for (const e of events) {
          const { customerId, amount } = e.data as { customerId: string; amount: number };
          sums.set(customerId, (sums.get(customerId) ?? 0) + amount);
        }
        await client.query(
          `insert into open_amounts (customer_id, amount) select * from unnest($1::text[], $2::bigint[])
           on conflict (customer_id) do update set amount = open_amounts.amount + excluded.amount`,
          [[...sums.keys()], [...sums.values()]],
        );
      },
    };
    const rows = async () =>
      (await ctx.pool.query('select customer_id, amount::text from open_amounts order by customer_id')).rows;
    const live = runner();
    live.start();
    // 3,000 events of 41 customers, amounts 1 to 997, in 300 transactions while the live runner follows.
    const expected = new Map<string, number>();
    for (let start = 0; start < 3000; start += 10) {
      const events = Array.from({ length: 10 }, (_, k) => {
        const n = start + k;
        const data = { customerId: `C-${(n * 7) % 41}`, amount: 1 + ((n * 131) % 997) };
        expected.set(data.customerId, (expected.get(data.customerId) ?? 0) + data.amount);
        return { type: 'InvoiceIssued', data };
      });
      await store.appendToStream(`invoice-${start}`, events, {
        expectedVersion: NO_STREAM,
        metadata: { correlationId: 'c' },
      });
    }
    const want = [...expected]
      .map(([c, a]) => ({ customer_id: c, amount: String(a) }))
      .sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
    await eventually(async () => (JSON.stringify(await rows()) === JSON.stringify(want) ? true : undefined));
    await live.caughtUp();
    await live.stop();
    const fromLive = await rows();
    expect(fromLive).toEqual(want);
    const rebuild = (projection: Projection, rebuildBatchSize?: number) =>
      new ProjectionRunner(projection, {
        pool: ctx.pool,
        schema: ctx.schema,
        notifier,
        logger: quietLogger,
        ...(rebuildBatchSize && { rebuildBatchSize }),
      }).rebuild();
    // The default pages (the whole store in one), pages that split transactions, one event a page.
    for (const [projection, size] of [
      [openAmounts, undefined],
      [openAmountsByPage, undefined],
      [openAmountsByPage, 7],
      [openAmountsByPage, 1000],
      [openAmounts, 1],
    ] as const) {
      const summary = await rebuild(projection, size);
      expect(summary).toMatchObject({ events: 3000, parked: 0 });
      expect(await rows()).toEqual(fromLive);
    }
  });

  it('refuses a second rebuild while one runs', async () => {
    await appendPayments(0, 2000);
    const results = await Promise.allSettled([runner(2).rebuild(), runner(2).rebuild(), runner(2).rebuild()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      expect(r.reason.name).toBe('RebuildInProgress');
    expect(await total()).toBe(2_000_000);
  });

  it("builds in a shadow schema no one can guess: another role's schema of the old name neither blocks it nor is touched; this projection's leftovers go (#15 probe F6)", async () => {
    await appendPayments(0, 20);
    // The name every rebuild used: another service's role (roles have CREATE on the database) made
    // it first, and the rebuild failed with 500 'must be owner of schema'.
    const predictable = `${ctx.schema.slice(0, 40)}_rebuild_open_amounts`;
    const squatter = `squatter_${ctx.schema}`.slice(0, 63);
    await ctx.pool.query(`create role ${squatter}`);
    await ctx.pool.query(
      `grant create on database ${(await ctx.pool.query('select current_database() as d')).rows[0].d} to ${squatter}`,
    );
    const asSquatter = await ctx.pool.connect(); // one session: the role is set on it
    try {
      await asSquatter.query(`set role ${squatter}`);
      await asSquatter.query(`create schema ${predictable}`);
      await asSquatter.query(`create table ${predictable}.open_amounts (customer_id text)`);
      await asSquatter.query('reset role');
    } finally {
      asSquatter.release();
    }
    expect(
      (
        await ctx.pool.query(
          'select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1',
          [predictable],
        )
      ).rows[0].owner,
    ).toBe(squatter);
    // What an earlier rebuild of this projection, killed midway, left behind.
    const leftover = `${ctx.schema.slice(0, 30)}_rebuild_open_amounts_0badc0de`;
    await ctx.pool.query(`create schema ${leftover}`);
    try {
      const created: string[] = [];
      const query = ctx.pool.query.bind(ctx.pool);
      const spy = jest.spyOn(ctx.pool, 'query').mockImplementation(((text: unknown, ...rest: unknown[]) => {
        const made = typeof text === 'string' ? /^create schema (\S+)$/.exec(text) : null;
        if (made) created.push(made[1]!);
        return (query as (...a: unknown[]) => unknown)(text, ...rest);
      }) as typeof ctx.pool.query);
      await runner().rebuild();
      await runner().rebuild();
      spy.mockRestore();
      expect(created).toHaveLength(2);
      expect(created[0]).not.toBe(created[1]);
      for (const name of created) {
        expect(name).not.toBe(predictable);
        expect(name).toMatch(/^[a-z0-9_]{1,63}$/);
      }
      expect(await total()).toBe(20_000);
      const { rows } = await ctx.pool.query<{ nspname: string }>(
        'select nspname from pg_namespace where nspname = any($1) order by nspname',
        [[predictable, leftover, ...created]],
      );
      // The other role's schema is its own business; the leftover and both shadows are gone.
      expect(rows.map((r) => r.nspname)).toEqual([predictable]);
    } finally {
      await ctx.pool.query(`drop schema if exists ${predictable} cascade`);
      await ctx.pool.query(`drop schema if exists ${leftover} cascade`);
      await ctx.pool.query(`drop owned by ${squatter}`);
      await ctx.pool.query(`drop role ${squatter}`);
    }
  });

  /** An event the read model's SQL cannot take: an amount too large for its column. */
  const appendPoison = () =>
    store.appendToStream(
      'invoice-poison',
      [{ type: 'InvoiceIssued', data: { customerId: 'C-0', amount: 'not a number' } }],
      { expectedVersion: NO_STREAM, metadata: { correlationId: 'c' } },
    );

  it('parks an event its SQL cannot take and goes on with the others; a rebuild skips it too; a redrive after the fix applies it', async () => {
    const live = runner();
    live.start();
    await appendPayments(0, 10);
    await appendPoison();
    await appendPayments(10, 10);
    await eventually(async () => ((await total()) === 20_000 ? true : undefined), 20_000);
    await live.caughtUp();
    const parked = await live.parked();
    expect(parked).toEqual([
      expect.objectContaining({
        projection: 'open-amounts',
        streamId: 'invoice-poison',
        eventType: 'InvoiceIssued',
      }),
    ]);
    expect(parked[0]!.error).toMatch(/invalid input syntax/);
    // A rebuild does not fail on it either: the model comes back whole, the event still parked.
    await appendPayments(20, 5);
    const summary = await runner().rebuild();
    expect(summary.parked).toBe(1);
    await live.caughtUp();
    expect(await total()).toBe(25_000);
    expect(await live.parked()).toHaveLength(1);
    // Fixed (here: the data made readable), the operator redrives it; skipping drops it for good.
    await ctx.pool.query(
      `update events set data = jsonb_set(data, '{amount}', '7') where stream_id = 'invoice-poison'`,
    );
    expect(await live.redrive(parked[0]!.eventId)).toBe('applied');
    expect(await total()).toBe(25_007);
    expect(await live.parked()).toEqual([]);
    expect(await live.redrive(parked[0]!.eventId)).toBe('not parked');
    await live.stop();
  });
});
