import type { InvoiceIssuedV1 } from '@ar/contracts';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';
import type { PoolClient } from 'pg';
import { type OverduePolicy, payableBy } from '../invoice/overdue';
import {
  earliestUnpaidDueDate,
  evolveInvoice,
  type InvoiceEvent,
  type InvoiceState,
  initialInvoiceState,
  isIssued,
} from '../invoice/state';

/**
 * The invoices people search (`GET /invoices`): one row an invoice with what the list filters
 * on. An invoice on a plan follows the plan (#14 item 5): `due_date` is the due date it answers
 * to - the earliest instalment not yet paid in full (the invoice's own due date without a plan),
 * the last one once none is unpaid - and `next_due_date` the day that one is payable by (an
 * instalment on a weekend or holiday: the next working day), what days overdue count from, as
 * the overdue clock counts them. Both come from the invoice's own state (`state.ts`), so the
 * list allocates payments exactly as the invoice does.
 */
export const invoiceListMigrations: Migration[] = [
  {
    id: 'invoicing-invoice-list-001',
    sql: `
      create table invoice_list (
        invoice_id text primary key,
        customer_id text not null,
        status text not null,
        amount bigint not null,
        currency text not null,
        issue_date date not null,
        due_date date not null,
        next_due_date date not null,
        disputed boolean not null default false
      );
      -- The list is read in (due date, id) order: each filter has an index in that order.
      create index invoice_list_by_due on invoice_list (due_date, invoice_id);
      create index invoice_list_by_customer on invoice_list (customer_id, due_date, invoice_id);
      create index invoice_list_by_status on invoice_list (status, due_date, invoice_id);
      create index invoice_list_overdue on invoice_list (next_due_date) where status = 'OPEN';
    `,
  },
  {
    // A prepayment invoice is never overdue (the overdue clock does not run on it): the list says so.
    id: 'invoicing-invoice-list-002',
    sql: `
      alter table invoice_list add column prepayment boolean not null default false;
      update invoice_list l set prepayment = true
        from events e
       where e.event_type = 'InvoiceIssued' and e.data->>'prepayment' = 'true'
         and l.invoice_id = e.data->>'invoiceId';
    `,
  },
];

const STATUS_OF: Record<string, string> = {
  InvoicePaid: 'PAID',
  InvoiceFullyCredited: 'CREDITED',
  InvoiceWrittenOff: 'WRITTEN_OFF',
};

const INVOICE_STREAM = 'invoice-';

/** Each stream's invoice state after its event #`upTo` (the map's value), folded from its events. */
async function invoiceStatesAt(
  client: PoolClient,
  upTo: Map<string, number>,
): Promise<Map<string, InvoiceState>> {
  const { rows } = await client.query<{
    stream_id: string;
    event_type: InvoiceEvent['type'];
    data: InvoiceEvent['data'];
  }>(
    `select e.stream_id, e.event_type, e.data
       from unnest($1::text[], $2::int[]) t(stream_id, up_to)
       join events e on e.stream_id = t.stream_id and e.stream_position <= t.up_to
      order by e.stream_id, e.stream_position`,
    [[...upTo.keys()], [...upTo.values()]],
  );
  const states = new Map<string, InvoiceState>();
  for (const row of rows)
    states.set(
      row.stream_id,
      evolveInvoice(states.get(row.stream_id) ?? initialInvoiceState(), {
        type: row.event_type,
        data: row.data,
      } as InvoiceEvent),
    );
  return states;
}

/**
 * A page of events as few statements: the invoices issued in one insert, each invoice's last
 * status and dispute flag of the page in one update each, the due dates of the invoices touched
 * in one read of their streams and one update - the same rows as applying the events one by one,
 * since an invoice's events come in its stream's order (issued first). A page where an invoice's
 * status or dispute comes before its issue (another order than its stream's) is applied one
 * event at a time, as it was.
 */
export const invoiceListProjection = (policy: OverduePolicy): Projection => ({
  name: 'invoice-list',
  tables: ['invoice_list'],
  async apply(client, events: OrderedEvent[]) {
    const issued = new Map<string, InvoiceIssuedV1>();
    const status = new Map<string, string>();
    const disputed = new Map<string, boolean>();
    /** Each invoice stream of the batch and its last event in it: its due dates are read after. */
    const touched = new Map<string, number>();
    for (const event of events) {
      if (event.streamId.startsWith(INVOICE_STREAM)) touched.set(event.streamId, event.streamPosition);
      const invoiceId = (event.data as { invoiceId?: string }).invoiceId;
      if (event.type === 'InvoiceIssued') {
        const i = event.data as InvoiceIssuedV1;
        if (status.has(i.invoiceId) || disputed.has(i.invoiceId)) return applyEach(client, events, policy);
        if (!issued.has(i.invoiceId)) issued.set(i.invoiceId, i);
      } else if (STATUS_OF[event.type]) {
        status.set(invoiceId!, STATUS_OF[event.type]!);
      } else if (event.type === 'InvoiceDisputed' || event.type === 'InvoiceDisputeResolved') {
        disputed.set(invoiceId!, event.type === 'InvoiceDisputed');
      }
    }
    if (issued.size > 0) {
      const rows = [...issued.values()];
      await client.query(
        `insert into invoice_list (invoice_id, customer_id, status, amount, currency, issue_date, due_date, next_due_date, prepayment)
         select invoice_id, customer_id, 'OPEN', amount, currency, issue_date, due_date, due_date, prepayment
           from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::date[], $6::date[], $7::boolean[])
                  t(invoice_id, customer_id, amount, currency, issue_date, due_date, prepayment)
         on conflict (invoice_id) do nothing`,
        [
          rows.map((i) => i.invoiceId),
          rows.map((i) => i.customerId),
          rows.map((i) => i.amount),
          rows.map((i) => i.currency),
          rows.map((i) => i.issueDate),
          rows.map((i) => i.dueDate),
          rows.map((i) => i.prepayment === true),
        ],
      );
    }
    if (status.size > 0)
      await client.query(
        `update invoice_list l set status = t.status
           from unnest($1::text[], $2::text[]) t(invoice_id, status) where l.invoice_id = t.invoice_id`,
        [[...status.keys()], [...status.values()]],
      );
    if (disputed.size > 0)
      await client.query(
        `update invoice_list l set disputed = t.disputed
           from unnest($1::text[], $2::boolean[]) t(invoice_id, disputed) where l.invoice_id = t.invoice_id`,
        [[...disputed.keys()], [...disputed.values()]],
      );
    if (touched.size === 0) return;
    const dueDates = new Map<string, { dueDate: string; payableBy: string }>();
    for (const state of (await invoiceStatesAt(client, touched)).values()) {
      const due = dueDatesOf(state, policy);
      if (due) dueDates.set(due.invoiceId, due);
    }
    if (dueDates.size === 0) return;
    await client.query(
      `update invoice_list l set due_date = t.due_date, next_due_date = t.next_due_date
         from unnest($1::text[], $2::date[], $3::date[]) t(invoice_id, due_date, next_due_date)
        where l.invoice_id = t.invoice_id`,
      [
        [...dueDates.keys()],
        [...dueDates.values()].map((d) => d.dueDate),
        [...dueDates.values()].map((d) => d.payableBy),
      ],
    );
  },
});

/** The due date an invoice answers to and the day it is payable by, from its state (none before it is issued). */
function dueDatesOf(
  state: InvoiceState,
  policy: OverduePolicy,
): { invoiceId: string; dueDate: string; payableBy: string } | undefined {
  if (!isIssued(state)) return undefined;
  const answersTo = earliestUnpaidDueDate(state) ?? state.schedule.at(-1)?.dueDate;
  if (!answersTo) return undefined;
  return {
    invoiceId: state.issued.invoiceId,
    dueDate: answersTo,
    payableBy: payableBy(state, policy)(answersTo),
  };
}

/** The events one at a time, in order, each as its own statements (a page in another order than its streams'). */
async function applyEach(client: PoolClient, events: OrderedEvent[], policy: OverduePolicy): Promise<void> {
  const touched = new Map<string, number>();
  for (const event of events) {
    if (event.streamId.startsWith(INVOICE_STREAM)) touched.set(event.streamId, event.streamPosition);
    const invoiceId = (event.data as { invoiceId?: string }).invoiceId;
    if (event.type === 'InvoiceIssued') {
      const i = event.data as InvoiceIssuedV1;
      await client.query(
        `insert into invoice_list (invoice_id, customer_id, status, amount, currency, issue_date, due_date, next_due_date, prepayment)
         values ($1, $2, 'OPEN', $3, $4, $5, $6, $6, $7) on conflict (invoice_id) do nothing`,
        [i.invoiceId, i.customerId, i.amount, i.currency, i.issueDate, i.dueDate, i.prepayment === true],
      );
    } else if (STATUS_OF[event.type]) {
      await client.query('update invoice_list set status = $2 where invoice_id = $1', [
        invoiceId,
        STATUS_OF[event.type],
      ]);
    } else if (event.type === 'InvoiceDisputed' || event.type === 'InvoiceDisputeResolved') {
      await client.query('update invoice_list set disputed = $2 where invoice_id = $1', [
        invoiceId,
        event.type === 'InvoiceDisputed',
      ]);
    }
  }
  for (const state of (await invoiceStatesAt(client, touched)).values()) {
    const due = dueDatesOf(state, policy);
    if (!due) continue;
    await client.query('update invoice_list set due_date = $2, next_due_date = $3 where invoice_id = $1', [
      due.invoiceId,
      due.dueDate,
      due.payableBy,
    ]);
  }
}
