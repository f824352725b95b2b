import { addDays, type IsoDate } from '@ar/kernel';

/** The contact limits (DOMAIN.md §4, "no harassment"): per customer, whatever the invoice. */
export interface ContactLimits {
  maxPerDay: number;
  maxPer7Days: number;
}

export type FrequencyResult =
  | { outcome: 'SEND' }
  | {
      outcome: 'DEFERRED';
      rule: 'frequency-per-day' | 'frequency-per-week';
      matched: string;
      until: IsoDate;
    };

const onDay = (sentOn: IsoDate[], day: IsoDate) => sentOn.filter((d) => d === day).length;
const inWeekTo = (sentOn: IsoDate[], day: IsoDate) =>
  sentOn.filter((d) => d > addDays(day, -7) && d <= day).length;

/**
 * Whether one more message may reach the customer on `day`, given the days earlier messages went
 * to them - every message to the customer, over all its invoices (#18 probe F2: the limit is about
 * harassing a person or a company, not an invoice). At most `maxPerDay` a day and `maxPer7Days` in
 * the seven days ending on the day; over either it waits for the first later day within both
 * (never dropped).
 */
export function screenFrequency(day: IsoDate, sentOn: IsoDate[], limits: ContactLimits): FrequencyResult {
  const today = onDay(sentOn, day);
  const week = inWeekTo(sentOn, day);
  if (today < limits.maxPerDay && week < limits.maxPer7Days) return { outcome: 'SEND' };
  let until = addDays(day, 1);
  // Earlier messages are all on or before `day`: within eight days the window has room again.
  for (
    let i = 0;
    i < 366 && (onDay(sentOn, until) >= limits.maxPerDay || inWeekTo(sentOn, until) >= limits.maxPer7Days);
    i++
  )
    until = addDays(until, 1);
  return today >= limits.maxPerDay
    ? {
        outcome: 'DEFERRED',
        rule: 'frequency-per-day',
        matched: `${today} message(s) to the customer already on ${day}`,
        until,
      }
    : {
        outcome: 'DEFERRED',
        rule: 'frequency-per-week',
        matched: `${week} message(s) to the customer in the 7 days to ${day}`,
        until,
      };
}
