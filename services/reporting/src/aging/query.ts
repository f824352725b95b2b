import { exactTotal, type RawJson } from '@ar/contracts';
import { addDays, type IsoDate } from '@ar/kernel';
import type { Pool } from 'pg';
import { shareOf } from '../share';
import type { AgingBucket } from './buckets';

/**
 * A customer's attribute as of a date (SQL, `$1` the date): its latest value effective by then in
 * the attribute history, the later event winning on one day; before its first value, that first
 * value (an invoice dated before the customer's registration keeps the registration's
 * attributes); with no history at all, the customer's current dimensions row.
 */
export function attributeAsOf(
  attribute: 'name' | 'tier' | 'industry' | 'region' | 'salesOwner',
  customer: string,
  current: string,
  date = '$1::date',
): string {
  return `coalesce((select h.value from customer_attribute_history h
                     where h.customer_id = ${customer} and h.attribute = '${attribute}'
                     order by h.effective_date > ${date}, case when h.effective_date <= ${date} then h.effective_date end desc,
                              h.effective_date, h.position desc
                     limit 1), ${current})`;
}

/** The breakdowns of the aging; a customer counts under its attributes as of the report's date. */
export const AGING_DIMENSIONS = {
  customer: 'i.customer_id',
  tier: `coalesce(${attributeAsOf('tier', 'i.customer_id', 'c.tier')}, 'UNKNOWN')`,
  industry: `coalesce(${attributeAsOf('industry', 'i.customer_id', 'c.industry')}, 'UNKNOWN')`,
  region: `coalesce(${attributeAsOf('region', 'i.customer_id', 'c.region')}, 'UNKNOWN')`,
  salesOwner: `coalesce(${attributeAsOf('salesOwner', 'i.customer_id', 'c.sales_owner')}, 'UNKNOWN')`,
} as const;
export type AgingDimension = keyof typeof AGING_DIMENSIONS;

export interface AgingReport {
  asOf: IsoDate;
  currency: string;
  /** The value of the breakdown dimension (a customer, a tier, ...); null for the whole book. */
  group: string | null;
  /** Amounts exact at any size (`exactTotal`: a number while safe, every digit above 2^53). */
  total: { amount: number | RawJson; count: number };
  buckets: {
    bucket: string;
    fromDays: number | null;
    toDays: number | null;
    amount: number | RawJson;
    count: number;
  }[];
}

/**
 * Each invoice as it stood on `asOf`: issued by then, less what was settled by then. The one
 * definition of "outstanding as of a date" every report here uses. Invoices settled in full by
 * then are left out at once; one whose last settlement is on or before the date (all of them,
 * for today) takes its running total; only one settled again after the date sums its
 * settlements up to it.
 *
 * An invoice under an instalment plan on `asOf` (the latest agreed by then, as last revised) is one
 * row per instalment still open, due the day it is payable by (its date, or the next working day
 * of the business calendar): what was settled since the plan (the plan's principal less what is
 * open) covers the earliest instalments first, as invoicing counts it. A void plan ages the
 * invoice from its own due date.
 * `counts` is 1 on one row per invoice - its earliest open instalment - so counts stay counts of
 * invoices (an invoice with an instalment past due is overdue).
 */
export const outstandingAsOf = (asOf: string, invoices = 'aging_invoices i') => `
  select b.invoice_id, b.customer_id, b.currency, coalesce(p.payable_date, b.due_date) as due_date, b.issue_date,
         b.amount, coalesce(p.open, b.open) as open, coalesce(p.counts, 1) as counts
    from (
      select i.invoice_id, i.customer_id, i.currency, i.due_date, i.issue_date, i.amount, o.open
        from ${invoices}
        cross join lateral (
          select i.amount - case when i.last_settled_date is null then 0
                                 when i.last_settled_date <= ${asOf} then i.settled
                                 else coalesce((select sum(s.amount)::bigint from aging_settlements s
                                                 where s.invoice_id = i.invoice_id and s.settled_date <= ${asOf}), 0)
                            end as open) o
       where i.issue_date <= ${asOf} and (i.closed_date is null or i.closed_date > ${asOf})) b
    left join lateral (
      select k.payable_date,
             least(k.principal, greatest(0, k.cumulative - (k.plan_total - b.open))) as open,
             case when k.cumulative - k.principal <= k.plan_total - b.open
                   and k.plan_total - b.open < k.cumulative then 1 else 0 end as counts
        from aging_plan_instalments k
       where k.event_id = (select f.event_id from aging_plan_instalments f
                            where f.invoice_id = b.invoice_id and f.agreed_date <= ${asOf}
                            order by f.agreed_date desc, f.position desc limit 1)
         and k.seq > 0 and k.cumulative > k.plan_total - b.open) p on true`;

/** The invoices ever under an instalment plan: the cells leave them out, the reports age them from the rows. */
const PLANNED_INVOICES =
  '(select i.* from (select distinct invoice_id from aging_plan_instalments) k join aging_invoices i using (invoice_id)) i';

/**
 * What was outstanding on `asOf` per dimension value, currency and due date, with the count of
 * open invoices (cells.ts), as the CTEs `late_cells`, `recent` and `outstanding`: for invoices never
 * on a plan, either the cells of the dimension with event date by then, or - when fewer cells are
 * dated after `asOf` than the dimension has (value, currency, due date) totals, as for a date late
 * in the book - those totals over every event date less the cells dated after it: the same sums,
 * read from what changed since the date rather than from every day before it. Then the rows of
 * the invoices on a plan (`outstandingAsOf`), each with its customer.
 */
const outstandingByDueDate = (asOf: string, dimension: string, prefix = '') => `
  ${prefix}totals_held as (select count(*) as n from aging_cell_totals where dimension = ${dimension}),
  ${prefix}recent as (
    select (select count(*) from (select 1 from aging_cells where dimension = ${dimension} and event_date > ${asOf}
                                   limit (select n from ${prefix}totals_held)) l) < (select n from ${prefix}totals_held) as yes),
  ${prefix}outstanding as (
    select value, null::text as customer_id, currency, due_date, amount as open, count as counts
      from aging_cell_totals where dimension = ${dimension} and (select yes from ${prefix}recent)
    union all
    select value, null, currency, due_date, -amount, -count
      from aging_cells where dimension = ${dimension} and event_date > ${asOf} and (select yes from ${prefix}recent)
    union all
    select value, null, currency, due_date, amount, count
      from aging_cells where dimension = ${dimension} and event_date <= ${asOf} and not (select yes from ${prefix}recent)
    union all
    select null, customer_id, currency, due_date, open, counts
      from (${outstandingAsOf(asOf, PLANNED_INVOICES)}) p where open > 0)`;

/**
 * What each customer had outstanding on `$1` per currency and bucket (`$2` the overdue buckets'
 * first days), for invoices never on a plan: from the customer's book and its dues' running
 * totals (cells.ts: every fact counted), one row read per customer and bucket boundary - the
 * total due by `$1` less `$2[k]` days -, corrected by the invoices with a fact dated after `$1`
 * (their part with every fact out, their part on `$1` in, one row each); then the invoices on a plan.
 */
const BY_CUSTOMER_OUTSTANDING = `
  bounds as (select k::int as k, $1::date - d as due_by from unnest($2::int[]) with ordinality b(d, k)),
  books as (select customer_id, currency, amount, count from aging_customer_books where amount <> 0 or count <> 0),
  held as (
    -- customer by customer: its total, then what is due by each boundary (one index row each, on
    -- the same pages), each bucket the difference of two of them; buckets with nothing left out
    select b.currency, b.customer_id, p.k as bucket_index, p.open, p.counts
      from books b
      cross join lateral (
        select u.k, u.amount - coalesce(lead(u.amount) over w, 0) as open,
               u.count - coalesce(lead(u.count) over w, 0) as counts
          from (select 0 as k, b.amount, b.count
                union all
                select x.k, coalesce(t.amount_upto, 0), coalesce(t.count_upto, 0)
                  from bounds x
                  left join lateral (select t.amount_upto, t.count_upto from aging_customer_dues t
                                      where t.customer_id = b.customer_id and t.currency = b.currency
                                        and t.due_date <= x.due_by
                                      order by t.due_date desc limit 1) t on true) u
        window w as (order by u.k)) p
     where p.open <> 0 or p.counts <> 0),
  late as (
    -- never on a plan: as of $1 an invoice is its amount less what was settled by then, from its
    -- issue date, as outstandingAsOf counts it; its part with every fact out, that part in
    select i.currency, i.customer_id, width_bucket($1::date - i.due_date, $2::int[]) as bucket_index,
           case when i.issue_date <= $1::date then greatest(i.amount - s.settled, 0) else 0 end
             - greatest(i.amount - i.settled, 0) as open,
           case when i.issue_date <= $1::date and i.amount - s.settled > 0 then 1 else 0 end
             - (i.amount - i.settled > 0)::int as counts
      from aging_invoices i
      cross join lateral (
        select case when i.last_settled_date <= $1::date then i.settled
                    else coalesce((select sum(s.amount) from aging_settlements s
                                    where s.invoice_id = i.invoice_id and s.settled_date <= $1::date), 0)
               end as settled) s
     where greatest(i.issue_date, i.last_settled_date) > $1::date
       and not exists (select 1 from aging_plan_instalments k where k.invoice_id = i.invoice_id)),
  outstanding as (
    select currency, customer_id, bucket_index, open, counts from held
    union all
    select currency, customer_id, bucket_index, open, counts from late
    union all
    select currency, customer_id, width_bucket($1::date - due_date, $2::int[]), open, counts
      from (${outstandingAsOf('$1::date', PLANNED_INVOICES)}) p where open > 0)`;
const BY_CUSTOMER = `
  with ${BY_CUSTOMER_OUTSTANDING}
  select currency, customer_id as grp, bucket_index, sum(open)::text as amount, sum(counts)::text as count
    from outstanding group by 1, 2, 3 having sum(open) > 0 or sum(counts) > 0`;

/** Outstanding amount and count per bucket as of a date, per currency (and per group when asked). */
export async function agingAsOf(
  pool: Pool,
  asOf: IsoDate,
  buckets: AgingBucket[],
  by?: AgingDimension,
): Promise<AgingReport[]> {
  // The overdue buckets' first days (1, 31, 61, ...): width_bucket gives 0 for not yet due, 1 for
  // the first overdue bucket, and so on.
  const firstDays = buckets.filter((b) => b.from !== Number.MIN_SAFE_INTEGER).map((b) => b.from);
  const group = by ? AGING_DIMENSIONS[by] : undefined;
  const { rows } = await pool.query<{
    currency: string;
    grp: string | null;
    bucket_index: number;
    amount: string;
    count: string;
  }>(
    by === 'customer'
      ? BY_CUSTOMER
      : // The cells of the breakdown (or the whole book): their rows follow days and values.
        `with ${outstandingByDueDate('$1::date', '$3')},
              grouped as (
                select i.currency, ${group ? `coalesce(i.value, ${group})` : 'null::text'} as grp,
                       width_bucket($1::date - i.due_date, $2::int[]) as bucket_index, i.open, i.counts
                  from outstanding i left join customer_dimensions c using (customer_id))
         select currency, grp, bucket_index, sum(open)::text as amount, sum(counts)::text as count
           from grouped group by 1, 2, 3 having sum(open) > 0 or sum(counts) > 0`,
    by === 'customer' ? [asOf, firstDays] : [asOf, firstDays, by ?? 'book'],
  );
  // One entry per currency and group, its rows by bucket index (a map: 10,000 customers x 6 buckets).
  const groups = new Map<
    string,
    { currency: string; grp: string | null; byBucket: Map<number, (typeof rows)[0]> }
  >();
  for (const r of rows) {
    const key = `${r.currency}\u0000${r.grp}`;
    const group = groups.get(key) ?? { currency: r.currency, grp: r.grp, byBucket: new Map() };
    group.byBucket.set(r.bucket_index, r);
    groups.set(key, group);
  }
  const keys = [...groups.values()].sort(
    (a, b) => a.currency.localeCompare(b.currency) || String(a.grp).localeCompare(String(b.grp)),
  );
  return keys.map(({ currency, grp, byBucket }) => {
    const perBucket = buckets.map((b, i) => {
      const row = byBucket.get(i);
      return {
        bucket: b.label,
        fromDays: b.from === Number.MIN_SAFE_INTEGER ? null : b.from,
        toDays: b.to,
        amount: exactTotal(row?.amount ?? 0),
        count: Number(row?.count ?? 0),
      };
    });
    return {
      asOf,
      currency,
      group: grp,
      total: {
        // Summed exactly: one currency's book may pass 2^53 (#14 item 13).
        amount: exactTotal(buckets.reduce((sum, _, i) => sum + BigInt(byBucket.get(i)?.amount ?? 0), 0n)),
        count: perBucket.reduce((s, b) => s + b.count, 0),
      },
      buckets: perBucket,
    };
  });
}

/**
 * Overdue rate as of a date (DOMAIN.md §5): overdue amount / outstanding amount, and the same by
 * count; "overdue" is past its due date and not settled.
 */
export async function overdueRateAsOf(pool: Pool, asOf: IsoDate) {
  const { rows } = await pool.query<{
    currency: string;
    outstanding: string;
    overdue: string;
    n: string;
    n_overdue: string;
  }>(
    `with ${outstandingByDueDate('$1::date', "'book'")}
     select currency, sum(open)::text as outstanding, coalesce(sum(open) filter (where due_date < $1::date), 0)::text as overdue,
            sum(counts)::text as n, coalesce(sum(counts) filter (where due_date < $1::date), 0)::text as n_overdue
       from outstanding group by currency having sum(open) > 0 or sum(counts) > 0 order by currency`,
    [asOf],
  );
  return rows.map((r) => {
    const [outstanding, overdue, count, overdueCount] = [r.outstanding, r.overdue, r.n, r.n_overdue].map(
      Number,
    ) as [number, number, number, number];
    return {
      asOf,
      currency: r.currency,
      // The amounts exact at any size (#14 item 13); the share from them as numbers is exact to its four decimals.
      outstanding: { amount: exactTotal(r.outstanding), count },
      overdue: { amount: exactTotal(r.overdue), count: overdueCount },
      byAmount: outstanding === 0 ? 0 : Number((overdue / outstanding).toFixed(4)),
      byCount: count === 0 ? 0 : Number((overdueCount / count).toFixed(4)),
    };
  });
}

/**
 * DSO as of a date over a window (countback-free, the standard formula): receivables outstanding
 * on the date / credit sales invoiced in the `days` before it x `days`.
 */
export async function dsoAsOf(pool: Pool, asOf: IsoDate, days: number) {
  const { rows } = await pool.query<{ currency: string; outstanding: string; sales: string }>(
    `with ${outstandingByDueDate('$1::date', "'book'")},
          receivables as (select currency, sum(open) as amount from outstanding group by 1
                           having sum(open) > 0 or sum(counts) > 0),
          sales as (select currency, sum(amount) as amount from aging_sales_days
                     where issue_date > $1::date - $2::int and issue_date <= $1::date group by 1)
     select currency, coalesce(r.amount, 0)::text as outstanding, coalesce(s.amount, 0)::text as sales
       from receivables r full join sales s using (currency) order by currency`,
    [asOf, days],
  );
  return rows.map((r) => {
    const outstanding = Number(r.outstanding ?? 0);
    const sales = Number(r.sales);
    return {
      asOf,
      currency: r.currency,
      windowDays: days,
      outstanding: exactTotal(r.outstanding ?? 0),
      sales: exactTotal(r.sales),
      dso: sales === 0 ? null : Number(((outstanding / sales) * days).toFixed(1)),
    };
  });
}

/**
 * The overdue rate for each day from `from` to `to` (inclusive): the daily trend series.
 * Computed from running sums over the aging cells (cells.ts), not by aging the book once per day:
 * a cell (due date u, event date e) is outstanding from e and overdue from the later of e and the
 * day after u, so each day's figures are the sums of the cells' changes up to it - one pass over
 * the cells for any number of days. The invoices ever under an instalment plan are aged as aging
 * counts them each day (`outstandingAsOf`: the plan in force that day, each instalment from the
 * day it is payable by): such invoices are few, so they are aged once per day.
 */
export async function overdueRateTrend(pool: Pool, from: IsoDate, to: IsoDate) {
  const { rows } = await pool.query<{ day: string; currency: string; outstanding: string; overdue: string }>(
    `with changes as (
       select c.currency, d.day, d.outstanding, d.overdue
         from aging_cells c
         cross join lateral (values (c.event_date, c.amount, 0::numeric),
                                    (greatest(c.event_date, c.due_date + 1), 0::numeric, c.amount)) d(day, outstanding, overdue)
        where c.dimension = 'book'),
     per_day as (
       select currency, day, sum(outstanding) as outstanding, sum(overdue) as overdue
         from changes where day <= $2::date group by 1, 2),
     days as (select g::date as day from generate_series($1::date, $2::date, interval '1 day') g),
     planned as (
       select d.day, o.currency, sum(o.open) as outstanding, coalesce(sum(o.open) filter (where o.due_date < d.day), 0) as overdue
         from days d
         cross join lateral (${outstandingAsOf('d.day', PLANNED_INVOICES)}) o
        where o.open > 0
        group by 1, 2),
     currencies as (select currency from per_day union select currency from planned)
     select to_char(d.day, 'YYYY-MM-DD') as day, c.currency,
            ((select coalesce(sum(p.outstanding), 0) from per_day p where p.currency = c.currency and p.day <= d.day)
             + coalesce((select q.outstanding from planned q where q.day = d.day and q.currency = c.currency), 0))::text as outstanding,
            ((select coalesce(sum(p.overdue), 0) from per_day p where p.currency = c.currency and p.day <= d.day)
             + coalesce((select q.overdue from planned q where q.day = d.day and q.currency = c.currency), 0))::text as overdue
       from days d cross join currencies c
      order by 1, 2`,
    [from, to],
  );
  return rows
    .filter((r) => BigInt(r.outstanding) > 0n)
    .map((r) => ({
      day: r.day,
      currency: r.currency,
      // Exact at any size (#14 item 13); the share from them as numbers is exact to its four decimals.
      outstanding: exactTotal(r.outstanding),
      overdue: exactTotal(r.overdue),
      byAmount: Number((Number(r.overdue) / Number(r.outstanding)).toFixed(4)),
    }));
}

/**
 * Collection effectiveness index over a period (DOMAIN.md §5):
 * (opening receivables + credit sales - closing receivables) /
 * (opening receivables + credit sales - closing current receivables), as a percentage.
 * 100 means everything collectable in the period was collected. The receivables at both ends
 * from the book's cells (as the aging of the whole book), the sales from the sales per day: the
 * cost follows the days, not the invoices. A currency shows when it had any of the four.
 */
export async function ceiForPeriod(pool: Pool, from: IsoDate, to: IsoDate) {
  const { rows } = await pool.query<{
    currency: string;
    opening: string;
    sales: string;
    closing: string;
    closing_current: string;
  }>(
    `with ${outstandingByDueDate('($1::date - 1)', "'book'", 'opening_')},
          ${outstandingByDueDate('$2::date', "'book'", 'closing_')},
          opening as (select currency, sum(open) as amount from opening_outstanding group by 1),
          closing as (
            select currency, sum(open) as amount, sum(open) filter (where due_date >= $2::date) as current
              from closing_outstanding group by 1),
          sales as (
            select currency, sum(amount) as amount from aging_sales_days
             where issue_date between $1::date and $2::date group by 1)
     select currency, coalesce(o.amount, 0)::text as opening, coalesce(s.amount, 0)::text as sales,
            coalesce(c.amount, 0)::text as closing, coalesce(c.current, 0)::text as closing_current
       from opening o full join sales s using (currency) full join closing c using (currency)
      where coalesce(o.amount, 0) <> 0 or coalesce(s.amount, 0) <> 0 or coalesce(c.amount, 0) <> 0
      order by currency`,
    [from, to],
  );
  return rows.map((r) => {
    const [opening, sales, closing, current] = [r.opening, r.sales, r.closing, r.closing_current].map(
      Number,
    ) as [number, number, number, number];
    const collectable = opening + sales - current;
    return {
      from,
      to,
      currency: r.currency,
      opening: exactTotal(r.opening),
      sales: exactTotal(r.sales),
      closing: exactTotal(r.closing),
      closingCurrent: exactTotal(r.closing_current),
      cei: collectable === 0 ? null : Number((((opening + sales - closing) / collectable) * 100).toFixed(1)),
    };
  });
}

/**
 * The 60-day collection rate (DOMAIN.md §5) of the invoices issued in a period: the principal
 * received in cash within `days` of each invoice's issue date / the principal invoiced. Only
 * payments are cash: discounts, credit notes and write-offs lower what is owed, not what was
 * collected (a paid invoice and a written-off one give 50%). Cash counts by its value date, and
 * only up to `asOf`, so a period whose windows are still open shows what has come in so far.
 * Without `from`, every invoice issued by `to`.
 */
export async function collectedWithinRate(
  pool: Pool,
  asOf: IsoDate,
  days: number,
  period: { from: IsoDate | null; to: IsoDate } = { from: null, to: addDays(asOf, -days) },
) {
  // From the sales per issue date and the cash per issue and payment date (cells.ts): the days, not the invoices.
  const { rows } = await pool.query<{ currency: string; invoiced: string; collected: string }>(
    `with invoiced as (
       select currency, sum(amount) as amount from aging_sales_days
        where issue_date <= least($4::date, $1::date) and ($3::date is null or issue_date >= $3::date)
        group by 1),
     collected as (
       select currency, sum(amount) as amount from aging_collected_days
        where issue_date <= least($4::date, $1::date) and ($3::date is null or issue_date >= $3::date)
          and paid_date <= least(issue_date + $2::int, $1::date)
        group by 1)
     select i.currency, i.amount::text as invoiced, coalesce(c.amount, 0)::text as collected
       from invoiced i left join collected c using (currency) order by i.currency`,
    [asOf, days, period.from, period.to],
  );
  return rows.map((r) => {
    const invoiced = Number(r.invoiced);
    const collected = Number(r.collected);
    return {
      asOf,
      currency: r.currency,
      from: period.from,
      to: period.to,
      withinDays: days,
      invoiced: exactTotal(r.invoiced),
      collected: exactTotal(r.collected),
      rate: shareOf(collected, invoiced),
    };
  });
}

/** The invoices of the customers in `most`, each customer's found by key (a small book is not scanned whole). */
const THEIR_INVOICES = `(select i.* from most m cross join lateral (
     select * from aging_invoices i where i.customer_id = m.customer_id and i.currency = m.currency offset 0) i) i`;

/**
 * The customers with the most principal past due as of a date, for management's attention. Which
 * customers: from the customers' books and dues, as the aging by customer finds them (one overdue
 * bucket, from day 1), so the cost follows the customers, not their invoices; their invoices, one
 * by one, then give the overdue invoices and the oldest one's days.
 */
export async function topOverdueCustomers(pool: Pool, asOf: IsoDate, limit: number) {
  const { rows } = await pool.query<Record<string, string | null>>(
    `with ${BY_CUSTOMER_OUTSTANDING},
     most as (
       select currency, customer_id from outstanding group by 1, 2
       having sum(open) filter (where bucket_index = 1) > 0
        order by sum(open) filter (where bucket_index = 1) desc, customer_id, currency limit $3),
     theirs as (${outstandingAsOf('$1::date', THEIR_INVOICES)}),
     top as (
       select o.currency, o.customer_id, sum(o.open) as overdue, count(distinct o.invoice_id) as invoices,
              max($1::date - o.due_date) as oldest_days
         from theirs o
        where o.open > 0 and o.due_date < $1::date
        group by 1, 2)
     select t.currency, t.customer_id, c.name,
            ${attributeAsOf('tier', 't.customer_id', 'c.tier')} as tier,
            ${attributeAsOf('industry', 't.customer_id', 'c.industry')} as industry,
            ${attributeAsOf('region', 't.customer_id', 'c.region')} as region,
            ${attributeAsOf('salesOwner', 't.customer_id', 'c.sales_owner')} as sales_owner,
            t.overdue::text as overdue, t.invoices::text as invoices, t.oldest_days::text as oldest_days
       from top t left join customer_dimensions c using (customer_id)
      order by t.overdue desc, t.customer_id, t.currency`,
    [asOf, [1], limit],
  );
  return rows.map((r) => ({
    currency: r.currency!,
    customerId: r.customer_id!,
    name: r.name ?? null,
    tier: r.tier ?? null,
    industry: r.industry ?? null,
    region: r.region ?? null,
    salesOwner: r.sales_owner ?? null,
    overdue: exactTotal(r.overdue ?? 0),
    invoices: Number(r.invoices),
    oldestDaysOverdue: Number(r.oldest_days),
  }));
}
