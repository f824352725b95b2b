import { addDays, applyRateBasisPoints, BusinessCalendar, daysBetween, type IsoDate } from '@ar/kernel';
import {
  earliestUnpaidDueDate,
  evolveInvoice,
  type Invoice,
  type InvoiceEvent,
  overduePrincipal,
  type PayableBy,
  totalOpen,
} from './state';

/**
 * The tenant's overdue policy (DOMAIN.md §3): `PaymentOverdue` once per threshold crossed; the
 * business calendar says when an instalment due on a weekend or holiday is payable by.
 */
export interface OverduePolicy {
  overdueThresholds: number[];
  calendar?: BusinessCalendar | undefined;
}

export const DEFAULT_OVERDUE_POLICY: OverduePolicy = { overdueThresholds: [1, 16, 31, 61, 91] };
const WEEKENDS_ONLY = new BusinessCalendar();

/**
 * When an amount of the invoice's schedule is payable by. An instalment of a plan that falls on a
 * weekend or holiday is payable by the next working day and counts as missed only after it (the
 * customer cannot pay an instalment on a day the banks and we are closed); the invoice's own due
 * date is the date itself.
 */
export function payableBy(invoice: Invoice, policy: OverduePolicy): PayableBy {
  if (!invoice.plan) return (dueDate) => dueDate;
  const calendar = policy.calendar ?? WEEKENDS_ONLY;
  return (dueDate) => calendar.workingDayOnOrAfter(dueDate);
}

/**
 * The overdue clock and the late-payment clause, as of the start of business day `asOf`.
 * Days are calendar days after the day the earliest unpaid amount was payable by (`payableBy`); the scheduler runs on
 * business days and this catches up the days in between, so the events are the same whichever
 * days it runs on. Per day d, in order:
 *   - interest for day d-1 (a closed day): `dailyInterestBp` of the principal overdue and still
 *     unpaid at the end of d-1, if d-1 is at least `interestFromDay` days overdue. A payment
 *     lowers the base from its own date; interest already charged is never recalculated;
 *   - `PaymentOverdue` for each threshold reached on d;
 *   - the one-off penalty when d reaches `penaltyDay`: `penaltyBp` of the overdue principal.
 * Fees are rounded half-up to the minor unit, each day on its own; a zero fee is no event.
 * A prepayment invoice is never overdue (`runsOverdueClock`).
 */
export function assessOverdue(invoice: Invoice, asOf: IsoDate, policy: OverduePolicy): InvoiceEvent[] {
  return walkOverdueDays(invoice, asOf, policy, false).events;
}

/** How far the days were walked: the events, and the first day that had any. */
interface OverdueWalk {
  events: InvoiceEvent[];
  /** The first day on which something happened (with `firstDayOnly`, the walk stopped there). */
  firstDay?: IsoDate;
  /** Nothing can ever happen again without another event on the invoice (a payment, a plan...). */
  done: boolean;
}

function walkOverdueDays(
  invoice: Invoice,
  asOf: IsoDate,
  policy: OverduePolicy,
  firstDayOnly: boolean,
): OverdueWalk {
  if (invoice.status !== 'OPEN' || !runsOverdueClock(invoice)) return { events: [], done: true };
  const payable = payableBy(invoice, policy);
  const due = earliestUnpaidDueDate(invoice, payable);
  if (!due) return { events: [], done: true };
  if (due >= asOf) return { events: [], done: false };
  const terms = invoice.issued.lateFeeTerms;
  const { invoiceId, customerId, currency } = invoice.issued;
  const thresholds = [...policy.overdueThresholds].sort((a, b) => a - b);

  const events: InvoiceEvent[] = [];
  let firstDay: IsoDate | undefined;
  let state = invoice;
  const emit = (event: InvoiceEvent) => {
    events.push(event);
    state = evolveInvoice(state, event) as Invoice;
  };
  /** A fee of `rateBp` on the principal overdue on `forDate`; nothing when it rounds to zero. */
  const chargeFee = (kind: 'INTEREST' | 'PENALTY', forDate: IsoDate, daysOverdue: number, rateBp: number) => {
    const base = overduePrincipal(state, forDate, payable);
    const amount = applyRateBasisPoints(base, rateBp);
    if (amount === 0) return;
    emit({
      type: 'LateFeeCharged',
      data: { invoiceId, customerId, currency, kind, forDate, daysOverdue, base, rateBp, amount },
    });
  };

  // Nothing can happen before the first unreached threshold, the penalty day or the next
  // uncharged interest day: start there rather than at the due date.
  const pendingDays = [
    ...thresholds.filter((t) => !invoice.overdueThresholdsReached.includes(t)),
    ...(terms && !invoice.penaltyCharged ? [terms.penaltyDay] : []),
  ].map((t) => addDays(due, t));
  const nextInterestClose = terms
    ? addDays(
        invoice.interestChargedThrough &&
          invoice.interestChargedThrough >= addDays(due, terms.interestFromDay)
          ? invoice.interestChargedThrough
          : addDays(due, terms.interestFromDay - 1),
        2,
      )
    : undefined;
  const candidates = [...pendingDays, ...(nextInterestClose ? [nextInterestClose] : [])];
  if (candidates.length === 0) return { events: [], done: true };
  let day = [...candidates].sort()[0]!;
  if (day <= due) day = addDays(due, 1);

  for (; day <= asOf; day = addDays(day, 1)) {
    // Without a clause, once every threshold is reached nothing more happens on any later day:
    // an invoice due decades ago is not walked through every day since.
    if (!terms && thresholds.every((t) => state.overdueThresholdsReached.includes(t)))
      return { events, ...(firstDay && { firstDay }), done: true };
    const before = events.length;
    const daysOverdue = daysBetween(due, day);
    const previous = addDays(day, -1);
    if (
      terms &&
      daysOverdue - 1 >= terms.interestFromDay &&
      (!state.interestChargedThrough || previous > state.interestChargedThrough)
    ) {
      chargeFee('INTEREST', previous, daysOverdue - 1, terms.dailyInterestBp);
    }
    for (const threshold of thresholds) {
      if (daysOverdue < threshold || state.overdueThresholdsReached.includes(threshold)) continue;
      const overdueAmount = overduePrincipal(state, day, payable);
      if (overdueAmount === 0) continue;
      emit({
        type: 'PaymentOverdue',
        data: {
          invoiceId,
          customerId,
          currency,
          threshold,
          daysOverdue,
          overdueDate: day,
          dueDate: due,
          overdueAmount,
          openAmount: totalOpen(state),
          disputed: state.disputed,
        },
      });
    }
    if (terms && !state.penaltyCharged && daysOverdue >= terms.penaltyDay) {
      chargeFee('PENALTY', day, daysOverdue, terms.penaltyBp);
    }
    if (events.length > before) {
      firstDay ??= day;
      if (firstDayOnly) break;
    }
  }
  return { events, ...(firstDay && { firstDay }), done: false };
}

/** How many days ahead `nextOverdueAssessment` looks before it settles for "look again then". */
const LOOK_AHEAD_DAYS = 400;

/**
 * The first day after `after` on which the overdue clock has something to do for the invoice as
 * it stands (`assessOverdue` would emit: a threshold crossed, a fee for a closed day, the penalty,
 * an instalment falling overdue), or undefined when nothing can happen until another event
 * changes it (paid, no clause and every threshold reached, a prepayment invoice). When nothing
 * happens within 400 days of the day it is due from (a fee that rounds to zero), it
 * answers the day it stopped looking: never later than the true day, so the clock may visit the
 * invoice early but never misses one of its days.
 */
export function nextOverdueAssessment(
  invoice: Invoice,
  after: IsoDate,
  policy: OverduePolicy,
): IsoDate | undefined {
  if (invoice.status !== 'OPEN' || !runsOverdueClock(invoice)) return undefined;
  const due = earliestUnpaidDueDate(invoice, payableBy(invoice, policy));
  if (!due) return undefined;
  const until = addDays(due > after ? due : after, LOOK_AHEAD_DAYS);
  const walk = walkOverdueDays(invoice, until, policy, true);
  if (walk.firstDay) return walk.firstDay;
  return walk.done ? undefined : until;
}

/**
 * Whether the overdue clock runs on the invoice. A prepayment invoice (款到发货,
 * `InvoiceIssued.prepayment`) asks for money before anything is shipped: no credit is extended
 * (DOMAIN.md §1) and delivery waits for the payment, so nothing is late until goods are delivered.
 * Unpaid, it reaches no overdue threshold and accrues no interest or penalty, whatever its
 * late-payment clause (the clause is the contract's, for credit it might extend later).
 */
export function runsOverdueClock(invoice: Invoice): boolean {
  return invoice.issued.prepayment !== true;
}

/** The invoice brought up to `asOf`: the overdue events it would get, folded in. */
export function invoiceAsOf(invoice: Invoice, asOf: IsoDate, policy: OverduePolicy) {
  const events = assessOverdue(invoice, asOf, policy);
  return { events, invoice: events.reduce((s, e) => evolveInvoice(s, e) as Invoice, invoice) };
}

/** The early-payment discount still available on `date` (0 when none). */
export function discountAvailable(invoice: Invoice, date: IsoDate): number {
  const terms = invoice.issued.discountTerms;
  if (!terms || invoice.discountTaken || invoice.status !== 'OPEN') return 0;
  if (date > addDays(invoice.issued.issueDate, terms.withinDays)) return 0;
  if (invoice.interestOpen + invoice.penaltyOpen > 0) return 0;
  return Math.min(invoice.principalOpen, applyRateBasisPoints(invoice.issued.amount, terms.rateBp));
}

/** What a payment on `date` must bring to settle the invoice in full. */
export function amountToSettle(invoice: Invoice, date: IsoDate): number {
  return totalOpen(invoice) - discountAvailable(invoice, date);
}
