import type {
  InstalmentPlanAppliedV1,
  InvoiceIssuedV1,
  PaymentAppliedV1,
  PaymentReceivedV1,
} from '@ar/contracts';
import type { DomainEvent } from '@ar/kernel';
import type { InlineProjection, Migration } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';

/**
 * The open items of the receivables ledger, kept in the append's own transaction: which
 * invoices are open (for cash application and the overdue clock), which payments wait to be
 * identified, and what credit each customer holds from over-payments.
 */
export const openItemsMigrations: Migration[] = [
  {
    id: 'invoicing-open-items-001',
    sql: `
      create table open_invoices (
        invoice_id text primary key,
        customer_id text not null,
        currency text not null,
        issue_date date not null,
        first_due_date date not null
      );
      create index open_invoices_by_customer on open_invoices (customer_id, currency, first_due_date);
      create index open_invoices_by_due on open_invoices (first_due_date);
      create table unidentified_payments (
        payment_id text primary key,
        amount bigint not null,
        currency text not null,
        reference text,
        received_date date not null
      );
      create table customer_credit (
        customer_id text not null,
        currency text not null,
        amount bigint not null,
        primary key (customer_id, currency)
      );
    `,
  },
  {
    // Invoices a plan waived fees on, with the latest such plan's agreement date: a payment dated
    // before it may still pay some of those fees once the invoice is paid (value dating).
    id: 'invoicing-open-items-002-fees-waived',
    sql: `
      create table fees_waived_invoices (
        invoice_id text primary key,
        customer_id text not null,
        agreed_date date not null
      );
      create index fees_waived_invoices_by_customer on fees_waived_invoices (customer_id, agreed_date);
      insert into fees_waived_invoices (invoice_id, customer_id, agreed_date)
      select e.data->>'invoiceId', min(e.data->>'customerId'), max((e.data->>'agreedDate')::date)
        from events e
       where e.event_type = 'InstalmentPlanApplied' and e.data->'fees'->>'mode' = 'WAIVED'
         and e.data ? 'agreedDate'
         and (e.data->'fees'->>'interest')::bigint + (e.data->'fees'->>'penalty')::bigint > 0
         and not exists (
           select 1 from events c
            where c.event_type in ('InvoiceFullyCredited', 'InvoiceWrittenOff')
              and c.data->>'invoiceId' = e.data->>'invoiceId')
       group by e.data->>'invoiceId';
    `,
  },
];

const CLOSING = new Set(['InvoicePaid', 'InvoiceFullyCredited', 'InvoiceWrittenOff']);

export const openItemsProjection: InlineProjection = {
  name: 'open-items',
  async apply(client, _streamId, events: DomainEvent[]) {
    for (const event of events) {
      if (event.type === 'InvoiceIssued') {
        const i = event.data as InvoiceIssuedV1;
        await client.query(
          `insert into open_invoices (invoice_id, customer_id, currency, issue_date, first_due_date)
           values ($1, $2, $3, $4, $5) on conflict do nothing`,
          [i.invoiceId, i.customerId, i.currency, i.issueDate, i.dueDate],
        );
      } else if (event.type === 'InstalmentPlanApplied') {
        const p = event.data as InstalmentPlanAppliedV1;
        await client.query('update open_invoices set first_due_date = $2 where invoice_id = $1', [
          p.invoiceId,
          p.instalments[0]!.dueDate,
        ]);
        if (p.fees?.mode === 'WAIVED' && p.fees.interest + p.fees.penalty > 0 && p.agreedDate) {
          await client.query(
            `insert into fees_waived_invoices (invoice_id, customer_id, agreed_date) values ($1, $2, $3)
             on conflict (invoice_id) do update set agreed_date = greatest(fees_waived_invoices.agreed_date, excluded.agreed_date)`,
            [p.invoiceId, p.customerId, p.agreedDate],
          );
        }
      } else if (CLOSING.has(event.type)) {
        const { invoiceId } = event.data as { invoiceId: string };
        await client.query('delete from open_invoices where invoice_id = $1', [invoiceId]);
        // Paid, it may still take money dated before its plan; credited or written off, never.
        if (event.type !== 'InvoicePaid')
          await client.query('delete from fees_waived_invoices where invoice_id = $1', [invoiceId]);
      } else if (event.type === 'PaymentReceived') {
        const p = event.data as PaymentReceivedV1;
        if (p.customerId) continue;
        await client.query(
          `insert into unidentified_payments (payment_id, amount, currency, reference, received_date)
           values ($1, $2, $3, $4, $5) on conflict do nothing`,
          [p.paymentId, p.amount, p.currency, p.reference ?? null, p.receivedDate],
        );
      } else if (event.type === 'PaymentMatched') {
        await client.query('delete from unidentified_payments where payment_id = $1', [
          (event.data as { paymentId: string }).paymentId,
        ]);
      } else if (event.type === 'PaymentApplied') {
        const p = event.data as PaymentAppliedV1;
        if (p.creditHeld === 0) continue;
        await client.query(
          `insert into customer_credit (customer_id, currency, amount) values ($1, $2, $3)
           on conflict (customer_id, currency) do update set amount = customer_credit.amount + excluded.amount`,
          [p.customerId, p.currency, p.creditHeld],
        );
      }
    }
  },
};

export interface OpenInvoiceRow {
  invoiceId: string;
  customerId: string;
  currency: string;
}

/** A customer's open invoices, oldest due first. Locked, so allocations do not race. */
export async function openInvoicesOf(client: PoolClient, customerId: string): Promise<OpenInvoiceRow[]> {
  const { rows } = await client.query<OpenInvoiceRow>(
    `select invoice_id as "invoiceId", customer_id as "customerId", currency
       from open_invoices where customer_id = $1
      order by first_due_date, issue_date, invoice_id for update`,
    [customerId],
  );
  return rows;
}

/**
 * A customer's paid invoices a plan agreed after `date` waived fees on, the earliest plan first
 * (locked, like open invoices): a payment dated `date` may still pay some of those fees.
 */
export async function feesWaivedAfter(
  client: PoolClient,
  customerId: string,
  date: string,
): Promise<string[]> {
  const { rows } = await client.query<{ invoice_id: string }>(
    `select w.invoice_id from fees_waived_invoices w
      where w.customer_id = $1 and w.agreed_date > $2
        and not exists (select 1 from open_invoices o where o.invoice_id = w.invoice_id)
      order by w.agreed_date, w.invoice_id for update`,
    [customerId, date],
  );
  return rows.map((r) => r.invoice_id);
}

export async function findOpenInvoice(
  client: PoolClient,
  invoiceId: string,
): Promise<OpenInvoiceRow | undefined> {
  const { rows } = await client.query<OpenInvoiceRow>(
    'select invoice_id as "invoiceId", customer_id as "customerId", currency from open_invoices where invoice_id = $1',
    [invoiceId],
  );
  return rows[0];
}

/** Open invoices with something due before `day`: what the overdue clock visits. */
export async function invoicesDueBefore(client: Pool | PoolClient, day: string): Promise<string[]> {
  const { rows } = await client.query<{ invoice_id: string }>(
    'select invoice_id from open_invoices where first_due_date < $1 order by invoice_id',
    [day],
  );
  return rows.map((r) => r.invoice_id);
}
