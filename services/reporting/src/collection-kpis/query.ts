import type { IsoDate } from '@ar/kernel';
import type { Migration } from '@ar/postgres';
import type { Pool } from 'pg';
import { shareOf } from '../share';

/** The events that tell whether an invoice was ever overdue (a case on one never overdue is no case). */
const OVERDUE_EVENT_TYPES = ['PaymentOverdue', 'PaymentOverdueWithdrawn'];
/** The events the collection KPIs count, among every service's events in reporting's copy. */
const COUNTED_EVENT_TYPES = [
  'CaseOpened',
  'CaseClosed',
  'ReminderSent',
  'CollectionActionRecorded',
  'PromiseKept',
  'PromiseBroken',
];
const typeList = (types: readonly string[]) => types.map((t) => `'${t}'`).join(', ');

export const collectionKpiMigrations: Migration[] = [
  {
    // The KPIs read their events by type: without an index on it, every event of the store (each
    // invoice, payment and customer event too) was read for each report and each day's snapshot.
    id: 'collection-kpis-001',
    sql: `create index events_collection_kpis on events (event_type, global_position)
            where event_type in (${typeList([...OVERDUE_EVENT_TYPES, ...COUNTED_EVENT_TYPES])});`,
  },
];

/**
 * Collection KPIs as of a date (DOMAIN.md §4-5), from collections' events in reporting's own copy:
 * - conversion rate: cases closed by payment / cases opened;
 * - automated-reminder share: reminders and letters sent automatically / all customer contacts
 *   (automatic messages plus the calls, visits and emails people recorded);
 * - promise-kept rate: promises kept / promises settled (kept + broken).
 * Each event counts on its business date, so a past date's figures stay as they were.
 *
 * A case opened for an invoice that, by value dating, was never overdue - every `PaymentOverdue`
 * of it withdrawn (`PaymentOverdueWithdrawn`: the payment had arrived in time, recorded later) -
 * was no collection case: it counts neither as opened nor as closed by payment, on any date.
 * Its messages were sent all the same, so they still count as contacts.
 */
export async function collectionKpisAsOf(pool: Pool, asOf: IsoDate) {
  const { rows } = await pool.query<Record<string, string>>(
    `with thresholds as (
       select data->>'invoiceId' as invoice_id, data->>'threshold' as threshold, data->>'overdueDate' as overdue_date,
              count(*) filter (where event_type = 'PaymentOverdue') as reached,
              count(*) filter (where event_type = 'PaymentOverdueWithdrawn') as withdrawn
         from events where event_type in (${typeList(OVERDUE_EVENT_TYPES)}) group by 1, 2, 3),
     never_overdue as (
       select invoice_id from thresholds group by 1
       having sum(withdrawn) > 0 and bool_and(reached <= withdrawn)),
     dated as (
       select event_type, data,
              coalesce(data->>'openedDate', data->>'sentDate', data->>'detectedDate', data->>'date')::date as day
         from events
        where event_type in (${typeList(COUNTED_EVENT_TYPES)})
          and not (event_type in ('CaseOpened', 'CaseClosed')
                   and data->>'invoiceId' in (select invoice_id from never_overdue)))
     select count(*) filter (where event_type = 'CaseOpened')::text as opened,
            count(*) filter (where event_type = 'CaseClosed' and data->>'outcome' = 'PAID')::text as closed_paid,
            count(*) filter (where event_type = 'ReminderSent')::text as automatic,
            count(*) filter (where event_type = 'CollectionActionRecorded' and data->>'kind' <> 'NOTE')::text as manual,
            count(*) filter (where event_type = 'PromiseKept')::text as kept,
            count(*) filter (where event_type = 'PromiseBroken')::text as broken
       from dated where day <= $1::date`,
    [asOf],
  );
  const n = Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)])) as Record<
    string,
    number
  >;
  return {
    asOf,
    casesOpened: n.opened!,
    casesClosedByPayment: n.closed_paid!,
    conversionRate: shareOf(n.closed_paid!, n.opened!),
    automaticMessages: n.automatic!,
    manualContacts: n.manual!,
    automatedReminderShare: shareOf(n.automatic!, n.automatic! + n.manual!),
    promisesKept: n.kept!,
    promisesBroken: n.broken!,
    promiseKeptRate: shareOf(n.kept!, n.kept! + n.broken!),
  };
}
