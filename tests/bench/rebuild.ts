import { execSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { invoicingService } from '@ar/invoicing';
import { InProcessBus } from '@ar/messaging';
import { BusinessClock, type RunningService, startService } from '@ar/platform';
import { type AppendNotifier, createLongWorkPool, createSchemaPool, READABLE_BEFORE } from '@ar/postgres';
import { reportingService } from '@ar/reporting';
import pino from 'pino';
import { testAuth } from '../support/auth';

type Pool = RunningService['ctx']['pool'];

const INVOICES = Number(process.env.BENCH_REBUILD_INVOICES ?? 110_000);
const CUSTOMERS = 5_000;
const ROUNDS = Number(process.env.BENCH_REBUILD_ROUNDS ?? 2);

/**
 * The events of a book of `invoices` invoices as invoicing writes them, in business-date order:
 * half paid on time (issued, payment allocated, paid), a fifth paid late with a penalty (overdue at
 * 1 and 16 days, the penalty, the payment of penalty and principal, paid), a fifth paid in part and
 * still overdue, a tenth never paid (overdue at 1, 16, 31 and 61 days, the penalty); 4.5 events an
 * invoice. Plus each customer's registration and a tier change for one in three (credit-scoring).
 * Deterministic ids, one transaction: the projections', relays' and evidence chain's checkpoints are
 * set to its last event in the same transaction, so the live followers have nothing to do and only
 * the rebuild reads them.
 */
const LOAD_EVENTS = `
  with inv as (
    select i, 'INV-' || i as id, 'C-' || (i % $2) as customer, 10000 + (i::bigint * 104729) % 5000000 as amount,
           date '2025-01-01' + (i * 31) % 600 as issued, date '2025-01-01' + (i * 31) % 600 + 30 as due, i % 10 as kind
      from generate_series(0, $1::int - 1) i
  ), penalty as (
    select *, greatest(1, amount / 20) as fee from inv
  ), ev as (
    select i, 1 as seq, issued as day, 'InvoiceIssued' as type,
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'amount', amount, 'currency', 'CNY',
                              'issueDate', issued, 'dueDate', due) as data
      from inv
    union all
    -- paid on time
    select i, 2, issued + 20, 'PaymentAllocated',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'paymentId', 'PAY-' || i, 'currency', 'CNY',
                              'amount', amount, 'toPenalty', 0, 'toInterest', 0, 'toPrincipal', amount, 'paymentDate', issued + 20)
      from inv where kind < 5
    union all
    select i, 3, issued + 20, 'InvoicePaid',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'paidDate', issued + 20,
                              'dueDate', due, 'daysLate', -10)
      from inv where kind < 5
    union all
    -- overdue (every other kind): thresholds and the penalty
    select i, 2, due + 1, 'PaymentOverdue',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'threshold', 1, 'daysOverdue', 1,
                              'overdueDate', due + 1, 'dueDate', due, 'overdueAmount', amount, 'openAmount', amount, 'disputed', false)
      from penalty where kind >= 5
    union all
    select i, 3, due + 1, 'LateFeeCharged',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'kind', 'PENALTY', 'forDate', due + 1,
                              'daysOverdue', 1, 'base', amount, 'rateBp', 500, 'amount', fee)
      from penalty where kind >= 5
    union all
    select i, 4, due + 16, 'PaymentOverdue',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'threshold', 16, 'daysOverdue', 16,
                              'overdueDate', due + 16, 'dueDate', due, 'overdueAmount', amount, 'openAmount', amount + fee, 'disputed', false)
      from penalty where kind >= 5
    union all
    -- paid late, penalty first
    select i, 5, due + 20, 'PaymentAllocated',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'paymentId', 'PAY-' || i, 'currency', 'CNY',
                              'amount', amount + fee, 'toPenalty', fee, 'toInterest', 0, 'toPrincipal', amount, 'paymentDate', due + 20)
      from penalty where kind in (5, 6)
    union all
    select i, 6, due + 20, 'InvoicePaid',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'paidDate', due + 20,
                              'dueDate', due, 'daysLate', 20)
      from penalty where kind in (5, 6)
    union all
    -- paid in part (penalty, then a third of the principal), still overdue
    select i, 5, due + 25, 'PaymentAllocated',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'paymentId', 'PAY-' || i, 'currency', 'CNY',
                              'amount', fee + amount / 3, 'toPenalty', fee, 'toInterest', 0, 'toPrincipal', amount / 3, 'paymentDate', due + 25)
      from penalty where kind in (7, 8)
    union all
    select i, 6, due + 31, 'PaymentOverdue',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'threshold', 31, 'daysOverdue', 31,
                              'overdueDate', due + 31, 'dueDate', due, 'overdueAmount', amount - amount / 3,
                              'openAmount', amount - amount / 3, 'disputed', false)
      from penalty where kind in (7, 8)
    union all
    -- never paid
    select i, 5, due + 31, 'PaymentOverdue',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'threshold', 31, 'daysOverdue', 31,
                              'overdueDate', due + 31, 'dueDate', due, 'overdueAmount', amount, 'openAmount', amount + fee, 'disputed', false)
      from penalty where kind = 9
    union all
    select i, 6, due + 61, 'PaymentOverdue',
           jsonb_build_object('invoiceId', id, 'customerId', customer, 'currency', 'CNY', 'threshold', 61, 'daysOverdue', 61,
                              'overdueDate', due + 61, 'dueDate', due, 'overdueAmount', amount, 'openAmount', amount + fee, 'disputed', false)
      from penalty where kind = 9
  ), customers as (
    select -1 as i, 1 as seq, date '2024-12-01' + c % 30 as day, 'CustomerRegistered' as type,
           jsonb_build_object('customerId', 'C-' || c, 'name', 'Customer ' || c, 'registeredOn', date '2024-12-01' + c % 30,
                              'industry', (array['MANUFACTURING','RETAIL','CONSTRUCTION','ENERGY'])[1 + c % 4],
                              'region', (array['East China','South China','North China'])[1 + c % 3],
                              'salesOwner', 'sales-' || (c % 50)) as data, 'customer-C-' || c as stream
      from generate_series(0, $2::int - 1) c
    union all
    select -1, 2, date '2025-06-01' + c % 200, 'CreditTierChanged',
           jsonb_build_object('customerId', 'C-' || c, 'tier', (array['STRATEGIC','COOPERATIVE','CAUTIOUS'])[1 + c % 3],
                              'date', date '2025-06-01' + c % 200),
           'customer-C-' || c
      from generate_series(0, $2::int - 1) c where c % 3 = 0
  ), all_events as (
    select i, seq, day, type, data, 'invoice-INV-' || i as stream from ev
    union all
    select * from customers
  )
  insert into events (event_id, stream_id, stream_position, event_type, data, metadata, recorded_at)
  select md5(stream || '/' || seq)::uuid, stream, seq, type, data, '{}'::jsonb, day + time '10:00'
    from all_events order by day, i, stream, seq`;

/**
 * Every follower of a service's store beside its projections - the evidence chain and the relays -
 * by its checkpoint's name: a live store's events were chained and published long since, so the
 * bench sets them at its end too (else they chain and publish the whole book during the rebuilds).
 */
function followersOf(service: RunningService): string[] {
  const def = [reportingService, invoicingService].find((d) => d.name === service.name)!;
  const { topics } = service.ctx;
  return [
    'evidence:chain',
    ...(def.publishes ? [`relay:${topics[def.publishes]}`, `relay:${topics.evidence}`] : []),
  ];
}

async function loadBook(pool: Pool, checkpoints: string[]): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(LOAD_EVENTS, [INVOICES, CUSTOMERS]);
    await client.query(
      'insert into streams (stream_id, version, last_transaction_id) select stream_id, max(stream_position), pg_current_xact_id() from events group by 1',
    );
    const { rows } = await client.query<{ n: string; t: string; g: string }>(
      `select count(*) as n, max(transaction_id)::text as t, max(global_position) as g from events`,
    );
    for (const name of checkpoints)
      await client.query(
        `insert into checkpoints (name, transaction_id, global_position) values ($1, $2::xid8, $3)
         on conflict (name) do update set transaction_id = excluded.transaction_id, global_position = excluded.global_position`,
        [name, rows[0]!.t, rows[0]!.g],
      );
    await client.query('commit');
    // As a live store's events are, long since: vacuumed and their hint bits set. Else the first
    // rebuild to read them writes every page it reads (setting their hint bits).
    await client.query('vacuum (analyze) events');
    // Readable once every transaction older than the load's has ended (global order).
    for (;;) {
      const { rows: readable } = await client.query<{ ok: boolean }>(
        `select $1::xid8 < ${READABLE_BEFORE} as ok`,
        [rows[0]!.t],
      );
      if (readable[0]?.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Number(rows[0]!.n);
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** A fingerprint of a read model: each table's row count and an md5 of its rows in order. */
async function fingerprint(pool: Pool, tables: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await pool.query<{ n: string; h: string }>(
      `select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${table} t`,
    );
    out[table] = `${rows[0]!.n} rows ${rows[0]!.h}`;
  }
  return out;
}

/**
 * Rebuild speed (#17 goal 4): a store of ~500,000 invoicing events (and credit-scoring's
 * customers) loaded in bulk into invoicing's and reporting's stores, then the heaviest read
 * models rebuilt through `ProjectionRunner.rebuild` - what `POST /admin/projections/:name/rebuild`
 * runs - `ROUNDS` times each, alternating: reporting's aging (invoices, settlements, customers'
 * dimensions and their history, instalment plans) and invoicing's invoice list (each invoice's
 * due date from its own state). Each rebuild's read model is fingerprinted: every round must
 * produce the same rows.
 */
export async function rebuildBench(databaseUrl: string, notifier: AppendNotifier) {
  const loadBefore = loadavg().map((l) => Number(l.toFixed(1)));
  const run = `bench_rebuild_${Date.now().toString(36)}`;
  const infra = {
    databaseUrl,
    bus: new InProcessBus(),
    notifier,
    logger: pino({ level: process.env.BENCH_LOG ?? 'silent' }),
    host: '127.0.0.1',
    port: 0,
    auth: testAuth,
    clock: new BusinessClock('2026-11-01'),
  };
  const services: RunningService[] = [];
  try {
    const reporting = await startService(reportingService, { ...infra, schema: `${run}_reporting` });
    services.push(reporting);
    const invoicing = await startService(invoicingService, { ...infra, schema: `${run}_invoicing` });
    services.push(invoicing);
    const targets = [
      { service: reporting, projection: 'aging' },
      { service: invoicing, projection: 'invoice-list' },
    ];
    const tablesOf = (name: string, service: RunningService) =>
      [reportingService, invoicingService].find((def) => def.name === service.name)!.projections!(
        service.ctx,
      ).find((p) => p.name === name)!.tables;
    const loadStarted = performance.now();
    let events = 0;
    for (const service of [reporting, invoicing]) {
      // Minutes of bulk work on a busy machine: no query timeout.
      const pool = createLongWorkPool(databaseUrl, `${run}_${service.name}`);
      try {
        events = await loadBook(pool, [
          ...targets.filter((t) => t.service === service).map((t) => `projection:${t.projection}`),
          ...followersOf(service),
        ]);
      } finally {
        await pool.end();
      }
    }
    const loadSeconds = Number(((performance.now() - loadStarted) / 1000).toFixed(1));
    console.log(`rebuild: ${events} events loaded in each store in ${loadSeconds} s`);

    const results: Record<
      string,
      { eventsPerSecond: number[]; ms: number[]; tables: Record<string, string> }
    > = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const { service, projection } of round % 2 ? [...targets].reverse() : targets) {
        const runner = service.ctx.projections.get(projection)!;
        const summary = await runner.rebuild();
        console.log(`rebuild: ${JSON.stringify(summary)}`);
        // Reporting's own events (its daily KPI snapshot) may come beside the ones loaded.
        if (summary.events < events)
          throw new Error(`${projection} rebuild read ${summary.events} events, expected ${events}`);
        if (summary.parked !== 0) throw new Error(`${projection} rebuild parked ${summary.parked} events`);
        const tables = await fingerprint(service.ctx.pool, tablesOf(projection, service));
        results[projection] ??= { eventsPerSecond: [], ms: [], tables };
        const result = results[projection];
        if (JSON.stringify(tables) !== JSON.stringify(result.tables))
          throw new Error(`${projection}: round ${round + 1} built other rows than round 1`);
        result.ms.push(summary.ms);
        result.eventsPerSecond.push(Math.round(summary.events / (summary.ms / 1000)));
        console.log(
          `rebuild: ${projection} ${events} events in ${summary.ms} ms, ${result.eventsPerSecond.at(-1)} events/s`,
        );
      }
    }
    return {
      scenario: `POST /admin/projections/:name/rebuild's ProjectionRunner.rebuild over ${events} events (${INVOICES} invoices, ${CUSTOMERS} customers), ${ROUNDS} alternating rounds`,
      commit: execSync('git rev-parse --short HEAD').toString().trim(),
      events,
      loadSeconds,
      projections: Object.fromEntries(
        Object.entries(results).map(([name, r]) => [
          name,
          {
            eventsPerSecond: r.eventsPerSecond,
            medianEventsPerSecond: [...r.eventsPerSecond].sort((a, b) => a - b)[
              Math.floor(r.eventsPerSecond.length / 2)
            ],
            ms: r.ms,
            rows: Object.fromEntries(Object.entries(r.tables).map(([t, f]) => [t, Number(f.split(' ')[0])])),
          },
        ]),
      ),
      loadAverage: { before: loadBefore, after: loadavg().map((l) => Number(l.toFixed(1))) },
    };
  } finally {
    for (const service of services) await service.stop();
    const admin = createSchemaPool(databaseUrl, 'public');
    if (!process.env.BENCH_KEEP)
      for (const schema of [`${run}_reporting`, `${run}_invoicing`])
        await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}
