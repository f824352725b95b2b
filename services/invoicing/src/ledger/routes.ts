import { CustomerAccountView, EntityId } from '@ar/contracts';
import { READERS, type ServiceContext, type ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';

/** A customer's account with us as invoicing sees it: open invoices and credit held. */
export function ledgerRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.get(
    '/customers/:customerId/account',
    {
      config: { roles: READERS },
      schema: {
        summary: "A customer's open invoices (oldest due first) and credit from over-payments",
        tags: ['payments'],
        params: z.object({ customerId: EntityId }),
        response: { 200: CustomerAccountView },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      const [invoices, credit] = await Promise.all([
        ctx.pool.query(
          `select invoice_id as "invoiceId", currency from open_invoices
            where customer_id = $1 order by first_due_date, issue_date, invoice_id`,
          [customerId],
        ),
        ctx.pool.query<{ currency: string; amount: string }>(
          'select currency, amount::bigint::text as amount from customer_credit where customer_id = $1 order by currency',
          [customerId],
        ),
      ]);
      const held = credit.rows.map((r) => ({ currency: r.currency, amount: Number(r.amount) }));
      return { customerId, openInvoices: invoices.rows, credit: held };
    },
  );
}
