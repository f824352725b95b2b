import type {
  InstalmentPlanAppliedV1,
  InvoiceIssuedV1,
  InvoicePaidV1,
  PaymentAllocationReleasedV1,
  PaymentAppliedV1,
  PaymentReceivedV1,
} from '@ar/contracts';
import type { DomainEvent } from '@ar/kernel';
import { applyStatements, type InlineProjection, type InlineStatement, type Migration } from '@ar/postgres';
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
  {
    // The overdue clock's schedule (overdue/overdue-clock.ts): the next day it has something to do
    // for each open invoice (null: nothing until the invoice changes), and a count of the changes
    // that may bring that day closer. An invoice from before gets the day after its first due date,
    // the earliest anything can happen; its first visit sets the exact day.
    id: 'invoicing-open-items-003-overdue-schedule',
    sql: `
      alter table open_invoices add column next_assessment date, add column changes bigint not null default 0;
      update open_invoices set next_assessment = first_due_date + 1;
      create index open_invoices_by_next_assessment on open_invoices (next_assessment) where next_assessment is not null;
    `,
  },
  {
    // Paid invoices, the day each was issued and the day it was paid (its latest InvoicePaid):
    // money dated between the two found the invoice open, and cash application offers it there
    // (value dating).
    id: 'invoicing-open-items-004-paid-invoices',
    sql: `
      create table paid_invoices (
        invoice_id text primary key,
        customer_id text not null,
        issue_date date not null,
        due_date date not null,
        paid_date date not null
      );
      create index paid_invoices_by_customer on paid_invoices (customer_id, paid_date);
      insert into paid_invoices (invoice_id, customer_id, issue_date, due_date, paid_date)
      select distinct on (p.data->>'invoiceId') p.data->>'invoiceId', p.data->>'customerId',
             (i.data->>'issueDate')::date, (p.data->>'dueDate')::date, (p.data->>'paidDate')::date
        from events p
        join events i on i.event_type = 'InvoiceIssued' and i.stream_id = p.stream_id
       where p.event_type = 'InvoicePaid'
       order by p.data->>'invoiceId', p.transaction_id desc, p.global_position desc;
    `,
  },
];

const CLOSING = new Set(['InvoicePaid', 'InvoiceFullyCredited', 'InvoiceWrittenOff']);

/** What the overdue clock appends when it assesses an invoice: the rest of its walk stays as it was. */
const OVERDUE_CLOCK_EVENTS = new Set(['PaymentOverdue', 'LateFeeCharged']);

export const openItemsProjection: InlineProjection = {
  name: 'open-items',
  apply: (client, streamId, events) =>
    applyStatements(client, openItemsProjection.statements!(streamId, events)),
  /** Invoices issued at the same time (`POST /invoices` under load): their rows in one insert. */
  batchStatements(appends) {
    const events = appends.flatMap((a) => a.events);
    if (!events.every((e) => e.type === 'InvoiceIssued')) return undefined;
    const issued = events.map((e) => e.data as InvoiceIssuedV1);
    return [
      {
        text: `insert into open_invoices (invoice_id, customer_id, currency, issue_date, first_due_date, next_assessment)
               select invoice_id, customer_id, currency, issue_date, due_date, case when prepayment then null else due_date + 1 end
                 from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::boolean[])
                        t(invoice_id, customer_id, currency, issue_date, due_date, prepayment)
               on conflict do nothing`,
        values: [
          issued.map((i) => i.invoiceId),
          issued.map((i) => i.customerId),
          issued.map((i) => i.currency),
          issued.map((i) => i.issueDate),
          issued.map((i) => i.dueDate),
          issued.map((i) => i.prepayment === true),
        ],
      },
    ];
  },
  statements(streamId, events: DomainEvent[]) {
    const out: InlineStatement[] = [];
    // Any change to an invoice other than the overdue clock's own events (a payment, a plan, a
    // withdrawn threshold, a reversed fee...) may bring its next overdue day closer: it is due for
    // a visit on the next business day, which sets the exact day again (`changes` tells that
    // visit whether the invoice changed again meanwhile).
    const reschedule =
      streamId.startsWith('invoice-') &&
      events.some((e) => e.type !== 'InvoiceIssued' && !OVERDUE_CLOCK_EVENTS.has(e.type));
    for (const event of events) {
      if (event.type === 'InvoiceIssued') {
        const i = event.data as InvoiceIssuedV1;
        // Nothing can happen before the day after the due date; never on a prepayment invoice.
        out.push({
          text: `insert into open_invoices (invoice_id, customer_id, currency, issue_date, first_due_date, next_assessment)
           values ($1, $2, $3, $4, $5, case when $6 then null else $5::date + 1 end) on conflict do nothing`,
          values: [i.invoiceId, i.customerId, i.currency, i.issueDate, i.dueDate, i.prepayment === true],
        });
      } else if (event.type === 'InstalmentPlanApplied') {
        const p = event.data as InstalmentPlanAppliedV1;
        out.push({
          text: 'update open_invoices set first_due_date = $2 where invoice_id = $1',
          values: [p.invoiceId, p.instalments[0]!.dueDate],
        });
        if (p.fees?.mode === 'WAIVED' && p.fees.interest + p.fees.penalty > 0 && p.agreedDate) {
          out.push({
            text: `insert into fees_waived_invoices (invoice_id, customer_id, agreed_date) values ($1, $2, $3)
             on conflict (invoice_id) do update set agreed_date = greatest(fees_waived_invoices.agreed_date, excluded.agreed_date)`,
            values: [p.invoiceId, p.customerId, p.agreedDate],
          });
        }
      } else if (CLOSING.has(event.type)) {
        const { invoiceId } = event.data as { invoiceId: string };
        if (event.type === 'InvoicePaid') {
          const p = event.data as InvoicePaidV1;
          // Its issue date from its open row (deleted just below); paid again on an earlier day: the new day.
          out.push({
            text: `insert into paid_invoices (invoice_id, customer_id, issue_date, due_date, paid_date)
             select invoice_id, customer_id, issue_date, $2, $3 from open_invoices where invoice_id = $1
             on conflict (invoice_id) do update set paid_date = excluded.paid_date`,
            values: [p.invoiceId, p.dueDate, p.paidDate],
          });
          out.push({
            text: 'update paid_invoices set paid_date = $2 where invoice_id = $1',
            values: [p.invoiceId, p.paidDate],
          });
        }
        out.push({ text: 'delete from open_invoices where invoice_id = $1', values: [invoiceId] });
        // Paid, it may still take money dated before its plan; credited or written off, never.
        if (event.type !== 'InvoicePaid')
          out.push({ text: 'delete from fees_waived_invoices where invoice_id = $1', values: [invoiceId] });
      } else if (event.type === 'PaymentReceived') {
        const p = event.data as PaymentReceivedV1;
        if (p.customerId) continue;
        out.push({
          text: `insert into unidentified_payments (payment_id, amount, currency, reference, received_date)
           values ($1, $2, $3, $4, $5) on conflict do nothing`,
          values: [p.paymentId, p.amount, p.currency, p.reference ?? null, p.receivedDate],
        });
      } else if (event.type === 'PaymentMatched') {
        out.push({
          text: 'delete from unidentified_payments where payment_id = $1',
          values: [(event.data as { paymentId: string }).paymentId],
        });
      } else if (event.type === 'PaymentApplied' || event.type === 'PaymentAllocationReleased') {
        // Over-paid, or given back by an invoice an earlier payment paid: the customer's credit.
        const p = event.data as PaymentAppliedV1 | PaymentAllocationReleasedV1;
        const held = 'creditHeld' in p ? p.creditHeld : p.amount;
        if (held === 0) continue;
        out.push({
          text: `insert into customer_credit (customer_id, currency, amount) values ($1, $2, $3)
           on conflict (customer_id, currency) do update set amount = customer_credit.amount + excluded.amount`,
          values: [p.customerId, p.currency, held],
        });
      }
    }
    if (reschedule)
      out.push({
        text: `update open_invoices set next_assessment = '-infinity', changes = changes + 1 where invoice_id = $1`,
        values: [streamId.slice('invoice-'.length)],
      });
    return out;
  },
};

export interface OpenInvoiceRow {
  invoiceId: string;
  customerId: string;
  currency: string;
}

/** A customer's open invoices, oldest due first, with their first due date. Locked, so allocations do not race. */
export async function openInvoicesOf(
  client: PoolClient,
  customerId: string,
): Promise<(OpenInvoiceRow & { dueDate: string; issueDate: string })[]> {
  const { rows } = await client.query<OpenInvoiceRow & { dueDate: string; issueDate: string }>(
    `select invoice_id as "invoiceId", customer_id as "customerId", currency,
            to_char(first_due_date, 'YYYY-MM-DD') as "dueDate", to_char(issue_date, 'YYYY-MM-DD') as "issueDate"
       from open_invoices where customer_id = $1
      order by first_due_date, issue_date, invoice_id for update`,
    [customerId],
  );
  return rows;
}

/**
 * A customer's invoices issued by `date` and paid in full on a day after it, oldest due first
 * (locked, like open invoices): money dated `date` found them open, and counted from its date pays
 * them then. (Invoices issued after the money arrived were not open on its date: a back-dated
 * payment does not load every invoice paid since.)
 */
export async function paidAfter(
  client: PoolClient,
  customerId: string,
  date: string,
): Promise<{ invoiceId: string; dueDate: string; issueDate: string }[]> {
  const { rows } = await client.query<{ invoiceId: string; dueDate: string; issueDate: string }>(
    `select invoice_id as "invoiceId", to_char(due_date, 'YYYY-MM-DD') as "dueDate",
            to_char(issue_date, 'YYYY-MM-DD') as "issueDate"
       from paid_invoices where customer_id = $1 and paid_date > $2 and issue_date <= $2
      order by due_date, invoice_id for update`,
    [customerId, date],
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

export interface ScheduledInvoice {
  invoiceId: string;
  /** How many changes the invoice had when selected: its next day is set only if still so. */
  changes: string;
}

/** Open invoices the overdue clock has something to do for on `day` (or changed since it looked). */
export async function invoicesToAssess(client: Pool | PoolClient, day: string): Promise<ScheduledInvoice[]> {
  const { rows } = await client.query<ScheduledInvoice>(
    `select invoice_id as "invoiceId", changes::text as changes from open_invoices
      where next_assessment <= $1 order by invoice_id`,
    [day],
  );
  return rows;
}

/**
 * Sets the next day the overdue clock visits each invoice (null: not until it changes), unless it
 * changed since it was selected - then it stays due for the next business day.
 */
export async function scheduleNextAssessments(
  client: Pool | PoolClient,
  entries: { invoice: ScheduledInvoice; next: string | undefined }[],
): Promise<void> {
  if (entries.length === 0) return;
  await client.query(
    `update open_invoices o set next_assessment = s.next
       from unnest($1::text[], $2::date[], $3::bigint[]) as s(invoice_id, next, changes)
      where o.invoice_id = s.invoice_id and o.changes = s.changes`,
    [
      entries.map((e) => e.invoice.invoiceId),
      entries.map((e) => e.next ?? null),
      entries.map((e) => e.invoice.changes),
    ],
  );
}
