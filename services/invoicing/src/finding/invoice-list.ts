import type { InstalmentPlanAppliedV1, InstalmentPlanRevisedV1, InvoiceIssuedV1 } from '@ar/contracts';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';

/**
 * The invoices people search (`GET /invoices`): one row an invoice with what the list filters
 * on. `next_due_date` is when the principal first falls due - the invoice's due date, or the
 * first instalment of the plan in force - what days overdue count from.
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

export const invoiceListProjection: Projection = {
  name: 'invoice-list',
  tables: ['invoice_list'],
  async apply(client, events: OrderedEvent[]) {
    for (const event of events) {
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
      } else if (event.type === 'InstalmentPlanApplied' || event.type === 'InstalmentPlanRevised') {
        const { instalments } = event.data as InstalmentPlanAppliedV1 | InstalmentPlanRevisedV1;
        const first = instalments.map((i) => i.dueDate).sort()[0];
        if (first)
          await client.query('update invoice_list set next_due_date = $2 where invoice_id = $1', [
            invoiceId,
            first,
          ]);
      } else if (event.type === 'InvoiceDisputed' || event.type === 'InvoiceDisputeResolved') {
        await client.query('update invoice_list set disputed = $2 where invoice_id = $1', [
          invoiceId,
          event.type === 'InvoiceDisputed',
        ]);
      }
    }
  },
};
