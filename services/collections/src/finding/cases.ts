import { CurrencyCode, EntityId, IsoDate, OwnerRole } from '@ar/contracts';
import { Keyset, pageOf, READERS, type ServiceContext, type ServiceHttpApp, SqlFilters } from '@ar/platform';
import type { Migration } from '@ar/postgres';
import type { Pool } from 'pg';
import { z } from 'zod';

/** The cases' list reads the worklist's read model; these indexes serve its filters in (due date, id) order. */
export const caseListMigrations: Migration[] = [
  {
    id: 'collections-case-list-001',
    sql: `
      create index if not exists worklist_by_due on worklist (due_date, invoice_id);
      create index if not exists worklist_by_customer on worklist (customer_id, due_date, invoice_id);
      create index if not exists worklist_by_status_rung on worklist (status, owner_role, due_date, invoice_id);
    `,
  },
];

const CASE_STATUS = z.enum(['OPEN', 'PLAN', 'CLOSED']);

export const CaseListItem = z.object({
  invoiceId: EntityId.describe("the case's id: the invoice it collects"),
  customerId: EntityId,
  status: CASE_STATUS.describe('OPEN: someone works it; PLAN: under an instalment plan kept; CLOSED'),
  rung: OwnerRole.describe("the escalation ladder's rung reached: whose case it is"),
  openAmount: z.number().int(),
  currency: CurrencyCode,
  dueDate: IsoDate,
  daysOverdue: z.number().int().describe('calendar days past due today, 0 unless OPEN'),
  strategy: z.string().nullable(),
  debtorType: z.string().nullable(),
  lastAction: z.string().nullable(),
  nextStep: z.string().nullable(),
});
export type CaseListItem = z.infer<typeof CaseListItem>;

/** Sorted by due date, then id: the list's keyset. */
const byDue = new Keyset(['due_date', 'invoice_id'], z.tuple([IsoDate, EntityId]));

export const CaseListQuery = z
  .object({
    status: CASE_STATUS.optional(),
    rung: OwnerRole.optional(),
    customerId: EntityId.optional(),
    ...byDue.query,
  })
  .strict();
export type CaseListQuery = z.infer<typeof CaseListQuery>;

/** A page of the cases matching `q`, oldest due first, as of the business day `today`. */
export async function findCases(pool: Pool, today: string, q: CaseListQuery) {
  const filters = new SqlFilters([today]);
  const { params, where } = filters;
  const filter = filters.add.bind(filters);
  filter((p) => `status = ${p}`, q.status);
  filter((p) => `owner_role = ${p}`, q.rung);
  filter((p) => `customer_id = ${p}`, q.customerId);
  where.push(byDue.after(q.cursor, params));
  const { rows } = await pool.query<Omit<CaseListItem, 'openAmount'> & { openAmount: string }>(
    `select invoice_id as "invoiceId", customer_id as "customerId", status, owner_role as rung,
            open_amount::bigint::text as "openAmount", currency, to_char(due_date, 'YYYY-MM-DD') as "dueDate",
            case when status = 'OPEN' and due_date < $1::date then $1::date - due_date else 0 end as "daysOverdue",
            strategy, debtor_type as "debtorType", last_action as "lastAction", next_step as "nextStep"
       from worklist where ${where.join(' and ')} ${byDue.orderAndLimit(q.limit)}`,
    params,
  );
  const page = byDue.page(rows, q.limit, (r) => [r.dueDate, r.invoiceId] as [string, string]);
  return { cases: page.items.map((r) => ({ ...r, openAmount: Number(r.openAmount) })), next: page.next };
}

/** Finding cases: by status, rung and customer, a page at a time. */
export function caseListRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.get(
    '/cases',
    {
      config: { roles: READERS },
      schema: {
        summary:
          'Collection cases by status, rung of the escalation ladder and customer, by due date (cursor pages)',
        description:
          'Every case, closed ones included (the worklist has the open ones ranked by priority). Every filter is optional; they combine. Pages of `limit` (default 50, at most 200); `next` is the cursor of the following page.',
        tags: ['cases'],
        querystring: CaseListQuery,
        response: { 200: pageOf('cases', CaseListItem) },
      },
    },
    async (request) => findCases(ctx.pool, ctx.clock.today(), request.query),
  );
}
