import { CurrencyCode, EntityId, IsoDate } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import { Keyset, pageOf, READERS, type ServiceContext, type ServiceHttpApp, SqlFilters } from '@ar/platform';
import { z } from 'zod';

const INVOICE_STATUS = z.enum(['OPEN', 'PAID', 'CREDITED', 'WRITTEN_OFF']);

export const InvoiceListItem = z.object({
  invoiceId: EntityId,
  customerId: EntityId,
  status: INVOICE_STATUS,
  amount: z.number().int().describe('as issued, in minor units'),
  currency: CurrencyCode,
  issueDate: IsoDate,
  dueDate: IsoDate.describe(
    'the due date the invoice answers to: its own, or on an instalment plan the earliest instalment not yet paid in full (the last one once all are paid)',
  ),
  daysOverdue: z
    .number()
    .int()
    .describe(
      'calendar days since the day `dueDate` was payable by (an instalment on a weekend or holiday: the next working day), 0 unless OPEN and past it',
    ),
  disputed: z.boolean(),
});

/** Sorted by due date, then id: the list's keyset. */
const byDue = new Keyset(['due_date', 'invoice_id'], z.tuple([IsoDate, EntityId]));

const InvoiceListQuery = z
  .object({
    customerId: EntityId.optional(),
    status: INVOICE_STATUS.optional(),
    dueFrom: IsoDate.optional().describe('due on or after'),
    dueTo: IsoDate.optional().describe('due on or before'),
    minDaysOverdue: z.coerce
      .number()
      .int()
      .min(1)
      .max(36_500)
      .optional()
      .describe('open and at least this many days past due today'),
    ...byDue.query,
  })
  .strict()
  .refine((q) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo, {
    message: 'dueFrom must not be after dueTo',
    path: ['dueTo'],
  });

/** Finding invoices: by customer, status, due dates and days overdue, a page at a time. */
export function invoiceListRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.get(
    '/invoices',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Invoices by customer, status, due-date range and days overdue, by due date (cursor pages)',
        description:
          'Read from a projection of the invoices (a moment behind a command). Every filter is optional; they combine. Pages of `limit` (default 50, at most 200); `next` is the cursor of the following page.',
        tags: ['invoices'],
        querystring: InvoiceListQuery,
        response: { 200: pageOf('invoices', InvoiceListItem) },
      },
    },
    async (request) => {
      const q = request.query;
      const today = ctx.clock.today();
      const filters = new SqlFilters([today]);
      const { params, where } = filters;
      const filter = filters.add.bind(filters);
      filter((p) => `customer_id = ${p}`, q.customerId);
      filter((p) => `status = ${p}`, q.status);
      filter((p) => `due_date >= ${p}::date`, q.dueFrom);
      filter((p) => `due_date <= ${p}::date`, q.dueTo);
      filter(
        (p) => `status = 'OPEN' and not prepayment and next_due_date <= ${p}::date`,
        q.minDaysOverdue === undefined ? undefined : addDays(today, -q.minDaysOverdue),
      );
      where.push(byDue.after(q.cursor, params));
      const { rows } = await ctx.pool.query<{
        invoiceId: string;
        customerId: string;
        status: z.infer<typeof INVOICE_STATUS>;
        amount: string;
        currency: string;
        issueDate: string;
        dueDate: string;
        daysOverdue: number;
        disputed: boolean;
      }>(
        `select invoice_id as "invoiceId", customer_id as "customerId", status,
                amount::bigint::text as amount, currency,
                to_char(issue_date, 'YYYY-MM-DD') as "issueDate", to_char(due_date, 'YYYY-MM-DD') as "dueDate",
                case when status = 'OPEN' and not prepayment and next_due_date < $1::date
                     then $1::date - next_due_date else 0 end
                  as "daysOverdue",
                disputed
           from invoice_list where ${where.join(' and ')} ${byDue.orderAndLimit(q.limit)}`,
        params,
      );
      const page = byDue.page(rows, q.limit, (r) => [r.dueDate, r.invoiceId] as [string, string]);
      return { invoices: page.items.map((r) => ({ ...r, amount: Number(r.amount) })), next: page.next };
    },
  );
}
