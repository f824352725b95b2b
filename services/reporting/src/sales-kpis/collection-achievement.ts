import { exactTotal } from '@ar/contracts';
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
 *
 * An invoice under an instalment plan at the period's end (the latest agreed by then, as last
 * revised) is due as aging counts it (`aging_plan_instalments`): instalment by instalment, each
 * from the day it is payable by. What was settled before the plan (the invoice's principal less
 * the plan's) was due before it; the instalments payable by the end are due in the period, those
 * more than 90 days past their payable day at the end are the 91+ line; a settlement in the
 * period is early for the part of it that covers instalments payable after its date (settlements
 * since the plan cover the earliest instalments first, as invoicing counts them).
 */
export async function collectionAchievementBySalesOwner(pool: Pool, from: IsoDate, to: IsoDate) {
  const { rows } = await pool.query<Record<string, string>>(
    `with plans as (
       select distinct on (invoice_id) invoice_id, event_id, seq, plan_total
         from aging_plan_instalments where agreed_date <= $2::date and seq <= 1
        order by invoice_id, agreed_date desc, position desc),
     planned as (select * from plans where seq = 1),
     per_invoice as (
       select i.invoice_id, i.customer_id, i.currency, i.due_date, i.amount,
              max(p.event_id::text)::uuid as plan_event, max(p.plan_total) as plan_total,
              coalesce(sum(s.amount) filter (where s.settled_date < $1::date), 0) as settled_before,
              coalesce(sum(s.amount) filter (where s.settled_date between $1::date and $2::date), 0) as settled_in,
              coalesce(sum(s.amount) filter (where s.settled_date between $1::date and $2::date
                                               and s.settled_date < i.due_date), 0) as settled_early
         from aging_invoices i left join planned p using (invoice_id) left join aging_settlements s using (invoice_id)
        where i.issue_date <= $2::date
        group by i.invoice_id),
     /** Principal due by the period's end, and more than 90 days past due then: by the plan, or the invoice's due date. */
     due as (
       select p.*,
              case when p.plan_event is null then case when p.due_date <= $2::date then p.amount else 0 end
                   else p.amount - p.plan_total
                        + coalesce((select max(k.cumulative) from aging_plan_instalments k
                                     where k.event_id = p.plan_event and k.seq > 0 and k.payable_date <= $2::date), 0)
              end as due_by_end,
              case when p.plan_event is null then case when $2::date - p.due_date > 90 then p.amount else 0 end
                   else p.amount - p.plan_total
                        + coalesce((select max(k.cumulative) from aging_plan_instalments k
                                     where k.event_id = p.plan_event and k.seq > 0 and $2::date - k.payable_date > 90), 0)
              end as due_91,
              case when p.plan_event is null then p.settled_early
                   else coalesce((
                     select sum(greatest(0, e.after - greatest(e.covered, e.after - e.amount)))
                       from (select st.settled_date, st.amount,
                                    st.through - (p.amount - p.plan_total) as after,
                                    coalesce((select max(k.cumulative) from aging_plan_instalments k
                                               where k.event_id = p.plan_event and k.seq > 0
                                                 and k.payable_date <= st.settled_date), 0) as covered
                               from (select s.settled_date, s.amount,
                                            sum(s.amount) over (order by s.settled_date, s.event_id) as through
                                       from aging_settlements s where s.invoice_id = p.invoice_id) st
                              where st.settled_date between $1::date and $2::date) e), 0)
              end as early
         from per_invoice p)
     select p.currency, coalesce(c.sales_owner, 'UNASSIGNED') as sales_owner,
            sum(greatest(0, p.due_by_end - p.settled_before))::text as target,
            sum(least(p.settled_in, greatest(0, p.due_by_end - p.settled_before)))::text as collected,
            sum(p.early)::text as collected_early,
            sum(greatest(0, p.due_91 - p.settled_before - p.settled_in))::text as overdue_91_plus
       from due p left join customer_dimensions c using (customer_id)
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
      // Exact at any size (#14 item 13); the rate from them as numbers.
      target: exactTotal(r.target ?? 0),
      collected: exactTotal(r.collected ?? 0),
      achievementRate: shareOf(collected, target),
      collectedEarly: exactTotal(r.collected_early ?? 0),
      overdue91Plus: exactTotal(r.overdue_91_plus ?? 0),
    };
  });
}
