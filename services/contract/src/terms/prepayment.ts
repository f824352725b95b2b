import { formatMoney, RuleViolation } from '@ar/kernel';
import type { Contract } from '../contract/state';

/**
 * Prepayment (款到发货, DOMAIN.md §1-2): on a contract with the prepayment clause the goods go
 * out only once paid - a delivery is refused while a milestone already reached (the ones due on
 * signing) is unpaid - and such a contract is complete only when paid and delivered.
 */
export function assertPaidBeforeDelivery(c: Contract): void {
  if (!c.prepayment) return;
  const unpaid = c.milestones.filter((m) => m.reachedDate && !m.paid);
  if (unpaid.length === 0) return;
  const money = (amount: number) => formatMoney(amount, c.drafted.currency);
  throw new RuleViolation(
    'DELIVERY_AWAITS_PAYMENT',
    `prepayment: delivery waits for payment of ${unpaid.map((m) => `${m.milestoneId} (${money(m.amount)})`).join(', ')}`,
    'kind',
  );
}

/** Paid in full but, on prepayment terms, not yet delivered: the contract is not complete yet. */
export function awaitsDelivery(c: Contract): boolean {
  return c.prepayment && !c.deliveredDate && !c.acceptedDate;
}
