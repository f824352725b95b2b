import type { IsoDate } from './business-date';
import { RuleViolation } from './errors';

/**
 * Which dates may lie ahead of today's business date (issue #14, item 2): what is planned may
 * (an invoice scheduled to be issued, its due date, an instalment's date); what says something
 * happened may not (money received, a delivery, an acceptance, a signature, a credit note, a
 * dispute and its resolution, a write-off, an assignment to a factor and its advance). Such a
 * date is refused with a 422 naming the field rather than stored to charge future interest and
 * send letters dated in the future.
 *
 * Returns the date (today when the request left it out), so a route reads
 * `date: happenedBy(b.date, today(), 'date', 'a delivery')`.
 */
export function happenedBy(date: IsoDate | undefined, today: IsoDate, field: string, what: string): IsoDate {
  if (date === undefined) return today;
  if (date > today) {
    throw new RuleViolation(
      'DATE_IN_FUTURE',
      `${what} dated ${date} cannot be recorded on ${today}: it has not happened yet`,
      field,
    );
  }
  return date;
}
