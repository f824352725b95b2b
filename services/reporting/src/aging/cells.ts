import type { Migration, OrderedEvent } from '@ar/postgres';
import type { PoolClient } from 'pg';

/**
 * Aging cells (#17 goal 3): the book's outstanding amount and count of open invoices as sums of
 * changes, one row per (dimension, value, currency, due date, event date) - so the aging "as of D"
 * sums the cells with event date <= D grouped by due date (bucket by D - due date), and its cost
 * follows the days and the dimension's values, not the invoices.
 *
 * An invoice's part in them is the plain computation as a step function of the report date: from
 * its issue date it is outstanding by its amount less what was settled by that date (a settlement
 * dated before the issue counts from the issue), counted while that is above zero. Each day that
 * changes (its issue, each settlement's date) is one change of its amount and count at its due
 * date. A fact recorded late or back-dated changes the cells at its own business date, so a past
 * date's figures move only when a fact dated by then arrives - exactly as the row computation does.
 *
 * Dimensions: `book` (value '') and each attribute a customer is reported under (tier, industry,
 * region, salesOwner), as of the report's date as `attributeAsOf` reads it (query.ts): the value in
 * force on each change's date, and when the attribute changes on date T, the customer's whole
 * outstanding at T moves from the old value to the new at T. A change of a customer's attributes
 * (a back-dated one too) takes the customer's part out under the old history and puts it back
 * under the new one.
 *
 * An invoice ever under an instalment plan has no part in the cells: it ages by its instalments
 * (`outstandingAsOf`, one row per open instalment of the plan in force on the date), and such
 * invoices are few, so the reports add them from the rows.
 *
 * Totals (`aging_cell_totals`): each (dimension, value, currency, due date)'s cells summed over
 * every event date. The cells dated by D are the totals less the cells dated after D, so a report
 * as of a date late in the book reads one row per value and due date plus what changed since D;
 * one as of an early date reads the cells by D as before (query.ts picks whichever has fewer
 * rows). The cells of one value still grow with the book until every (due date, event date) pair
 * has one - a value whose invoices fall on every day (tier, region) has about as many as the book -
 * which made the as-of-today breakdowns cost 2.5-3x more on a large book than on a small one.
 *
 * By customer (`aging_customer_dues`, `aging_customer_books`): cells keyed by customer would still
 * be one row per invoice and change (a customer's invoices rarely share a due date). Instead, per
 * customer and currency: the book (what its invoices leave outstanding once every fact counts,
 * and how many are open), and per due date that part with its running totals over the due dates
 * (everything due by that date). The aging as of D from them is, per customer, the book and one
 * index row per bucket boundary (the running total due by D less the boundary's days): the
 * buckets are differences of those, so the cost follows customers x buckets, not invoices. Those
 * figures count every fact, so the invoices with a fact dated after D (their issue or a
 * settlement: `greatest(issue_date, last_settled_date) > D`, indexed) are corrected from their
 * rows: their part with every fact out, their part as of D (`outstandingAsOf`) in. Any other
 * invoice stands on D as it stands with every fact, so the figures are exact for any D, and a past
 * date's move only with a fact dated by then; as of an early date nearly every invoice has a later
 * fact and the query costs what the rows cost. Maintained with the cells, per batch: the batch's
 * invoices' parts out before and in after, each due date from the earliest changed one on gaining
 * the change below it in its running totals, and a due date left with nothing deleted - so a
 * change moves the customer's open due dates after its own: few for a new invoice or a payment
 * near its due date, all of them for a payment on the customer's oldest open invoice. A
 * customer's attributes have no part in them.
 */
const ATTRIBUTES = ['tier', 'industry', 'region', 'salesOwner'] as const;

/**
 * The rows of `aging_invoices` a live batch moves, each found through its key: the invoices `$1`
 * names and every invoice of the customers `$2` names. As `invoice_id = any($1)` the planner,
 * before the table's statistics exist (a new deployment, the minutes after a rebuild's swap) or
 * while the book is small enough to scan, read the whole book for each of a batch's statements:
 * 40,257 rows for a batch of 150 invoices over a book of 10,008 (aging-cost test).
 */
const NAMED_INVOICES = `(select x.* from unnest($1::text[]) as b(invoice_id)
    cross join lateral (select * from aging_invoices a where a.invoice_id = b.invoice_id limit 1) x)`;
const SCOPED_INVOICES = `(${NAMED_INVOICES} union all
    select a.* from aging_invoices a where a.customer_id = any($2::text[]) and a.invoice_id <> all($1::text[]))`;

/**
 * The cells' changes of the invoices of `source` (a table or subquery of `aging_invoices` rows),
 * not summed: the one definition the projection (per invoice or customer, with a sign) and a
 * rebuild from the tables (every invoice) share.
 */
function cellChanges(source: string) {
  return `
    with inv as (
      select i.invoice_id, i.customer_id, i.currency, i.due_date, i.issue_date, i.amount
        from ${source} i
       where not exists (select 1 from aging_plan_instalments k where k.invoice_id = i.invoice_id)),
    changes as (
      select invoice_id, issue_date as day, amount::numeric as change from inv
      union all
      select s.invoice_id, greatest(s.settled_date, inv.issue_date), -s.amount
        from aging_settlements s join inv using (invoice_id)),
    per_day as (select invoice_id, day, sum(change) as change from changes group by 1, 2),
    running as (
      select invoice_id, day, sum(change) over (partition by invoice_id order by day) as open from per_day),
    steps as (
      select invoice_id, day,
             greatest(open, 0) - coalesce(lag(greatest(open, 0)) over w, 0) as amount,
             (open > 0)::int - coalesce(lag((open > 0)::int) over w, 0) as count
        from running window w as (partition by invoice_id order by day)),
    invoice_steps as (
      select inv.customer_id, inv.currency, inv.due_date, s.day, s.amount, s.count
        from steps s join inv using (invoice_id) where s.amount <> 0 or s.count <> 0),
    customers as (select distinct customer_id from inv),
    history as (
      -- one value per customer, attribute and day: the later event wins on one day
      select distinct on (h.customer_id, h.attribute, h.effective_date)
             h.customer_id, h.attribute, h.effective_date, h.value
        from customer_attribute_history h join customers using (customer_id)
       where h.attribute in (${ATTRIBUTES.map((a) => `'${a}'`).join(', ')})
       order by h.customer_id, h.attribute, h.effective_date, h.position desc),
    segments as (
      -- each value from the day it took effect (the first from always) to the next one's
      select customer_id, attribute, value,
             case when lag(effective_date) over w is not null then effective_date end as starts,
             lead(effective_date) over w as ends
        from history window w as (partition by customer_id, attribute order by effective_date)
      union all
      -- no history: the customer's current dimensions, always
      select c.customer_id, a.attribute, null, null, null
        from customers c cross join (values ${ATTRIBUTES.map((a) => `('${a}')`).join(', ')}) a(attribute)
       where not exists (select 1 from history h where h.customer_id = c.customer_id and h.attribute = a.attribute)),
    valued as (
      select s.customer_id, s.attribute, s.starts, s.ends,
             coalesce(s.value, case s.attribute when 'tier' then d.tier when 'industry' then d.industry
                                                when 'region' then d.region else d.sales_owner end, 'UNKNOWN') as value
        -- each customer's dimensions found by key: joined, a live batch read every customer's (#17 goal 2)
        from segments s left join lateral (
          select d.tier, d.industry, d.region, d.sales_owner from customer_dimensions d
           where d.customer_id = s.customer_id limit 1) d on true)
    select 'book' as dimension, '' as value, currency, due_date, day as event_date, amount, count from invoice_steps
    union all
    -- under the value in force on the change's date, or moved in when the value starts
    select v.attribute, v.value, t.currency, t.due_date, greatest(t.day, coalesce(v.starts, t.day)), t.amount, t.count
      from invoice_steps t join valued v using (customer_id) where v.ends is null or t.day < v.ends
    union all
    -- moved out when the next value starts
    select v.attribute, v.value, t.currency, t.due_date, v.ends, -t.amount, -t.count
      from invoice_steps t join valued v using (customer_id) where v.ends is not null and t.day < v.ends`;
}

/**
 * Adds (sign 1) or takes out (sign -1) the cells' changes of the invoices of `source`, and
 * their sums over every event date (`aging_cell_totals`) with them: the parts of a `with`, so one
 * statement can move the customers' dues too (`duesMoves`).
 */
function cellMoves(source: string, sign: 1 | -1) {
  return `
    changes as (
      select dimension, value, currency, due_date, event_date, ${sign} * sum(amount) as amount, ${sign} * sum(count) as count
        from (${cellChanges(source)}) c
       group by 1, 2, 3, 4, 5 having sum(amount) <> 0 or sum(count) <> 0),
    cells as (
      insert into aging_cells (dimension, value, currency, due_date, event_date, amount, count)
      select * from changes
      on conflict (dimension, value, currency, due_date, event_date)
      do update set amount = aging_cells.amount + excluded.amount, count = aging_cells.count + excluded.count),
    cell_totals as (
      insert into aging_cell_totals (dimension, value, currency, due_date, amount, count)
      select dimension, value, currency, due_date, sum(amount), sum(count) from changes group by 1, 2, 3, 4
      on conflict (dimension, value, currency, due_date)
      do update set amount = aging_cell_totals.amount + excluded.amount, count = aging_cell_totals.count + excluded.count)`;
}

/** The cells alone, as migration aging-010 made them (before their totals existed). */
function addCellsOnly(source: string) {
  return `
    insert into aging_cells (dimension, value, currency, due_date, event_date, amount, count)
    select dimension, value, currency, due_date, event_date, sum(amount), sum(count)
      from (${cellChanges(source)}) c
     group by 1, 2, 3, 4, 5 having sum(amount) <> 0 or sum(count) <> 0`;
}

/** Each cell's sums over every event date, from the cells. */
const RECOMPUTE_CELL_TOTALS = `
    delete from aging_cell_totals;
    insert into aging_cell_totals (dimension, value, currency, due_date, amount, count)
    select dimension, value, currency, due_date, sum(amount), sum(count) from aging_cells group by 1, 2, 3, 4
    having sum(amount) <> 0 or sum(count) <> 0`;

/**
 * What each invoice never on a plan leaves outstanding once every fact recorded for it counts
 * (its amount less all its settlements, counted while above zero), at its customer, currency and
 * due date - the part of the invoices of `source` in `aging_customer_dues`.
 */
const finalParts = (source: string) => `
  select i.customer_id, i.currency, i.due_date,
         greatest(i.amount - i.settled, 0)::numeric as amount, (i.amount - i.settled > 0)::int as count
    from ${source} i
   where not exists (select 1 from aging_plan_instalments k where k.invoice_id = i.invoice_id)`;

/** The customers' dues and books made again from the invoice rows. */
const RECOMPUTE_CUSTOMER_DUES = `
    delete from aging_customer_dues;
    insert into aging_customer_dues (customer_id, currency, due_date, amount, count, amount_upto, count_upto)
    select customer_id, currency, due_date, amount, count,
           sum(amount) over w, sum(count) over w
      from (select customer_id, currency, due_date, sum(amount) as amount, sum(count) as count
              from (${finalParts('aging_invoices')}) f group by 1, 2, 3 having sum(amount) <> 0 or sum(count) <> 0) d
    window w as (partition by customer_id, currency order by due_date);
    delete from aging_customer_books;
    insert into aging_customer_books (customer_id, currency, amount, count)
    select customer_id, currency, sum(amount), sum(count) from aging_customer_dues group by 1, 2`;

/**
 * Adds (sign 1) or takes out (sign -1) the final part of the invoices `$1` names in the customers'
 * dues, their running totals and books - parts of one statement: the changes per (customer, currency, due
 * date); each row held from the earliest changed due date of its customer and currency on gains
 * the changes due by its date (its running totals) and its own; a due date not held yet is added
 * with the running totals of the row before it plus the changes due by it.
 */
const duesMoves = (sign: 1 | -1) => `
  d as (
    select customer_id, currency, due_date, ${sign} * sum(amount) as amount, ${sign} * sum(count) as count
      from (${finalParts(NAMED_INVOICES)}) f
     group by 1, 2, 3 having sum(amount) <> 0 or sum(count) <> 0),
  upto as (
    select t.customer_id, t.currency, t.due_date, sum(d.amount) as amount_upto, sum(d.count) as count_upto,
           coalesce(sum(d.amount) filter (where d.due_date = t.due_date), 0) as amount,
           coalesce(sum(d.count) filter (where d.due_date = t.due_date), 0) as count
      from aging_customer_dues t join d on d.customer_id = t.customer_id and d.currency = t.currency
                                       and d.due_date <= t.due_date
     group by 1, 2, 3),
  held as (
    update aging_customer_dues t
       set amount = t.amount + u.amount, count = t.count + u.count,
           amount_upto = t.amount_upto + u.amount_upto, count_upto = t.count_upto + u.count_upto
      from upto u
     where u.customer_id = t.customer_id and u.currency = t.currency and u.due_date = t.due_date),
  cumulative as (
    select d.*, sum(d.amount) over w as amount_upto, sum(d.count) over w as count_upto
      from d window w as (partition by d.customer_id, d.currency order by d.due_date)),
  added as (
    insert into aging_customer_dues (customer_id, currency, due_date, amount, count, amount_upto, count_upto)
    select d.customer_id, d.currency, d.due_date, d.amount, d.count,
           coalesce(p.amount_upto, 0) + d.amount_upto, coalesce(p.count_upto, 0) + d.count_upto
      from cumulative d
      left join lateral (select t.amount_upto, t.count_upto from aging_customer_dues t
                          where t.customer_id = d.customer_id and t.currency = d.currency and t.due_date < d.due_date
                          order by t.due_date desc limit 1) p on true
     where not exists (select 1 from aging_customer_dues t
                        where t.customer_id = d.customer_id and t.currency = d.currency and t.due_date = d.due_date)),
  books as (
    insert into aging_customer_books (customer_id, currency, amount, count)
    select customer_id, currency, sum(amount), sum(count) from d group by 1, 2
    on conflict (customer_id, currency)
    do update set amount = aging_customer_books.amount + excluded.amount, count = aging_customer_books.count + excluded.count)`;

/**
 * Cash collected per currency, invoice issue date and payment date (`aging_collected_days`): the
 * payments (by value date) of the invoices of `source`, plans or not. The collection rate "within
 * N days of issue, by D" of the invoices issued in a period sums them - payment date by the
 * issue date + N and by D -, so its cost follows the days, not the invoices and payments.
 */
const collectedParts = (source: string) => `
  select i.currency, i.issue_date, s.settled_date as paid_date, sum(s.amount)::numeric as amount
    from ${source} i join aging_settlements s using (invoice_id)
   where s.kind = 'PAYMENT'
   group by 1, 2, 3`;

/** Adds (sign 1) or takes out (sign -1) the collected cash of the invoices `$1` names: a part of a `with`. */
const collectedMoves = (sign: 1 | -1) => `
  collected as (
    insert into aging_collected_days (currency, issue_date, paid_date, amount)
    select currency, issue_date, paid_date, ${sign} * amount from (${collectedParts(NAMED_INVOICES)}) c
     where amount <> 0
    on conflict (currency, issue_date, paid_date)
    do update set amount = aging_collected_days.amount + excluded.amount)`;

/** The cash collected per issue and payment date made again from the rows. */
const RECOMPUTE_COLLECTED_DAYS = `
    delete from aging_collected_days;
    insert into aging_collected_days (currency, issue_date, paid_date, amount)
    select * from (${collectedParts('aging_invoices')}) c where amount <> 0`;

/** The cells, their totals, the customers' dues and the sales per day made again from the read model's rows (bulk loads). */
export function RECOMPUTE_AGING_CELLS_SQL() {
  return `
    delete from aging_cells;
    ${addCellsOnly('aging_invoices')};
    ${RECOMPUTE_CELL_TOTALS};
    ${RECOMPUTE_CUSTOMER_DUES};
    ${RECOMPUTE_COLLECTED_DAYS};
    delete from aging_sales_days;
    insert into aging_sales_days (currency, issue_date, amount)
    select currency, issue_date, sum(amount) from aging_invoices group by 1, 2;`;
}

/** Whose cells an event may change: one invoice's (its issue, settlements, plan) or a customer's (attributes). */
function cellScopeOf(event: OrderedEvent): { invoiceId: string } | { customerId: string } | undefined {
  const d = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'InvoiceIssued':
    case 'PaymentAllocated':
    case 'PaymentReallocated':
    case 'DiscountTaken':
    case 'CreditNoteIssued':
    case 'InvoiceWrittenOff':
    case 'InstalmentPlanApplied':
    case 'InstalmentPlanRevised':
      return typeof d.invoiceId === 'string' ? { invoiceId: d.invoiceId } : undefined;
    case 'CustomerRegistered':
    case 'CreditTierChanged':
      return typeof d.customerId === 'string' ? { customerId: d.customerId } : undefined;
    default:
      return undefined;
  }
}

/** The invoices and customers whose part in the cells a batch of events may change. */
export function cellScopesOf(events: OrderedEvent[]) {
  const invoices = new Set<string>();
  const customers = new Set<string>();
  for (const event of events) {
    const scope = cellScopeOf(event);
    if (scope && 'invoiceId' in scope) invoices.add(scope.invoiceId);
    else if (scope) customers.add(scope.customerId);
  }
  return { invoices: [...invoices], customers: [...customers] };
}

/**
 * Takes the part of the scopes' invoices out of the cells (before a batch of events changes the
 * rows) or puts it back (after it): the cells then hold the rows' computation whatever the events
 * changed, in the same transaction. Once per batch, not per event: the statement is what costs.
 */
export async function moveCells(
  client: PoolClient,
  scopes: { invoices: string[]; customers: string[] },
  sign: 1 | -1,
) {
  if (scopes.invoices.length === 0 && scopes.customers.length === 0) return;
  // Planned for each batch, never prepared once a connection: PostgreSQL kept the plan it made
  // while the book was empty, a scan of every invoice for each batch (#17 goal 2; aging-cost test).
  // A customer's invoices stay its own whatever its attributes: only the invoices' facts move its
  // dues, in the same statement as the cells (one round trip a side, #17 goal 2).
  const moves = scopes.invoices.length === 0 ? CELLS : CELLS_AND_DUES;
  await client.query(sign === 1 ? moves.in : moves.out, [scopes.invoices, scopes.customers]);
  // A due date left with nothing goes: its running totals are the row's before it, and a change at
  // an earlier due date would otherwise update it, for every invoice the customer ever paid.
  if (sign === 1 && scopes.invoices.length > 0) await client.query(DUES_SETTLED, [scopes.invoices]);
}

// The data-modifying parts of a with all run, each once, whether the statement reads them or not.
const CELLS = {
  in: `with ${cellMoves(SCOPED_INVOICES, 1)} select`,
  out: `with ${cellMoves(SCOPED_INVOICES, -1)} select`,
};
const CELLS_AND_DUES = {
  in: `with ${cellMoves(SCOPED_INVOICES, 1)}, ${duesMoves(1)}, ${collectedMoves(1)} select`,
  out: `with ${cellMoves(SCOPED_INVOICES, -1)}, ${duesMoves(-1)}, ${collectedMoves(-1)} select`,
};
const DUES_SETTLED = `
  delete from aging_customer_dues t using ${NAMED_INVOICES} i
   where t.customer_id = i.customer_id and t.currency = i.currency
     and t.due_date = i.due_date and t.amount = 0 and t.count = 0`;

export const agingCellMigrations: Migration[] = [
  {
    id: 'aging-010',
    sql: `
      create table aging_cells (
        dimension text not null,
        value text not null,
        currency text not null,
        due_date date not null,
        event_date date not null,
        amount numeric not null,
        count bigint not null,
        primary key (dimension, value, currency, due_date, event_date)
      );
      create table aging_sales_days (
        currency text not null,
        issue_date date not null,
        amount numeric not null,
        primary key (currency, issue_date)
      );
      -- a customer's invoices, when its attributes change
      create index aging_invoices_customer on aging_invoices (customer_id);
      delete from aging_cells;
      ${addCellsOnly('aging_invoices')};
      delete from aging_sales_days;
      insert into aging_sales_days (currency, issue_date, amount)
      select currency, issue_date, sum(amount) from aging_invoices group by 1, 2;
    `,
  },
  {
    id: 'aging-011',
    sql: `
      create table aging_cell_totals (
        dimension text not null,
        value text not null,
        currency text not null,
        due_date date not null,
        amount numeric not null,
        count bigint not null,
        primary key (dimension, value, currency, due_date)
      );
      -- the cells dated after a report's date
      create index aging_cells_late on aging_cells (dimension, event_date);
      ${RECOMPUTE_CELL_TOTALS};
    `,
  },
  {
    id: 'aging-012',
    sql: `
      create table aging_customer_dues (
        customer_id text not null,
        currency text not null,
        due_date date not null,
        amount numeric not null,
        count bigint not null,
        amount_upto numeric not null,
        count_upto bigint not null,
        primary key (customer_id, currency, due_date)
      );
      create table aging_customer_books (
        customer_id text not null,
        currency text not null,
        amount numeric not null,
        count bigint not null,
        primary key (customer_id, currency)
      );
      -- the invoices with a fact dated after a report's date: their issue or a settlement
      create index aging_invoices_last_fact on aging_invoices (greatest(issue_date, last_settled_date));
      ${RECOMPUTE_CUSTOMER_DUES};
    `,
  },
  {
    id: 'aging-013',
    sql: `
      create table aging_collected_days (
        currency text not null,
        issue_date date not null,
        paid_date date not null,
        amount numeric not null,
        primary key (currency, issue_date, paid_date)
      );
      ${RECOMPUTE_COLLECTED_DAYS};
    `,
  },
];
