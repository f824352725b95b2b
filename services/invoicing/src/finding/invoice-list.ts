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
];

const STATUS_OF: Record<string, string> = {
  InvoicePaid: 'PAID',
  InvoiceFullyCredited: 'CREDITED',
  InvoiceWrittenOff: 'WRITTEN_OFF',
};

const INVOICE_STREAM = 'invoice-';

/** The invoice's state after its event #`upTo`, folded from its stream (what the decider sees). */
async function invoiceStateAt(client: PoolClient, streamId: string, upTo: number): Promise<InvoiceState> {
  const { rows } = await client.query<{ event_type: InvoiceEvent['type']; data: InvoiceEvent['data'] }>(
    'select event_type, data from events where stream_id = $1 and stream_position <= $2 order by stream_position',
    [streamId, upTo],
  );
  return rows.reduce(
    (state, row) => evolveInvoice(state, { type: row.event_type, data: row.data } as InvoiceEvent),
    initialInvoiceState(),
  );
}

/** `policy`: the tenant's overdue policy and business calendar (when an instalment is payable by). */
export const invoiceListProjection = (policy: OverduePolicy): Projection => ({
  name: 'invoice-list',
  tables: ['invoice_list'],
  async apply(client, events: OrderedEvent[]) {
    /** Each invoice stream of the batch and its last event in it: its due dates are read after. */
    const touched = new Map<string, number>();
    for (const event of events) {
      if (event.streamId.startsWith(INVOICE_STREAM)) touched.set(event.streamId, event.streamPosition);
      const invoiceId = (event.data as { invoiceId?: string }).invoiceId;
      if (event.type === 'InvoiceIssued') {
        const i = event.data as InvoiceIssuedV1;
        await client.query(
          `insert into invoice_list (invoice_id, customer_id, status, amount, currency, issue_date, due_date, next_due_date)
           values ($1, $2, 'OPEN', $3, $4, $5, $6, $6) on conflict (invoice_id) do nothing`,
          [i.invoiceId, i.customerId, i.amount, i.currency, i.issueDate, i.dueDate],
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
    for (const [streamId, position] of touched) {
      const state = await invoiceStateAt(client, streamId, position);
      if (!isIssued(state)) continue;
      const answersTo = earliestUnpaidDueDate(state) ?? state.schedule.at(-1)?.dueDate;
      if (!answersTo) continue;
      await client.query('update invoice_list set due_date = $2, next_due_date = $3 where invoice_id = $1', [
        state.issued.invoiceId,
        answersTo,
        payableBy(state, policy)(answersTo),
      ]);
    }
  },
});
