import type { IsoDate } from '@ar/kernel';
import type { Pool } from 'pg';
import { shareOf } from '../share';

/**
 * Collection KPIs as of a date (DOMAIN.md §4-5), from collections' events in reporting's own copy:
 * - conversion rate: cases closed by payment / cases opened;
 * - automated-reminder share: reminders and letters sent automatically / all customer contacts
 *   (automatic messages plus the calls, visits and emails people recorded);
 * - promise-kept rate: promises kept / promises settled (kept + broken).
 * Each event counts on its business date, so a past date's figures stay as they were.
 */
export async function collectionKpisAsOf(pool: Pool, asOf: IsoDate) {
  const { rows } = await pool.query<Record<string, string>>(
    `with dated as (
       select event_type, data,
              coalesce(data->>'openedDate', data->>'sentDate', data->>'detectedDate', data->>'date')::date as day
         from events
        where event_type in ('CaseOpened', 'CaseClosed', 'ReminderSent', 'CollectionActionRecorded', 'PromiseKept', 'PromiseBroken'))
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
