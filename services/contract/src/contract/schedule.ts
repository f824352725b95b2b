import type { PaymentTermV1 } from '@ar/contracts';
import { addDays, type BusinessCalendar, type IsoDate, RuleViolation, splitByWeights } from '@ar/kernel';

/** 100% in basis points: the milestone shares must add up to exactly this. */
export const WHOLE = 10_000;

/**
 * The milestone amounts: each share of the contract value, to the minor unit, adding up to the
 * value exactly (largest remainder: 33.33% / 33.33% / 33.34% of 100.01 is 33.33 / 33.33 / 33.35).
 */
export function milestoneAmounts(value: number, sharesBp: number[]): number[] {
  const total = sharesBp.reduce((a, b) => a + b, 0);
  if (total !== WHOLE) {
    throw new RuleViolation(
      'MILESTONES_NOT_100_PERCENT',
      `milestone percentages add up to ${total / 100}%, not 100%`,
      'milestones',
    );
  }
  return splitByWeights(value, sharesBp);
}

/**
 * The due date of a milestone reached on `reached` under its payment term. Working days
 * follow the business calendar (weekends, holidays, make-up days); a calendar-day term that
 * ends on a non-working day is due on the next working day.
 */
export function dueDate(reached: IsoDate, term: PaymentTermV1, calendar: BusinessCalendar): IsoDate {
  if (term.basis === 'WORKING') return calendar.addWorkingDays(reached, term.days);
  let due = addDays(reached, term.days);
  while (!calendar.isWorkingDay(due)) due = addDays(due, 1);
  return due;
}
