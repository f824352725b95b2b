import { type CreditCheckResult, exactTotal } from '@ar/contracts';
import { formatMoney } from '@ar/kernel';
import { type CreditFile, exceptionAllowance } from '../customer/state';
import { convertTotal } from '../exposure/currency-conversion';
import type { CreditPolicy } from '../policy/credit-policy';

/**
 * Exposure totals in BigInt (#14 item 13): one amount is at most MAX_AMOUNT, a customer's sum of
 * them is not bounded, and a total past 2^53 must neither break the credit file nor be rounded.
 */
export interface Exposure {
  openReceivables: bigint;
  unbilledContracts: bigint;
}

/** A customer's exposure in one currency, in that currency's minor units. */
export interface CurrencyExposure extends Exposure {
  currency: string;
}

export interface CreditRequest {
  amount: number;
  currency: string;
  /** Cash before delivery (款到发货): no credit is extended, so neither tier nor limit is in the way. */
  prepayment?: boolean | undefined;
}

/**
 * Exposure in the limit's currency: each currency's total converted at the configured rate;
 * what has no rate is listed, never counted as nothing.
 */
export function exposureInLimitCurrency(
  exposure: CurrencyExposure[],
  policy: CreditPolicy,
): Exposure & { total: bigint; unconverted: CurrencyExposure[] } {
  const result = {
    openReceivables: 0n,
    unbilledContracts: 0n,
    total: 0n,
    unconverted: [] as CurrencyExposure[],
  };
  for (const e of exposure) {
    if (e.openReceivables === 0n && e.unbilledContracts === 0n) continue;
    const open = convertTotal(e.openReceivables, e.currency, policy.currency, policy.fxRates);
    const unbilled = convertTotal(e.unbilledContracts, e.currency, policy.currency, policy.fxRates);
    if (open === undefined || unbilled === undefined) {
      result.unconverted.push(e);
      continue;
    }
    result.openReceivables += open;
    result.unbilledContracts += unbilled;
  }
  result.total = result.openReceivables + result.unbilledContracts;
  return result;
}

/**
 * Whether a new exposure (a contract, a shipment on credit) fits the customer's credit, and
 * why not (DOMAIN.md §1): frozen credit refuses everything; on prepayment terms no credit is
 * extended, so that is all; otherwise the CAUTIOUS tier trades only for prepayment, and exposure
 * (open receivables + signed, unbilled contracts, every currency converted at the configured
 * rate) plus the new amount must stay within the limit plus what the credit committee approved
 * above it. A currency without a rate, in the exposure or the request, is refused by name.
 */
export function checkCredit(
  file: CreditFile,
  exposure: CurrencyExposure[],
  request: CreditRequest,
  policy: CreditPolicy,
): CreditCheckResult {
  const reasons: CreditCheckResult['reasons'] = [];
  const counted = exposureInLimitCurrency(exposure, policy);
  const current = counted.total;
  const allowance = exceptionAllowance(file);
  const available = BigInt(file.limit) + BigInt(allowance) - current;
  const inLimit = (amount: bigint) => formatMoney(amount, policy.currency);
  const amount = convertTotal(BigInt(request.amount), request.currency, policy.currency, policy.fxRates);
  if (file.frozen) {
    reasons.push({
      code: 'CREDIT_FROZEN',
      message: `credit frozen since ${file.frozen.since} (${file.frozen.reason}): no new contracts or shipments on credit`,
    });
  }
  if (!request.prepayment) {
    if (amount === undefined) {
      reasons.push({
        code: 'CURRENCY_NOT_COVERED',
        message: `credit limits are kept in ${policy.currency} and no ${request.currency} rate is configured (fxRates): ${formatMoney(request.amount, request.currency)} cannot be checked`,
      });
    }
    for (const e of counted.unconverted) {
      reasons.push({
        code: 'CURRENCY_NOT_COVERED',
        message: `exposure of ${formatMoney(e.openReceivables + e.unbilledContracts, e.currency)} cannot be counted against the ${policy.currency} limit: no ${e.currency} rate is configured (fxRates)`,
      });
    }
    if (file.tier === 'CAUTIOUS') {
      reasons.push({
        code: 'PREPAYMENT_REQUIRED',
        message: `CAUTIOUS tier (score ${file.score}): cash before delivery, no credit`,
      });
    } else if (amount !== undefined && counted.unconverted.length === 0 && amount > available) {
      const asked =
        request.currency === policy.currency
          ? inLimit(amount)
          : `${formatMoney(request.amount, request.currency)} (${inLimit(amount)})`;
      reasons.push({
        code: 'OVER_LIMIT',
        message: `over the limit by ${inLimit(amount - available)}: exposure ${inLimit(current)} + ${asked} exceeds limit ${inLimit(BigInt(file.limit))}${allowance ? ` + committee exception ${inLimit(BigInt(allowance))}` : ''}`,
      });
    }
  }
  return {
    customerId: file.profile.customerId,
    approved: reasons.length === 0,
    reasons,
    tier: file.tier,
    score: file.score,
    limit: file.limit,
    exceptionAllowance: allowance,
    exposure: exactTotal(current),
    available: exactTotal(available),
    currency: policy.currency,
    paymentTermDays: file.paymentTermDays,
  };
}
