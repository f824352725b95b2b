import type { IsoDate } from '@ar/kernel';
import type { Pool } from 'pg';
import { shareOf } from '../share';

/**
 * Collection achievement per sales owner for a period (DOMAIN.md §5, "Sales KPI"; the source
 * weights it at 30% or more of a salesperson's KPI):
 * - target: the principal that was due to be collected in the period - invoices due by its end,
 *   less what had been settled before it began;
 * - collected: what of that target was settled within the period; achievement = collected / target;
 * - collected early: principal settled in the period before its due date (the early-collection bonus);
 * - overdue 91+: principal more than 90 days past due at the period's end (the accountability
 *   line: the owner's commission is cut).
 * Settlements count on their business dates, so a past period's figures stay as they were.
 */
export async function collectionAchievementBySalesOwner(pool: Pool, from: IsoDate, to: IsoDate) {
  const { rows } = await pool.query<Record<string, string>>(
    `with per_invoice as (
       select i.invoice_id, i.customer_id, i.currency, i.due_date, i.amount,
              coalesce(sum(s.amount) filter (where s.settled_date < $1::date), 0) as settled_before,
              coalesce(sum(s.amount) filter (where s.settled_date between $1::date and $2::date), 0) as settled_in,
              coalesce(sum(s.amount) filter (where s.settled_date between $1::date and $2::date
                                               and s.settled_date < i.due_date), 0) as settled_early
         from aging_invoices i left join aging_settlements s using (invoice_id)
        where i.issue_date <= $2::date
        group by i.invoice_id)
     select p.currency, coalesce(c.sales_owner, 'UNASSIGNED') as sales_owner,
            coalesce(sum(p.amount - p.settled_before) filter (where p.due_date <= $2::date), 0)::text as target,
            coalesce(sum(p.settled_in) filter (where p.due_date <= $2::date), 0)::text as collected,
            sum(p.settled_early)::text as collected_early,
            coalesce(sum(p.amount - p.settled_before - p.settled_in)
                       filter (where $2::date - p.due_date > 90), 0)::text as overdue_91_plus
       from per_invoice p left join customer_dimensions c using (customer_id)
      where p.amount > p.settled_before
      group by 1, 2 order by 1, 2`,
    [from, to],
  );
  return rows.map((r) => {
    const target = Number(r.target);
    const collected = Number(r.collected);
    return {
      from,
      to,
      currency: r.currency!,
      salesOwner: r.sales_owner!,
      target,
      collected,
      achievementRate: shareOf(collected, target),
      collectedEarly: Number(r.collected_early),
      overdue91Plus: Number(r.overdue_91_plus),
    };
  });
}
