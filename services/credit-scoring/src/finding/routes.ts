import { CreditTier, EntityId, IsoDate } from '@ar/contracts';
import { NotFound } from '@ar/kernel';
import { Keyset, pageOf, READERS, type ServiceContext, type ServiceHttpApp, SqlFilters } from '@ar/platform';
import { z } from 'zod';

export const CustomerListItem = z.object({
  customerId: EntityId,
  name: z.string(),
  industry: z.string(),
  region: z.string(),
  salesOwner: z.string(),
  registeredOn: IsoDate,
  tier: CreditTier.nullable().describe('null until first scored'),
  score: z.number().int().nullable(),
  frozen: z.boolean(),
});
export const ScoreHistoryItem = z.object({
  date: IsoDate,
  score: z.number().int(),
  previousScore: z.number().int().nullable(),
  cause: z.string().describe('the signal that led to re-scoring'),
});
export const EarlyWarningItem = z.object({
  date: IsoDate,
  score: z.number().int(),
  previousScore: z.number().int(),
  tier: CreditTier.describe('the tier before the drop'),
  rule: z.enum(['BELOW_TIER_THRESHOLD', 'DROP_EXCEEDS_LIMIT']),
  causes: z.array(z.string()),
});

/** Customers by name, then id. */
const byName = new Keyset(['name', 'customer_id'], z.tuple([z.string().max(200), EntityId]));
/** A customer's history by the position of its event in the customer's stream (oldest first). */
const byPosition = new Keyset(['position'], z.tuple([z.number().int().min(0)]));

const CustomerListQuery = z
  .object({
    tier: CreditTier.optional(),
    industry: z.string().trim().min(1).max(100).optional(),
    region: z.string().trim().min(1).max(100).optional(),
    nameContains: z.string().trim().min(1).max(200).optional().describe('part of the name, any case'),
    ...byName.query,
  })
  .strict();
const HistoryQuery = z.object({ ...byPosition.query }).strict();
const CustomerParams = z.object({ customerId: EntityId });

/** `%`, `_` and `\` in a search text are themselves, not patterns. */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Finding customers, their score history and early warnings, a cursor page at a time. */
export function customerFindingRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.get(
    '/customers',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Customers by tier, industry, region and part of the name, by name (cursor pages)',
        description:
          'Read from a projection of the customers (a moment behind a command). Every filter is optional; they combine. Pages of `limit` (default 50, at most 200); `next` is the cursor of the following page.',
        tags: ['customers'],
        querystring: CustomerListQuery,
        response: { 200: pageOf('customers', CustomerListItem) },
      },
    },
    async (request) => {
      const q = request.query;
      const filters = new SqlFilters();
      const { params, where } = filters;
      const filter = filters.add.bind(filters);
      filter((p) => `tier = ${p}`, q.tier);
      filter((p) => `industry = ${p}`, q.industry);
      filter((p) => `region = ${p}`, q.region);
      filter((p) => `name ilike ${p}`, q.nameContains === undefined ? undefined : likeText(q.nameContains));
      where.push(byName.after(q.cursor, params));
      const { rows } = await ctx.pool.query<z.infer<typeof CustomerListItem>>(
        `select customer_id as "customerId", name, industry, region, sales_owner as "salesOwner",
                to_char(registered_on, 'YYYY-MM-DD') as "registeredOn", tier, score, frozen
           from customer_list where ${where.join(' and ')} ${byName.orderAndLimit(q.limit)}`,
        params,
      );
      const page = byName.page(rows, q.limit, (r) => [r.name, r.customerId] as [string, string]);
      return { customers: page.items, next: page.next };
    },
  );

  const mustBeKnown = async (customerId: string) => {
    const { rowCount } = await ctx.pool.query('select 1 from customer_list where customer_id = $1', [
      customerId,
    ]);
    if (!rowCount) throw new NotFound('CUSTOMER_NOT_FOUND', `no customer ${customerId}`, 'customerId');
  };

  app.get(
    '/customers/:customerId/score-history',
    {
      config: { roles: READERS },
      schema: {
        summary: "A customer's credit scores over time, oldest first, each with its cause (cursor pages)",
        tags: ['customers'],
        params: CustomerParams,
        querystring: HistoryQuery,
        response: { 200: pageOf('scores', ScoreHistoryItem) },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await mustBeKnown(customerId);
      const params: unknown[] = [customerId];
      const { rows } = await ctx.pool.query<z.infer<typeof ScoreHistoryItem> & { position: number }>(
        `select position, to_char(date, 'YYYY-MM-DD') as date, score, previous_score as "previousScore", cause
           from score_history where customer_id = $1 and ${byPosition.after(request.query.cursor, params)}
          ${byPosition.orderAndLimit(request.query.limit)}`,
        params,
      );
      const page = byPosition.page(rows, request.query.limit, (r) => [r.position] as [number]);
      return { scores: page.items.map(({ position: _, ...s }) => s), next: page.next };
    },
  );

  app.get(
    '/customers/:customerId/early-warnings',
    {
      config: { roles: READERS },
      schema: {
        summary:
          "A customer's early warnings (score below its tier's threshold, or a drop beyond the limit), oldest first",
        tags: ['customers'],
        params: CustomerParams,
        querystring: HistoryQuery,
        response: { 200: pageOf('warnings', EarlyWarningItem) },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await mustBeKnown(customerId);
      const params: unknown[] = [customerId];
      const { rows } = await ctx.pool.query<z.infer<typeof EarlyWarningItem> & { position: number }>(
        `select position, to_char(date, 'YYYY-MM-DD') as date, score, previous_score as "previousScore", tier, rule, causes
           from early_warnings where customer_id = $1 and ${byPosition.after(request.query.cursor, params)}
          ${byPosition.orderAndLimit(request.query.limit)}`,
        params,
      );
      const page = byPosition.page(rows, request.query.limit, (r) => [r.position] as [number]);
      return { warnings: page.items.map(({ position: _, ...w }) => w), next: page.next };
    },
  );
}
