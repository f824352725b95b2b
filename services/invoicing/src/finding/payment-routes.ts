import { CurrencyCode, EntityId, IsoDate, PaymentChannel } from '@ar/contracts';
import { Keyset, pageOf, type ServiceContext, type ServiceHttpApp, SqlFilters } from '@ar/platform';
import { z } from 'zod';

const PAYMENT_STATUS = z.enum(['UNIDENTIFIED', 'IDENTIFIED', 'APPLIED']);

export const PaymentListItem = z.object({
  paymentId: EntityId,
  status: PAYMENT_STATUS,
  customerId: EntityId.nullable().describe('null while the payer is not identified'),
  amount: z.number().int(),
  currency: CurrencyCode,
  channel: PaymentChannel,
  reference: z.string().nullable(),
  receivedDate: IsoDate,
});

/** Sorted by the day the money arrived, then id: the list's keyset. */
const byReceived = new Keyset(['received_date', 'payment_id'], z.tuple([IsoDate, EntityId]));

const PaymentListQuery = z
  .object({
    customerId: EntityId.optional(),
    status: PAYMENT_STATUS.optional(),
    receivedFrom: IsoDate.optional().describe('received on or after'),
    receivedTo: IsoDate.optional().describe('received on or before'),
    ...byReceived.query,
  })
  .strict()
  .refine((q) => !q.receivedFrom || !q.receivedTo || q.receivedFrom <= q.receivedTo, {
    message: 'receivedFrom must not be after receivedTo',
    path: ['receivedTo'],
  });

/** Finding payments: by customer, status and the day received, a page at a time. */
export function paymentListRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.get(
    '/payments',
    {
      config: { roles: ['finance', 'management', 'bi'] },
      schema: {
        summary:
          'Payments by customer, status (UNIDENTIFIED: waiting to be matched) and day received (cursor pages)',
        description:
          'Every filter is optional; they combine. Oldest received first. Pages of `limit` (default 50, at most 200); `next` is the cursor of the following page.',
        tags: ['payments'],
        querystring: PaymentListQuery,
        response: { 200: pageOf('payments', PaymentListItem) },
      },
    },
    async (request) => {
      const q = request.query;
      const filters = new SqlFilters();
      const { params, where } = filters;
      const filter = filters.add.bind(filters);
      filter((p) => `customer_id = ${p}`, q.customerId);
      filter((p) => `status = ${p}`, q.status);
      filter((p) => `received_date >= ${p}::date`, q.receivedFrom);
      filter((p) => `received_date <= ${p}::date`, q.receivedTo);
      where.push(byReceived.after(q.cursor, params));
      // Amounts come back as text (bigint) and are read as numbers: every amount is at most
      // MAX_AMOUNT, exact in a number; a 32-bit cast broke the list for everyone at 2^31.
      const { rows } = await ctx.pool.query<
        Omit<z.infer<typeof PaymentListItem>, 'amount'> & { amount: string }
      >(
        `select payment_id as "paymentId", status, customer_id as "customerId", amount::bigint::text as amount,
                currency, channel, reference, to_char(received_date, 'YYYY-MM-DD') as "receivedDate"
           from payment_list where ${where.join(' and ')} ${byReceived.orderAndLimit(q.limit)}`,
        params,
      );
      const page = byReceived.page(rows, q.limit, (r) => [r.receivedDate, r.paymentId] as [string, string]);
      return { payments: page.items.map((r) => ({ ...r, amount: Number(r.amount) })), next: page.next };
    },
  );
}
