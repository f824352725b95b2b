import type { CreditTier, PaymentTermV1, StoredTermExceptionV1 } from '@ar/contracts';
import { RuleViolation } from '@ar/kernel';

/**
 * Payment terms by tier (DOMAIN.md §1): a milestone may not be due later after its trigger than
 * the customer's tier allows (net 30 STRATEGIC, net 15 COOPERATIVE by default, as credit-scoring
 * says at signing), unless a recorded exception allows it: a decision credit-scoring keeps for
 * the customer (#14) - by the risk role, or the joint credit committee with every member (sales,
 * finance, legal) approving, each by their own vote - which the signature names by its id and
 * credit-scoring answers at signing. The exception names how many calendar days it allows.
 */

/** A term's longest span in calendar days: a working-day term across every weekend it may meet. */
export function longestCalendarDays(term: PaymentTermV1): number {
  return term.basis === 'CALENDAR' ? term.days : term.days + 2 * Math.ceil(term.days / 5);
}

const describe = (term: PaymentTermV1) =>
  term.basis === 'CALENDAR'
    ? `${term.days} calendar days`
    : `${term.days} working days (up to ${longestCalendarDays(term)} calendar days)`;

export function assertTermsWithinTier(
  milestones: { milestoneId: string; term: PaymentTermV1 }[],
  tier: CreditTier,
  allowedDays: number,
  exception: {
    customerId: string;
    /** The decision the signature names. */
    asked: { exceptionId: string } | undefined;
    /** That decision as credit-scoring keeps it for this customer (absent: it has none). */
    stored: StoredTermExceptionV1 | undefined;
  },
): void {
  const tooLong = (days: number) => milestones.filter((m) => longestCalendarDays(m.term) > days);
  const overTier = tooLong(allowedDays);
  if (overTier.length === 0) return;
  const { asked, stored, customerId } = exception;
  if (!asked) {
    throw new RuleViolation(
      'TERM_EXCEEDS_TIER',
      `${overTier.map((m) => `${m.milestoneId}: ${describe(m.term)} is longer than the ${allowedDays} days ${tier} allows`).join('; ')}: needs a recorded exception (the risk role or the credit committee, in credit-scoring), named by its exceptionId`,
      'termException',
    );
  }
  const held = heldException(customerId, asked, stored);
  const overException = tooLong(held.termDays);
  if (overException.length > 0) {
    throw new RuleViolation(
      'TERM_EXCEEDS_EXCEPTION',
      `${overException.map((m) => `${m.milestoneId}: ${describe(m.term)} is longer than the ${held.termDays} days exception ${held.exceptionId} allows`).join('; ')}`,
      'termException.exceptionId',
    );
  }
}

/**
 * The decision a signature names, as credit-scoring holds it for the customer: one it does not
 * keep (none, another customer's) or a committee that did not approve is refused, whether or not
 * the terms need an exception - a signature records every exception it names, so signing again
 * is told from another signature by the exception it names (#14 probe F10).
 */
export function heldException(
  customerId: string,
  asked: { exceptionId: string },
  stored: StoredTermExceptionV1 | undefined,
): StoredTermExceptionV1 {
  if (!stored) {
    throw new RuleViolation(
      'TERM_EXCEPTION_NOT_FOUND',
      `credit-scoring has no recorded term exception ${asked.exceptionId} for customer ${customerId}: the risk role records one (POST /customers/${customerId}/term-exceptions) or the credit committee decides one with termDays`,
      'termException.exceptionId',
    );
  }
  if (stored.approvedBy === 'COMMITTEE' && !stored.approved) {
    const against = stored.votes.filter((v) => !v.approve);
    throw new RuleViolation(
      'EXCEPTION_NOT_APPROVED',
      `the credit committee did not approve exception ${stored.exceptionId}: ${against.map((v) => `${v.member}: ${v.reason}`).join('; ')}`,
      'termException.exceptionId',
    );
  }
  return stored;
}
