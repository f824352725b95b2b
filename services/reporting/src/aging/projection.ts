import type { InvoiceIssuedV1 } from '@ar/contracts';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';

export const agingMigrations: Migration[] = [
  {
    id: 'aging-001',
    sql: `
      create table aging_invoices (
        invoice_id text primary key,
        customer_id text not null,
        currency text not null,
        amount bigint not null,
        issue_date date not null,
        due_date date not null
      );
      create index aging_invoices_due on aging_invoices (currency, issue_date, due_date);
    `,
  },
  {
    id: 'aging-002',
    sql: `
      create table aging_settlements (
        event_id uuid primary key,
        invoice_id text not null,
        settled_date date not null,
        amount bigint not null
      );
      create index aging_settlements_invoice on aging_settlements (invoice_id, settled_date);
    `,
  },
];

/**
 * Each invoice's settlements summed, with the date of the last one and the date it was settled
 * in full: for any date on or after the last settlement (every report "as of today") the
 * outstanding amount needs no look at the settlements at all. Recomputed from the settlements
 * by this statement (the migration's backfill, and bulk loads).
 */
export const RECOMPUTE_SETTLED_TOTALS = `
  update aging_invoices i
     set settled = s.total, last_settled_date = s.last,
         closed_date = case when s.total >= i.amount then s.last end
    from (select invoice_id, sum(amount) as total, max(settled_date) as last from aging_settlements group by 1) s
   where s.invoice_id = i.invoice_id`;

export const settledTotalsMigrations: Migration[] = [
  {
    id: 'aging-004',
    sql: `
      alter table aging_invoices add column settled bigint not null default 0,
        add column last_settled_date date, add column closed_date date;
      ${RECOMPUTE_SETTLED_TOTALS};
    `,
  },
  {
    // A report reads every invoice issued by its date - nearly all of them - so a sequential
    // scan is the fast plan; this index only lured the planner into a million random reads.
    id: 'aging-005',
    sql: 'drop index aging_invoices_due',
  },
];

export const dimensionMigrations: Migration[] = [
  {
    id: 'aging-003',
    sql: `
      create table customer_dimensions (
        customer_id text primary key,
        name text,
        industry text,
        region text,
        sales_owner text,
        tier text
      );
    `,
  },
];

/** The dimensions aging is broken down by, from credit-scoring's customer events. */
async function applyCustomerDimensions(client: import('pg').PoolClient, event: OrderedEvent) {
  const d = event.data as Record<string, string>;
  if (event.type === 'CustomerRegistered') {
    await client.query(
      `insert into customer_dimensions (customer_id, name, industry, region, sales_owner)
       values ($1, $2, $3, $4, $5)
       on conflict (customer_id) do update set name = excluded.name, industry = excluded.industry,
         region = excluded.region, sales_owner = excluded.sales_owner`,
      [d.customerId, d.name, d.industry, d.region, d.salesOwner],
    );
  } else if (event.type === 'CreditTierChanged') {
    await client.query(
      `insert into customer_dimensions (customer_id, tier) values ($1, $2)
       on conflict (customer_id) do update set tier = excluded.tier`,
      [d.customerId, d.tier],
    );
  }
}

/** What lowers an invoice's outstanding principal, and from which business date. */
function settlementOf(event: OrderedEvent): { invoiceId: string; date: string; amount: number } | undefined {
  const d = event.data as Record<string, unknown> & { invoiceId: string };
  switch (event.type) {
    case 'PaymentAllocated':
      return { invoiceId: d.invoiceId, date: d.paymentDate as string, amount: d.toPrincipal as number };
    case 'DiscountTaken':
      return { invoiceId: d.invoiceId, date: d.paymentDate as string, amount: d.amount as number };
    case 'CreditNoteIssued':
      return { invoiceId: d.invoiceId, date: d.issueDate as string, amount: d.amount as number };
    case 'InvoiceWrittenOff':
      return { invoiceId: d.invoiceId, date: d.writtenOffDate as string, amount: d.principal as number };
    default:
      return undefined;
  }
}

/**
 * The facts aging needs, per invoice, with their business dates: its amount and due date, and
 * each settlement of principal (payment, discount, credit note, write-off) with its date. The
 * aging "as of D" is then one indexed query (issued by D, less what was settled by D, bucketed by
 * D - due date), not a replay of events per request; a later payment leaves a past date's
 * figures as they were.
 */
export const agingProjection: Projection = {
  name: 'aging',
  tables: ['aging_invoices', 'aging_settlements', 'customer_dimensions'],
  async apply(client, events) {
    for (const event of events) {
      await applyCustomerDimensions(client, event);
      const settlement = settlementOf(event);
      if (settlement && settlement.amount > 0) {
        const recorded = await client.query(
          `insert into aging_settlements (event_id, invoice_id, settled_date, amount)
           values ($1, $2, $3, $4) on conflict do nothing`,
          [event.eventId, settlement.invoiceId, settlement.date, settlement.amount],
        );
        if (recorded.rowCount === 1) {
          await client.query(
            `update aging_invoices
                set settled = settled + $2, last_settled_date = greatest(last_settled_date, $3::date),
                    closed_date = case when settled + $2 >= amount then greatest(last_settled_date, $3::date) end
              where invoice_id = $1`,
            [settlement.invoiceId, settlement.amount, settlement.date],
          );
        }
      }
      if (event.type !== 'InvoiceIssued') continue;
      const invoice = event.data as InvoiceIssuedV1;
      // Settlements may have arrived first (another topic, another partition): count them in.
      await client.query(
        `insert into aging_invoices (invoice_id, customer_id, currency, amount, issue_date, due_date,
                                     settled, last_settled_date, closed_date)
         select $1, $2, $3, $4::bigint, $5::date, $6::date, coalesce(sum(s.amount), 0), max(s.settled_date),
                case when coalesce(sum(s.amount), 0) >= $4::bigint then max(s.settled_date) end
           from aging_settlements s where s.invoice_id = $1
         on conflict (invoice_id) do nothing`,
        [
          invoice.invoiceId,
          invoice.customerId,
          invoice.currency,
          invoice.amount,
          invoice.issueDate,
          invoice.dueDate,
        ],
      );
    }
  },
};
