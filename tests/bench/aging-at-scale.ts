import { InProcessBus } from '@ar/messaging';
import { BusinessClock, startService } from '@ar/platform';
import { type AppendNotifier, createSchemaPool } from '@ar/postgres';
import { RECOMPUTE_SETTLED_TOTALS, reportingService } from '@ar/reporting';
import pino from 'pino';
import { authHeaders, testAuth } from '../support/auth';

const OPEN_INVOICES = Number(process.env.BENCH_OPEN_INVOICES ?? 1_000_000);
const SETTLED_INVOICES = Number(process.env.BENCH_SETTLED_INVOICES ?? 500_000);
const CUSTOMERS = 10_000;
const AS_OF = '2026-11-01';
const REPEATS = 3;

/**
 * The aging reports over a book of 1,000,000 open invoices (plus fully settled ones and partial
 * payments) on this machine. The read model's tables are loaded in bulk with SQL - the same rows
 * the aging projection writes from InvoiceIssued and settlement events - because feeding a
 * million events through HTTP would measure ingestion (scenario 1), not the report.
 * Deterministic: the same rows on every run.
 */
export async function agingAtScale(databaseUrl: string, notifier: AppendNotifier) {
  const schema = `bench_aging_${Date.now().toString(36)}`;
  const reporting = await startService(reportingService, {
    databaseUrl,
    schema,
    bus: new InProcessBus(),
    notifier,
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    auth: testAuth,
    clock: new BusinessClock(AS_OF),
  });
  const pool = reporting.ctx.pool;
  const loadStarted = performance.now();
  await pool.query(
    `insert into customer_dimensions (customer_id, name, industry, region, sales_owner, tier)
     select 'C-' || c, 'Customer ' || c,
            (array['MANUFACTURING','RETAIL','CONSTRUCTION','ENERGY','LOGISTICS','HEALTHCARE','AGRICULTURE','SOFTWARE'])[1 + c % 8],
            (array['East China','South China','North China','Central China','West China','Northeast China'])[1 + c % 6],
            'sales-' || (c % 50),
            (array['STRATEGIC','COOPERATIVE','CAUTIOUS'])[1 + c % 3]
       from generate_series(0, $1::int - 1) c`,
    [CUSTOMERS],
  );
  // Open invoices issued over the 22 months before the report date, due in 30, 45 or 60 days.
  await pool.query(
    `insert into aging_invoices (invoice_id, customer_id, currency, amount, issue_date, due_date)
     select 'A-' || i, 'C-' || ((i::bigint * 7919) % $2), 'CNY', 10000 + (i::bigint * 104729) % 5000000,
            date '2025-01-01' + (i * 31) % 669, date '2025-01-01' + (i * 31) % 669 + 30 + (i % 3) * 15
       from generate_series(0, $1::int - 1) i`,
    [OPEN_INVOICES, CUSTOMERS],
  );
  // Two in five open invoices paid in part; the settled ones paid in full before they fell due.
  await pool.query(
    `insert into aging_settlements (event_id, invoice_id, settled_date, amount)
     select md5('partial' || invoice_id)::uuid, invoice_id, issue_date + 20 + n % 40, amount / 3
       from aging_invoices cross join lateral (select substr(invoice_id, 3)::int as n) i
      where invoice_id like 'A-%' and n % 5 < 2`,
  );
  await pool.query(
    `insert into aging_invoices (invoice_id, customer_id, currency, amount, issue_date, due_date)
     select 'P-' || i, 'C-' || ((i::bigint * 7919) % $2), 'CNY', 10000 + (i::bigint * 15485863) % 5000000,
            date '2025-01-01' + (i * 17) % 600, date '2025-01-01' + (i * 17) % 600 + 30
       from generate_series(0, $1::int - 1) i`,
    [SETTLED_INVOICES, CUSTOMERS],
  );
  await pool.query(
    `insert into aging_settlements (event_id, invoice_id, settled_date, amount)
     select md5('settled' || invoice_id)::uuid, invoice_id, issue_date + 10, amount from aging_invoices where invoice_id like 'P-%'`,
  );
  await pool.query(RECOMPUTE_SETTLED_TOTALS);
  await pool.query('analyze');
  const loadSeconds = Number(((performance.now() - loadStarted) / 1000).toFixed(1));

  const queries: Record<string, string> = {
    aging: `/reports/aging?asOf=${AS_OF}`,
    agingByTier: `/reports/aging?asOf=${AS_OF}&by=tier`,
    agingByCustomer: `/reports/aging?asOf=${AS_OF}&by=customer`,
    agingPastDate: '/reports/aging?asOf=2026-03-31',
    agingCsvByRegion: `/reports/aging?asOf=${AS_OF}&by=region&format=csv`,
    overdueRate: `/reports/overdue-rate?asOf=${AS_OF}`,
    topOverdueCustomers: `/reports/top-overdue-customers?asOf=${AS_OF}&limit=10`,
    overdueRateTrend90Days: '/reports/overdue-rate/trend?from=2026-08-04&to=2026-11-01',
    salesOwnersQuarter: '/reports/sales-owners?from=2026-08-01&to=2026-10-31',
    dso: `/reports/dso?asOf=${AS_OF}`,
  };
  const medianMs: Record<string, number> = {};
  let openCount = 0;
  for (const [name, url] of Object.entries(queries)) {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now();
      const res = await reporting.app.inject({ headers: await authHeaders(), method: 'GET', url });
      times.push(performance.now() - started);
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
      if (name === 'aging') openCount = res.json().reports[0].total.count;
    }
    times.sort((a, b) => a - b);
    medianMs[name] = Math.round(times[Math.floor(times.length / 2)]!);
    console.log(`aging at scale: ${name} ${medianMs[name]} ms`);
  }
  if (openCount !== OPEN_INVOICES)
    throw new Error(`aging counted ${openCount} open invoices, expected ${OPEN_INVOICES}`);
  await reporting.stop();
  const admin = createSchemaPool(databaseUrl, 'public');
  // BENCH_KEEP=1 leaves the book in place to look at query plans.
  if (!process.env.BENCH_KEEP) await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
  return {
    scenario: `GET the aging reports over ${OPEN_INVOICES} open invoices (${SETTLED_INVOICES} more fully settled, ${CUSTOMERS} customers), median of ${REPEATS}`,
    openInvoices: openCount,
    loadSeconds,
    medianMs,
  };
}
