import type { CreditCheckResult } from '@ar/contracts';
import { formatMoney } from '@ar/kernel';
import { type CreditFile, exceptionAllowance } from '../customer/state';
import type { CreditPolicy } from '../policy/credit-policy';

export interface Exposure {
  openReceivables: number;
  unbilledContracts: number;
}

/**
 * Whether a new exposure (a contract, a shipment on credit) fits the customer's credit, and
 * why not (DOMAIN.md §1): frozen credit refuses everything; the CAUTIOUS tier trades only for
 * prepayment; otherwise exposure (open receivables + signed, unbilled contracts) plus the new
 * amount must stay within the limit plus what the credit committee approved above it.
 */
export function checkCredit(
  file: CreditFile,
  exposure: Exposure,
  request: { amount: number; currency: string },
  policy: CreditPolicy,
): CreditCheckResult {
  const reasons: CreditCheckResult['reasons'] = [];
  const current = exposure.openReceivables + exposure.unbilledContracts;
  const allowance = exceptionAllowance(file);
  const available = file.limit + allowance - current;
  if (request.currency !== policy.currency) {
    reasons.push({
      code: 'CURRENCY_NOT_COVERED',
      message: `credit limits are kept in ${policy.currency}; ${request.currency} needs a converted amount`,
    });
  }
  if (file.frozen) {
    reasons.push({
      code: 'CREDIT_FROZEN',
      message: `credit frozen since ${file.frozen.since} (${file.frozen.reason}): no new contracts or shipments on credit`,
    });
  }
  if (file.tier === 'CAUTIOUS') {
    reasons.push({
      code: 'PREPAYMENT_REQUIRED',
      message: `CAUTIOUS tier (score ${file.score}): cash before delivery, no credit`,
    });
  } else if (request.amount > available) {
    const money = (amount: number) => formatMoney(amount, request.currency);
    reasons.push({
      code: 'OVER_LIMIT',
      message: `over the limit by ${money(request.amount - available)}: exposure ${money(current)} + ${money(request.amount)} exceeds limit ${money(file.limit)}${allowance ? ` + committee exception ${money(allowance)}` : ''}`,
    });
  }
  return {
    customerId: file.profile.customerId,
    approved: reasons.length === 0,
    reasons,
    tier: file.tier,
    score: file.score,
    limit: file.limit,
    exceptionAllowance: allowance,
    exposure: current,
    available,
    currency: policy.currency,
  };
}
