import type { CreditTier, PaymentTermV1, TermExceptionV1 } from '@ar/contracts';
import { RuleViolation } from '@ar/kernel';

/**
 * Payment terms by tier (DOMAIN.md §1): a milestone may not be due later after its trigger than
 * the customer's tier allows (net 30 STRATEGIC, net 15 COOPERATIVE by default, as credit-scoring
 * says at signing), unless a recorded exception allows it: the risk role, or the joint credit
 * committee with every member (sales, finance, legal) approving. The exception names how many
 * calendar days it allows.
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
  exception: TermExceptionV1 | undefined,
): void {
  const tooLong = (days: number) => milestones.filter((m) => longestCalendarDays(m.term) > days);
  const overTier = tooLong(allowedDays);
  if (overTier.length === 0) return;
  if (!exception) {
    throw new RuleViolation(
      'TERM_EXCEEDS_TIER',
      `${overTier.map((m) => `${m.milestoneId}: ${describe(m.term)} is longer than the ${allowedDays} days ${tier} allows`).join('; ')}: needs a recorded exception (the risk role or the credit committee)`,
      'termException',
    );
  }
  if (exception.approvedBy === 'COMMITTEE') {
    const against = exception.votes.filter((v) => !v.approve);
    const members = new Set(exception.votes.map((v) => v.member));
    if (members.size !== 3) {
      throw new RuleViolation(
        'COMMITTEE_INCOMPLETE',
        'the credit committee is sales, finance and legal: each votes once',
        'termException.votes',
      );
    }
    if (against.length > 0) {
      throw new RuleViolation(
        'EXCEPTION_NOT_APPROVED',
        `the credit committee did not approve the exception: ${against.map((v) => `${v.member}: ${v.reason}`).join('; ')}`,
        'termException.votes',
      );
    }
  }
  const overException = tooLong(exception.termDays);
  if (overException.length > 0) {
    throw new RuleViolation(
      'TERM_EXCEEDS_EXCEPTION',
      `${overException.map((m) => `${m.milestoneId}: ${describe(m.term)} is longer than the ${exception.termDays} days the exception allows`).join('; ')}`,
      'termException.termDays',
    );
  }
}
