import { CurrencyCode, EntityId, IsoDate } from '@ar/contracts';
import { Keyset, pageOf, READERS, type ServiceContext, type ServiceHttpApp, SqlFilters } from '@ar/platform';
import { z } from 'zod';

const CONTRACT_STATUS = z.enum(['DRAFT', 'SIGNED', 'COMPLETED', 'TERMINATED']);

export const ContractListItem = z.object({
  contractId: EntityId,
  customerId: EntityId,
  title: z.string(),
  value: z.number().int(),
  currency: CurrencyCode,
  status: CONTRACT_STATUS,
  draftedDate: IsoDate,
  signedDate: IsoDate.nullable(),
  serviceSuspendedSince: IsoDate.nullable().describe(
    'after-sales service suspended since this day (null: not suspended); every suspension and resumption is on GET /contracts/:id',
  ),
});

/** Sorted by the day drafted, then id: the list's keyset. */
const byDrafted = new Keyset(['drafted_date', 'contract_id'], z.tuple([IsoDate, EntityId]));

const ContractListQuery = z
  .object({
    customerId: EntityId.optional(),
    status: CONTRACT_STATUS.optional(),
    serviceSuspended: z
      .enum(['true', 'false'])
      .optional()
      .describe('only those suspended now (true) or not (false)'),
    ...byDrafted.query,
  })
  .strict();

/** Finding contracts: by customer, status and suspension, a page at a time. */
export function contractListRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.get(
    '/contracts',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Contracts by customer, status and service suspension, by day drafted (cursor pages)',
        description:
          'Read from a projection of the contracts (a moment behind a command). Every filter is optional; they combine. Pages of `limit` (default 50, at most 200); `next` is the cursor of the following page.',
        tags: ['contracts'],
        querystring: ContractListQuery,
        response: { 200: pageOf('contracts', ContractListItem) },
      },
    },
    async (request) => {
      const q = request.query;
      const filters = new SqlFilters();
      const { params, where } = filters;
      const filter = filters.add.bind(filters);
      filter((p) => `customer_id = ${p}`, q.customerId);
      filter((p) => `status = ${p}`, q.status);
      if (q.serviceSuspended)
        where.push(q.serviceSuspended === 'true' ? 'suspended_since is not null' : 'suspended_since is null');
      where.push(byDrafted.after(q.cursor, params));
      const { rows } = await ctx.pool.query<
        Omit<z.infer<typeof ContractListItem>, 'value'> & { value: string }
      >(
        `select contract_id as "contractId", customer_id as "customerId", title, value::bigint::text as value,
                currency, status, to_char(drafted_date, 'YYYY-MM-DD') as "draftedDate",
                to_char(signed_date, 'YYYY-MM-DD') as "signedDate",
                to_char(suspended_since, 'YYYY-MM-DD') as "serviceSuspendedSince"
           from contract_list where ${where.join(' and ')} ${byDrafted.orderAndLimit(q.limit)}`,
        params,
      );
      const page = byDrafted.page(rows, q.limit, (r) => [r.draftedDate, r.contractId] as [string, string]);
      return { contracts: page.items.map((r) => ({ ...r, value: Number(r.value) })), next: page.next };
    },
  );
}
