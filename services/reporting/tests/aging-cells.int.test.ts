import { randomUUID } from 'node:crypto';
import { addDays, BusinessCalendar } from '@ar/kernel';
import type { RunningService } from '@ar/platform';
import type { OrderedEvent } from '@ar/postgres';
import { inProcessPlatform } from '../../../tests/support/platform';
import { agingBuckets } from '../src/aging/buckets';
import { RECOMPUTE_AGING_CELLS_SQL } from '../src/aging/cells';
import { agingProjection } from '../src/aging/projection';
import {
  AGING_DIMENSIONS,
  type AgingDimension,
  agingAsOf,
  ceiForPeriod,
  collectedWithinRate,
  dsoAsOf,
  outstandingAsOf,
  overdueRateAsOf,
  overdueRateTrend,
  topOverdueCustomers,
} from '../src/aging/query';
import { reportingService } from '../src/service';

/** A small seeded PRNG (mulberry32), so a failing history is the same on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);

/**
 * A random history of a small book: customers registered (some after their first invoice), tiers
 * changed (some back-dated), invoices in two currencies, payments, discounts, credit notes,
 * write-offs and corrected payment splits dated anywhere around the invoice (before its issue
 * too), a few instalment plans - all recorded in a shuffled order (facts recorded late, settlements
 * before their invoice), some twice.
 */
function randomHistory(seed: number) {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const int = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
  const facts: { type: string; data: Record<string, unknown> }[] = [];
  const customers = ['C-1', 'C-2', 'C-3', 'C-4'];
  for (const customerId of customers) {
    if (customerId !== 'C-4')
      facts.push({
        type: 'CustomerRegistered',
        data: {
          customerId,
          name: customerId,
          industry: pick(['RETAIL', 'ENERGY']),
          region: pick(['East China', 'West China']),
          salesOwner: pick(['sales-li', 'sales-wang']),
          registeredOn: day(int(-30, 60)),
        },
      });
    for (let n = int(0, 3); n > 0; n--)
      facts.push({
        type: 'CreditTierChanged',
        data: { customerId, tier: pick(['STRATEGIC', 'COOPERATIVE', 'CAUTIOUS']), date: day(int(-10, 150)) },
      });
  }
  for (let i = 0; i < 30; i++) {
    const invoiceId = `INV-${seed}-${i}`;
    const issue = int(0, 100);
    const amount = int(1, 20) * 1000;
    facts.push({
      type: 'InvoiceIssued',
      data: {
        invoiceId,
        customerId: pick(customers),
        currency: i % 4 === 0 ? 'USD' : 'CNY',
        amount,
        issueDate: day(issue),
        dueDate: day(issue + int(0, 60)),
      },
    });
    for (let n = int(0, 3); n > 0; n--) {
      const date = day(issue + int(-5, 120));
      const part = int(1, 12) * 500;
      facts.push(
        pick([
          { type: 'PaymentAllocated', data: { invoiceId, paymentDate: date, toPrincipal: part } },
          { type: 'DiscountTaken', data: { invoiceId, paymentDate: date, amount: part } },
          { type: 'CreditNoteIssued', data: { invoiceId, issueDate: date, amount: part } },
          { type: 'InvoiceWrittenOff', data: { invoiceId, writtenOffDate: date, principal: part } },
          {
            type: 'PaymentReallocated',
            data: { invoiceId, paymentDate: date, toPrincipal: part, previous: { toPrincipal: part + 500 } },
          },
        ]),
      );
    }
    if (i % 7 === 3) {
      const agreed = issue + int(5, 40);
      const first = Math.floor(amount / 2);
      facts.push({
        type: 'InstalmentPlanApplied',
        data: {
          invoiceId,
          planId: `PLAN-${invoiceId}`,
          agreedDate: day(agreed),
          instalments: [
            { dueDate: day(agreed + 10), amount: first, principal: first },
            { dueDate: day(agreed + 40), amount: amount - first, principal: amount - first },
          ],
        },
      });
    }
  }
  // Recorded in any order, a few twice (a redelivery).
  const recorded = facts.map((fact) => ({ fact, key: random() }));
  recorded.sort((a, b) => a.key - b.key);
  const events: OrderedEvent[] = recorded.map(({ fact }, n) => ({
    eventId: randomUUID(),
    streamId: `s-${n}`,
    streamPosition: 1,
    globalPosition: BigInt(n + 1),
    type: fact.type,
    data: fact.data,
    metadata: {},
    recordedAt: new Date(Date.UTC(2026, 6, 1)),
    checkpoint: { transactionId: '1', globalPosition: String(n + 1) },
  })) as unknown as OrderedEvent[];
  for (let n = 0; n < 5; n++) events.splice(int(0, events.length), 0, events[int(0, events.length - 1)]!);
  return events;
}

/**
 * The aging cells (#17 goal 3: as-of reports whose cost follows days and dimensions) give every
 * figure the plain row computation gives (`outstandingAsOf` over each invoice and its
 * settlements, each customer under its attributes as of the date) - by customer too, from the
 * customers' dues and the invoices with a fact after the date - for random histories with
 * facts recorded late and back-dated, at every stage of the recording - so a past date's figures
 * move only with a fact dated by then, as the rows' do.
 */
describe('reporting: aging cells answer as the invoice rows do', () => {
  const platform = inProcessPlatform('cells', '2026-01-02');
  let reporting: RunningService;
  const buckets = agingBuckets([15, 30, 60]);
  const firstDays = buckets.slice(1).map((b) => b.from);
  const dates = Array.from({ length: 34 }, (_, n) => day(-14 + n * 7));

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
  });
  afterAll(() => platform.stop());

  /** The rows' answer: every invoice as it stood on the date, grouped as the report groups it. */
  async function rowAging(asOf: string, by?: AgingDimension) {
    const { rows } = await reporting.ctx.pool.query<Record<string, string>>(
      `select i.currency, ${by ? AGING_DIMENSIONS[by] : 'null::text'} as grp,
              width_bucket($1::date - i.due_date, $2::int[]) as b, sum(i.open)::text as amount, sum(i.counts)::text as count
         from (${outstandingAsOf('$1::date')}) i left join customer_dimensions c using (customer_id)
        where i.open > 0 group by 1, 2, 3 order by 1, 2, 3`,
      [asOf, firstDays],
    );
    return rows.map((r) => `${r.currency}|${r.grp}|${buckets[Number(r.b)]!.label}|${r.amount}|${r.count}`);
  }
  const cellAging = async (asOf: string, by?: AgingDimension) =>
    (await agingAsOf(reporting.ctx.pool, asOf, buckets, by)).flatMap((r) =>
      r.buckets
        .filter((b) => b.count > 0 || Number(b.amount) > 0)
        .map((b) => `${r.currency}|${r.group}|${b.bucket}|${b.amount}|${b.count}`),
    );
  const sorted = (lines: string[]) => [...lines].sort();

  async function rowRates(asOf: string) {
    const { rows } = await reporting.ctx.pool.query<Record<string, string>>(
      `select i.currency, sum(i.open)::text as outstanding,
              coalesce(sum(i.open) filter (where i.due_date < $1::date), 0)::text as overdue, sum(i.counts)::text as n
         from (${outstandingAsOf('$1::date')}) i where i.open > 0 group by 1 order by 1`,
      [asOf],
    );
    return rows.map((r) => `${r.currency}|${r.outstanding}|${r.overdue}|${r.n}`);
  }

  /**
   * The rows' top overdue customers: each customer's principal past due on the date (by currency),
   * its overdue invoices and the oldest one's days, most overdue first (then customer, currency).
   */
  async function rowTopOverdue(asOf: string, limit: number) {
    const { rows } = await reporting.ctx.pool.query<Record<string, string>>(
      `select i.currency, i.customer_id, sum(i.open)::text as overdue, count(distinct i.invoice_id)::text as n,
              max($1::date - i.due_date)::text as oldest
         from (${outstandingAsOf('$1::date')}) i
        where i.open > 0 and i.due_date < $1::date group by 1, 2`,
      [asOf],
    );
    return rows
      .sort(
        (a, b) =>
          Number(b.overdue) - Number(a.overdue) ||
          a.customer_id!.localeCompare(b.customer_id!) ||
          a.currency!.localeCompare(b.currency!),
      )
      .slice(0, limit)
      .map((r) => `${r.currency}|${r.customer_id}|${r.overdue}|${r.n}|${r.oldest}`);
  }

  /**
   * The rows' collection rate: each invoice issued in the period by the date, and its payments
   * dated by its issue date + `days` and by the date.
   */
  async function rowCollectionRate(asOf: string, days: number, from: string | null, to: string) {
    const { rows } = await reporting.ctx.pool.query<Record<string, string>>(
      `select i.currency, sum(i.amount)::text as invoiced,
              coalesce(sum((select sum(s.amount) from aging_settlements s
                             where s.invoice_id = i.invoice_id and s.kind = 'PAYMENT'
                               and s.settled_date <= least(i.issue_date + $2::int, $1::date))), 0)::text as collected
         from aging_invoices i
        where i.issue_date <= least($4::date, $1::date) and ($3::date is null or i.issue_date >= $3::date)
        group by 1 order by 1`,
      [asOf, days, from, to],
    );
    return rows.map((r) => `${r.currency}|${r.invoiced}|${r.collected}`);
  }

  /**
   * The rows' CEI figures for a period: what was outstanding the day before it and at its end
   * (each invoice's open part above zero; at the end, also of those not due yet), the sales in it.
   */
  async function rowCei(from: string, to: string) {
    const { rows } = await reporting.ctx.pool.query<Record<string, string>>(
      `with opening as (${outstandingAsOf('($1::date - 1)')}), closing as (${outstandingAsOf('$2::date')})
       select c.currency,
              coalesce((select sum(open) from opening o where o.currency = c.currency and o.open > 0), 0)::text as opening,
              coalesce((select sum(amount) from aging_invoices i
                         where i.currency = c.currency and i.issue_date between $1::date and $2::date), 0)::text as sales,
              coalesce(sum(c.open) filter (where c.open > 0), 0)::text as closing,
              coalesce(sum(c.open) filter (where c.open > 0 and c.due_date >= $2::date), 0)::text as current
         from closing c group by 1 having sum(c.open) filter (where c.open > 0) > 0 order by 1`,
      [from, to],
    );
    return rows.map((r) => `${r.currency}|${r.opening}|${r.sales}|${r.closing}|${r.current}`);
  }

  async function expectCellsAsRows(context: string) {
    for (const [from, to] of [
      [day(0), day(30)],
      [day(31), day(90)],
      [day(60), day(200)],
      [day(-30), day(-1)],
    ] as const) {
      const cei = (await ceiForPeriod(reporting.ctx.pool, from, to))
        .filter((r) => Number(r.closing) > 0)
        .map((r) => `${r.currency}|${r.opening}|${r.sales}|${r.closing}|${r.closingCurrent}`);
      expect([context, from, to, cei]).toEqual([context, from, to, await rowCei(from, to)]);
    }
    for (const asOf of dates) {
      for (const [days, from, to] of [
        [60, null, addDays(asOf, -60)],
        [30, null, addDays(asOf, -30)],
        [45, day(10), day(70)],
        [60, day(30), asOf],
      ] as const) {
        const rates = (await collectedWithinRate(reporting.ctx.pool, asOf, days, { from, to })).map(
          (r) => `${r.currency}|${r.invoiced}|${r.collected}`,
        );
        expect([context, asOf, days, from, to, rates]).toEqual([
          context,
          asOf,
          days,
          from,
          to,
          await rowCollectionRate(asOf, days, from, to),
        ]);
      }
      for (const limit of [3, 100])
        expect([context, asOf, limit, await topOverdueCustomers(reporting.ctx.pool, asOf, limit)]).toEqual([
          context,
          asOf,
          limit,
          (await rowTopOverdue(asOf, limit)).map((line) => {
            const [currency, customerId, overdue, invoices, oldest] = line.split('|');
            return expect.objectContaining({
              currency,
              customerId,
              overdue: Number(overdue),
              invoices: Number(invoices),
              oldestDaysOverdue: Number(oldest),
            });
          }),
        ]);
      for (const by of [undefined, 'tier', 'industry', 'region', 'salesOwner', 'customer'] as const)
        expect([context, asOf, by, sorted(await cellAging(asOf, by))]).toEqual([
          context,
          asOf,
          by,
          sorted(await rowAging(asOf, by)),
        ]);
      const rates = (await overdueRateAsOf(reporting.ctx.pool, asOf)).map(
        (r) => `${r.currency}|${r.outstanding.amount}|${r.overdue.amount}|${r.outstanding.count}`,
      );
      expect([context, asOf, rates]).toEqual([context, asOf, await rowRates(asOf)]);
      const { rows: sales } = await reporting.ctx.pool.query<{ currency: string; sales: string }>(
        `select currency, sum(amount)::text as sales from aging_invoices
          where issue_date > $1::date - 30 and issue_date <= $1::date group by 1`,
        [asOf],
      );
      for (const dso of await dsoAsOf(reporting.ctx.pool, asOf, 30))
        expect([context, asOf, dso.currency, String(dso.sales)]).toEqual([
          context,
          asOf,
          dso.currency,
          sales.find((s) => s.currency === dso.currency)?.sales ?? '0',
        ]);
    }
    // The trend: each day's outstanding and overdue as the rows age the book that day.
    const trend = await overdueRateTrend(reporting.ctx.pool, day(0), day(120));
    for (const point of trend.filter((_, n) => n % 5 === 0)) {
      const row = (await rowRates(point.day)).find((r) => r.startsWith(`${point.currency}|`));
      expect([context, point.day, `${point.currency}|${point.outstanding}|${point.overdue}`]).toEqual([
        context,
        point.day,
        row?.split('|').slice(0, 3).join('|'),
      ]);
    }
  }

  it.each([1, 2, 3])('random history %i: every stage of its recording', async (seed) => {
    const pool = reporting.ctx.pool;
    await pool.query(
      `truncate aging_invoices, aging_settlements, customer_dimensions, customer_attribute_history,
                aging_plan_instalments, aging_cells, aging_sales_days, aging_cell_totals,
                aging_customer_dues, aging_customer_books, aging_collected_days`,
    );
    const projection = agingProjection(new BusinessCalendar());
    const events = randomHistory(seed);
    const stages = [Math.floor(events.length / 3), Math.floor((2 * events.length) / 3), events.length];
    let done = 0;
    for (const stage of stages) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await projection.apply(client, events.slice(done, stage));
        await client.query('commit');
      } finally {
        client.release();
      }
      done = stage;
      await expectCellsAsRows(`seed ${seed}, ${done} of ${events.length} events`);
    }
    // A rebuild from the rows gives the cells, their totals and the customers' dues the events gave, one by one.
    const cells = async () => ({
      cells: (
        await pool.query<Record<string, string>>(
          `select dimension, value, currency, due_date::text, event_date::text, amount::text, count::text
             from aging_cells where amount <> 0 or count <> 0 order by 1, 2, 3, 4, 5`,
        )
      ).rows,
      totals: (
        await pool.query<Record<string, string>>(
          `select dimension, value, currency, due_date::text, amount::text, count::text
             from aging_cell_totals where amount <> 0 or count <> 0 order by 1, 2, 3, 4`,
        )
      ).rows,
      // A due date with nothing left keeps its row (its running totals are the row's before it).
      dues: (
        await pool.query<Record<string, string>>(
          `select customer_id, currency, due_date::text, amount::text, count::text, amount_upto::text, count_upto::text
             from aging_customer_dues where amount <> 0 or count <> 0 order by 1, 2, 3`,
        )
      ).rows,
      books: (
        await pool.query<Record<string, string>>(
          `select customer_id, currency, amount::text, count::text
             from aging_customer_books where amount <> 0 or count <> 0 order by 1, 2`,
        )
      ).rows,
      collected: (
        await pool.query<Record<string, string>>(
          `select currency, issue_date::text, paid_date::text, amount::text
             from aging_collected_days where amount <> 0 order by 1, 2, 3`,
        )
      ).rows,
    });
    const incremental = await cells();
    await pool.query(RECOMPUTE_AGING_CELLS_SQL());
    expect(await cells()).toEqual(incremental);
  });
});
