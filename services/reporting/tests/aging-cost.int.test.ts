import { randomUUID } from 'node:crypto';
import { BusinessCalendar } from '@ar/kernel';
import type { RunningService } from '@ar/platform';
import type { OrderedEvent } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import { inProcessPlatform } from '../../../tests/support/platform';
import { agingBuckets } from '../src/aging/buckets';
import { agingProjection } from '../src/aging/projection';
import {
  type AgingDimension,
  agingAsOf,
  ceiForPeriod,
  collectedWithinRate,
  topOverdueCustomers,
} from '../src/aging/query';
import { reportingService } from '../src/service';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);

/**
 * A book of 600 invoices over 30 customers and half a year, two in five paid in part on the way,
 * customers re-tiered; 3 invoices with a fact dated after 2026-07-31 (a later payment, a late issue).
 */
function book(): OrderedEvent[] {
  const facts: { type: string; data: Record<string, unknown> }[] = [];
  for (let c = 0; c < 30; c++) {
    facts.push({
      type: 'CustomerRegistered',
      data: {
        customerId: `C-${c}`,
        name: `C-${c}`,
        industry: ['RETAIL', 'ENERGY', 'SOFTWARE'][c % 3],
        region: ['East China', 'West China'][c % 2],
        salesOwner: `sales-${c % 4}`,
        registeredOn: day(0),
      },
    });
    facts.push({
      type: 'CreditTierChanged',
      data: { customerId: `C-${c}`, tier: ['STRATEGIC', 'CAUTIOUS'][c % 2], date: day(c * 5) },
    });
  }
  for (let i = 0; i < 600; i++) {
    const invoiceId = `INV-${i}`;
    const issue = (i * 7) % 180;
    facts.push({
      type: 'InvoiceIssued',
      data: {
        invoiceId,
        customerId: `C-${(i * 13) % 30}`,
        currency: 'CNY',
        amount: 10_000 + i,
        issueDate: day(issue),
        dueDate: day(issue + 30 + (i % 3) * 15),
      },
    });
    if (i % 5 < 2)
      facts.push({
        type: 'PaymentAllocated',
        data: { invoiceId, paymentDate: day(issue + 10 + (i % 17)), toPrincipal: 3_000 },
      });
  }
  // The facts dated after the report date: two later payments and an invoice issued later.
  facts.push({
    type: 'PaymentAllocated',
    data: { invoiceId: 'INV-1', paymentDate: day(240), toPrincipal: 1 },
  });
  facts.push({
    type: 'PaymentAllocated',
    data: { invoiceId: 'INV-2', paymentDate: day(250), toPrincipal: 2 },
  });
  facts.push({
    type: 'InvoiceIssued',
    data: {
      invoiceId: 'INV-LATE',
      customerId: 'C-1',
      currency: 'CNY',
      amount: 5_000,
      issueDate: day(245),
      dueDate: day(275),
    },
  });
  return facts.map((fact, n) => ({
    eventId: randomUUID(),
    streamId: `s-${n}`,
    streamPosition: 1,
    globalPosition: BigInt(n + 1),
    type: fact.type,
    data: fact.data,
    metadata: {},
    recordedAt: new Date(Date.UTC(2026, 8, 1)),
    checkpoint: { transactionId: '1', globalPosition: String(n + 1) },
  })) as unknown as OrderedEvent[];
}

/**
 * How many rows of a table the statements of the current transaction read so far (by scans and
 * through indexes): PostgreSQL's per-transaction counters, so no other session's reads count.
 * Index-only scans are off in the measuring transaction, so a row read through an index counts.
 */
async function rowsRead(client: PoolClient, table: string) {
  const { rows } = await client.query<{ n: string }>(
    `select coalesce((select seq_tup_read + idx_tup_fetch from pg_stat_xact_user_tables
                       where relid = $1::regclass), 0)::text as n`,
    [table],
  );
  return Number(rows[0]!.n);
}

/**
 * #17 goal 3: the aging as of a date late in the book costs the days, dimension values and
 * customers, plus what changed after that date - not one read per invoice or per cell. Counted
 * as rows read (the plans' costs, not times: no assertion on a clock).
 */
describe('reporting: the aging as of a recent date reads what changed since, not the whole book', () => {
  const platform = inProcessPlatform('agingcost', '2026-01-02');
  let reporting: RunningService;
  const buckets = agingBuckets([30, 60, 90]);
  const asOf = day(211); // 2026-07-31: after every fact but three

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    const client = await reporting.ctx.pool.connect();
    try {
      await client.query('begin');
      await agingProjection(new BusinessCalendar()).apply(client, book());
      await client.query('commit');
      await client.query(
        'analyze aging_invoices, aging_settlements, aging_cells, customer_attribute_history',
      );
    } finally {
      client.release();
    }
  });
  afterAll(() => platform.stop());

  /** The aging and the rows each table gave it. */
  async function measured(by?: AgingDimension) {
    return measuring((pool) => agingAsOf(pool, asOf, buckets, by));
  }
  /** A report and the rows each table gave it, in one transaction of its own. */
  async function measuring<T>(report: (pool: Pool) => Promise<T>) {
    const client = await reporting.ctx.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_indexonlyscan = off');
      const before = {
        invoices: await rowsRead(client, 'aging_invoices'),
        cells: await rowsRead(client, 'aging_cells'),
        settlements: await rowsRead(client, 'aging_settlements'),
      };
      const result = await report(client as unknown as Pool);
      const read = {
        invoices: (await rowsRead(client, 'aging_invoices')) - before.invoices,
        cells: (await rowsRead(client, 'aging_cells')) - before.cells,
        settlements: (await rowsRead(client, 'aging_settlements')) - before.settlements,
      };
      await client.query('commit');
      return { report: result, read };
    } finally {
      client.release();
    }
  }

  it('by customer: reads only the invoices with a fact after the date, not each open invoice', async () => {
    const { report, read } = await measured('customer');
    expect(report).toHaveLength(30);
    // INV-1, INV-2 (paid again later) and INV-LATE (issued later): 3 invoices, not 600.
    expect(read.invoices).toBeLessThanOrEqual(3 * 3);
  });

  it("top overdue customers: reads the invoices with a fact after the date and the top ones' invoices", async () => {
    const { report, read } = await measuring((pool) => topOverdueCustomers(pool, asOf, 2));
    expect(report).toHaveLength(2);
    // Each customer holds 20 of the 600 invoices: the late 3 (at most 3 reads each) and 2 x 20, not 600.
    expect(read.invoices).toBeLessThanOrEqual(3 * 3 + 2 * 20);
  });

  it('the collection rate: reads the cash per issue and payment date, not the invoices or their payments', async () => {
    const { report, read } = await measuring((pool) => collectedWithinRate(pool, asOf, 60));
    expect(report).toMatchObject([{ currency: 'CNY' }]);
    expect(read).toMatchObject({ invoices: 0, settlements: 0 });
  });

  it('CEI: reads the cells of the book at both ends of the period, not the invoices', async () => {
    const { report, read } = await measuring((pool) => ceiForPeriod(pool, day(151), asOf));
    expect(report).toMatchObject([{ currency: 'CNY' }]);
    // None of the 601 invoices' settlements; of the invoices, at most the row each end's look-up
    // for invoices on a plan starts (this book has none).
    expect(read.settlements).toBe(0);
    expect(read.invoices).toBeLessThanOrEqual(2);
  });

  it.each(['tier', 'region'] as const)(
    'by %s: reads the cells dated after the date, not every cell of the dimension',
    async (by) => {
      const { rows } = await reporting.ctx.pool.query<{ cells: string; late: string }>(
        `select count(*)::text as cells, count(*) filter (where event_date > $2::date)::text as late
           from aging_cells where dimension = $1`,
        [by, asOf],
      );
      const { cells, late } = { cells: Number(rows[0]!.cells), late: Number(rows[0]!.late) };
      expect(cells).toBeGreaterThan(300);
      const { read } = await measured(by);
      // The late cells counted once to choose the plan, then read: not the dimension's every cell.
      expect(read.cells).toBeLessThanOrEqual(2 * late + 2);
    },
  );
});

/**
 * #17 goal 2, found by profiling `POST /invoices` under load: the live batch's statements were
 * prepared once per connection, and PostgreSQL kept the plan it made while the book was empty - a
 * scan of every invoice row for each batch (47 ms a statement over 6,791 invoices, four a batch,
 * growing with the book). A batch reads its own invoices, however small the book was when the
 * connection first ran it.
 */
describe('reporting: a live aging batch reads its own invoices, not the book', () => {
  const platform = inProcessPlatform('agingbatch', '2026-01-02');
  let reporting: RunningService;
  let position = 0;
  const issued = (id: string, customer: string): OrderedEvent =>
    ({
      eventId: randomUUID(),
      streamId: `invoice-${id}`,
      streamPosition: 1,
      globalPosition: BigInt(++position),
      type: 'InvoiceIssued',
      data: {
        invoiceId: id,
        customerId: customer,
        currency: 'CNY',
        amount: 10_000,
        issueDate: day(0),
        dueDate: day(30),
      },
      metadata: {},
      recordedAt: new Date(Date.UTC(2026, 0, 1)),
      checkpoint: { transactionId: '1', globalPosition: String(position) },
    }) as unknown as OrderedEvent;
  const paid = (id: string): OrderedEvent =>
    ({
      ...issued(id, 'x'),
      streamPosition: 2,
      type: 'PaymentAllocated',
      data: { invoiceId: id, paymentDate: day(10), toPrincipal: 4_000 },
    }) as unknown as OrderedEvent;

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
  });
  afterAll(() => platform.stop());

  it('after the book grew from nothing on the same connection', async () => {
    const projection = agingProjection(new BusinessCalendar());
    const client = await reporting.ctx.pool.connect();
    const batch = async (events: OrderedEvent[]) => {
      await client.query('begin');
      await projection.apply(client, events);
      await client.query('commit');
    };
    try {
      // The first batches, while the book is nearly empty: what a fresh deployment (or test) starts with.
      for (let b = 0; b < 8; b++) await batch([issued(`E-${b}`, `C-${b % 3}`), paid(`E-${b}`)]);
      await batch(Array.from({ length: 10_000 }, (_, i) => issued(`B-${i}`, `C-${i % 50}`)));

      // Customers registered with their dimensions and an invoice each, as a real book has them:
      // 3,000 beside the batch's.
      await batch(Array.from({ length: 3_000 }, (_, i) => issued(`K-${i}`, `K-${i}`)));
      await batch(
        Array.from({ length: 3_000 }, (_, i) => ({
          ...issued('-', '-'),
          streamId: `customer-K-${i}`,
          type: 'CustomerRegistered',
          data: {
            customerId: `K-${i}`,
            name: `K-${i}`,
            industry: 'RETAIL',
            region: 'East China',
            salesOwner: 's',
            registeredOn: day(0),
          },
        })) as unknown as OrderedEvent[],
      );
      await client.query('analyze customer_dimensions, aging_customer_dues');

      await client.query('begin');
      await client.query('set local enable_indexonlyscan = off');
      const before = await rowsRead(client, 'aging_invoices');
      const others = {
        customers: await rowsRead(client, 'customer_dimensions'),
        dues: await rowsRead(client, 'aging_customer_dues'),
      };
      const statements = jest.spyOn(client, 'query');
      await projection.apply(client, [
        ...Array.from({ length: 75 }, (_, i) => issued(`N-${i}`, `C-${i}`)),
        ...Array.from({ length: 75 }, (_, i) => paid(`B-${i * 7}`)),
      ]);
      // The cells and the customers' dues out in one statement, the rows in two (settlements,
      // invoices issued), then in again in one and the settled due dates dropped: 5 (7 before).
      expect(statements).toHaveBeenCalledTimes(5);
      statements.mockRestore();
      const read = (await rowsRead(client, 'aging_invoices')) - before;
      const readOthers = {
        customers: (await rowsRead(client, 'customer_dimensions')) - others.customers,
        dues: (await rowsRead(client, 'aging_customer_dues')) - others.dues,
      };
      await client.query('commit');
      // 150 invoices, each read by a few statements - not the book of 10,008 rows for each statement.
      expect(read).toBeLessThan(20 * 150);
      // Their 125 customers' dimensions and dues, a few times each - not the 3,000 others' for each statement.
      expect(readOthers.customers).toBeLessThan(10 * 125);
      expect(readOthers.dues).toBeLessThan(10 * 125);
    } finally {
      client.release();
    }
  });
});
