import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { BusinessCalendar } from '@ar/kernel';
import { BusinessClock, type ServiceContext } from '@ar/platform';
import { createSchemaPool, eventStoreMigrations, migrate, PostgresEventStore } from '@ar/postgres';
import pino from 'pino';
import { loadInvoicingConfig } from '../../services/invoicing/src/config';
import { type InvoiceHandler, invoiceHandler } from '../../services/invoicing/src/invoice/handler';
import { nextOverdueAssessment } from '../../services/invoicing/src/invoice/overdue';
import { type InvoiceEvent, isIssued } from '../../services/invoicing/src/invoice/state';
import { openItemsMigrations, openItemsProjection } from '../../services/invoicing/src/ledger/open-items';
import { overdueClock } from '../../services/invoicing/src/overdue/overdue-clock';

const OPEN_INVOICES = Number(process.env.BENCH_OPEN_INVOICES ?? 1_000_000);
/** One invoice in this many carries the default late-payment clause (interest every day from day 16). */
const CLAUSE_EVERY = Number(process.env.BENCH_CLAUSE_EVERY ?? 100);
const CUSTOMERS = 10_000;
/** The book is assessed through Friday 2026-10-30; the day run is Monday 2026-11-02 (Sat and Sun caught up). */
const ASSESSED_THROUGH = '2026-10-30';
const DAY = '2026-11-02';
const SAMPLE = 2_000;

/**
 * The overdue clock's business day over 1,000,000 open invoices (#17 goal 4). The invoices'
 * streams (InvoiceIssued, then each threshold reached and each fee charged through the last day
 * run) and their open_invoices rows with the schedule are loaded in bulk with SQL into a fresh
 * schema - the rows the store and the open-items projection write - and a sample of the
 * schedule is checked against `nextOverdueAssessment` over the loaded streams. Then the day
 * job's own code (`overdueClock`, the service's handler) runs a day with nothing due, and the
 * next business day. Deterministic: the same book each run.
 */
export async function overdueClockDay(databaseUrl: string) {
  const schema = `bench_dayjobs_${Date.now().toString(36)}`;
  const pool = createSchemaPool(databaseUrl, schema, { max: 12 });
  const load = { before: loadavg().map((l) => Number(l.toFixed(1))) };
  try {
    await migrate(pool, schema, [...eventStoreMigrations, ...openItemsMigrations]);
    const config = loadInvoicingConfig();
    const ctx = {
      service: 'invoicing',
      pool,
      store: new PostgresEventStore(pool, schema, [openItemsProjection]),
      logger: pino({ level: 'silent' }),
      clock: new BusinessClock(DAY),
      calendar: new BusinessCalendar(),
    } as unknown as ServiceContext;
    const invoices = invoiceHandler(ctx, config);
    const thresholds = config.overduePolicy.overdueThresholds;
    const terms = DEFAULT_LATE_FEE_TERMS;

    const loadStarted = performance.now();
    // Invoices due between 2025-01-31 and 2026-12-31 (about 1,430 a day), one in CLAUSE_EVERY with
    // the default clause; the others without one (lateFeeTerms null at issue).
    await pool.query(
      `create unlogged table bench_book as
       select i, 'B-' || i as invoice_id, 'C-' || ((i::bigint * 7919) % $2) as customer_id,
              10000 + (i::bigint * 104729) % 5000000 as amount,
              date '2025-01-01' + (i * 31) % 700 as issue_date,
              date '2025-01-01' + (i * 31) % 700 + 30 as due_date,
              (i / 700) % $3 = 0 as clause
         from generate_series(0, $1::int - 1) i`,
      [OPEN_INVOICES, CUSTOMERS, CLAUSE_EVERY],
    );
    // What the clock did through ASSESSED_THROUGH, in the order it does it each day: the interest
    // for the day before, the thresholds of the day, the penalty of the day.
    await pool.query(
      `create unlogged table bench_events as
       select b.invoice_id, b.issue_date as day, 0 as ord, 'InvoiceIssued' as event_type,
              jsonb_build_object('invoiceId', b.invoice_id, 'customerId', b.customer_id, 'amount', b.amount,
                'currency', 'CNY', 'issueDate', b.issue_date, 'dueDate', b.due_date)
              || case when b.clause then jsonb_build_object('lateFeeTerms', $2::jsonb) else '{}'::jsonb end as data
         from bench_book b
       union all
       select b.invoice_id, b.due_date + k, 1, 'LateFeeCharged',
              jsonb_build_object('invoiceId', b.invoice_id, 'customerId', b.customer_id, 'currency', 'CNY',
                'kind', 'INTEREST', 'forDate', b.due_date + k - 1, 'daysOverdue', k - 1, 'base', b.amount,
                'rateBp', $3::int, 'amount', (b.amount * $3::int + 5000) / 10000)
         from bench_book b, generate_series($4::int + 1, greatest($4::int + 1, $1::date - b.due_date)) k
        where b.clause and b.due_date + k <= $1::date
       union all
       select b.invoice_id, b.due_date + t, 2, 'PaymentOverdue',
              jsonb_build_object('invoiceId', b.invoice_id, 'customerId', b.customer_id, 'currency', 'CNY',
                'threshold', t, 'daysOverdue', t, 'overdueDate', b.due_date + t, 'dueDate', b.due_date,
                'overdueAmount', b.amount, 'openAmount', b.amount, 'disputed', false)
         from bench_book b, unnest($5::int[]) t
        where b.due_date + t <= $1::date
       union all
       select b.invoice_id, b.due_date + $6::int, 3, 'LateFeeCharged',
              jsonb_build_object('invoiceId', b.invoice_id, 'customerId', b.customer_id, 'currency', 'CNY',
                'kind', 'PENALTY', 'forDate', b.due_date + $6::int, 'daysOverdue', $6::int, 'base', b.amount,
                'rateBp', $7::int, 'amount', (b.amount * $7::int + 5000) / 10000)
         from bench_book b
        where b.clause and b.due_date + $6::int <= $1::date`,
      [
        ASSESSED_THROUGH,
        JSON.stringify(terms),
        terms.dailyInterestBp,
        terms.interestFromDay,
        thresholds,
        terms.penaltyDay,
        terms.penaltyBp,
      ],
    );
    await pool.query(
      `insert into events (event_id, stream_id, stream_position, event_type, data, metadata)
       select gen_random_uuid(), 'invoice-' || invoice_id,
              row_number() over (partition by invoice_id order by day, ord)::int, event_type, data,
              '{"correlationId":"bench-dayjobs","actor":"bench"}'::jsonb
         from bench_events`,
    );
    await pool.query(
      `insert into streams (stream_id, version, last_transaction_id)
       select stream_id, max(stream_position), pg_current_xact_id() from events group by stream_id`,
    );
    // The schedule as the clock leaves it after ASSESSED_THROUGH: the next threshold, penalty or
    // interest day after it (nextOverdueAssessment; checked on a sample below).
    await pool.query(
      `insert into open_invoices (invoice_id, customer_id, currency, issue_date, first_due_date, next_assessment)
       select b.invoice_id, b.customer_id, 'CNY', b.issue_date, b.due_date,
              (select min(d) from (
                 select b.due_date + t as d from unnest($2::int[]) t
                 union all select b.due_date + $3::int where b.clause
                 union all select greatest(b.due_date + $4::int + 1, $1::date + 1) where b.clause
               ) s where d > $1::date)
         from bench_book b`,
      [ASSESSED_THROUGH, thresholds, terms.penaltyDay, terms.interestFromDay],
    );
    const snapshotsKept = await keepSnapshotsAsTheClockLeavesThem(
      pool,
      ctx.store as PostgresEventStore,
      invoices,
    );
    const { rows: counts } = await pool.query<{ events: string }>(
      'select count(*)::text as events from events',
    );
    await pool.query(
      'drop table bench_events; drop table bench_book; analyze events; analyze streams; analyze open_invoices; analyze snapshots',
    );
    const loadSeconds = Number(((performance.now() - loadStarted) / 1000).toFixed(1));

    // The loaded schedule against the rules, on a sample spread over the book.
    let scheduleMismatches = 0;
    let snapshotMismatches = 0;
    for (let n = 0; n < SAMPLE; n++) {
      const id = `B-${Math.floor((n * OPEN_INVOICES) / SAMPLE) + (n % 7)}`;
      const { state } = await invoices.mustExist(id);
      // Read from its snapshot (if it has one): the state a fold of every event gives.
      const { events } = await ctx.store.readStream<InvoiceEvent>(`invoice-${id}`);
      const folded = events.reduce(
        (s, e) => invoices.decider.evolve(s, e as unknown as InvoiceEvent),
        invoices.decider.initialState(),
      );
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(folded)), JSON.parse(JSON.stringify(state))))
        snapshotMismatches++;
      const { rows } = await pool.query<{ next: string | null }>(
        `select to_char(next_assessment, 'YYYY-MM-DD') as next from open_invoices where invoice_id = $1`,
        [id],
      );
      const expected = isIssued(state)
        ? nextOverdueAssessment(state, ASSESSED_THROUGH, invoices.policy)
        : undefined;
      if ((rows[0]?.next ?? undefined) !== expected) scheduleMismatches++;
    }

    const job = overdueClock(ctx, invoices);
    const timed = async (day: string) => {
      const before = await pool.query<{ n: string }>('select count(*)::text as n from events');
      const started = performance.now();
      const commands = await job.run(day);
      const ms = Math.round(performance.now() - started);
      const after = await pool.query<{ n: string }>('select count(*)::text as n from events');
      return {
        day,
        ms,
        invoicesWithNewEvents: commands,
        eventsAppended: Number(after.rows[0]!.n) - Number(before.rows[0]!.n),
      };
    };
    const scheduled = async (day: string) =>
      Number(
        (
          await pool.query<{ n: string }>(
            'select count(*)::text as n from open_invoices where next_assessment <= $1',
            [day],
          )
        ).rows[0]!.n,
      );
    // The day already run: nothing is due on it for any invoice.
    const nothingDue = {
      ...(await timed(ASSESSED_THROUGH)),
      invoicesRead: await scheduled(ASSESSED_THROUGH),
    };
    const visited = await scheduled(DAY);
    const { rows: kinds } = await pool.query<{ clause: string }>(
      `select count(*)::text as clause from open_invoices
        where next_assessment <= $1 and (substr(invoice_id, 3)::int / 700) % $2 = 0`,
      [DAY, CLAUSE_EVERY],
    );
    const businessDay = {
      ...(await timed(DAY)),
      invoicesRead: visited,
      withClauseRead: Number(kinds[0]!.clause),
    };
    // What the day before this change read: every open invoice with something due before the day.
    const { rows: wouldRead } = await pool.query<{ n: string }>(
      'select count(*)::text as n from open_invoices where first_due_date < $1',
      [DAY],
    );
    return {
      date: new Date().toISOString(),
      openInvoices: OPEN_INVOICES,
      events: Number(counts[0]!.events),
      loadSeconds,
      scheduleSample: SAMPLE,
      scheduleMismatches,
      snapshotsKept,
      snapshotMismatches,
      nothingDue,
      businessDay,
      readBeforeThisChange: Number(wouldRead[0]!.n),
      loadAverage: { ...load, after: loadavg().map((l) => Number(l.toFixed(1))) },
    };
  } finally {
    await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await pool.end();
  }
}

/**
 * The snapshots the clock leaves (the invoice aggregate keeps one after a read of 20 events or
 * more): a stream read every business day and growing by a day's interest is, on any day, some
 * 0-19 events past its snapshot. Each stream of 20 events or more gets its snapshot that many
 * events before its end (spread evenly by the invoice's number), folded by the aggregate's own
 * rules and kept under its kind - so the measured day reads what a day in steady state reads.
 */
async function keepSnapshotsAsTheClockLeavesThem(
  pool: ReturnType<typeof createSchemaPool>,
  store: PostgresEventStore,
  invoices: InvoiceHandler,
): Promise<number> {
  const kind = invoices.snapshotKind!;
  const every = 20;
  const { rows: long } = await pool.query<{ stream_id: string; n: number }>(
    'select stream_id, max(stream_position) as n from events group by stream_id having max(stream_position) >= $1',
    [every],
  );
  for (let i = 0; i < long.length; i += 200) {
    const chunk = long.slice(i, i + 200);
    const { rows } = await pool.query<{ stream_id: string; event_type: string; data: unknown }>(
      'select stream_id, event_type, data from events where stream_id = any($1::text[]) order by stream_id, stream_position',
      [chunk.map((c) => c.stream_id)],
    );
    const byStream = new Map<string, typeof rows>();
    for (const row of rows) {
      const list = byStream.get(row.stream_id);
      if (list) list.push(row);
      else byStream.set(row.stream_id, [row]);
    }
    await store.saveSnapshots(
      chunk.map(({ stream_id, n }) => {
        const version = n - (Number(stream_id.slice('invoice-B-'.length)) % every);
        const events = byStream.get(stream_id)!.slice(0, version);
        const state = events.reduce(
          (s, e) => invoices.decider.evolve(s, { type: e.event_type, data: e.data } as InvoiceEvent),
          invoices.decider.initialState(),
        );
        return { streamId: stream_id, version, state };
      }),
      kind,
    );
  }
  return long.length;
}
