import { execSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { InProcessBus } from '@ar/messaging';
import { BusinessClock, startService } from '@ar/platform';
import { type AppendNotifier, createLongWorkPool, createSchemaPool } from '@ar/postgres';
import { RECOMPUTE_AGING_CELLS_SQL, RECOMPUTE_SETTLED_TOTALS, reportingService } from '@ar/reporting';
import pino from 'pino';
import { authHeaders, testAuth } from '../support/auth';

const OPEN_INVOICES = Number(process.env.BENCH_OPEN_INVOICES ?? 1_000_000);
const SETTLED_INVOICES = Number(process.env.BENCH_SETTLED_INVOICES ?? 500_000);
/** The small book the large one is compared with, in the same run: 100x fewer invoices, the same customers and days. */
const SMALL_OPEN_INVOICES = Number(process.env.BENCH_SMALL_OPEN_INVOICES ?? 10_000);
const SMALL_SETTLED_INVOICES = Math.round((SMALL_OPEN_INVOICES * SETTLED_INVOICES) / OPEN_INVOICES);
const CUSTOMERS = 10_000;
const AS_OF = '2026-11-01';
const REPEATS = 3;

const QUERIES: Record<string, string> = {
  aging: `/reports/aging?asOf=${AS_OF}`,
  agingByTier: `/reports/aging?asOf=${AS_OF}&by=tier`,
  agingByIndustry: `/reports/aging?asOf=${AS_OF}&by=industry`,
  agingByRegion: `/reports/aging?asOf=${AS_OF}&by=region`,
  agingByCustomer: `/reports/aging?asOf=${AS_OF}&by=customer`,
  agingPastDate: '/reports/aging?asOf=2026-03-31',
  agingCsvByRegion: `/reports/aging?asOf=${AS_OF}&by=region&format=csv`,
  overdueRate: `/reports/overdue-rate?asOf=${AS_OF}`,
  dso: `/reports/dso?asOf=${AS_OF}`,
  overdueRateTrend90Days: '/reports/overdue-rate/trend?from=2026-08-04&to=2026-11-01',
  topOverdueCustomers: `/reports/top-overdue-customers?asOf=${AS_OF}&limit=10`,
  salesOwnersQuarter: '/reports/sales-owners?from=2026-08-01&to=2026-10-31',
  // The dashboard's 60-day collection rate (every invoice whose 60 days are over by the date).
  // Its collection KPIs read collections' events, which this book, loaded as rows, has none of.
  collectionRate: `/reports/collection-rate?asOf=${AS_OF}`,
  ceiQuarter: '/reports/cei?from=2026-08-01&to=2026-10-31',
};

/**
 * Loads a book into a reporting service's aging read model in bulk with SQL - the same rows the
 * aging projection writes from InvoiceIssued and settlement events - because feeding a million
 * events through HTTP would measure ingestion (scenario 1), not the report. Deterministic: the
 * same rows on every run; then the aging cells from those rows. Returns the seconds it took.
 */
async function loadBook(
  pool: ReturnType<typeof createLongWorkPool>,
  openInvoices: number,
  settledInvoices: number,
) {
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
    [openInvoices, CUSTOMERS],
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
    [settledInvoices, CUSTOMERS],
  );
  await pool.query(
    `insert into aging_settlements (event_id, invoice_id, settled_date, amount)
     select md5('settled' || invoice_id)::uuid, invoice_id, issue_date + 10, amount from aging_invoices where invoice_id like 'P-%'`,
  );
  await pool.query(RECOMPUTE_SETTLED_TOTALS);
  // The aging cells, their totals, the customers' dues and the cash per issue and payment date
  // the projection keeps beside the rows, made from them as the migrations make them.
  await pool.query(RECOMPUTE_AGING_CELLS_SQL());
  // The book's tables only: a bare ANALYZE goes through every schema of the database.
  await pool.query(
    `analyze aging_invoices, aging_settlements, customer_dimensions, aging_cells, aging_sales_days,
             aging_cell_totals, aging_customer_dues, aging_customer_books, aging_collected_days`,
  );
  return Number(((performance.now() - loadStarted) / 1000).toFixed(1));
}

const median = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
};

/**
 * The aging reports over a book of 1,000,000 open invoices (plus fully settled ones and partial
 * payments) beside the same reports over a book of 10,000 (#17 goal 3: the cost should follow
 * days and dimensions, not invoices), in one run: each book in its own schema, each report asked
 * of both books in alternating order, REPEATS rounds; the ratio is large / small of the medians.
 */
export async function agingAtScale(databaseUrl: string, notifier: AppendNotifier) {
  const run = `bench_aging_${Date.now().toString(36)}`;
  // A report that takes seconds blocks no one here: the services' load shedding (503 when the
  // event loop lags a second) would fail the run on a busy machine instead of timing it.
  process.env.PRESSURE_MAX_EVENT_LOOP_DELAY_MS ??= '0';
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  const start = (schema: string) =>
    startService(reportingService, {
      databaseUrl,
      schema,
      bus: new InProcessBus(),
      notifier,
      logger: pino({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      clock: new BusinessClock(AS_OF),
      // A report over a million invoices on a busy machine may pass the services' 15 s bound.
      pgQueryTimeoutMs: 300_000,
    });
  const large = await start(`${run}_large`);
  const small = await start(`${run}_small`);
  // Loaded on a pool without the services' query timeout: a million rows take longer on a busy machine.
  const load = async (schema: string, open: number, settled: number) => {
    const pool = createLongWorkPool(databaseUrl, schema);
    try {
      return await loadBook(pool, open, settled);
    } finally {
      await pool.end();
    }
  };
  const loadSeconds = {
    large: await load(`${run}_large`, OPEN_INVOICES, SETTLED_INVOICES),
    small: await load(`${run}_small`, SMALL_OPEN_INVOICES, SMALL_SETTLED_INVOICES),
  };
  const books = {
    large: { service: large, open: OPEN_INVOICES },
    small: { service: small, open: SMALL_OPEN_INVOICES },
  };
  const medianMs: Record<string, { small: number; large: number; ratio: number }> = {};
  const openCounts: Record<string, number> = {};
  for (const [name, url] of Object.entries(QUERIES)) {
    const times = { small: [] as number[], large: [] as number[] };
    for (let round = 0; round < REPEATS; round++) {
      const order = round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const);
      for (const book of order) {
        const started = performance.now();
        const res = await books[book].service.app.inject({
          headers: await authHeaders(),
          method: 'GET',
          url,
        });
        times[book].push(performance.now() - started);
        if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
        if (name === 'aging') openCounts[book] = res.json().reports[0].total.count;
      }
    }
    const [s, l] = [median(times.small), median(times.large)];
    medianMs[name] = { small: s, large: l, ratio: Number((l / Math.max(s, 0.1)).toFixed(2)) };
    console.log(`aging at scale: ${name} ${s} ms / ${l} ms, ratio ${medianMs[name]!.ratio}`);
  }
  for (const [book, { open }] of Object.entries(books))
    if (openCounts[book] !== open)
      throw new Error(
        `aging counted ${openCounts[book]} open invoices in the ${book} book, expected ${open}`,
      );
  await large.stop();
  await small.stop();
  const admin = createSchemaPool(databaseUrl, 'public');
  // BENCH_KEEP=1 leaves the books in place to look at query plans.
  if (!process.env.BENCH_KEEP)
    for (const schema of [`${run}_large`, `${run}_small`]) await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
  return {
    scenario: `GET the aging reports over ${OPEN_INVOICES} open invoices (${SETTLED_INVOICES} more fully settled) beside ${SMALL_OPEN_INVOICES} (${SMALL_SETTLED_INVOICES}), ${CUSTOMERS} customers each, median of ${REPEATS} alternating rounds; ratio large / small`,
    commit: gitCommit(),
    loadAverage: { before: loadBefore, after: loadavg().map((l) => Number(l.toFixed(2))) },
    openInvoices: openCounts,
    loadSeconds,
    medianMs,
  };
}

function gitCommit() {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
