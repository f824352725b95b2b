import type { InvoiceIssuedV1 } from '@ar/contracts';
import type { Migration, Projection } from '@ar/postgres';

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
];

/**
 * The facts aging needs, per invoice, with their business dates: the aging "as of D" is then
 * one indexed query (what was issued by D and still open, bucketed by D - due date), not a
 * replay of events per request.
 */
export const agingProjection: Projection = {
  name: 'aging',
  async apply(client, events) {
    for (const event of events) {
      if (event.type !== 'InvoiceIssued') continue;
      const invoice = event.data as InvoiceIssuedV1;
      await client.query(
        `insert into aging_invoices (invoice_id, customer_id, currency, amount, issue_date, due_date)
         values ($1, $2, $3, $4, $5, $6) on conflict (invoice_id) do nothing`,
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
  async reset(client) {
    await client.query('truncate aging_invoices');
  },
};
